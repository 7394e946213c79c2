// Measured facts the rules weigh the layout against: the latency matrix (ping from every node to
// every peer on every network) and corosync's own knet link statistics. Each measurement records the
// estate it was taken on (the workspace and each node's addresses and host key), and figures whose
// estate no longer matches are set aside, never shown (factsForEstate).
import * as z from 'zod';
import { overlaysFactsSchema } from '../overlay/facts.js';
import { clockFactSchema, drillFactSchema } from '../scorecard/facts.js';

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
  /** Round-trip times in milliseconds over the counted probes (warm-up left out); absent when no reply came back. */
  minMs: z.number().optional(),
  /** The mean. */
  avgMs: z.number().optional(),
  /** The figure quoted by validation and the canvas: robust against the odd late reply. */
  medianMs: z.number().optional(),
  /** 95th percentile (nearest rank). */
  p95Ms: z.number().optional(),
  maxMs: z.number().optional(),
  mdevMs: z.number().optional(),
  measuredAt: z.string(),
  /** Why there is no figure (the command failed, timed out, the node was unreachable). */
  error: z.string().optional(),
  /** The error's code when the node could not run ping at all (UNREACHABLE, HOST_KEY_CHANGED, AUTH_FAILED…). */
  errorCode: z.string().optional(),
});
export type LatencySample = z.infer<typeof latencySampleSchema>;

export { estateSchema, measuredNodeSchema, type Estate, type MeasuredNode } from './estate.js';
import { estateSchema, type Estate } from './estate.js';

