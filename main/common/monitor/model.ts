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

/** Cuts a text from a remote reply to a length a round keeps (the store and the charts hold many rounds). */
export function clipText(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * One part a stack runs in a cluster and reads a state of, in one round: a compute service (its binary on a host),
 * an HA resource or node agent, a storage host or witness. The stack judges the state (`level`); the round's
 * alerts follow that judgement.
 */
export const serviceSampleSchema = z.object({
  /** What it is, in the stack's words (`nova-compute`, `ha-service`, `ha-lrm`, `host`, `witness`…). */
  kind: z.string(),
  /** Which one (a host, `vm:100`). */
  name: z.string(),
  /** The vendor's state word as read (`up`, `down`, `started`, `error`, `connected`, `disconnected`…). */
  state: z.string(),
  /** Whether the admin has it enabled (false: disabled on purpose). */
  enabled: z.boolean().optional(),
  /** The stack's verdict on it. */
  level: z.enum(['ok', 'warning', 'error']),
  /** Where it runs, when that is not its name (an HA resource's node). */
  host: z.string().optional(),
  /** Why, in the vendor's words (a disabled reason, a status line). */
  detail: z.string().optional(),
});
export type ServiceSample = z.infer<typeof serviceSampleSchema>;

/** The stack's own health verdict on a cluster (a health service's overall colour), with the checks that are not green. */
export const healthSampleSchema = z.object({
  /** The vendor's word (`green`, `yellow`, `red`). */
  status: z.string(),
  level: z.enum(['ok', 'warning', 'error']),
  /** The checks that are not ok, in the vendor's words. */
  problems: z.array(z.string()).optional(),
});
export type HealthSample = z.infer<typeof healthSampleSchema>;

/** How long the stack's API took to answer in this round (an identity service issuing a token…). */
export const apiSampleSchema = z.object({
  name: z.string(),
  /** Whether it answered. */
  reachable: z.boolean(),
  ms: z.number().optional(),
  /** The time above which it counts as slow (warning). */
  warnMs: z.number().optional(),
  error: z.string().optional(),
});
export type ApiSample = z.infer<typeof apiSampleSchema>;

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
  /** The stack's services, resources and hosts in this cluster with their states. */
  services: z.array(serviceSampleSchema).optional(),
  /** The stack's own health verdict on the cluster. */
  health: healthSampleSchema.optional(),
  /** The stack's APIs and how long they took. */
  apis: z.array(apiSampleSchema).optional(),
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
  kind: z.enum(['latency', 'loss', 'down', 'quorum', 'unreachable', 'stale-quorum', 'service', 'health']),
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

/** One service, resource or host of a cluster (`cluster/<stack>/<cluster>/<kind>/<name>`). */
export function serviceSeriesKey(stack: string, cluster: string, kind: string, name: string): string {
  return `${clusterSeriesKey(stack, cluster)}/${kind}/${name}`;
}

/** One API of a cluster (`cluster/<stack>/<cluster>/api/<name>`). */
export function apiSeriesKey(stack: string, cluster: string, name: string): string {
  return `${clusterSeriesKey(stack, cluster)}/api/${name}`;
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
    // An API that did not answer is said on its own (the cluster may still have been read through another).
    for (const a of c.apis ?? []) {
      const apiSubject = apiSeriesKey(c.stack, c.cluster, a.name);
      if (!a.reachable) out.push({ kind: 'unreachable', severity: 'error', subject: apiSubject, message: `${c.cluster}: ${a.name} did not answer${a.error ? ` (${a.error})` : ''}` });
      else if (a.ms !== undefined && a.warnMs !== undefined && a.ms > a.warnMs) out.push({ kind: 'latency', severity: 'warning', subject: apiSubject, message: `${c.cluster}: ${a.name} took ${fmt(a.ms)} ms, above ${a.warnMs} ms`, value: a.ms, limit: a.warnMs });
    }
    if (!c.reachable) {
      out.push({ kind: 'unreachable', severity: 'warning', subject, message: `cluster ${c.cluster}: no member answered${c.error ? ` (${c.error})` : ''}` });
      continue;
    }
    for (const s of c.services ?? []) {
      if (s.level === 'ok') continue;
      out.push({
        kind: 'service',
        severity: s.level,
        subject: serviceSeriesKey(c.stack, c.cluster, s.kind, s.name),
        message: `${c.cluster}: ${s.kind} ${s.name}${s.host && s.host !== s.name ? ` on ${s.host}` : ''} is ${s.state}${s.enabled === false ? ' and disabled' : ''}${s.detail ? ` (${s.detail})` : ''}`,
      });
    }
    if (c.health && c.health.level !== 'ok') {
      const problems = c.health.problems ?? [];
      out.push({ kind: 'health', severity: c.health.level, subject, message: `${c.cluster}: health ${c.health.status}${problems.length ? ` — ${problems.slice(0, 3).join('; ')}${problems.length > 3 ? ` and ${problems.length - 3} more` : ''}` : ''}` });
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
