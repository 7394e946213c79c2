import { describe, expect, it } from 'vitest';
import type { MonitorSample } from '../../../../main/common/monitor/model.js';
import { clusterSeries, linkSeries, quorumChanges } from './series.js';

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
