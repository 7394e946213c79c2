// The wizard's backend on a two-node lab with a QDevice at a third site: lab.up writes the cluster with its
// QDevice host, the plan checks qnetd is reachable, sets it up with real corosync-qnetd/-qdevice, and the cluster
// keeps quorum when one of its two nodes stops — read through the API and corosync-quorumtool, as the wizard does.
import path from 'node:path';
import { expect, it } from 'vitest';
import { openLab } from '../../main/node/lab/index.js';
import { describeLab } from '../support/lab.js';
import { useLabCore } from '../support/proxmox/lab-core.js';

describeLab('Proxmox wizard backend with a QDevice: two nodes, qnetd at a third site, one node stopped', () => {
  const lc = useLabCore('cwpd', 'Proxmox wizard with a QDevice');
  const { stateDir, timings } = lc;

  it('starts the example: cluster homelab of a1 and b1 with q1 as its QDevice (qnetd running there)', async () => {
    const up = await lc.core.call('lab.up', { example: 'proxmox-two-nodes-qdevice', replace: true });
    expect(up).toMatchObject({ hosts: 3, stackServices: ['Proxmox test servers'] });
    const state = await lc.core.call('workspace.open', { path: path.dirname(up.workspacePath), remember: false });
    expect(state.workspace?.proxmox?.clusters[0]).toMatchObject({ name: 'homelab', nodes: ['a1', 'b1'], qdevice: { host: 'q1' } });
    const qnetd = await openLab(stateDir).exec('q1', ['corosync-qnetd-tool', '-s']);
    expect(qnetd.code, qnetd.stderr).toBe(0);
  }, 90_000);

  it('plans and applies the cluster with the QDevice; three votes, the QDevice flag from corosync-quorumtool', async () => {
    const planned = await lc.core.call('proxmox.planCluster', { cluster: 'homelab' });
    expect(planned.blocking, JSON.stringify(planned.findings.filter((f) => f.severity === 'error'))).toBe(false);
    expect(planned.plan.steps.map((s) => s.id)).toEqual(['check-a1', 'check-b1', 'create', 'join-b1', 'quorate', 'membership-stable', 'qdevice', 'qdevice-vote']);
    // Every node checks TCP 5403 on the QDevice host; the address reaches bash as an argument, not as script text.
    expect(JSON.stringify(planned.plan.steps.find((s) => s.id === 'check-b1')?.action)).toMatch(/cw-tcp-check \S+ 5403/);
    expect(planned.notes.some((n) => /Set up the QDevice on q1/.test(n))).toBe(true);
    const destructive = planned.plan.steps.filter((s) => s.destructive).map((s) => s.id);
    if (destructive.length) await lc.core.call('plan.approve', { plan: planned.plan, acknowledgeDestructive: destructive });
    const t0 = Date.now();
    const applied = await lc.core.call('plan.apply', { plan: planned.plan, wait: true });
    expect(applied.result?.status, JSON.stringify(applied.result?.failure)).toBe('succeeded');
    timings.push(`plan.apply (checks, create, join, quorum, QDevice setup and vote): ${Date.now() - t0} ms`);
    const status = await lc.core.call('proxmox.clusterStatus', { cluster: 'homelab' });
    const raw = (await openLab(stateDir).exec('a1', ['corosync-quorumtool', '-s'])).stdout;
    expect(status, raw).toMatchObject({ quorate: true, totalVotes: 3, expectedVotes: 3, quorum: 2, qdevice: true, votesFrom: 'corosync-quorumtool on a1' });
  }, 240_000);

  it('reports the QDevice not voting while qnetd is down (both nodes keep quorum), and voting again once it is back', async () => {
    const lab = openLab(stateDir);
    const waitQdevice = async (want: boolean) => {
      const t0 = Date.now();
      let status = await lc.core.call('proxmox.clusterStatus', { cluster: 'homelab' });
      while (status.qdevice !== want && Date.now() - t0 < 45_000) {
        await new Promise((r) => setTimeout(r, 1_000));
        status = await lc.core.call('proxmox.clusterStatus', { cluster: 'homelab' });
      }
      return { status, ms: Date.now() - t0 };
    };
    await lab.execOk('q1', ['systemctl', 'stop', 'corosync-qnetd'], { timeoutMs: 30_000 });
    const lost = await waitQdevice(false);
    timings.push(`qnetd stopped → QDevice reported not voting after ${lost.ms} ms`);
    expect(lost.status).toMatchObject({ quorate: true, qdevice: false, totalVotes: 2, expectedVotes: 3 });
    await lab.execOk('q1', ['systemctl', 'start', 'corosync-qnetd'], { timeoutMs: 30_000 });
    const back = await waitQdevice(true);
    timings.push(`qnetd started → QDevice voting again after ${back.ms} ms`);
    expect(back.status).toMatchObject({ quorate: true, qdevice: true, totalVotes: 3 });
  }, 120_000);

  it('keeps a1 quorate with the QDevice vote when b1 stops', async () => {
    const lab = openLab(stateDir);
    await lab.execOk('b1', ['systemctl', 'stop', 'corosync-qdevice', 'corosync'], { timeoutMs: 30_000 });
    const t0 = Date.now();
    let status = await lc.core.call('proxmox.clusterStatus', { cluster: 'homelab' });
    while (Date.now() - t0 < 30_000 && status.nodes.find((n) => n.name === 'b1')?.online !== false) {
      await new Promise((r) => setTimeout(r, 500));
      status = await lc.core.call('proxmox.clusterStatus', { cluster: 'homelab' });
    }
    // Past token + consensus once more, so a quorum loss would show.
    await new Promise((r) => setTimeout(r, 3_000));
    status = await lc.core.call('proxmox.clusterStatus', { cluster: 'homelab' });
    timings.push(`b1 stopped → seen offline and a1 still quorate after ${Date.now() - t0} ms`);
    expect(status.nodes.find((n) => n.name === 'b1')?.online).toBe(false);
    expect(status).toMatchObject({ quorate: true, totalVotes: 2, expectedVotes: 3, qdevice: true });
  }, 60_000);
});
