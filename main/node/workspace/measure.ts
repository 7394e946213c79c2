// Measures the latency matrix: from every node to every peer on every network they share, with
// ping run on the source node, under a global and a per-node concurrency limit, with progress.
// Each ping first sends a warm-up probe that is not counted (it waits for address resolution on a
// cold neighbour cache), and the matrix records the estate it was taken on (see factsForEstate).
import { CwError, isCwError } from '../../common/errors.js';
import { estateOf, type Estate, type LatencyMatrix, type LatencySample, type Workspace } from '../../common/workspace/index.js';
import { parsePingOutput, pingArgv, pingDeadlineS, type PingPlan } from './ping.js';
import type { RemoteRunner } from './runner.js';

export interface MeasureOptions {
  workspace: Workspace;
  runner: RemoteRunner;
  /** Only these networks (default: all). */
  networks?: readonly string[];
  /** Only pairs with at least one end among these nodes (default: all). */
  nodes?: readonly string[];
  /** Probes counted per pair (default 10). */
  count?: number;
  /** Probes sent first and not counted (default 1). */
  warmup?: number;
  intervalS?: number;
  replyTimeoutS?: number;
  /** Pings running at once in total. */
  concurrency?: number;
  /** Pings running at once from one node (SSH servers cap sessions per connection at 10). */
  perNodeConcurrency?: number;
  /** Send from the node's own address on the network (default: when the runner runs on the nodes). */
  bindSource?: boolean;
  signal?: AbortSignal;
  onProgress?(progress: MeasureProgress): void;
  now?(): Date;
  /** The workspace file, recorded with the estate. */
  file?: string;
}

export interface MeasureProgress {
  done: number;
  total: number;
  sample: LatencySample;
}

export interface PingPair {
  network: string;
  from: string;
  to: string;
  fromAddress: string;
  toAddress: string;
}

/** Every ordered pair of nodes that both have an address on a network. */
export function planPairs(workspace: Workspace, networks?: readonly string[], nodes?: readonly string[]): PingPair[] {
  const pairs: PingPair[] = [];
  const wantedNodes = nodes ? new Set(nodes) : undefined;
  for (const network of workspace.networks) {
    if (networks && !networks.includes(network.name)) continue;
    const members = workspace.nodes.filter((n) => n.addresses[network.name] !== undefined);
    for (const from of members) {
      for (const to of members) {
        if (from === to) continue;
        if (wantedNodes && !wantedNodes.has(from.name) && !wantedNodes.has(to.name)) continue;
        pairs.push({ network: network.name, from: from.name, to: to.name, fromAddress: from.addresses[network.name]!, toAddress: to.addresses[network.name]! });
      }
    }
  }
  return pairs;
}

export async function measureLatency(options: MeasureOptions): Promise<LatencyMatrix> {
  const count = options.count ?? 10;
  const warmup = options.warmup ?? 1;
  const intervalS = options.intervalS ?? 0.2;
  const replyTimeoutS = options.replyTimeoutS ?? 1;
  const limit = Math.max(1, options.concurrency ?? 8);
  const perNode = Math.max(1, options.perNodeConcurrency ?? 4);
  const bindSource = options.bindSource ?? options.runner.runsOnNodes;
  const now = options.now ?? (() => new Date());
  for (const name of options.networks ?? []) {
    if (!options.workspace.networks.some((n) => n.name === name)) throw new CwError('NOT_FOUND', `There is no network named ${name} in this workspace.`);
  }
  for (const name of options.nodes ?? []) {
    if (!options.workspace.nodes.some((n) => n.name === name)) throw new CwError('NOT_FOUND', `There is no node named ${name} in this workspace.`);
  }
  const pairs = planPairs(options.workspace, options.networks, options.nodes);
  const startedAt = now();
  const samples: LatencySample[] = new Array(pairs.length);
  const started: boolean[] = new Array(pairs.length).fill(false);
  const busy = new Map<string, number>();
  let next = 0;
  let done = 0;

  const measureOne = async (pair: PingPair): Promise<LatencySample> => {
    const plan: PingPlan = { address: pair.toAddress, count, warmup, intervalS, replyTimeoutS, ...(bindSource ? { sourceAddress: pair.fromAddress } : {}) };
    const base = { network: pair.network, from: pair.from, to: pair.to, toAddress: pair.toAddress };
    try {
      const result = await options.runner.exec(pair.from, pingArgv(plan), { timeoutMs: (pingDeadlineS(plan) + 10) * 1000, ...(options.signal ? { signal: options.signal } : {}) });
      const parsed = parsePingOutput(result.stdout, { warmup });
      if (!parsed) {
        const why = (result.stderr || result.stdout).trim().split('\n')[0] || `ping exited with code ${result.code}`;
        return { ...base, sent: 0, received: 0, lossPercent: 100, measuredAt: now().toISOString(), error: why };
      }
      const { warmupDiscarded: _warmup, ...summary } = parsed;
      return { ...base, ...summary, measuredAt: now().toISOString() };
    } catch (error) {
      if (isCwError(error) && error.code === 'CANCELLED') throw error;
      if (options.signal?.aborted) throw new CwError('CANCELLED', 'The latency measurement was cancelled.');
      if (isCwError(error) && error.code === 'MISSING_DEPENDENCY') throw error;
      const why = error instanceof Error ? error.message : String(error);
      return { ...base, sent: 0, received: 0, lossPercent: 100, measuredAt: now().toISOString(), error: why, ...(isCwError(error) ? { errorCode: error.code } : {}) };
    }
  };

  await new Promise<void>((resolve, reject) => {
    let running = 0;
    let failed = false;
    const pump = () => {
      if (failed) return;
      if (done === pairs.length) return resolve();
      // Start what the limits allow, skipping pairs whose source node is saturated.
      for (let i = next; i < pairs.length && running < limit; i++) {
        const pair = pairs[i]!;
        if (started[i] || (busy.get(pair.from) ?? 0) >= perNode) continue;
        started[i] = true;
        running++;
        busy.set(pair.from, (busy.get(pair.from) ?? 0) + 1);
        measureOne(pair).then(
          (sample) => {
            samples[i] = sample;
            running--;
            busy.set(pair.from, busy.get(pair.from)! - 1);
            done++;
            options.onProgress?.({ done, total: pairs.length, sample });
            pump();
          },
          (error: unknown) => {
            failed = true;
            reject(error);
          },
        );
      }
      while (next < pairs.length && started[next]) next++;
    };
    pump();
  });

  const estate = await recordEstate(options.workspace, options.runner, samples.filter((s) => !s.error).map((s) => s.from), options.file);
  return { version: 1, measuredAt: startedAt.toISOString(), runner: options.runner.kind, count, warmupProbes: warmup, intervalS, samples, estate };
}

/**
 * Who a measurement was taken on: the workspace, every node's addresses, and the host key each
 * node the runner reached presented (asked only of those, so nothing new is connected or prompted).
 */
export async function recordEstate(workspace: Workspace, runner: RemoteRunner, reached: Iterable<string>, file?: string): Promise<Estate> {
  const estate = estateOf(workspace, file);
  if (runner.hostKeyOf) {
    for (const name of new Set(reached)) {
      const key = await runner.hostKeyOf(name).catch(() => undefined);
      if (key && estate.nodes[name]) estate.nodes[name].hostKey = key;
    }
  }
  return estate;
}
