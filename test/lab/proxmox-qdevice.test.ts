// Two Proxmox nodes and a QDevice at a third site: `pvecm qdevice setup` over SSH with real
// corosync-qnetd/-qdevice and their certificate tools; one node stopped → the other stays quorate.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { configVersion, parseCorosyncConf, qdeviceHost } from '../../main/common/stacks/proxmox/corosync-conf.js';
import { run } from '../../main/node/lab/index.js';
import { PveApiSchema } from '../../main/node/stacks/proxmox/api-schema.js';
import { installPveStandIns } from '../../main/node/stacks/proxmox/simulator/stand-ins.js';
import { describeLab, useLab } from '../support/lab.js';
import { startLabPve, type LabPve } from '../../main/node/stacks/proxmox/simulator/lab.js';

const spec = `
name: pve-qdevice
sites:
  - name: a
    hosts: [n1]
  - name: b
    hosts: [n2]
    link: lan
  - name: witness
    hosts: [qnetd]
    link: man
`;
const schema = new PveApiSchema();
const timings: string[] = [];
let pve: LabPve | undefined;
let workDir = '';

type StatusEntry = { type: string; name: string; quorate?: number; online?: number };

describeLab('Proxmox VE: two nodes and a QDevice at a witness site (real qnetd)', () => {
  const handle = useLab(spec, 'cwpq');

  /** Runs a command on a lab host over SSH, as the app does. */
  const ssh = (host: string, ...argv: string[]) => run(['ssh', '-F', handle.lab.sshConfigPath, '-o', 'BatchMode=yes', host, '--', ...argv], { timeoutMs: 120_000 });

  beforeAll(async () => {
    const lab = handle.lab;
    // /var/tmp, not /tmp: every lab host must see the pmxcfs directories (its own /tmp is private).
    workDir = fs.mkdtempSync('/var/tmp/cw-pve-qdevice-');
    pve = await startLabPve(lab, ['n1', 'n2'], { schema, workDir });
    await installPveStandIns(lab.binDir, path.join(workDir, 'pmxcfs'));
    // Proxmox nodes share root SSH keys; here each node gets the lab's client key, which every host accepts.
    for (const h of ['n1', 'n2']) {
      const key = lab.hostPath(h, '/root/.ssh/id_ed25519');
      fs.mkdirSync(path.dirname(key), { recursive: true, mode: 0o700 });
      fs.copyFileSync(lab.clientKeyPath, key);
      fs.chmodSync(key, 0o600);
    }
    // The witness: the corosync-qnetd package, started as Debian's postinst does.
    await lab.execOk('qnetd', ['systemctl', 'start', 'corosync-qnetd'], { timeoutMs: 30_000 });
  }, 60_000);

  afterAll(async () => {
    const violations = Object.values(pve?.servers ?? {}).flatMap((x) => x.violations);
    const sent = pve?.clients.reduce((s, c) => s + c.requestCount, 0) ?? 0;
    console.log(`Proxmox QDevice suite: ${sent} client requests validated against the official schema, ${violations.length} violations\n  ${timings.join('\n  ')}`);
    await pve?.stop();
    fs.rmSync(workDir, { recursive: true, force: true });
    expect(violations).toEqual([]);
  }, 60_000);

  it('builds a two-node cluster through the API', async () => {
    const lab = handle.lab;
    const n1 = pve!.client('n1');
    await n1.followTask(await n1.post<string>('/cluster/config', { clustername: 'duo', link0: lab.host('n1').addressList[0] }), { pollMs: 200 });
    const n2 = pve!.client('n2');
    const upid = await n2.post<string>('/cluster/config/join', { hostname: lab.host('n1').addressList[0], password: pve!.rootPassword, fingerprint: pve!.servers.n1!.certificateFingerprint, link0: lab.host('n2').addressList[0] });
    await n2.followTask(upid, { pollMs: 200, timeoutMs: 90_000, onCertificateChange: async () => void (await n2.repinThrough(n1, 'n2')) });
    const deadline = Date.now() + 60_000;
    let status: StatusEntry[] = [];
    while (Date.now() < deadline) {
      status = await n1.get<StatusEntry[]>('/cluster/status');
      if (status[0]?.quorate && status.filter((e) => e.online).length === 2) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(status.filter((e) => e.type === 'node' && e.online).map((e) => e.name).sort()).toEqual(['n1', 'n2']);
  }, 120_000);

  it('refuses a QDevice address that is not an IP, and expected votes below 1, as pvecm does', async () => {
    const r = await ssh('n1', 'pvecm', 'qdevice', 'setup', 'qnetd.example');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/value does not look like a valid IP address/);
    expect((await ssh('n1', 'pvecm', 'expected', '0')).stderr).toMatch(/expected: value must have a minimum value of 1/);
    // Setting the expected votes to what they are is accepted by the real corosync-quorumtool.
    const same = await ssh('n1', 'pvecm', 'expected', '2');
    expect(same.code, same.stderr).toBe(0);
    const nodes = await ssh('n2', 'pvecm', 'nodes');
    expect(nodes.stdout).toMatch(/\bn1\b/);
    expect(nodes.stdout).toMatch(/\bn2 \(local\)/);
  });

  it('sets up the QDevice over SSH: the certificates, quorum.device in corosync.conf, a third vote', async () => {
    const lab = handle.lab;
    const started = Date.now();
    const qnetdAddress = lab.host('qnetd').addressList[0];
    const setup = await ssh('n1', 'pvecm', 'qdevice', 'setup', qnetdAddress);
    expect(setup.code, `${setup.stdout}\n${setup.stderr}`).toBe(0);
    expect(setup.stdout).toMatch(/INFO: sign and export cluster cert/);
    timings.push(`pvecm qdevice setup: ${Date.now() - started} ms`);
    for (const h of ['n1', 'n2']) {
      const conf = parseCorosyncConf(fs.readFileSync(lab.hostPath(h, '/etc/corosync/corosync.conf'), 'utf8'));
      expect(qdeviceHost(conf)).toBe(qnetdAddress);
      expect(configVersion(conf)).toBe(3);
    }
    const deadline = Date.now() + 60_000;
    let status = await ssh('n1', 'pvecm', 'status');
    while (!/Qdevice/.test(status.stdout) || !/Total votes:\s+3/.test(status.stdout)) {
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
      status = await ssh('n1', 'pvecm', 'status');
    }
    expect(status.stdout).toMatch(/^Name:\s+duo$/m);
    expect(status.stdout).toMatch(/Total votes:\s+3/);
    expect(status.stdout).toMatch(/Qdevice/);
    timings.push(`setup → QDevice vote counted: ${Date.now() - started} ms`);
    expect(await pve!.client('n1').get('/cluster/config/qdevice')).toMatchObject({ Votes: '1' });
  }, 180_000);

  it('keeps n1 quorate when n2 stops, thanks to the QDevice vote', async () => {
    const lab = handle.lab;
    await lab.execOk('n2', ['systemctl', 'stop', 'corosync-qdevice', 'corosync'], { timeoutMs: 30_000 });
    const n1 = pve!.client('n1');
    const started = Date.now();
    let status: StatusEntry[] = [];
    // Past token + consensus, n1 sees n2 gone and must still be quorate (its vote + the QDevice's).
    while (Date.now() - started < 30_000) {
      status = await n1.get<StatusEntry[]>('/cluster/status');
      if (status.find((e) => e.name === 'n2')?.online === 0) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    await new Promise((r) => setTimeout(r, 3_000));
    status = await n1.get<StatusEntry[]>('/cluster/status');
    expect(status.find((e) => e.name === 'n2')?.online).toBe(0);
    expect(status[0]).toMatchObject({ type: 'cluster', quorate: 1 });
    const pvecm = await ssh('n1', 'pvecm', 'status');
    expect(pvecm.code).toBe(0);
    expect(pvecm.stdout).toMatch(/Quorate:\s+Yes/);
    const members = await ssh('n1', 'pvecm', 'nodes');
    expect(members.stdout).toMatch(/\bn1\b/);
    expect(members.stdout).not.toMatch(/\bn2\b/);
    timings.push(`n2 stopped → n1 still quorate, checked after ${Date.now() - started} ms`);
  }, 60_000);

  it('refuses to remove the QDevice while a node is offline, and removes it once all are back', async () => {
    const lab = handle.lab;
    const offline = await ssh('n1', 'pvecm', 'qdevice', 'remove');
    expect(offline.code).not.toBe(0);
    expect(offline.stderr).toMatch(/All nodes must be online! Node n2 is offline, aborting\./);
    await lab.execOk('n2', ['systemctl', 'start', 'corosync', 'corosync-qdevice'], { timeoutMs: 30_000 });
    const n1 = pve!.client('n1');
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const status = await n1.get<StatusEntry[]>('/cluster/status');
      if (status.filter((e) => e.type === 'node' && e.online).length === 2) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const removed = await ssh('n1', 'pvecm', 'qdevice', 'remove');
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toMatch(/Removed Qdevice\./);
    for (const h of ['n1', 'n2']) {
      const conf = parseCorosyncConf(fs.readFileSync(lab.hostPath(h, '/etc/corosync/corosync.conf'), 'utf8'));
      expect(qdeviceHost(conf)).toBeUndefined();
      expect(configVersion(conf)).toBe(4);
      expect(fs.existsSync(lab.hostPath(h, '/etc/corosync/qdevice'))).toBe(false);
    }
    const status = await ssh('n1', 'pvecm', 'status');
    expect(status.stdout).toMatch(/Total votes:\s+2/);
    expect(status.stdout).not.toMatch(/Qdevice/);
    expect((await ssh('n1', 'pvecm', 'qdevice', 'remove')).stderr).toMatch(/No QDevice configured!/);
  }, 120_000);
});
