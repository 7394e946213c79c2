// Monitoring over time (pure): what one polling round records per link and per cluster, the series
// keys the store and the charts share, the limits a link is held to, and the alerts a round raises or clears.
import * as z from 'zod';

/** One link (a node pair on one network) in one round: ping from the nodes, or corosync's knet view. */
export const linkSampleSchema = z.object({
  network: z.string(),
  a: z.string(),
  b: z.string(),
  /** ping: the median round trip of the round's probes; knet: twice knet's one-way average. */
  rttMs: z.number().optional(),
  /** The spread of the round's replies (ping's mdev). */
  jitterMs: z.number().optional(),
  lossPercent: z.number().min(0).max(100),
  source: z.enum(['ping', 'knet']),
  /** corosync's link number, for knet samples. */
  link: z.number().int().optional(),
  /** Why nothing was measured (the host could not be reached, ping failed). */
  error: z.string().optional(),
});
export type LinkSample = z.infer<typeof linkSampleSchema>;

/** One cluster in one round, as a member reported it (corosync-quorumtool, the stack's API). */
export const clusterSampleSchema = z.object({
  stack: z.string(),
  cluster: z.string(),
  /** Whether any member answered. */
  reachable: z.boolean(),
  /** The member that answered. */
  readOn: z.string().optional(),
  quorate: z.boolean().optional(),
  members: z.array(z.string()).optional(),
  totalVotes: z.number().optional(),
  expectedVotes: z.number().optional(),
  quorum: z.number().optional(),
  /** Whether a QDevice casts its vote. */
  qdeviceVote: z.boolean().optional(),
  /** Memberships totem has formed since corosync started (stats.srp.operational_entered), for stale-quorum detection. */
  membershipsFormed: z.number().optional(),
  /** Commit tokens totem has lost (stats.srp.commit_token_lost). */
  commitTokenLost: z.number().optional(),
  error: z.string().optional(),
});
export type ClusterSample = z.infer<typeof clusterSampleSchema>;

export const monitorSampleSchema = z.object({
  /** When the round started (ms since the epoch). */
  t: z.number(),
  links: z.array(linkSampleSchema),
  clusters: z.array(clusterSampleSchema),
  /** Hosts skipped this round while they back off after failures. */
  backingOff: z.array(z.string()).optional(),
});
export type MonitorSample = z.infer<typeof monitorSampleSchema>;

export const alertSchema = z.object({
  /** Stable per subject and kind: the same problem keeps its id (and its start) until it clears. */
  id: z.string(),
  kind: z.enum(['latency', 'loss', 'down', 'quorum', 'unreachable', 'stale-quorum']),
  severity: z.enum(['warning', 'error']),
  /** The series it concerns (seriesKey). */
  subject: z.string(),
  message: z.string(),
  startedAt: z.number(),
  clearedAt: z.number().optional(),
  value: z.number().optional(),
  limit: z.number().optional(),
});
export type MonitorAlert = z.infer<typeof alertSchema>;

/** A node pair in one order, whichever way it was measured. */
export function pairOf(a: string, b: string): [string, string] {
  return a < b ? [a, b] : [b, a];
}

export function linkSeriesKey(network: string, a: string, b: string): string {
  const [x, y] = pairOf(a, b);
  return `link/${network}/${x}|${y}`;
}

export function clusterSeriesKey(stack: string, cluster: string): string {
  return `cluster/${stack}/${cluster}`;
}

/** The round trip a network's traffic tolerates (the validation rules' figures), strictest first. */
export interface LinkLimits {
  warnMs?: number;
  errorMs: number;
  /** Whose limit it is ("corosync link0 of cluster homelab"). */
  label: string;
}

/** The strictest limit per network from the stacks' traffic (StackTraffic.limits). */
export function limitsByNetwork(traffic: readonly { network: string; label: string; limits?: { warnMs?: number; errorMs: number } }[]): Map<string, LinkLimits> {
  const out = new Map<string, LinkLimits>();
  for (const t of traffic) {
    if (!t.limits) continue;
    const had = out.get(t.network);
    const warn = t.limits.warnMs ?? t.limits.errorMs;
    if (!had || warn < (had.warnMs ?? had.errorMs)) out.set(t.network, { ...(t.limits.warnMs !== undefined ? { warnMs: t.limits.warnMs } : {}), errorMs: t.limits.errorMs, label: t.label });
  }
  return out;
}

