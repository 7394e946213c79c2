// A Proxmox VE cluster built through the API on the lab: three nodes over two sites with two corosync
// links (real corosync), re-pinned certificates after join, link0 cut → quorate over link1, migrations.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CwError } from '../../main/common/errors.js';
import { configVersion, corosyncNodes, parseCorosyncConf } from '../../main/common/stacks/proxmox/corosync-conf.js';
import { PveApiSchema } from '../../main/node/stacks/proxmox/api-schema.js';
import type { PveClient } from '../../main/node/stacks/proxmox/client.js';
import { describeLab, useLab } from '../support/lab.js';
import { labRunner, startLabPve, type LabPve } from '../../main/node/stacks/proxmox/simulator/lab.js';
import { CorosyncDriver } from '../../main/node/stacks/proxmox/simulator/corosync.js';
import { waitFor, type StatusEntry } from '../support/proxmox/cluster.js';

const spec = `
name: pve-cluster
sites:
  - name: a
    hosts: [a1, a2]
  - name: b
    hosts: [b1]
    link: man
`;
const hosts = ['a1', 'a2', 'b1'];
const schema = new PveApiSchema();
const timings: string[] = [];
let pve: LabPve | undefined;


const allOnline = (c: PveClient, count: number) => async (): Promise<StatusEntry[] | undefined> => {
  const s = await c.get<StatusEntry[]>('/cluster/status');
  return s[0]?.quorate && s.filter((e) => e.type === 'node' && e.online).length === count ? s : undefined;
};

