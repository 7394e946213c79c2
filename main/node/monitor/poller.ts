// One monitoring round over the estate: a short ping per node pair and network (each pair once, from
// whichever end has fewer to send; one command per host runs its pings, 8 at a time), and each stack's
// cluster reading (quorum, knet, totem counters).
// Never more than one command in flight per host; a host that failed is skipped for 1, 2, 4, 8 rounds.
import type { ClusterSample, LinkSample, MonitorSample } from '../../common/monitor/model.js';
import { pairOf } from '../../common/monitor/model.js';
import type { Workspace } from '../../common/workspace/index.js';
import { isCwError } from '../../common/errors.js';
import { parsePingOutput, pingDeadlineS, type PingPlan } from '../workspace/ping.js';
import type { RemoteRunner, RunOptions, RunResult } from '../workspace/runner.js';
import type { StackDiscovery } from '../stacks/types.js';

export interface PollOptions {
  /** Probes per pair and round (default 3, 0.2 s apart). */
  probes?: number;
  intervalS?: number;
  replyTimeoutS?: number;
  /** Hosts polled at once (default 16). */
  concurrency?: number;
  signal?: AbortSignal;
  now?: () => number;
}

/** Runs at most one command per host at a time; other calls for that host wait their turn. */
export class PerHostRunner implements RemoteRunner {
  readonly kind: string;
  readonly runsOnNodes: boolean;
  private readonly tails = new Map<string, Promise<unknown>>();
  /** Whether a command for this host is still running or queued. */
  busy(node: string): boolean {
    return this.tails.has(node);
  }

  /** The most commands ever in flight on one host (1 unless something is wrong). */
  maxInFlight = 0;
  private readonly inFlight = new Map<string, number>();

  constructor(private readonly inner: RemoteRunner) {
    this.kind = inner.kind;
    this.runsOnNodes = inner.runsOnNodes;
  }

  exec(node: string, argv: readonly string[], options: RunOptions): Promise<RunResult> {
    const before = this.tails.get(node) ?? Promise.resolve();
    const run = before.then(async () => {
      const n = (this.inFlight.get(node) ?? 0) + 1;
      this.inFlight.set(node, n);
      this.maxInFlight = Math.max(this.maxInFlight, n);
      try {
        return await this.inner.exec(node, argv, options);
      } finally {
        this.inFlight.set(node, (this.inFlight.get(node) ?? 1) - 1);
      }
    });
    const tail = run.catch(() => undefined);
    this.tails.set(node, tail);
    void tail.then(() => {
      if (this.tails.get(node) === tail) this.tails.delete(node);
    });
    return run;
  }
}

interface PairTask {
  network: string;
  from: string;
  to: string;
  fromAddress: string;
  toAddress: string;
}

/** Each node pair once per network, sent from the end with fewer pings so far. */
export function monitorPairs(workspace: Workspace): PairTask[] {
  const load = new Map<string, number>();
  const out: PairTask[] = [];
  for (const network of workspace.networks) {
    const members = workspace.nodes.filter((n) => n.addresses[network.name] !== undefined).sort((x, y) => (x.name < y.name ? -1 : 1));
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) {
        const x = members[i]!;
        const y = members[j]!;
        const [from, to] = (load.get(x.name) ?? 0) <= (load.get(y.name) ?? 0) ? [x, y] : [y, x];
        load.set(from.name, (load.get(from.name) ?? 0) + 1);
        out.push({ network: network.name, from: from.name, to: to.name, fromAddress: from.addresses[network.name]!, toAddress: to.addresses[network.name]! });
      }
    }
  }
  return out;
}

/** Back-off per host: after k failed rounds in a row it sits out min(2^(k-1), 8) rounds. */
export class HostBackoff {
  private readonly state = new Map<string, { failures: number; skip: number }>();
  /** Whether the host sits this round out (counts the round down). */
  skips(host: string): boolean {
    const s = this.state.get(host);
    if (!s || s.skip <= 0) return false;
    s.skip--;
    return true;
  }
  failed(host: string): void {
    const s = this.state.get(host) ?? { failures: 0, skip: 0 };
    s.failures++;
    s.skip = Math.min(2 ** (s.failures - 1), 8);
    this.state.set(host, s);
  }
  succeeded(host: string): void {
    this.state.delete(host);
  }
}

