import { describe, expect, it } from 'vitest';
import type { MonitorSample } from '../../../../main/common/monitor/model.js';
import { clusterSeries, clusterTimeline, linkSeries, quorumChanges } from './series.js';

const rounds: MonitorSample[] = [
  { t: 1, links: [{ network: 'ring0', a: 'a1', b: 'b1', rttMs: 2, jitterMs: 0.1, lossPercent: 0, source: 'ping' }], clusters: [{ stack: 'proxmox', cluster: 'lab', reachable: true, quorate: true, totalVotes: 3, quorum: 2, members: ['a1', 'a2', 'b1'] }] },
  { t: 2, links: [{ network: 'ring0', a: 'a1', b: 'b1', lossPercent: 100, source: 'ping' }, { network: 'ring0', a: 'a1', b: 'b1', lossPercent: 100, source: 'knet', link: 0 }], clusters: [{ stack: 'proxmox', cluster: 'lab', reachable: true, quorate: false, totalVotes: 1, quorum: 2, members: ['b1'] }] },
  { t: 3, links: [{ network: 'ring0', a: 'a1', b: 'b1', rttMs: 2.2, lossPercent: 0, source: 'ping' }, { network: 'ring0', a: 'a1', b: 'b1', rttMs: 2.4, lossPercent: 0, source: 'knet', link: 0 }], clusters: [{ stack: 'proxmox', cluster: 'lab', reachable: true, quorate: true, totalVotes: 3, quorum: 2 }] },
];

describe('chart series', () => {
  it("cuts one link's figures from the rounds, whichever way its ends are named", () => {
    expect(linkSeries(rounds, 'ring0', 'b1', 'a1')).toEqual([
      { t: 1, rttMs: 2, jitterMs: 0.1, lossPercent: 0 },
      { t: 2, lossPercent: 100 },
      { t: 3, rttMs: 2.2, lossPercent: 0, knetRttMs: 2.4 },
    ]);
    expect(linkSeries(rounds, 'ring1', 'a1', 'b1')).toEqual([]);
  });

  it('marks each change of quorum', () => {
    const points = clusterSeries(rounds, 'proxmox', 'lab');
    expect(points.map((p) => p.quorate)).toEqual([true, false, true]);
    expect(quorumChanges(points)).toEqual([
      { t: 2, quorate: false },
      { t: 3, quorate: true },
    ]);
  });
});

describe('a cluster timeline', () => {
  const region = (t: number, host2: 'up' | 'down' | undefined, ms: number, reachable = true): MonitorSample => ({
    t,
    links: [],
    clusters: [
      {
        stack: 'openstack',
        cluster: 'RegionOne',
        reachable,
        ...(reachable
          ? {
              services: [
                { kind: 'nova-compute', name: 'host1', state: 'up', enabled: true, level: 'ok' as const },
                ...(host2 ? [{ kind: 'nova-compute', name: 'host2', state: host2, enabled: true, level: host2 === 'up' ? ('ok' as const) : ('error' as const) }] : []),
              ],
            }
          : {}),
        apis: [{ name: 'keystone', reachable: true, ms, warnMs: 2000 }],
      },
    ],
  });

  it('joins rounds of one state into runs, greys what was not read, and puts the rows that went wrong first', () => {
    const rows = clusterTimeline([region(1000, 'up', 50), region(2000, 'down', 60), region(3000, 'down', 55), region(4000, undefined, 70), region(5000, 'up', 3000, false)], 'openstack', 'RegionOne', 6000);
    expect(rows.map((r) => r.key)).toEqual(['nova-compute/host2', 'api/keystone', 'nova-compute/host1']);
    expect(rows[0]!.segments).toEqual([
      { from: 1000, to: 2000, level: 'ok', state: 'up' },
      { from: 2000, to: 4000, level: 'error', state: 'down' },
      { from: 4000, to: 5000, level: 'unmeasured', state: 'not read' },
      { from: 5000, to: 6000, level: 'unmeasured', state: 'no answer' },
    ]);
    // Keystone's time changes every round; the runs follow its level (slow above its 2 s).
    expect(rows[1]!.segments.map((s) => [s.from, s.to, s.level])).toEqual([
      [1000, 5000, 'ok'],
      [5000, 6000, 'warning'],
    ]);
    expect(clusterTimeline([region(1000, 'up', 50)], 'openstack', 'RegionTwo')).toEqual([]);
  });
});
