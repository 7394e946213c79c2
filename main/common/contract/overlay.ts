// Contract of the overlay domain (WireGuard between sites, a part of the core every stack uses): the
// overlays with their tunnels' state, the keys and tunnels plans (built from the workspace and what was
// measured; run by plan.apply like any other plan), and reading what runs on the members.
// Public keys only: private keys are generated on the nodes and never travel.
import * as z from 'zod';
import { overlayFactsSchema, pathMtuFactSchema } from '../overlay/facts.js';
import { overlayNameSchema } from '../overlay/schema.js';
import { planSchema } from '../plan/schema.js';
import { defineMethod } from './define.js';

export const tunnelStateSchema = z.enum(['up', 'stale', 'down', 'never', 'idle', 'unknown']);

export const tunnelStatusSchema = z.object({
  a: z.string(),
  b: z.string(),
  state: tunnelStateSchema,
  handshakeAgeS: z.number().optional(),
  rttMs: z.number().optional(),
  mdevMs: z.number().optional(),
  mtu: z.number().optional(),
  label: z.string(),
});

export const overlaySummarySchema = z.object({
  name: z.string(),
  interface: z.string(),
  topology: z.string(),
  members: z.array(z.object({ node: z.string(), site: z.string(), addresses: z.array(z.string()), endpoint: z.string().optional(), behindNat: z.boolean(), hub: z.boolean() })),
  tunnels: z.array(tunnelStatusSchema),
  /** The MTU last set (or fixed in the workspace). */
  mtu: z.number().optional(),
  measuredAt: z.string().optional(),
  /** What keeps the overlay from being built as written (reference errors, address problems). */
  problems: z.array(z.string()),
});
export type OverlaySummary = z.infer<typeof overlaySummarySchema>;

const phaseSchema = z.enum(['keys', 'tunnels']);

export const overlayPlanResultSchema = z.object({
  phase: phaseSchema,
  plan: planSchema,
  /** tunnels: the MTU the plan sets, and the path MTU measured per site pair to choose it. */
  mtu: z.number().optional(),
  pathMtu: z.array(pathMtuFactSchema).optional(),
  /** tunnels: the public keys read back from the members (the only key material that leaves a node). */
  publicKeys: z.record(z.string(), z.string()).optional(),
  notes: z.array(z.string()),
});
export type OverlayPlanResult = z.infer<typeof overlayPlanResultSchema>;

export const overlayMethods = {
  /** The workspace's overlays, their members and each tunnel's state from the stored facts (nothing is read live). */
  'overlay.list': defineMethod(z.object({}).strict(), z.object({ overlays: z.array(overlaySummarySchema) })),
  /**
   * keys: check the tools and generate each member's key pair on the member. tunnels: measure the underlay's
   * path MTU (unless fixed), read the public keys back, and plan the configuration, interface and checks.
   * Both are previewed, approved and run with plan.* like every other plan.
   */
  'overlay.plan': defineMethod(z.object({ overlay: overlayNameSchema, phase: phaseSchema }).strict(), overlayPlanResultSchema),
  /** Reads each member's interface, handshakes and round trips over and under the tunnel (and, when asked, a bounded TCP transfer), stores them with the facts. */
  'overlay.status': defineMethod(
    z.object({ overlay: overlayNameSchema, throughputSeconds: z.number().min(1).max(30).optional() }).strict(),
    z.object({ facts: overlayFactsSchema, tunnels: z.array(tunnelStatusSchema), file: z.string() }),
  ),
};

export const overlayEvents = {
  /** An overlay's facts were stored (a status read, a path MTU measured): the canvas reads the facts again. */
  'overlay.statusRead': z.object({ overlay: z.string(), at: z.string(), up: z.number().int(), total: z.number().int() }),
};
