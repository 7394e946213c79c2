// The estate a measurement was taken on (pure zod): the workspace by name and file, and each node's
// addresses and host key. Figures whose estate no longer matches the workspace are set aside.
import * as z from 'zod';

/** A node as it was when measured: what identifies the machine the figures belong to. */
export const measuredNodeSchema = z.object({
  /** Its address on each network, by network name. */
  addresses: z.record(z.string(), z.string()),
  /** The host key its SSH server presented during the measurement (when measured over SSH). */
  hostKey: z.object({ type: z.string(), fingerprint: z.string(), endpoint: z.string().optional() }).optional(),
});
export type MeasuredNode = z.infer<typeof measuredNodeSchema>;

/** The estate a measurement was taken on: the workspace (by name and file) and its nodes. */
export const estateSchema = z.object({
  workspace: z.string(),
  file: z.string().optional(),
  nodes: z.record(z.string(), measuredNodeSchema),
});
export type Estate = z.infer<typeof estateSchema>;
