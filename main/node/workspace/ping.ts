// The ping command the latency matrix runs and the parser of its output: iputils (`rtt
// min/avg/max/mdev`, Debian and RHEL, old and new), BusyBox and BSD (`round-trip`). The first
// probe(s) of a run can be set aside as warm-up: a cold neighbour (ARP/NDP) cache makes the first
// probe wait for address resolution on every hop, which over a 30 ms link adds a whole extra round trip.

export interface PingSummary {
  /** Probes counted (warm-up probes not included). */
  sent: number;
  received: number;
  lossPercent: number;
  minMs?: number;
  /** Mean of the counted replies. */
  avgMs?: number;
  medianMs?: number;
  /** 95th percentile (nearest rank) of the counted replies. */
  p95Ms?: number;
  maxMs?: number;
  mdevMs?: number;
  duplicates?: number;
  errors?: number;
  /** Warm-up probes that were sent and left out of every figure above. */
  warmupDiscarded?: number;
}

export interface PingPlan {
  address: string;
  /** Probes that count. */
  count: number;
  /** Probes sent first and not counted (default 0). */
  warmup?: number;
  /** Seconds between probes; 0.2 is the smallest iputils allows without root. */
  intervalS: number;
  /** Seconds to wait for each reply. */
  replyTimeoutS: number;
  /** Local address to send from, so the probe takes the network being measured. */
  sourceAddress?: string;
}

function probesOf(plan: PingPlan): number {
  return plan.count + (plan.warmup ?? 0);
}

/** Overall deadline (ping -w) in seconds: every probe sent plus the wait for the last reply. */
export function pingDeadlineS(plan: PingPlan): number {
  return Math.ceil(probesOf(plan) * plan.intervalS + plan.replyTimeoutS + 1);
}

/** ping's argument vector. Without warm-up it prints the summary only (-q); with it, every reply, so the warm-up replies can be told apart. */
export function pingArgv(plan: PingPlan): string[] {
  return [
    'ping',
    '-n',
    ...(plan.warmup ? [] : ['-q']),
    '-c',
    String(probesOf(plan)),
    '-i',
    String(plan.intervalS),
    '-W',
    String(plan.replyTimeoutS),
    '-w',
    String(pingDeadlineS(plan)),
    ...(plan.sourceAddress ? ['-I', plan.sourceAddress] : []),
    // The address after "--": never read as an option.
    '--',
    plan.address,
  ];
}

const countsLine = /(\d+) packets transmitted, (\d+) (packets )?received(?:, \+(\d+) duplicates)?(?:, \+(\d+) errors)?(?:, \+(\d+) duplicates)?, ([\d.]+)% packet loss/;
const rttLine = /(?:rtt|round-trip) min\/avg\/max(?:\/(?:mdev|stddev))? = ([\d.]+)\/([\d.]+)\/([\d.]+)(?:\/([\d.]+))? ms/;
const replyLine = /^.*\b(?:icmp_)?seq=(\d+)\b.*\btime[=<]([\d.]+) ?ms(.*)$/gm;

interface Reply {
  seq: number;
  ms: number;
}

/** Reply lines, duplicates (DUP!) left out. */
function repliesIn(output: string): Reply[] {
  const replies: Reply[] = [];
  const seen = new Set<number>();
  for (const m of output.matchAll(replyLine)) {
    const seq = Number(m[1]);
    if (/DUP!/.test(m[3] ?? '') || seen.has(seq)) continue;
    seen.add(seq);
    replies.push({ seq, ms: Number(m[2]) });
  }
  return replies;
}

/**
 * Parses ping's output; undefined when it holds no statistics (ping did not get that far).
 * With `warmup`, the first probes (by sequence number: iputils counts from 1, BusyBox and BSD
 * from 0) are left out of the counts and of every figure.
 */
export function parsePingOutput(output: string, options: { warmup?: number } = {}): PingSummary | undefined {
  const warmup = options.warmup ?? 0;
  const counts = countsLine.exec(output);
  const rtt = rttLine.exec(output);
  const replies = repliesIn(output);
  if (!counts) {
    // No summary (ping was killed): use the reply lines, if any.
    if (replies.length === 0) return undefined;
    const firstSeq = replies.some((r) => r.seq === 0) ? 0 : 1;
    const counted = replies.filter((r) => r.seq >= firstSeq + warmup);
    const sent = Math.max(...replies.map((r) => r.seq)) - firstSeq + 1 - warmup;
    if (sent <= 0) return undefined;
    return withStats({ sent, received: counted.length, lossPercent: lossOf(sent, counted.length), ...(warmup ? { warmupDiscarded: warmup } : {}) }, counted);
  }
  const transmitted = Number(counts[1]);
  const duplicates = counts[4] ?? counts[6];
  const errors = counts[5];
  const extras = { ...(duplicates ? { duplicates: Number(duplicates) } : {}), ...(errors ? { errors: Number(errors) } : {}) };
  if (warmup > 0 && transmitted > warmup && replies.length > 0) {
    const firstSeq = counts[3] ? 0 : 1;
    const counted = replies.filter((r) => r.seq >= firstSeq + warmup);
    const sent = transmitted - warmup;
    return withStats({ sent, received: counted.length, lossPercent: lossOf(sent, counted.length), ...extras, warmupDiscarded: warmup }, counted);
  }
  // No warm-up asked for, nothing sent after it, or no reply lines to tell it apart (then every figure includes it, and says so).
  const summary: PingSummary = { sent: transmitted, received: Number(counts[2]), lossPercent: Number(counts[7]), ...extras, ...(warmup > 0 ? { warmupDiscarded: 0 } : {}) };
  // ping's own summary is more precise than the reply lines; the median and p95 come from the replies when they are all listed.
  const listed = replies.length > 0 && replies.length === summary.received ? statsOf(replies.map((r) => r.ms)) : undefined;
  if (rtt) {
    summary.minMs = Number(rtt[1]);
    summary.avgMs = Number(rtt[2]);
    summary.maxMs = Number(rtt[3]);
    if (rtt[4] !== undefined) summary.mdevMs = Number(rtt[4]);
    else if (listed && replies.length > 1) summary.mdevMs = listed.mdevMs;
    if (listed) {
      summary.medianMs = listed.medianMs;
      summary.p95Ms = listed.p95Ms;
    }
  } else if (listed) Object.assign(summary, listed);
  return summary;
}

function lossOf(sent: number, received: number): number {
  return Math.round((10000 * Math.max(0, sent - received)) / sent) / 100;
}

function withStats(summary: PingSummary, replies: readonly Reply[]): PingSummary {
  return replies.length > 0 ? { ...summary, ...statsOf(replies.map((r) => r.ms)) } : summary;
}

export interface RoundTripStats {
  minMs: number;
  avgMs: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
  mdevMs: number;
}

/** min/mean/median/p95/max, and mdev the way iputils computes it: sqrt(mean(t²) − mean(t)²). */
export function statsOf(times: readonly number[]): RoundTripStats {
  const n = times.length;
  const sorted = [...times].sort((a, b) => a - b);
  const avg = times.reduce((a, b) => a + b, 0) / n;
  const sq = times.reduce((a, b) => a + b * b, 0) / n;
  const r = (v: number) => Math.round(v * 1000) / 1000;
  const median = n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  const p95 = sorted[Math.max(0, Math.ceil(0.95 * n) - 1)]!;
  return { minMs: sorted[0]!, avgMs: r(avg), medianMs: r(median), p95Ms: p95, maxMs: sorted[n - 1]!, mdevMs: r(Math.sqrt(Math.max(0, sq - avg * avg))) };
}
