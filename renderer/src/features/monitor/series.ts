// Series for the charts, cut from the monitoring rounds (pure): one link's round trips, jitter and loss
// (ping, and knet's estimate beside it), one cluster's quorum and votes.
import { clusterSeriesKey, linkSeriesKey, type MonitorSample } from '../../../../main/common/monitor/model.js';

export interface LinkPoint {
  t: number;
  rttMs?: number;
  jitterMs?: number;
  lossPercent?: number;
  knetRttMs?: number;
}

export interface ClusterPoint {
  t: number;
  reachable: boolean;
  quorate?: boolean;
  totalVotes?: number;
  quorum?: number;
  members?: number;
}

export function linkSeries(rounds: readonly MonitorSample[], network: string, a: string, b: string): LinkPoint[] {
  const key = linkSeriesKey(network, a, b);
  const out: LinkPoint[] = [];
  for (const r of rounds) {
    const ping = r.links.find((l) => l.source === 'ping' && linkSeriesKey(l.network, l.a, l.b) === key);
    const knet = r.links.filter((l) => l.source === 'knet' && linkSeriesKey(l.network, l.a, l.b) === key && l.rttMs !== undefined);
    if (!ping && !knet.length) continue;
    out.push({
      t: r.t,
      ...(ping?.rttMs !== undefined ? { rttMs: ping.rttMs } : {}),
      ...(ping?.jitterMs !== undefined ? { jitterMs: ping.jitterMs } : {}),
      ...(ping ? { lossPercent: ping.lossPercent } : {}),
      ...(knet.length ? { knetRttMs: Math.max(...knet.map((k) => k.rttMs!)) } : {}),
    });
  }
  return out;
}

export function clusterSeries(rounds: readonly MonitorSample[], stack: string, cluster: string): ClusterPoint[] {
  const key = clusterSeriesKey(stack, cluster);
  const out: ClusterPoint[] = [];
  for (const r of rounds) {
    const c = r.clusters.find((x) => clusterSeriesKey(x.stack, x.cluster) === key);
    if (!c) continue;
    out.push({
      t: r.t,
      reachable: c.reachable,
      ...(c.quorate !== undefined ? { quorate: c.quorate } : {}),
      ...(c.totalVotes !== undefined ? { totalVotes: c.totalVotes } : {}),
      ...(c.quorum !== undefined ? { quorum: c.quorum } : {}),
      ...(c.members ? { members: c.members.length } : {}),
    });
  }
  return out;
}

/** Times where the quorate state changed (the marks on a cluster chart). */
export function quorumChanges(points: readonly ClusterPoint[]): { t: number; quorate: boolean | undefined }[] {
  const out: { t: number; quorate: boolean | undefined }[] = [];
  let last: boolean | undefined | null = null;
  for (const p of points) {
    const now = p.reachable ? p.quorate : undefined;
    if (last !== null && now !== last) out.push({ t: p.t, quorate: now });
    last = now;
  }
  return out;
}

export type TimelineLevel = 'ok' | 'warning' | 'error' | 'unmeasured';

/** One row of a cluster's timeline: a service, resource, host, the stack's health or API; runs of one state. */
export interface TimelineRow {
  key: string;
  label: string;
  segments: { from: number; to: number; level: TimelineLevel; state: string }[];
}

/**
 * A cluster's state over time as rows of runs (pure): its health verdict, its APIs, and each service, resource and
 * host the stack reported, worst first. A round where the cluster did not answer, or the row was not in it, is a
 * grey run ("not read"); a run ends where the next round starts (the last one at `until`).
 */
export function clusterTimeline(rounds: readonly MonitorSample[], stack: string, cluster: string, until?: number): TimelineRow[] {
  const key = clusterSeriesKey(stack, cluster);
  const mine = rounds.flatMap((r) => {
    const c = r.clusters.find((x) => clusterSeriesKey(x.stack, x.cluster) === key);
    return c ? [{ t: r.t, c }] : [];
  });
  if (!mine.length) return [];
  const rows = new Map<string, TimelineRow>();
  const labels = new Map<string, string>();
  for (const { c } of mine) {
    if (c.health) labels.set('health', 'health');
    for (const a of c.apis ?? []) labels.set(`api/${a.name}`, a.name);
    for (const s of c.services ?? []) labels.set(`${s.kind}/${s.name}`, `${s.kind} ${s.name}`);
  }
  const end = until ?? mine[mine.length - 1]!.t + (mine.length > 1 ? mine[mine.length - 1]!.t - mine[mine.length - 2]!.t : 1000);
  for (const [rowKey, label] of labels) rows.set(rowKey, { key: rowKey, label, segments: [] });
  mine.forEach(({ t, c }, i) => {
    const to = mine[i + 1]?.t ?? end;
    for (const row of rows.values()) {
      let level: TimelineLevel = 'unmeasured';
      let state = c.reachable ? 'not read' : 'no answer';
      if (row.key === 'health' && c.health) {
        level = c.health.level;
        state = c.health.status;
      } else if (row.key.startsWith('api/')) {
        const a = c.apis?.find((x) => `api/${x.name}` === row.key);
        if (a) {
          level = !a.reachable ? 'error' : a.warnMs !== undefined && a.ms !== undefined && a.ms > a.warnMs ? 'warning' : 'ok';
          state = a.reachable ? `${a.ms ?? '?'} ms` : 'no answer';
        }
      } else if (c.reachable) {
        const s = c.services?.find((x) => `${x.kind}/${x.name}` === row.key);
        if (s) {
          level = s.level;
          state = `${s.state}${s.enabled === false ? ', disabled' : ''}`;
        }
      }
      const last = row.segments[row.segments.length - 1];
      // API timings change every round: runs join on the level alone there.
      if (last && last.level === level && (last.state === state || row.key.startsWith('api/'))) last.to = to;
      else row.segments.push({ from: t, to, level, state });
    }
  });
  const rank = (row: TimelineRow) => Math.max(...row.segments.map((s) => (s.level === 'error' ? 3 : s.level === 'warning' ? 2 : s.level === 'unmeasured' ? 1 : 0)));
  return [...rows.values()].sort((a, b) => (a.key === 'health' ? -1 : b.key === 'health' ? 1 : rank(b) - rank(a) || a.label.localeCompare(b.label)));
}
