// The wizard's WAN path through the app's core on the lab's `proxmox-wan` example: latency measured over SSH
// on the nodes, the ≈30 ms corosync link blocks the plan, accepting the WAN layout records it in the workspace
// and writes the computed totem timing into /etc/pve/corosync.conf before the joins; the cluster forms on
// real corosync, which runs with that timing.
import fs from 'node:fs';
import { expect, it } from 'vitest';
import { openLab } from '../../main/node/lab/index.js';
import { describeLab } from '../support/lab.js';
import { useLabCore } from '../support/proxmox/lab-core.js';

describeLab('Proxmox wizard over a WAN: refused by default, built with the accepted WAN timing', () => {
  const lc = useLabCore('cwpv', 'Proxmox wizard over a WAN');
  const { stateDir, timings } = lc;
  let workspacePath = '';

  it('starts the example and measures its links on the nodes: c1 is ≈30 ms away', async () => {
    const up = await lc.core.call('lab.up', { example: 'proxmox-wan', replace: true });
    workspacePath = up.workspacePath;
    await lc.core.call('workspace.open', { path: workspacePath, remember: false });
    const t0 = Date.now();
    const measured = await lc.core.call('latency.measure', { count: 50, intervalS: 0.2 });
    timings.push(`latency.measure (50 pings per pair, over SSH on the nodes): ${Date.now() - t0} ms`);
    expect(measured.unreachable).toBe(0);
    const toC = measured.matrix.samples.filter((s) => s.network === 'management' && s.from === 'a1' && s.to === 'c1');
    expect(toC[0]?.avgMs).toBeGreaterThan(20);
  }, 120_000);

  it('blocks the plan on the corosync latency until the WAN layout is accepted, then records it', async () => {
    const refused = await lc.core.call('proxmox.planCluster', { cluster: 'homelab' });
    expect(refused.blocking).toBe(true);
    expect(refused.findings.some((f) => f.ruleId === 'proxmox.corosync-latency' && f.severity === 'error' && !f.accepted)).toBe(true);
    expect(refused.tuning?.verdict).toBe('wan-tuned');
    expect(refused.plan.steps.some((s) => s.id === 'wan-tuning')).toBe(false);
    timings.push(`tuning for the measured worst link: ${refused.tuning!.reasoning.join(' ')}`);

    const accepted = await lc.core.call('proxmox.planCluster', { cluster: 'homelab', acceptWan: true });
    expect(accepted.blocking).toBe(false);
    expect(accepted.wanTuning?.accepted).toBe(true);
    expect(accepted.plan.steps.map((s) => s.id)).toEqual(expect.arrayContaining(['create', 'wan-tuning', 'wan-tuning-active', 'join-b1', 'join-c1', 'quorate', 'membership-stable']));
    expect(fs.readFileSync(workspacePath, 'utf8')).toMatch(/wanTuning:[^\n]*accepted: true/);
    expect((await lc.core.call('workspace.current', {})).workspace?.proxmox?.clusters[0]?.wanTuning?.accepted).toBe(true);
  }, 60_000);

  it('builds the cluster with the tuned timing written before the joins; corosync runs with it and is quorate', async () => {
    const planned = await lc.core.call('proxmox.planCluster', { cluster: 'homelab' });
    expect(planned.blocking).toBe(false);
    const totem = Object.entries(planned.tuning!.totem).filter((e): e is [string, number] => e[1] !== undefined);
    expect(totem.length).toBeGreaterThan(0);
    const destructive = planned.plan.steps.filter((s) => s.destructive).map((s) => s.id);
    if (destructive.length) await lc.core.call('plan.approve', { plan: planned.plan, acknowledgeDestructive: destructive });
    const t0 = Date.now();
    const applied = await lc.core.call('plan.apply', { plan: planned.plan, wait: true });
    expect(applied.result?.status, JSON.stringify(applied.result?.failure)).toBe('succeeded');
    timings.push(`plan.apply over the WAN (checks, create, totem ${totem.map(([k, v]) => `${k} ${v}`).join(', ')}, 2 joins, quorum, stability): ${Date.now() - t0} ms`);
    const status = await lc.core.call('proxmox.clusterStatus', { cluster: 'homelab' });
    expect(status).toMatchObject({ quorate: true, totalVotes: 3, expectedVotes: 3 });
    // Every member's corosync runs with the written values (runtime.config.totem.*).
    const lab = openLab(stateDir);
    for (const host of ['a1', 'b1', 'c1']) {
      for (const [key, value] of totem) {
        const r = await lab.execOk(host, ['corosync-cmapctl', '-g', `runtime.config.totem.${key}`]);
        expect(r.stdout.trim(), `${host} ${key}`).toMatch(new RegExp(`= ${value}$`));
      }
    }
  }, 240_000);
});