describeLab('Proxmox VE cluster through the API on the lab (real corosync)', () => {
  const handle = useLab(spec, 'cwpc');

  beforeAll(async () => {
    pve = await startLabPve(handle.lab, hosts, {
      schema,
      workDir: fs.mkdtempSync(path.join(os.tmpdir(), 'cw-pve-cluster-')),
      guests: {},
      migrationTimeScale: 0.05,
    });
  }, 60_000);

  afterAll(async () => {
    const sent = pve?.clients.reduce((s, c) => s + c.requestCount, 0) ?? 0;
    const refused = pve?.clients.reduce((s, c) => s + c.refusedCount, 0) ?? 0;
    const served = Object.values(pve?.servers ?? {}).reduce((s, x) => s + x.counts.requests, 0);
    const violations = Object.values(pve?.servers ?? {}).flatMap((x) => x.violations);
    console.log(`Proxmox cluster suite: clients validated ${sent + refused} requests against the official schema (${refused} refused), servers validated ${served} requests and their replies, ${violations.length} violations\n  ${timings.join('\n  ')}`);
    await pve?.stop();
    expect(violations).toEqual([]);
  }, 60_000);

  it('creates the cluster on a1 with two links and joins a2 and b1, re-pinning their reissued certificates', async () => {
    const lab = handle.lab;
    const started = Date.now();
    const a1 = pve!.client('a1');
    const [l0, l1] = lab.host('a1').addressList;
    const create = await a1.post<string>('/cluster/config', { clustername: 'homelab', link0: `address=${l0},priority=20`, link1: `address=${l1},priority=10` });
    await a1.followTask(create, { pollMs: 200, timeoutMs: 60_000 });
    await waitFor('a1 quorate', allOnline(a1, 1), 30_000);
    timings.push(`create → a1 quorate: ${Date.now() - started} ms`);
    const fingerprint = pve!.servers.a1!.certificateFingerprint;
    for (const joiner of ['a2', 'b1']) {
      const t0 = Date.now();
      const c = pve!.client(joiner);
      const before = pve!.servers[joiner]!.certificateFingerprint;
      const [j0, j1] = lab.host(joiner).addressList;
      const upid = await c.post<string>('/cluster/config/join', { hostname: l0, password: pve!.rootPassword, fingerprint, link0: j0, link1: j1 });
      const log: string[] = [];
      const changes: CwError[] = [];
      // Near its end the join reissues the node's certificate from the cluster CA: the pinned client refuses it,
      // re-pins through a1 (which already trusts the cluster) and keeps following the task.
      await c.followTask(upid, {
        onLog: (l) => log.push(l),
        pollMs: 200,
        timeoutMs: 90_000,
        onCertificateChange: async (err) => {
          changes.push(err);
          await c.repinThrough(a1, joiner);
        },
      });
      expect(log).toContain(`successfully added node '${joiner}' to cluster.`);
      expect(log.join('\n')).not.toContain(pve!.rootPassword);
      expect(pve!.servers[joiner]!.certificateFingerprint).not.toBe(before);
      if (!changes.length) {
        // The task ended before the next poll saw the new certificate: the next call meets it instead.
        const stale = (await c.get('/version').catch((e: unknown) => e)) as CwError;
        changes.push(stale);
        await c.repinThrough(a1, joiner);
      }
      expect(changes.map((e) => e.code)).toEqual(['HOST_KEY_CHANGED']);
      expect(c.pinnedFingerprint).toBe(pve!.servers[joiner]!.certificateFingerprint);
      expect(await c.get('/version')).toMatchObject({ release: '9.1' });
      timings.push(`join ${joiner} → task OK: ${Date.now() - t0} ms`);
    }
    const status = await waitFor('three nodes online and quorate', allOnline(a1, 3), 60_000);
    timings.push(`apply → 3-node cluster quorate: ${Date.now() - started} ms`);
    expect(status[0]).toMatchObject({ type: 'cluster', name: 'homelab', nodes: 3, quorate: 1, version: 3 });
    // Every node's /etc/corosync/corosync.conf is the cluster's, written the Proxmox way.
    const texts = hosts.map((h) => fs.readFileSync(lab.hostPath(h, '/etc/corosync/corosync.conf'), 'utf8'));
    expect(new Set(texts).size).toBe(1);
    const conf = parseCorosyncConf(texts[0]!);
    expect(configVersion(conf)).toBe(3);
    expect(corosyncNodes(conf).map((n) => [n.name, n.nodeid, Object.keys(n.links).length])).toEqual([
      ['a1', 1, 2],
      ['a2', 2, 2],
      ['b1', 3, 2],
    ]);
    expect(texts[0]).toMatch(/interface \{\n {4}knet_link_priority: 20\n {4}linknumber: 0\n {2}\}/);
    const quorum = await lab.execOk('b1', ['timeout', '3', 'corosync-quorumtool', '-s']);
    expect(quorum.stdout).toMatch(/Total votes:\s+3/);
  }, 240_000);

  it('stays quorate over link1 when link0 between the sites is cut, and shows link0 down', async () => {
    const lab = handle.lab;
    const b1 = pve!.client('b1');
    await new Promise((r) => setTimeout(r, 2_000));
    await lab.cut('a', 'b', { network: 0 });
    try {
      // Past token + consensus (3.125 s + 3.75 s with token_coefficient 125), b1 must still see all three nodes.
      await new Promise((r) => setTimeout(r, 8_000));
      const status = await b1.get<StatusEntry[]>('/cluster/status');
      expect(status[0]).toMatchObject({ quorate: 1 });
      expect(status.filter((e) => e.type === 'node' && e.online)).toHaveLength(3);
      // The same view the canvas gets: per peer and link, knet's state from corosync-cfgtool.
      const links = await new CorosyncDriver(labRunner(lab, 'b1')).links();
      expect(links.find((l) => l.link === 0)?.peers).toEqual(new Map([[1, false], [2, false]]));
      expect(links.find((l) => l.link === 1)?.peers).toEqual(new Map([[1, true], [2, true]]));
    } finally {
      await lab.restore('a', 'b', { network: 0 });
    }
  }, 60_000);

  it('migrates a VM record between sites in a time derived from memory and the measured link, and moves it', async () => {
    const a1 = pve!.client('a1');
    pve!.servers.a1!.addGuest({ vmid: 101, name: 'db', memoryMiB: 1024, cores: 2, running: true, disks: [{ key: 'scsi0', storage: 'ceph-vm', sizeGiB: 32 }] });
    pve!.servers.a1!.addGuest({ vmid: 102, name: 'cache', memoryMiB: 256, cores: 1, running: true, disks: [{ key: 'scsi0', storage: 'local-lvm', sizeGiB: 4 }] });
    const pre = await a1.get<{ allowed_nodes: string[]; local_disks: unknown[] }>('/nodes/a1/qemu/101/migrate', { target: 'b1' });
    expect(pre.allowed_nodes.sort()).toEqual(['a2', 'b1']);
    expect(pre.local_disks).toEqual([]);
    const upid = await a1.post<string>('/nodes/a1/qemu/101/migrate', { target: 'b1', online: true });
    const log: string[] = [];
    await a1.followTask(upid, { onLog: (l) => log.push(l), pollMs: 100 });
    const measured = log.find((l) => l.includes('measured RTT'))!;
    const rtt = Number(/RTT to b1: ([\d.]+) ms/.exec(measured)![1]);
    expect(rtt).toBeGreaterThan(1); // the man preset, not a LAN
    expect(measured).toMatch(/1024 MiB to transfer/);
    expect(log.some((l) => /migration finished successfully/.test(l))).toBe(true);
    const res = await a1.get<{ vmid?: number; node?: string }[]>('/cluster/resources', { type: 'vm' });
    expect(res.find((r) => r.vmid === 101)?.node).toBe('b1');
    timings.push(measured.replace(/^\S+ \S+ /, 'migration of vm 101: '));
    // A running VM with a local disk needs with-local-disks, as on Proxmox.
    const refused = await a1.post<string>('/nodes/a1/qemu/102/migrate', { target: 'a2', online: true });
    const err = (await a1.followTask(refused, { pollMs: 100 }).catch((e: unknown) => e)) as CwError;
    expect(err.message).toMatch(/can't live migrate attached local disks without with-local-disks option/);
    const ok = await a1.post<string>('/nodes/a1/qemu/102/migrate', { target: 'a2', online: true, 'with-local-disks': true });
    await a1.followTask(ok, { pollMs: 100 });
    expect((await pve!.client('a2').get<{ vmid: number }[]>('/nodes/a2/qemu')).map((v) => v.vmid)).toEqual([102]);
  }, 120_000);

  it('hands an HA-managed VM to the HA stack and enforces a strict node-affinity rule (PVE 9)', async () => {
    const b1 = pve!.client('b1');
    await b1.post('/cluster/ha/resources', { sid: 'vm:101', state: 'started' });
    await b1.post('/cluster/ha/rules', { rule: 'site-b-only', type: 'node-affinity', resources: 'vm:101', nodes: 'b1', strict: true });
    const blocked = (await b1.post('/nodes/b1/qemu/101/migrate', { target: 'a1', online: true }).catch((e: unknown) => e)) as CwError;
    expect(blocked.message).toMatch(/strict node-affinity rule 'site-b-only'/);
    const listed = await b1.get<{ vmid: number; hastate?: string }[]>('/cluster/resources', { type: 'vm' });
    expect(listed.find((r) => r.vmid === 101)?.hastate).toBe('started');
    // Without a rule in the way, the ordinary migrate call becomes an HA migration, and the HA call works both ways.
    pve!.servers.a1!.addGuest({ vmid: 103, name: 'app', memoryMiB: 128, cores: 1, running: true, disks: [{ key: 'scsi0', storage: 'ceph-vm', sizeGiB: 8 }] });
    await b1.post('/cluster/ha/resources', { sid: 'vm:103' });
    const a1 = pve!.client('a1');
    const upid = await a1.post<string>('/nodes/a1/qemu/103/migrate', { target: 'a2', online: true });
    expect(upid).toMatch(/:hamigrate:103:root@pam:$/);
    const log: string[] = [];
    await a1.followTask(upid, { onLog: (l) => log.push(l), pollMs: 100 });
    expect(log).toContain('Requesting HA migration for VM 103 to node a2');
    const where = async () => (await b1.get<{ vmid?: number; node?: string }[]>('/cluster/resources', { type: 'vm' })).find((r) => r.vmid === 103)?.node;
    expect(await where()).toBe('a2');
    expect(await b1.post('/cluster/ha/resources/vm:103/migrate', { node: 'a1' })).toEqual({ sid: 'vm:103', 'requested-node': 'a1' });
    const until = Date.now() + 20_000;
    while ((await where()) !== 'a1' && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(await where()).toBe('a1');
  }, 60_000);
});
