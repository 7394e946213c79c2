// A two-node cluster with a QDevice: real corosync-qnetd at a third site, certificates made with the
// Debian tools the way `pvecm qdevice setup` does; the monitor reads the QDevice's vote (lost while qnetd is
// down, back after) and a stale quorum from totem's counters while a member keeps restarting; one node
// stopped → the other stays quorate.
import fs from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import type { Lab } from '../../main/node/lab/index.js';
import { conditionsOf, staleQuorum, type ClusterSample } from '../../main/common/monitor/model.js';
import { parseWorkspace } from '../../main/common/workspace/parse.js';
import { monitorProxmox } from '../../main/node/stacks/proxmox/monitor.js';
import type { RemoteRunner } from '../../main/node/workspace/runner.js';
import { describeLab, useLab } from '../support/lab.js';
import { corosyncConf, installCorosync, waitQuorate } from '../support/lab-corosync.js';

const spec = `
name: qdevice
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

const nodes = ['n1', 'n2'];
const cluster = 'labqd';
const timings: string[] = [];
afterAll(() => {
  if (timings.length) console.log(`qdevice timings:\n  ${timings.join('\n  ')}`);
});

/** Copies a file from one lab host's private directories to another's, as scp would. */
function copy(lab: Lab, from: string, fromPath: string, to: string, toPath: string): void {
  const target = lab.hostPath(to, toPath);
  fs.mkdirSync(target.slice(0, target.lastIndexOf('/')), { recursive: true });
  fs.copyFileSync(lab.hostPath(from, fromPath), target);
}

describeLab('corosync QDevice on the lab: two nodes and a witness site', () => {
  const handle = useLab(spec, 'cwtq');

  const workspace = parseWorkspace(`version: 1
name: qd
sites:
  - { name: a, kind: lan }
  - { name: b, kind: lan }
  - { name: witness, kind: man }
networks:
  - { name: ring0, roles: [corosync] }
nodes:
  - { name: n1, site: a }
  - { name: n2, site: b }
  - { name: qnetd, site: witness }
proxmox:
  clusters:
    - { name: ${cluster}, nodes: [n1, n2], links: [{ link: 0, network: ring0 }], qdevice: { host: qnetd } }