/** A stale quorum: totem keeps forming new memberships (or losing commit tokens) over consecutive rounds while the cluster reads quorate. */
export function staleQuorum(history: readonly ClusterSample[], rounds = 3): boolean {
  const recent = history.slice(-(rounds + 1));
  if (recent.length < rounds + 1) return false;
  if (!recent.every((s) => s.reachable && s.quorate === true)) return false;
  for (let i = 1; i < recent.length; i++) {
    const before = recent[i - 1]!;
    const now = recent[i]!;
    const formed = (now.membershipsFormed ?? 0) - (before.membershipsFormed ?? 0);
    const lost = (now.commitTokenLost ?? 0) - (before.commitTokenLost ?? 0);
    if (formed <= 0 && lost <= 0) return false;
  }
  return true;
}

const fmt = (ms: number) => (ms >= 10 ? ms.toFixed(0) : ms.toFixed(1));

interface Condition {
  kind: MonitorAlert['kind'];
  severity: MonitorAlert['severity'];
  subject: string;
  message: string;
  value?: number;
  limit?: number;
}

/** What a round shows wrong, one condition per subject and kind. */
export function conditionsOf(sample: MonitorSample, limits: ReadonlyMap<string, LinkLimits>, clusterHistory: (key: string) => readonly ClusterSample[] = () => []): Condition[] {
  const out: Condition[] = [];
  for (const l of sample.links) {
    if (l.source !== 'ping') continue;
    const subject = linkSeriesKey(l.network, l.a, l.b);
    const where = `${l.a}–${l.b} on ${l.network}`;
    if (l.error && l.rttMs === undefined && l.lossPercent >= 100 && /unreach|timed out|refused|auth|host key/i.test(l.error)) {
      out.push({ kind: 'unreachable', severity: 'warning', subject, message: `${where}: not measured, ${l.error}` });
      continue;
    }
    if (l.lossPercent >= 100) {
      out.push({ kind: 'down', severity: 'error', subject, message: `${where}: down (every probe lost)`, value: 100 });
      continue;
    }
    if (l.lossPercent > 0) out.push({ kind: 'loss', severity: l.lossPercent >= 10 ? 'error' : 'warning', subject, message: `${where}: ${fmt(l.lossPercent)} % loss`, value: l.lossPercent, limit: 0 });
    const limit = limits.get(l.network);
    if (limit && l.rttMs !== undefined) {
      if (l.rttMs > limit.errorMs) out.push({ kind: 'latency', severity: 'error', subject, message: `${where}: ${fmt(l.rttMs)} ms, over the ${limit.errorMs} ms limit of ${limit.label}`, value: l.rttMs, limit: limit.errorMs });
      else if (limit.warnMs !== undefined && l.rttMs > limit.warnMs)
        out.push({ kind: 'latency', severity: 'warning', subject, message: `${where}: ${fmt(l.rttMs)} ms, above the ${limit.warnMs} ms ${limit.label} wants`, value: l.rttMs, limit: limit.warnMs });
    }
  }
  for (const c of sample.clusters) {
    const subject = clusterSeriesKey(c.stack, c.cluster);
    if (!c.reachable) {
      out.push({ kind: 'unreachable', severity: 'warning', subject, message: `cluster ${c.cluster}: no member answered${c.error ? ` (${c.error})` : ''}` });
      continue;
    }
    if (c.quorate === false)
      out.push({ kind: 'quorum', severity: 'error', subject, message: `cluster ${c.cluster}: not quorate on ${c.readOn ?? 'a member'}${c.totalVotes !== undefined && c.quorum !== undefined ? ` (${c.totalVotes} of ${c.quorum} votes needed)` : ''}` });
    else if (staleQuorum([...clusterHistory(subject), c]))
      out.push({ kind: 'stale-quorum', severity: 'warning', subject, message: `cluster ${c.cluster}: reads quorate, but totem keeps re-forming its membership (memberships formed or commit tokens lost every round)` });
  }
  return out;
}

export interface AlertChange {
  active: MonitorAlert[];
  raised: MonitorAlert[];
  cleared: MonitorAlert[];
}

/** Folds a round's conditions into the active alerts: new ones start now, gone ones clear now, the rest keep their start. */
export function updateAlerts(active: readonly MonitorAlert[], conditions: readonly Condition[], t: number): AlertChange {
  const byId = new Map(active.map((a) => [a.id, a]));
  const next: MonitorAlert[] = [];
  const raised: MonitorAlert[] = [];
  const seen = new Set<string>();
  for (const c of conditions) {
    const id = `${c.kind}:${c.subject}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const before = byId.get(id);
    const alert: MonitorAlert = { id, kind: c.kind, severity: c.severity, subject: c.subject, message: c.message, startedAt: before?.startedAt ?? t, ...(c.value !== undefined ? { value: c.value } : {}), ...(c.limit !== undefined ? { limit: c.limit } : {}) };
    next.push(alert);
    if (!before || before.severity !== c.severity) raised.push(alert);
  }
  const cleared = active.filter((a) => !seen.has(a.id)).map((a) => ({ ...a, clearedAt: t }));
  return { active: next, raised, cleared };
}
