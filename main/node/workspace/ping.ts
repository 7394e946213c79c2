// The ping command the latency matrix runs and the parser of its summary: iputils (`rtt
// min/avg/max/mdev`, Debian and RHEL, old and new), BusyBox and BSD (`round-trip`).

export interface PingSummary {
  sent: number;
  received: number;
  lossPercent: number;
  minMs?: number;
  avgMs?: number;
  maxMs?: number;
  mdevMs?: number;
  duplicates?: number;
  errors?: number;
}

export interface PingPlan {
  address: string;
  count: number;
  /** Seconds between probes; 0.2 is the smallest iputils allows without root. */
  intervalS: number;
  /** Seconds to wait for each reply. */
  replyTimeoutS: number;
  /** Local address to send from, so the probe takes the network being measured. */
  sourceAddress?: string;
}

/** Overall deadline (ping -w) in seconds: every probe sent plus the wait for the last reply. */
export function pingDeadlineS(plan: PingPlan): number {
  return Math.ceil(plan.count * plan.intervalS + plan.replyTimeoutS + 1);
}

export function pingArgv(plan: PingPlan): string[] {
  return [
    'ping',
    '-n',
    '-q',
    '-c',
    String(plan.count),
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

const countsLine = /(\d+) packets transmitted, (\d+) (?:packets )?received(?:, \+(\d+) duplicates)?(?:, \+(\d+) errors)?(?:, \+(\d+) duplicates)?, ([\d.]+)% packet loss/;
const rttLine = /(?:rtt|round-trip) min\/avg\/max(?:\/(?:mdev|stddev))? = ([\d.]+)\/([\d.]+)\/([\d.]+)(?:\/([\d.]+))? ms/;
const replyTime = /time[=<]([\d.]+) ?ms/g;

/** Parses ping's output; undefined when it holds no statistics (ping did not get that far). */
export function parsePingOutput(output: string): PingSummary | undefined {
  const counts = countsLine.exec(output);
  const rtt = rttLine.exec(output);
  if (!counts) {
    // No summary (ping was killed): use the reply lines, if any.
    const times = [...output.matchAll(replyTime)].map((m) => Number(m[1]));
    if (times.length === 0) return undefined;
    return { sent: times.length, received: times.length, lossPercent: 0, ...statsOf(times) };
  }
  const summary: PingSummary = {
    sent: Number(counts[1]),
    received: Number(counts[2]),
    lossPercent: Number(counts[6]),
  };
  const duplicates = counts[3] ?? counts[5];
  if (duplicates) summary.duplicates = Number(duplicates);
  if (counts[4]) summary.errors = Number(counts[4]);
  if (rtt) {
    summary.minMs = Number(rtt[1]);
    summary.avgMs = Number(rtt[2]);
    summary.maxMs = Number(rtt[3]);
    if (rtt[4] !== undefined) summary.mdevMs = Number(rtt[4]);
    else {
      const times = [...output.matchAll(replyTime)].map((m) => Number(m[1]));
      if (times.length > 1) summary.mdevMs = statsOf(times).mdevMs;
    }
  }
  return summary;
}

/** min/avg/max/mdev the way iputils computes mdev: sqrt(mean(t²) − mean(t)²). */
export function statsOf(times: readonly number[]): { minMs: number; avgMs: number; maxMs: number; mdevMs: number } {
  const n = times.length;
  const avg = times.reduce((a, b) => a + b, 0) / n;
  const sq = times.reduce((a, b) => a + b * b, 0) / n;
  const r = (v: number) => Math.round(v * 1000) / 1000;
  return { minMs: Math.min(...times), avgMs: r(avg), maxMs: Math.max(...times), mdevMs: r(Math.sqrt(Math.max(0, sq - avg * avg))) };
}
