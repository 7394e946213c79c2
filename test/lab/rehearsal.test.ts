// "Rehearse this estate": a four-site workspace with a recorded latency file is rehearsed in the lab through
// the app's core; the lab's measured round trips match the recording (±10 % or ±0.3 ms), and the Proxmox plan
// generated for the lab's cluster reaches quorum there (real corosync under the Proxmox test servers).
import path from 'node:path';
import { expect, it } from 'vitest';
import { openLab } from '../../main/node/lab/index.js';
import { fourOfficesRecorded, fourOfficesYaml, writeFourOffices } from '../support/four-offices.js';
import { describeLab, pingFrom } from '../support/lab.js';
import { useLabCore } from '../support/proxmox/lab-core.js';

const recorded = fourOfficesRecorded;

describeLab('rehearsing a four-site estate in the lab', () => {
  const lc = useLabCore('cwreh', 'Rehearsal');

  it('replays the recorded round trips between the four sites and reaches quorum with the plan there', async () => {
    const dir = path.join(lc.tmp, 'workspace');
    const { samples, siteOf } = await writeFourOffices(dir, fourOfficesYaml('10.40.0'));
    const opened = await lc.core.call('workspace.open', { path: dir, remember: false });
    expect(opened.latency?.pairs).toBe(samples);

    const t0 = Date.now();
    const rehearsal = await lc.core.call('lab.rehearse', { replace: true });
    lc.timings.push(`lab.rehearse (4 sites, 5 hosts, Proxmox test servers): ${Date.now() - t0} ms`);
    expect(rehearsal.mapping).toEqual([
      { node: 'zh1', host: 'zh1', site: 'zurich-hq' },
      { node: 'zh2', host: 'zh2', site: 'zurich-hq' },
      { node: 'be1', host: 'be1', site: 'bern' },
      { node: 'bs1', host: 'bs1', site: 'basel' },
      { node: 'ge1', host: 'ge1', site: 'geneva' },
    ]);
    expect(rehearsal.links.every((l) => l.samples > 0)).toBe(true);
    expect(rehearsal.stackServices).toEqual(['Proxmox test servers']);

    // The lab's own round trips between the mapped hosts, against the recording.
    const lab = openLab(lc.stateDir);
    const labSite = new Map(rehearsal.mapping.map((m) => [m.node, m.site]));
    const realSite = new Map([...siteOf].map(([n, s]) => [labSite.get(n)!, s]));
    const misses: string[] = [];
    for (const [pair, fig] of Object.entries(recorded)) {
      const [x, y] = pair.split('|') as [string, string];
      const from = rehearsal.mapping.find((m) => realSite.get(m.site) === x)!;
      const to = rehearsal.mapping.find((m) => realSite.get(m.site) === y)!;
      // The median of 40 round trips (the recording's figure is a median), after a warm-up ping that waits for address resolution.
      const address = lab.host(to.host).addressList[0]!;
      await pingFrom(lab, from.host, address, 1);
      const ping = await pingFrom(lab, from.host, address, 40, 0.05);
      // The lab's links delay in whole milliseconds per direction: the rehearsal says which round trip it holds for
      // each recorded one (a step of at most half a millisecond), and the lab must hold that, within the same bound.
      const link = rehearsal.links.find((l) => l.between.includes(from.site) && l.between.includes(to.site))!;
      const holds = link.holdsMs ?? link.delayMs;
      expect(Math.abs(holds - fig.rtt), `${x}–${y}: held ${holds} ms for the recorded ${fig.rtt} ms`).toBeLessThanOrEqual(0.5);
      const tolerance = Math.max(0.1 * fig.rtt, 0.3);
      const line = `${x}–${y}: recorded ${fig.rtt} ms, held ${holds} ms, lab ${ping.medianMs?.toFixed(2)} ms median (mean ${ping.avgMs?.toFixed(2)}, loss ${ping.lossPercent} %; ±${tolerance.toFixed(2)})`;
      lc.timings.push(line);
      if (ping.lossPercent > 0 || Math.abs(ping.medianMs! - holds) > tolerance) misses.push(line);
    }
    expect(misses, 'site pairs whose lab round trip misses the recording').toEqual([]);

    // The plan, generated for the lab's cluster as for the real one, runs there first and reaches quorum.
    const labState = await lc.core.call('workspace.open', { path: path.dirname(rehearsal.workspacePath), remember: false });
    const cluster = labState.workspace!.proxmox!.clusters[0]!;
    expect([...cluster.nodes].sort()).toEqual(['be1', 'bs1', 'ge1', 'zh1', 'zh2']);
    const planned = await lc.core.call('proxmox.planCluster', { cluster: cluster.name });
    expect(planned.blocking).toBe(false);
    const destructive = planned.plan.steps.filter((s) => s.destructive).map((s) => s.id);
    if (destructive.length) await lc.core.call('plan.approve', { plan: planned.plan, acknowledgeDestructive: destructive });
    const t1 = Date.now();
    const run = await lc.core.call('plan.apply', { plan: planned.plan, wait: true });
    lc.timings.push(`the plan in the rehearsal: ${run.result?.status} in ${Date.now() - t1} ms`);
    expect(run.result?.status).toBe('succeeded');
    const status = await lc.core.call('proxmox.clusterStatus', { cluster: cluster.name });
    expect(status.quorate).toBe(true);
    expect(status.nodes.filter((n) => n.online).map((n) => n.name).sort()).toEqual(['be1', 'bs1', 'ge1', 'zh1', 'zh2']);
  }, 300_000);
});