/**
 * One shell command that pings every peer of a host at once. The script is fixed text: the addresses (and
 * source addresses) are its positional arguments, never part of it, and reach ping after "--".
 */
const batchScript = (c: number, warmup: number, i: number, w: number, d: number, wave: number) =>
  [
    'n=0',
    'while [ "$#" -ge 2 ]; do',
    '  s=$1; a=$2; shift 2',
    `  ( if [ -n "$s" ]; then o=$(ping -n -c ${c + warmup} -i ${i} -W ${w} -w ${d} -I "$s" -- "$a" 2>&1); else o=$(ping -n -c ${c + warmup} -i ${i} -W ${w} -w ${d} -- "$a" 2>&1); fi`,
    "    printf '@@cw-ping %s\\n%s\\n@@cw-end\\n' \"$n\" \"$o\" ) &",
    '  n=$((n+1))',
    // At most `wave` pings at once: a burst to every peer at the same instant would measure the host's own queues.
    `  [ $((n % ${wave})) -eq 0 ] && wait`,
    'done',
    'wait',
  ].join('\n');

/** Pings run side by side on a host at most this many at once. */
export const PINGS_AT_ONCE = 8;

export function pingBatchArgv(plans: readonly PingPlan[], o: { count: number; warmup?: number; intervalS: number; replyTimeoutS: number; deadlineS: number }): string[] {
  const num = (v: number, what: string) => {
    if (!Number.isFinite(v) || v < 0) throw new Error(`${what} must be a number ≥ 0`);
    return String(v);
  };
  return ['sh', '-c', batchScript(Math.round(o.count), Math.round(o.warmup ?? 0), Number(num(o.intervalS, 'the interval')), Math.ceil(o.replyTimeoutS), Math.ceil(o.deadlineS), PINGS_AT_ONCE), 'cw-ping', ...plans.flatMap((p) => [p.sourceAddress ?? '', p.address])];
}

/** Splits the batch's output into each ping's own output, by its position in the batch. */
export function parsePingBatch(stdout: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const m of stdout.matchAll(/^@@cw-ping (\d+)\n([\s\S]*?)\n@@cw-end$/gm)) out.set(Number(m[1]), m[2]!);
  return out;
}

/** Could the command not run at all (host down, SSH refused) rather than fail on the host? */
const hostFailure = (error: unknown) => isCwError(error) && ['UNREACHABLE', 'TIMEOUT', 'AUTH_FAILED', 'HOST_KEY_CHANGED', 'HOST_KEY_UNKNOWN', 'HOST_KEY_REVOKED'].includes(error.code);

