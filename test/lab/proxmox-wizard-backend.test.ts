// The Proxmox wizard's backend through the app's core, as the wizard drives it: `lab up` on the
// proxmox-three-nodes example (test servers, cluster "homelab" in the workspace), planCluster, apply, quorate.
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { openLab } from '../../main/node/lab/index.js';
import { describeLab } from '../support/lab.js';
import { useLabCore } from '../support/proxmox/lab-core.js';

describeLab('Proxmox wizard backend: lab up → planCluster → apply → clusterStatus (core, lab, test servers)', () => {
  const lc = useLabCore('cwpw', 'Proxmox wizard backend');
  const { stateDir, tmp, secrets, events, timings } = lc;
  let workspacePath = '';

  it('starts the example with Proxmox test servers and writes cluster homelab with its api block', async () => {
    const t0 = Date.now();
    const up = await lc.core.call('lab.up', { example: 'proxmox-three-nodes', replace: true });
    timings.push(`lab.up with test servers: ${Date.now() - t0} ms`);
    expect(up).toMatchObject({ name: 'proxmox-three-nodes', hosts: 3, stackServices: ['Proxmox test servers'] });
    workspacePath = up.workspacePath;
    expect((await lc.core.call('lab.status', {})).stackServices).toEqual(['Proxmox test servers']);
    const text = fs.readFileSync(workspacePath, 'utf8');
    const [secret] = await secrets.list();
    expect(secret).toBeDefined();
    // The workspace names the password by id; the password itself is nowhere in the file.
    expect(text).toContain(`passwordSecret: ${secret!.id}`);
    expect(text).not.toContain(await secrets.get(secret!.id));
    const state = await lc.core.call('workspace.open', { path: path.dirname(workspacePath), remember: false });
    const cluster = state.workspace?.proxmox?.clusters[0];
    expect(cluster).toMatchObject({ name: 'homelab', nodes: ['a1', 'a2', 'b1'], links: [{ link: 0, network: 'management' }, { link: 1, network: 'corosync-link1' }], api: { user: 'root@pam', passwordSecret: secret!.id } });
    expect(cluster?.api?.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  }, 60_000);

  it('plans the cluster from the workspace with b1 joined by hand, applies it, and the cluster API reports it quorate with 3 nodes online', async () => {
    const before = await lc.core.call('proxmox.clusterStatus', { cluster: 'homelab' });
    expect(before.quorate).toBe(false);
    expect(await lc.core.call('proxmox.credentialCheck', { cluster: 'homelab' })).toEqual({ ok: true, kind: 'password' });

    // b1 stands for a node the app cannot reach: the plan creates and joins a2, then waits for the admin to join b1.
    const planned = await lc.core.call('proxmox.planCluster', { cluster: 'homelab', manualJoin: ['b1'] });
    expect(planned.blocking).toBe(false);
    expect(planned.tuning).toBeUndefined();
    expect(planned.plan.steps.map((s) => s.id)).toEqual(['check-a1', 'check-a2', 'create', 'join-a2', 'await-join-b1', 'quorate', 'membership-stable']);
    expect(planned.notes[0]).toMatch(/^Create cluster homelab on a1/);
    expect(planned.notes.some((n) => /b1 is joined by hand/.test(n))).toBe(true);
    const [secret] = await secrets.list();
    const password = await secrets.get(secret!.id);
    expect(JSON.stringify(planned)).not.toContain(password);

    const destructive = planned.plan.steps.filter((s) => s.destructive).map((s) => s.id);
    if (destructive.length) await lc.core.call('plan.approve', { plan: planned.plan, acknowledgeDestructive: destructive });
    const t0 = Date.now();
    const started = await lc.core.call('plan.apply', { plan: planned.plan, wait: false });
    const waiting = () => events.some((e) => {
      const ev = e as { name: string; payload: { runId?: string; stepId?: string; state?: string } };
      return ev.name === 'job.stepUpdated' && ev.payload.runId === started.runId && ev.payload.stepId === 'await-join-b1' && ev.payload.state === 'started';
    });
    for (let i = 0; i < 600 && !waiting(); i++) await new Promise((r) => setTimeout(r, 100));
    expect(waiting(), 'the plan never reached the wait for b1').toBe(true);
    const waitingAt = Date.now();

    // What the wizard shows: the join information and the command for b1 — no password in either.
    const info = await lc.core.call('proxmox.joinInformation', { cluster: 'homelab', nodes: ['b1'] });
    expect(JSON.stringify(info)).not.toContain(password);
    const decoded = JSON.parse(Buffer.from(info.joinInformation, 'base64').toString('utf8')) as { ipAddress: string; fingerprint: string; totem: { cluster_name?: string } };
    expect(decoded.totem.cluster_name).toBe('homelab');
    expect(decoded.fingerprint).toBe(info.fingerprint);
    const command = info.commands.find((c) => c.node === 'b1')!.command;
    expect(command).toMatch(new RegExp(`^pvecm add ${decoded.ipAddress.replace(/\./g, '\\.')} --fingerprint ${info.fingerprint} --link0 \\S+ --link1 \\S+$`));

    // The admin, on b1, runs that command and types the cluster's root password when asked.
    const lab = openLab(stateDir);
    const joined = await lab.exec('b1', command, { input: `${password}\n`, timeoutMs: 120_000 });
    expect(joined.code, joined.stderr).toBe(0);

    type Finished = { name: string; payload: { runId?: string; status?: string; failure?: unknown } };
    const finished = () => (events as Finished[]).find((e) => e.name === 'job.finished' && e.payload.runId === started.runId);
    for (let i = 0; i < 900 && !finished(); i++) await new Promise((r) => setTimeout(r, 100));
    const applyMs = Date.now() - t0;
    expect(finished()?.payload.status, JSON.stringify(finished()?.payload.failure)).toBe('succeeded');
    // The journal and everything else the app stored name the password only by its secret id.
    const stored = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? stored(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    expect(stored(tmp).filter((f) => fs.readFileSync(f, 'utf8').includes(password))).toEqual([]);
    expect(JSON.stringify(events)).not.toContain(password);

    const t1 = Date.now();
    const status = await lc.core.call('proxmox.clusterStatus', { cluster: 'homelab' });
    timings.push(`plan.apply (checks, create, join a2, b1 joined by hand after ${Date.now() - waitingAt} ms of waiting, quorum wait, stability check): ${applyMs} ms; clusterStatus: ${Date.now() - t1} ms`);
    expect(status).toMatchObject({ quorate: true, clusterName: 'homelab', totalVotes: 3, expectedVotes: 3 });
    expect(status.nodes.map((n) => [n.name, n.online]).sort()).toEqual([
      ['a1', true],
      ['a2', true],
      ['b1', true],
    ]);
  }, 150_000);

  it('reads every knet link up, then link0 down between the sites after a cut while the cluster stays quorate over link1', async () => {
    const up = await lc.core.call('proxmox.linkStatus', { cluster: 'homelab' });
    expect(up.unreadable).toEqual([]);
    expect(up.down).toEqual([]);
    expect(up.allUp).toBe(true);
    // Every member sees its two peers on both links.
    expect(up.links.filter((l) => l.connected === true)).toHaveLength(3 * 2 * 2);
    const lab = openLab(stateDir);
    await lab.cut('a', 'b', { network: 0 });
    try {
      let down = up;
      const t0 = Date.now();
      const reads: number[] = [];
      while (Date.now() - t0 < 25_000) {
        await new Promise((r) => setTimeout(r, 500));
        const r0 = Date.now();
        down = await lc.core.call('proxmox.linkStatus', { cluster: 'homelab' });
        reads.push(Date.now() - r0);
        if (down.down.length === 2) break;
      }
      timings.push(`knet reports link0 down ${Date.now() - t0} ms after the cut (read over SSH on every member; reads took ${reads.join(', ')} ms)`);
      if (down.down.length !== 2) console.log(JSON.stringify(down, null, 1));
      expect(down.down.map((d) => [d.link, d.a, d.b])).toEqual([
        [0, 'a1', 'b1'],
        [0, 'a2', 'b1'],
      ]);
      // Site a sees it; b1 itself is out of the app's reach while link0 (its management network) is cut — or, read
      // before its SSH session noticed, agrees.
      for (const d of down.down) expect(d.seenFrom).toContain(d.a);
      expect(down.unreadable.map((u) => u.node).filter((n) => n !== 'b1')).toEqual([]);
      expect(down.allUp).toBe(false);
      // The canvas draws from the stored facts: the same state is in the workspace's knet facts.
      const facts = await lc.core.call('latency.current', {});
      const stored = facts.facts.knet?.find((k) => k.cluster === 'homelab');
      expect(stored?.links.filter((l) => l.link === 0 && l.connected === false).map((l) => `${l.local}>${l.peer}`)).toEqual(expect.arrayContaining(['a1>b1', 'a2>b1']));
      expect(stored?.links.filter((l) => l.link === 1 && l.local !== 'b1').every((l) => l.connected)).toBe(true);
      const status = await lc.core.call('proxmox.clusterStatus', { cluster: 'homelab' });
      expect(status).toMatchObject({ quorate: true, totalVotes: 3 });
    } finally {
      await lab.restore('a', 'b', { network: 0 });
    }
  }, 60_000);

  it('stops the test servers with the lab', async () => {
    const down = await lc.core.call('lab.down', {});
    expect(down.namespaces).toBeGreaterThan(0);
    const status = await lc.core.call('lab.status', {});
    expect(status.running).toBe(false);
    expect(status.stackServices).toEqual([]);
    expect(await secrets.list()).toEqual([]);
  }, 60_000);
});
