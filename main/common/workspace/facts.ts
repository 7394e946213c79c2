// Measured facts the rules weigh the layout against: the latency matrix (ping from every node to
// every peer on every network) and corosync's own knet link statistics.
import { z } from 'zod';

export const latencySampleSchema = z.object({
  network: z.string(),
  /** The node the ping ran on. */
  from: z.string(),
  /** The peer it pinged, at its address on that network. */
  to: z.string(),
  toAddress: z.string(),
  sent: z.number().int().min(0),
  received: z.number().int().min(0),
  lossPercent: z.number().min(0).max(100),
  /** Round-trip times in milliseconds; absent when no reply came back. */
  minMs: z.number().optional(),
  avgMs: z.number().optional(),
  maxMs: z.number().optional(),
  mdevMs: z.number().optional(),
  measuredAt: z.string(),
  /** Why there is no figure (the command failed, timed out, the node was unreachable). */
  error: z.string().optional(),
  /** The error's code when the node could not run ping at all (UNREACHABLE, HOST_KEY_CHANGED, AUTH_FAILED…). */
  errorCode: z.string().optional(),
});
export type LatencySample = z.infer<typeof latencySampleSchema>;

export const latencyMatrixSchema = z.object({
  version: z.literal(1),
  measuredAt: z.string(),
  /** Which runner measured: "ssh" runs ping on the nodes; "local" runs it on this machine. */
  runner: z.string(),
  count: z.number().int().positive(),
  intervalS: z.number().positive(),
  samples: z.array(latencySampleSchema),
});
export type LatencyMatrix = z.infer<typeof latencyMatrixSchema>;

/** One knet link as corosync sees it from `local` (corosync-cmapctl -m stats). */
export const knetLinkStatsSchema = z.object({
  /** Node the stats were read on. */
  local: z.string(),
  nodeId: z.number().int(),
  /** Workspace node name of nodeId, when the cluster's node ids are known. */
  peer: z.string().optional(),
  link: z.number().int().min(0).max(7),
  connected: z.boolean().optional(),
  enabled: z.boolean().optional(),
  /** knet's one-way latency estimates in microseconds (≈ RTT / 2). */
  latencyAveUs: z.number().optional(),
  latencyMinUs: z.number().optional(),
  latencyMaxUs: z.number().optional(),
  latencySamples: z.number().optional(),
  upCount: z.number().optional(),
  downCount: z.number().optional(),
});
export type KnetLinkStats = z.infer<typeof knetLinkStatsSchema>;

export const factsSchema = z.object({
  latency: latencyMatrixSchema.optional(),
  knet: z.object({ cluster: z.string(), readAt: z.string(), links: z.array(knetLinkStatsSchema) }).array().optional(),
});
export type Facts = z.infer<typeof factsSchema>;

/** A measured round trip between two nodes on one network, the worse of both directions. */
export interface PairLatency {
  network: string;
  a: string;
  b: string;
  avgMs?: number;
  maxMs?: number;
  mdevMs?: number;
  lossPercent: number;
  /**
   * "ping" (latency matrix measured on the nodes), "local" (ping ran on this machine, so the figure
   * is this machine → peer, not node → peer) or "knet" (corosync's estimate, 2 × latency_ave).
   */
  source: 'ping' | 'local' | 'knet';
  error?: string;
}

function pairKey(network: string, a: string, b: string): string {
  return a < b ? `${network}\u0000${a}\u0000${b}` : `${network}\u0000${b}\u0000${a}`;
}

function worse(x: PairLatency, y: PairLatency): PairLatency {
  const score = (p: PairLatency) => (p.error || p.avgMs === undefined ? Number.POSITIVE_INFINITY : p.avgMs + p.lossPercent * 1000);
  return score(y) > score(x) ? y : x;
}

/** Index of the facts for quick look-ups by the rules. */
export class FactIndex {
  private readonly pairs = new Map<string, PairLatency>();
  readonly measuredAt: string | undefined;

  constructor(facts: Facts = {}) {
    this.measuredAt = facts.latency?.measuredAt;
    const source = facts.latency?.runner === 'local' ? 'local' : 'ping';
    for (const s of facts.latency?.samples ?? []) {
      const entry: PairLatency = {
        network: s.network,
        a: s.from,
        b: s.to,
        lossPercent: s.lossPercent,
        source,
        ...(s.avgMs !== undefined ? { avgMs: s.avgMs } : {}),
        ...(s.maxMs !== undefined ? { maxMs: s.maxMs } : {}),
        ...(s.mdevMs !== undefined ? { mdevMs: s.mdevMs } : {}),
        ...(s.error ? { error: s.error } : {}),
      };
      const key = pairKey(s.network, s.from, s.to);
      const known = this.pairs.get(key);
      this.pairs.set(key, known ? worse(known, entry) : entry);
    }
    this.knet = facts.knet ?? [];
  }

  private readonly knet: NonNullable<Facts['knet']>;

  /** Round trip between a and b on a network, from the ping matrix. */
  between(network: string, a: string, b: string): PairLatency | undefined {
    return this.pairs.get(pairKey(network, a, b));
  }

  /** corosync's view of link `link` between a and b in `cluster`, as an RTT (2 × latency_ave). */
  knetBetween(cluster: string, link: number, a: string, b: string): PairLatency | undefined {
    let found: PairLatency | undefined;
    for (const stats of this.knet) {
      if (stats.cluster !== cluster) continue;
      for (const l of stats.links) {
        if (l.link !== link || l.latencyAveUs === undefined) continue;
        if (!((l.local === a && l.peer === b) || (l.local === b && l.peer === a))) continue;
        const entry: PairLatency = {
          network: `link${link}`,
          a,
          b,
          avgMs: (2 * l.latencyAveUs) / 1000,
          ...(l.latencyMaxUs !== undefined ? { maxMs: (2 * l.latencyMaxUs) / 1000 } : {}),
          lossPercent: l.connected === false ? 100 : 0,
          source: 'knet',
        };
        found = found ? worse(found, entry) : entry;
      }
    }
    return found;
  }
}

/** "4.2 ms ±0.3, 0 % loss" as the canvas shows it. */
export function describeLatency(p: PairLatency): string {
  if (p.error) return `not measured (${p.error})`;
  if (p.avgMs === undefined) return `no reply (${p.lossPercent} % loss)`;
  const jitter = p.mdevMs !== undefined ? ` ±${round(p.mdevMs)}` : '';
  const note = p.source === 'knet' ? ' (corosync knet estimate)' : p.source === 'local' ? ' (measured from this machine, not between the nodes)' : '';
  return `${round(p.avgMs)} ms${jitter}, ${round(p.lossPercent)} % loss${note}`;
}

export function round(value: number): number {
  return value >= 10 ? Math.round(value * 10) / 10 : Math.round(value * 100) / 100;
}
