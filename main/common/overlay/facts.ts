// What the app measured about an overlay (pure zod): the underlay's path MTU per site pair, the MTU
// set, each member's interface, handshake ages, and round trips and throughput over and under the
// tunnel. Public keys only: private keys never leave the nodes.
import * as z from 'zod';
import { estateSchema } from '../workspace/estate.js';

const pingStatsSchema = z.object({
  sent: z.number().int().min(0),
  received: z.number().int().min(0),
  lossPercent: z.number().min(0).max(100),
  avgMs: z.number().optional(),
  /** The median of the replies (robust against the odd late one); rules weigh it where present. */
  medianMs: z.number().optional(),
  mdevMs: z.number().optional(),
  maxMs: z.number().optional(),
});
export type OverlayPingStats = z.infer<typeof pingStatsSchema>;

export const pathMtuFactSchema = z.object({
  from: z.string(),
  to: z.string(),
  fromSite: z.string(),
  toSite: z.string(),
  /** The address probed (the peer's endpoint on the underlay). */
  address: z.string(),
  family: z.union([z.literal(4), z.literal(6)]),
  /** Largest packet (IP header included) that crossed with don't-fragment set. */
  mtu: z.number().int().optional(),
  probes: z.number().int().min(0),
  error: z.string().optional(),
});
export type PathMtuFact = z.infer<typeof pathMtuFactSchema>;

export const overlayInterfaceFactSchema = z.object({
  node: z.string(),
  up: z.boolean(),
  mtu: z.number().int().optional(),
  publicKey: z.string().optional(),
  /** kernel module or the userspace wireguard-go. */
  implementation: z.enum(['kernel', 'wireguard-go']).optional(),
  error: z.string().optional(),
});

export const handshakeFactSchema = z.object({
  node: z.string(),
  peer: z.string(),
  /** Seconds since the latest handshake, by the node's own clock; absent: never (or the interface is down). */
  ageS: z.number().min(0).optional(),
  /** The node's interface was not running (or could not be read) when this was read. */
  down: z.boolean().optional(),
});
export type HandshakeFact = z.infer<typeof handshakeFactSchema>;

export const overlayLatencyFactSchema = z.object({
  a: z.string(),
  b: z.string(),
  /** Between the members' underlay addresses (the path the tunnel takes). */
  underlay: pingStatsSchema.optional(),
  /** Between their overlay addresses, through the tunnel. */
  overlay: pingStatsSchema.optional(),
});
export type OverlayLatencyFact = z.infer<typeof overlayLatencyFactSchema>;

export const overlayThroughputFactSchema = z.object({
  from: z.string(),
  to: z.string(),
  /** Mbit/s (10^6 bit/s) of a bounded TCP transfer. */
  underlayMbit: z.number().optional(),
  overlayMbit: z.number().optional(),
  seconds: z.number(),
  tool: z.string(),
  error: z.string().optional(),
});
export type OverlayThroughputFact = z.infer<typeof overlayThroughputFactSchema>;

export const overlayFactsSchema = z.object({
  overlay: z.string(),
  interface: z.string(),
  measuredAt: z.string(),
  pathMtu: z.array(pathMtuFactSchema).default([]),
  /** The interface MTU the plan set (measured path MTU − overhead, or the workspace's fixed value). */
  mtu: z.number().int().optional(),
  interfaces: z.array(overlayInterfaceFactSchema).default([]),
  handshakes: z.array(handshakeFactSchema).default([]),
  latency: z.array(overlayLatencyFactSchema).default([]),
  throughput: z.array(overlayThroughputFactSchema).default([]),
  /** The workspace and its members' addresses when read: figures of another estate are set aside. */
  estate: estateSchema.optional(),
});
export type OverlayFacts = z.output<typeof overlayFactsSchema>;

export const overlaysFactsSchema = z.array(overlayFactsSchema);

/** The overlay facts inside the workspace's facts, whether or not its schema knows the key yet. */
export function overlayFactsOf(facts: unknown): OverlayFacts[] {
  const raw = typeof facts === 'object' && facts !== null ? (facts as { overlays?: unknown }).overlays : undefined;
  const parsed = overlaysFactsSchema.safeParse(raw ?? []);
  return parsed.success ? parsed.data : [];
}