export const latencyMatrixSchema = z.object({
  version: z.literal(1),
  measuredAt: z.string(),
  /** Which runner measured: "ssh" runs ping on the nodes; "local" runs it on this machine. */
  runner: z.string(),
  /** Probes counted per pair. */
  count: z.number().int().positive(),
  /** Probes sent first to every peer and left out of every figure (they wait for address resolution). */
  warmupProbes: z.number().int().min(0).optional(),
  intervalS: z.number().positive(),
  samples: z.array(latencySampleSchema),
  /** Absent in files of earlier versions: such figures are set aside (nothing says whose they are). */
  estate: estateSchema.optional(),
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

/** Quorum and membership of a stack's cluster as its API (and corosync-quorumtool on a member) last reported them. */
export const clusterQuorumSchema = z.object({
  quorate: z.boolean(),
  totalVotes: z.number().optional(),
  expectedVotes: z.number().optional(),
  nodes: z.array(z.object({ name: z.string(), online: z.boolean(), nodeid: z.number().optional() })),
  checkedAt: z.string(),
  /** The cluster name the API reports (absent on a standalone node). */
  clusterName: z.string().optional(),
  /** Where the vote counts come from: corosync-quorumtool on a member, or computed (one vote per online node). */
  votesFrom: z.string().optional(),
  /** Votes needed for quorum, and whether a QDevice casts one (corosync-quorumtool's flags). */
  quorum: z.number().optional(),
  qdevice: z.boolean().optional(),
});
export type ClusterQuorum = z.infer<typeof clusterQuorumSchema>;

export const factsSchema = z.object({
  /** Failover drills run, newest last (the scorecard quotes the last per cluster). */
  drills: z.array(drillFactSchema).optional(),
  /** Each node's clock synchronisation as last read. */
  clocks: z.array(clockFactSchema).optional(),
  overlays: overlaysFactsSchema.optional(),
  latency: latencyMatrixSchema.optional(),
  knet: z.object({ cluster: z.string(), readAt: z.string(), links: z.array(knetLinkStatsSchema), estate: estateSchema.optional() }).array().optional(),
  /** The last quorum read per workspace cluster (the canvas's cluster badges, kept across reloads). */
  quorum: z.object({ cluster: z.string(), status: clusterQuorumSchema }).array().optional(),
});
export type Facts = z.infer<typeof factsSchema>;

/** A measured round trip between two nodes on one network, the worse of both directions. */
export interface PairLatency {
  network: string;
  a: string;
  b: string;
  /**
   * The round trip rules weigh and the canvas shows: the median where it was measured (robust
   * against the odd late reply), else the mean (knet estimates).
   */
  rttMs?: number;
  /** The mean. */
  avgMs?: number;
  minMs?: number;
  medianMs?: number;
  p95Ms?: number;
  maxMs?: number;
  mdevMs?: number;
  lossPercent: number;
  /** Probes the loss figure counts (a ping sample's `sent`); absent for knet estimates. */
  probes?: number;
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
  const score = (p: PairLatency) => (p.error || p.rttMs === undefined ? Number.POSITIVE_INFINITY : p.rttMs + p.lossPercent * 1000);
  return score(y) > score(x) ? y : x;
}

/** One sample as a pair figure (the CLI's table, the fact index). */
export function pairFromSample(s: LatencySample, source: PairLatency['source']): PairLatency {
  const rttMs = s.medianMs ?? s.avgMs;
  return {
    network: s.network,
    a: s.from,
    b: s.to,
    lossPercent: s.lossPercent,
    ...(s.sent > 0 ? { probes: s.sent } : {}),
    source,
    ...(rttMs !== undefined ? { rttMs } : {}),
    ...(s.avgMs !== undefined ? { avgMs: s.avgMs } : {}),
    ...(s.minMs !== undefined ? { minMs: s.minMs } : {}),
    ...(s.medianMs !== undefined ? { medianMs: s.medianMs } : {}),
    ...(s.p95Ms !== undefined ? { p95Ms: s.p95Ms } : {}),
    ...(s.maxMs !== undefined ? { maxMs: s.maxMs } : {}),
    ...(s.mdevMs !== undefined ? { mdevMs: s.mdevMs } : {}),
    ...(s.error ? { error: s.error } : {}),
  };
}

/** Index of the facts for quick look-ups by the rules. */
export class FactIndex {
  private readonly pairs = new Map<string, PairLatency>();
  readonly measuredAt: string | undefined;

  constructor(facts: Facts = {}) {
    this.measuredAt = facts.latency?.measuredAt;
    const source = facts.latency?.runner === 'local' ? 'local' : 'ping';
    for (const s of facts.latency?.samples ?? []) {
      const entry = pairFromSample(s, source);
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
          rttMs: (2 * l.latencyAveUs) / 1000,
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

/**
 * "30.3 ms median (mean 30.4 ±0.1, min 30.1, p95 30.6), 0 % loss" as findings and the CLI quote it;
 * "4.2 ms ±0.3, 0 % loss" for figures with no median (knet estimates).
 */
export function describeLatency(p: PairLatency): string {
  if (p.error) return `not measured (${p.error})`;
  if (p.rttMs === undefined) return `no reply (${p.lossPercent} % loss)`;
  const jitter = p.mdevMs !== undefined ? ` ±${round(p.mdevMs)}` : '';
  const note = p.source === 'knet' ? ' (corosync knet estimate)' : p.source === 'local' ? ' (measured from this machine, not between the nodes)' : '';
  if (p.medianMs === undefined) return `${round(p.rttMs)} ms${jitter}, ${round(p.lossPercent)} % loss${note}`;
  const spread = [
    ...(p.avgMs !== undefined ? [`mean ${round(p.avgMs)}${jitter}`] : []),
    ...(p.minMs !== undefined ? [`min ${round(p.minMs)}`] : []),
    ...(p.p95Ms !== undefined ? [`p95 ${round(p.p95Ms)}`] : []),
  ];
  return `${round(p.medianMs)} ms median${spread.length ? ` (${spread.join(', ')})` : ''}, ${round(p.lossPercent)} % loss${note}`;
}

export function round(value: number): number {
  return value >= 10 ? Math.round(value * 10) / 10 : Math.round(value * 100) / 100;
}

/** The estate as it is now, to compare stored measurements with. */
export interface CurrentEstate {
  /** The workspace's name. */
  workspace: string;
  /** Every node of the workspace with its address per network. */
  nodes: Record<string, { addresses: Record<string, string> }>;
  /**
   * How a host key recorded with a measurement compares with the keys this machine trusts for that
   * node now: "changed" (another key of that type is trusted, or this one is revoked) sets its
   * figures aside. Absent: host keys are not compared.
   */
  hostKey?(node: string, key: { type: string; fingerprint: string }): 'trusted' | 'changed' | 'unknown';
}

export interface EstateCheck {
  /** Only the figures that belong to this estate. */
  facts: Facts;
  /** Why figures were set aside, one sentence each (empty when none were). */
  setAside: string[];
}

/**
 * Keeps only the measurements taken on this estate: the same workspace, and for every figure both
 * nodes with the addresses they had then and no sign of another machine behind them (a host key
 * this machine now trusts differently). Figures without a record of their estate (files of earlier
 * versions) are set aside too: nothing says whose they are.
 */
export function factsForEstate(facts: Facts, current: CurrentEstate): EstateCheck {
  const setAside: string[] = [];
  const result: Facts = {};
  const differences = new Map<string, string | undefined>();
  /** Why this node is not the one measured (undefined: it is), for the networks given (all recorded ones when none). */
  const nodeDiffers = (estate: Estate, estateKey: string, name: string, network?: string): string | undefined => {
    const cacheKey = `${estateKey}\u0000${name}\u0000${network ?? ''}`;
    if (differences.has(cacheKey)) return differences.get(cacheKey);
    const recorded = estate.nodes[name];
    const now = current.nodes[name];
    let why: string | undefined;
    if (!now) why = `${name} is no longer in the workspace`;
    else if (!recorded) why = `${name} was not part of that measurement`;
    else {
      const networks = network !== undefined ? [network] : Object.keys(recorded.addresses);
      const moved = networks.find((n) => recorded.addresses[n] !== now.addresses[n]);
      if (moved !== undefined) why = `${name} was measured at ${recorded.addresses[moved] ?? 'no address'} on ${moved} and is now at ${now.addresses[moved] ?? 'no address'}`;
      else if (recorded.hostKey && current.hostKey?.(name, recorded.hostKey) === 'changed') why = `${name} now has another host key than the ${recorded.hostKey.fingerprint} it presented when measured`;
    }
    differences.set(cacheKey, why);
    return why;
  };
  const matrix = facts.latency;
  if (matrix) {
    if (!matrix.estate) {
      setAside.push(`The latency figures measured ${matrix.measuredAt} were set aside: they were stored by an earlier version of Clusterwright, which did not record which estate they belong to. Measure again.`);
    } else if (matrix.estate.workspace !== current.workspace) {
      setAside.push(`The latency figures measured ${matrix.measuredAt} were set aside: they belong to the workspace "${matrix.estate.workspace}", not "${current.workspace}". Measure again.`);
    } else {
      const reasons = new Set<string>();
      const samples = matrix.samples.filter((s) => {
        const why = nodeDiffers(matrix.estate!, 'latency', s.from, s.network) ?? nodeDiffers(matrix.estate!, 'latency', s.to, s.network) ?? (current.nodes[s.to]?.addresses[s.network] !== s.toAddress ? `${s.to} is no longer at ${s.toAddress} on ${s.network}` : undefined);
        if (why) reasons.add(why);
        return !why;
      });
      if (reasons.size) {
        const dropped = matrix.samples.length - samples.length;
        setAside.push(`${dropped} of ${matrix.samples.length} latency figures measured ${matrix.measuredAt} were set aside (${[...reasons].slice(0, 3).join('; ')}${reasons.size > 3 ? `; and ${reasons.size - 3} more` : ''}). Measure again.`);
      }
      if (samples.length) result.latency = { ...matrix, samples };
    }
  }
  const knet = (facts.knet ?? []).filter((entry, i) => {
    const nodes = new Set(entry.links.flatMap((l) => [l.local, ...(l.peer ? [l.peer] : [])]));
    const why = !entry.estate
      ? 'stored by an earlier version without a record of the estate'
      : entry.estate.workspace !== current.workspace
        ? `read on the workspace "${entry.estate.workspace}"`
        : [...nodes].map((n) => nodeDiffers(entry.estate!, `knet${i}`, n)).find((w) => w !== undefined);
    if (why) setAside.push(`corosync's link figures for cluster ${entry.cluster} (read ${entry.readAt}) were set aside: ${why}. Read them again.`);
    return !why;
  });
  if (knet.length) result.knet = knet;
  // Drills name a cluster, not addresses: they stay. A clock reading belongs to a node still in the workspace.
  if (facts.drills?.length) result.drills = facts.drills;
  const clocks = (facts.clocks ?? []).filter((c) => current.nodes[c.node]);
  if (clocks.length) result.clocks = clocks;
  const overlays = (facts.overlays ?? []).filter((entry, i) => {
    const why = !entry.estate
      ? 'stored without a record of the estate'
      : entry.estate.workspace !== current.workspace
        ? `read on the workspace "${entry.estate.workspace}"`
        : Object.keys(entry.estate.nodes).map((n) => nodeDiffers(entry.estate!, `overlay${i}`, n)).find((w) => w !== undefined);
    if (why) setAside.push(`The tunnels of overlay ${entry.overlay} (read ${entry.measuredAt}) were set aside: ${why}. Read them again.`);
    return !why;
  });
  if (overlays.length) result.overlays = overlays;
  return { facts: result, setAside };
}

/** The estate a measurement is being taken on, from the workspace (host keys are added by the runner). */
export function estateOf(workspace: { name: string; nodes: readonly { name: string; addresses: Record<string, string> }[] }, file?: string): Estate {
  return {
    workspace: workspace.name,
    ...(file ? { file } : {}),
    nodes: Object.fromEntries(workspace.nodes.map((n) => [n.name, { addresses: { ...n.addresses } }])),
  };
}