`).workspace!;
  /** Commands on the lab's hosts, as the monitor runs them on a workspace's nodes. */
  const runner: RemoteRunner = { kind: 'lab', runsOnNodes: true, exec: (node, argv, o) => handle.lab.exec(node, argv, { timeoutMs: o.timeoutMs ?? 8_000 }) };
  const read = async () => (await monitorProxmox(workspace, runner, { skip: new Set() })).clusters[0]!;

  it('sets up qnetd and the qdevice certificates the way pvecm qdevice setup does, and the QDevice vote appears', async () => {
    const lab = handle.lab;
    const started = Date.now();
    // The witness: corosync-qnetd (its stand-in unit creates the CA and server certificate on first start, as the Debian package does).
    await lab.execOk('qnetd', ['systemctl', 'start', 'corosync-qnetd'], { timeoutMs: 30_000 });
    // Every node: a database holding the qnetd CA.
    for (const node of nodes) {
      copy(lab, 'qnetd', '/etc/corosync/qnetd/nssdb/qnetd-cacert.crt', node, '/etc/corosync/qdevice/net/qnetd-cacert.crt');
      await lab.execOk(node, ['corosync-qdevice-net-certutil', '-i', '-c', '/etc/corosync/qdevice/net/qnetd-cacert.crt'], { timeoutMs: 30_000 });
    }
    // n1 requests the cluster certificate, qnetd signs it, n1 turns it into a PKCS#12 bundle for all nodes.
    await lab.execOk('n1', ['corosync-qdevice-net-certutil', '-r', '-n', cluster], { timeoutMs: 30_000 });
    copy(lab, 'n1', '/etc/corosync/qdevice/net/nssdb/qdevice-net-node.crq', 'qnetd', '/tmp/qdevice-net-node.crq');
    await lab.execOk('qnetd', ['corosync-qnetd-certutil', '-s', '-c', '/tmp/qdevice-net-node.crq', '-n', cluster], { timeoutMs: 30_000 });
    copy(lab, 'qnetd', `/etc/corosync/qnetd/nssdb/cluster-${cluster}.crt`, 'n1', `/tmp/cluster-${cluster}.crt`);
    await lab.execOk('n1', ['corosync-qdevice-net-certutil', '-M', '-c', `/tmp/cluster-${cluster}.crt`], { timeoutMs: 30_000 });
    copy(lab, 'n1', '/etc/corosync/qdevice/net/nssdb/qdevice-net-node.p12', 'n2', '/tmp/qdevice-net-node.p12');
    await lab.execOk('n2', ['corosync-qdevice-net-certutil', '-m', '-c', '/tmp/qdevice-net-node.p12'], { timeoutMs: 30_000 });
    timings.push(`qnetd + certificates: ${Date.now() - started} ms`);

    const conf = corosyncConf(lab, cluster, nodes.map((host, i) => ({ host, nodeId: i + 1 })), { links: 2, qdeviceHost: 'qnetd' });
    await installCorosync(lab, conf, nodes);
    const corosyncAt = Date.now();
    await Promise.all(nodes.map((n) => lab.execOk(n, ['systemctl', 'start', 'corosync'], { timeoutMs: 20_000 })));
    await Promise.all(nodes.map((n) => lab.execOk(n, ['systemctl', 'start', 'corosync-qdevice'], { timeoutMs: 20_000 })));
    expect(await waitQuorate(lab, nodes, true, 30_000)).toBeDefined();
    // The QDevice vote shows up in votequorum: 3 expected votes, 3 total, Qdevice listed.
    let status = '';
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline) {
      status = (await lab.exec('n1', ['timeout', '3', 'corosync-quorumtool', '-s'], { timeoutMs: 5_000 })).stdout;
      if (/Total votes:\s+3/.test(status) && /Qdevice/.test(status)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    timings.push(`corosync + qdevice start → QDevice vote counted: ${Date.now() - corosyncAt} ms`);
    expect(status).toMatch(/Expected votes:\s+3/);
    expect(status).toMatch(/Total votes:\s+3/);
    expect(status).toMatch(/\d+\s+1\s+Qdevice/);
    const qnetdStatus = await lab.execOk('qnetd', ['timeout', '5', 'corosync-qnetd-tool', '-l'], { timeoutMs: 8_000 });
    expect(qnetdStatus.stdout).toContain(`Cluster "${cluster}"`);
  });

  it("the monitor reads the QDevice's vote on a member, says when it stops (qnetd down) and when it votes again", async () => {
    const lab = handle.lab;
    const waitFor = async (what: string, level: 'ok' | 'error') => {
      const started = Date.now();
      let last: ClusterSample | undefined;
      while (Date.now() - started < 60_000) {
        last = await read();
        if (last.services?.find((x) => x.kind === 'qdevice')?.level === level) return { sample: last, ms: Date.now() - started };
        await new Promise((r) => setTimeout(r, 500));
      }
      throw new Error(`the QDevice did not read ${what} within 60 s: ${JSON.stringify(last)}`);
    };
    const voting = await waitFor('voting', 'ok');
    expect(voting.sample).toMatchObject({ reachable: true, quorate: true, qdeviceVote: true, services: [{ kind: 'qdevice', name: 'qnetd', state: 'voting' }] });
    await lab.execOk('qnetd', ['systemctl', 'stop', 'corosync-qnetd'], { timeoutMs: 20_000 });
    const silent = await waitFor('not voting', 'error');
    timings.push(`qnetd stopped → the monitor reads the QDevice not voting: ${silent.ms} ms`);
    const alerts = conditionsOf({ t: 1, links: [], clusters: [silent.sample] }, new Map());
    expect(alerts.map((a) => `${a.kind} ${a.severity} ${a.subject}`)).toContain(`service error cluster/proxmox/${cluster}/qdevice/qnetd`);
    await lab.execOk('qnetd', ['systemctl', 'start', 'corosync-qnetd'], { timeoutMs: 20_000 });
    const back = await waitFor('voting again', 'ok');
    timings.push(`qnetd started again → voting: ${back.ms} ms`);
  });

  it('reads a stale quorum from real totem counters: n1 stays quorate while n2 restarting every round makes its membership re-form', async () => {
    const lab = handle.lab;
    // Steady: four readings, nothing re-forms.
    const steady: ClusterSample[] = [];
    for (let i = 0; i < 4; i++) {
      steady.push(await read());
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(steady.every((x) => x.quorate === true && x.membershipsFormed !== undefined)).toBe(true);
    expect(new Set(steady.map((x) => x.membershipsFormed)).size).toBe(1);
    expect(staleQuorum(steady)).toBe(false);
    // Churn: n2's corosync restarts between readings (it leaves, then joins again); n1 keeps quorum with the QDevice's vote.
    const churn: ClusterSample[] = [await read()];
    const started = Date.now();
    for (let i = 0; i < 3; i++) {
      await lab.execOk('n2', ['systemctl', 'restart', 'corosync'], { timeoutMs: 20_000 });
      const until = Date.now() + 30_000;
      let now = await read();
      while (!(now.members ?? []).includes('n2') && Date.now() < until) {
        await new Promise((r) => setTimeout(r, 200));
        now = await read();
      }
      expect(now.members).toContain('n2');
      churn.push(now);
    }
    timings.push(`three re-formations read by the monitor: ${Date.now() - started} ms; memberships formed ${churn.map((x) => x.membershipsFormed).join(' → ')}`);
    expect(churn.every((x) => x.reachable && x.quorate === true)).toBe(true);
    expect(staleQuorum(churn)).toBe(true);
    const alerts = conditionsOf({ t: 1, links: [], clusters: [churn.at(-1)!] }, new Map(), () => churn.slice(0, -1));
    expect(alerts.map((a) => `${a.kind} ${a.subject}`)).toContain(`stale-quorum cluster/proxmox/${cluster}`);
    // The same readings with the churn stopped: the next steady round breaks the run.
    const after = await read();
    expect(staleQuorum([...churn.slice(-3), after])).toBe(false);
  });

  it('keeps the remaining node quorate when the other one stops', async () => {
    const lab = handle.lab;
    await lab.execOk('n2', ['systemctl', 'stop', 'corosync-qdevice'], { timeoutMs: 20_000 });
    await lab.execOk('n2', ['systemctl', 'stop', 'corosync'], { timeoutMs: 20_000 });
    // n1 alone plus the QDevice vote: 2 of 3.
    let status = '';
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      status = (await lab.exec('n1', ['timeout', '3', 'corosync-quorumtool', '-s'], { timeoutMs: 5_000 })).stdout;
      if (/Total votes:\s+2/.test(status)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(status).toMatch(/Total votes:\s+2/);
    expect(status).toMatch(/Quorate:\s+Yes/);
    // And it stays so for a while (token + consensus and more).
    await new Promise((r) => setTimeout(r, 4_000));
    const later = await lab.exec('n1', ['timeout', '3', 'corosync-quorumtool', '-s'], { timeoutMs: 5_000 });
    expect(later.code).toBe(0);
  });
});