export async function pollRound(workspace: Workspace, runner: PerHostRunner, discoveries: readonly StackDiscovery[], backoff: HostBackoff, options: PollOptions = {}): Promise<MonitorSample> {
  const now = options.now ?? Date.now;
  const t = now();
  const probes = options.probes ?? 3;
  const intervalS = options.intervalS ?? 0.2;
  const replyTimeoutS = options.replyTimeoutS ?? 1;
  const tasks = monitorPairs(workspace);
  const hosts = [...new Set(tasks.flatMap((p) => [p.from, p.to]))].sort();
  // A host still busy with the last round's command (it stopped answering) sits this one out, as one backing off does.
  const skipped = new Set(hosts.filter((h) => runner.busy(h) || backoff.skips(h)));
  // Each host pings all its peers, so a pair is measured from both ends: when one end cannot be reached from
  // here (a cut that also parts this machine from it), the other end still tells.
  const byHost = new Map<string, PairTask[]>();
  for (const task of tasks) {
    byHost.set(task.from, [...(byHost.get(task.from) ?? []), task]);
    byHost.set(task.to, [...(byHost.get(task.to) ?? []), { network: task.network, from: task.to, to: task.from, fromAddress: task.toAddress, toAddress: task.fromAddress }]);
  }
  const plan = (task: PairTask): PingPlan => ({ address: task.toAddress, count: probes, warmup: 1, intervalS, replyTimeoutS, ...(runner.runsOnNodes ? { sourceAddress: task.fromAddress } : {}) });
  const deadlineS = pingDeadlineS(plan(tasks[0] ?? { network: '', from: '', to: '', fromAddress: '', toAddress: '' }));
  const waves = Math.max(1, ...[...byHost.values()].map((l) => Math.ceil(l.length / PINGS_AT_ONCE)));
  /** The round waits this long for its hosts; one that has not answered by then counts as not measured. */
  const roundDeadlineMs = (waves * deadlineS + 4) * 1000;
  const measured = new Map<string, LinkSample[]>();
  const notMeasured = new Map<string, LinkSample>();
  let closed = false;
  const keyOf = (l: { network: string; a: string; b: string }) => `${l.network}\u0000${l.a}\u0000${l.b}`;
  const pingHost = async (host: string, list: PairTask[]) => {
    let outputs: Map<number, string> | undefined;
    let failure: string | undefined;
    try {
      // One command per host and round: its pings run side by side there (8 at a time), the warm-up probe left out of the figures.
      const r = await runner.exec(host, pingBatchArgv(list.map(plan), { count: probes, warmup: 1, intervalS, replyTimeoutS, deadlineS }), { timeoutMs: roundDeadlineMs + 30_000, ...(options.signal ? { signal: options.signal } : {}) });
      outputs = parsePingBatch(r.stdout);
      if (outputs.size === 0) failure = (r.stderr || r.stdout).trim().split('\n')[0] || `the ping batch exited with ${r.code}`;
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const why = error instanceof Error ? error.message : String(error);
      failure = hostFailure(error) ? `${host} unreachable: ${why}` : why;
      if (hostFailure(error)) backoff.failed(host);
    }
    if (closed) return;
    if (!failure) backoff.succeeded(host);
    for (const [i, task] of list.entries()) {
      const [a, b] = pairOf(task.from, task.to);
      const base = { network: task.network, a, b, source: 'ping' as const };
      const parsed = outputs?.has(i) ? parsePingOutput(outputs.get(i)!, { warmup: 1 }) : undefined;
      if (!parsed) {
        notMeasured.set(keyOf(base), { ...base, lossPercent: 100, error: failure ?? (outputs?.get(i)?.trim().split('\n')[0] || 'ping printed no statistics') });
        continue;
      }
      const sample: LinkSample = {
        ...base,
        lossPercent: parsed.lossPercent,
        ...(parsed.medianMs !== undefined ? { rttMs: parsed.medianMs } : parsed.avgMs !== undefined ? { rttMs: parsed.avgMs } : {}),
        ...(parsed.mdevMs !== undefined ? { jitterMs: parsed.mdevMs } : {}),
      };
      measured.set(keyOf(base), [...(measured.get(keyOf(base)) ?? []), sample]);
    }
  };
  const clusters: ClusterSample[] = [];
  const knetLinks: LinkSample[] = [];
  const clusterReads = discoveries.map(async (d) => {
    if (!d.monitor) return;
    const reading = await d.monitor(workspace, runner, { ...(options.signal ? { signal: options.signal } : {}), skip: skipped });
    if (closed) return;
    clusters.push(...reading.clusters);
    knetLinks.push(...(reading.links ?? []));
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.all([...[...byHost.entries()].filter(([h]) => !skipped.has(h)).map(([h, list]) => pingHost(h, list)), ...clusterReads]),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, roundDeadlineMs))),
  ]);
  clearTimeout(timer);
  closed = true;
  const links: LinkSample[] = [];
  // Per pair: the worse of the two ends' figures; a pair neither end measured says why.
  for (const task of tasks) {
    const [a, b] = pairOf(task.from, task.to);
    const key = keyOf({ network: task.network, a, b });
    const both = measured.get(key) ?? [];
    if (both.length) links.push(both.reduce((w, x) => (x.lossPercent > w.lossPercent || (x.lossPercent === w.lossPercent && (x.rttMs ?? 0) > (w.rttMs ?? 0)) ? x : w)));
    else links.push(notMeasured.get(key) ?? { network: task.network, a, b, source: 'ping', lossPercent: 100, error: `neither ${a} nor ${b} answered within the round (unreachable from this machine, or busy)` });
  }
  links.push(...knetLinks);
  links.sort((x, y) => (x.network + x.a + x.b + x.source < y.network + y.a + y.b + y.source ? -1 : 1));
  return { t, links, clusters, ...(skipped.size ? { backingOff: [...skipped].sort() } : {}) };
}
