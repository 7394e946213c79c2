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
