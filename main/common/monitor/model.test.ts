import { describe, expect, it } from 'vitest';
import { conditionsOf, limitsByNetwork, linkSeriesKey, staleQuorum, updateAlerts, type ClusterSample, type MonitorSample } from './model.js';
import { escapeLabelValue, renderExposition } from './prometheus.js';

const limits = limitsByNetwork([
  { network: 'ring0', label: 'corosync link0 of cluster lab', limits: { warnMs: 5, errorMs: 10 } },
  { network: 'ring0', label: 'vSAN witness', limits: { errorMs: 200 } },
]);
const round = (links: MonitorSample['links'], clusters: MonitorSample['clusters'] = [], t = 1000): MonitorSample => ({ t, links, clusters });
const quorate = (formed: number, lost = 0): ClusterSample => ({ stack: 'proxmox', cluster: 'lab', reachable: true, quorate: true, membershipsFormed: formed, commitTokenLost: lost });

describe('monitoring limits and alerts', () => {
  it('holds a network to the strictest limit of the traffic on it', () => {
    expect(limits.get('ring0')).toEqual({ warnMs: 5, errorMs: 10, label: 'corosync link0 of cluster lab' });
  });

  it('names a link down, lossy, or over its limit with the figure and whose limit it is', () => {
    const c = conditionsOf(
      round([
        { network: 'ring0', a: 'a1', b: 'b1', lossPercent: 100, source: 'ping' },
        { network: 'ring0', a: 'a1', b: 'c1', lossPercent: 33.3, rttMs: 12, source: 'ping' },
        { network: 'ring0', a: 'b1', b: 'c1', lossPercent: 0, rttMs: 6.2, source: 'ping' },
        { network: 'ring0', a: 'a1', b: 'a2', lossPercent: 0, rttMs: 0.3, source: 'ping' },
        { network: 'ring0', a: 'a1', b: 'b1', lossPercent: 100, source: 'knet', link: 0 },
      ]),
      limits,
    );
    expect(c.map((x) => `${x.kind} ${x.severity} ${x.subject}`)).toEqual([
      'down error link/ring0/a1|b1',
      'loss error link/ring0/a1|c1',
      'latency error link/ring0/a1|c1',
      'latency warning link/ring0/b1|c1',
    ]);
    expect(c[2]!.message).toBe('a1–c1 on ring0: 12 ms, over the 10 ms limit of corosync link0 of cluster lab');
  });

  it('keeps an alert with its start time while it lasts, and clears it with the time it ended', () => {
    const down = conditionsOf(round([{ network: 'ring0', a: 'a1', b: 'b1', lossPercent: 100, source: 'ping' }]), limits);
    const first = updateAlerts([], down, 1000);
    expect(first.raised).toHaveLength(1);
    const again = updateAlerts(first.active, down, 2000);
    expect(again.raised).toHaveLength(0);
    expect(again.active[0]!.startedAt).toBe(1000);
    const back = updateAlerts(again.active, [], 3000);
    expect(back.active).toEqual([]);
    expect(back.cleared[0]).toMatchObject({ id: `down:${linkSeriesKey('ring0', 'b1', 'a1')}`, startedAt: 1000, clearedAt: 3000 });
  });

  it('reads a quorum as stale when totem re-forms every round while the cluster says quorate', () => {
    expect(staleQuorum([quorate(5), quorate(9), quorate(14), quorate(20)])).toBe(true);
    expect(staleQuorum([quorate(5), quorate(5, 1), quorate(5, 2), quorate(5, 3)])).toBe(true);
    expect(staleQuorum([quorate(5), quorate(9), quorate(9), quorate(20)])).toBe(false);
    expect(staleQuorum([quorate(5), quorate(9), { ...quorate(14), quorate: false }, quorate(20)])).toBe(false);
    const c = conditionsOf(round([], [quorate(20)]), limits, () => [quorate(5), quorate(9), quorate(14)]);
    expect(c.map((x) => x.kind)).toEqual(['stale-quorum']);
    const lost = conditionsOf(round([], [{ stack: 'proxmox', cluster: 'lab', reachable: true, quorate: false, readOn: 'a1', totalVotes: 1, quorum: 2 }]), limits);
    expect(lost[0]!.message).toBe('cluster lab: not quorate on a1 (1 of 2 votes needed)');
  });
});

describe('Prometheus exposition', () => {
  it('escapes label values so a name can never end a label or start a series', () => {
    expect(escapeLabelValue('a"b\\c\nd')).toBe('a\\"b\\\\c\\nd');
  });

  it('writes ha_cluster_exporter names for quorum and seconds for round trips', () => {
    const text = renderExposition({
      latest: round(
        [{ network: 'ring0', a: 'a1', b: 'b1', rttMs: 1.5, jitterMs: 0.2, lossPercent: 0, source: 'ping' }],
        [{ stack: 'proxmox', cluster: 'lab', reachable: true, quorate: true, totalVotes: 3, expectedVotes: 3, quorum: 2, members: ['a1', 'a2', 'b1'] }],
      ),
      alerts: [],
      rounds: 4,
      running: true,
    });
    expect(text).toContain('clusterwright_link_rtt_seconds{network="ring0",a="a1",b="b1",source="ping"} 0.0015\n');
    expect(text).toContain('ha_cluster_corosync_quorate{stack="proxmox",cluster="lab"} 1\n');
    expect(text).toContain('ha_cluster_corosync_quorum_votes{stack="proxmox",cluster="lab",type="quorum"} 2\n');
    expect(text).toContain('# TYPE clusterwright_monitor_rounds_total counter\nclusterwright_monitor_rounds_total 4\n');
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/^[a-z_]+(\{[^\n]*\})? [-+0-9.eInfa]+$/);
  });
});
