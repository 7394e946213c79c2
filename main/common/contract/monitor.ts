// Contract of the monitoring domain: polling rounds over the open workspace's estate (latency, loss,
// quorum, knet), their bounded history beside the workspace, and the alerts raised when a limit is crossed.
import * as z from 'zod';
import { alertSchema, monitorSampleSchema } from '../monitor/model.js';
import { defineMethod } from './define.js';

export const monitorStatusSchema = z.object({
  running: z.boolean(),
  intervalS: z.number(),
  /** Rounds since the monitor started in this process. */
  rounds: z.number().int(),
  lastRoundAt: z.number().optional(),
  /** How long the last round took (ms). */
  lastRoundMs: z.number().optional(),
  /** Limits crossed now, each with the time it started. */
  alerts: z.array(alertSchema),
  /** Alerts that cleared lately (newest first, at most 50). */
  cleared: z.array(alertSchema),
  /** Hosts sitting rounds out after failures. */
  backingOff: z.array(z.string()),
  store: z.object({ dir: z.string(), diskBytes: z.number(), rounds: z.number().int(), retentionDays: z.number(), maxMiB: z.number() }).optional(),
  /** Why the last round could not run (the workspace has errors…). */
  problem: z.string().optional(),
});
export type MonitorStatus = z.infer<typeof monitorStatusSchema>;

export const monitorMethods = {
  'monitor.status': defineMethod(z.object({}).strict(), monitorStatusSchema),
  /** Starts polling the open workspace's estate every intervalS seconds (default 30). */
  'monitor.start': defineMethod(z.object({ intervalS: z.number().min(1).max(3600).optional(), probes: z.number().int().min(1).max(20).optional() }).strict(), monitorStatusSchema),
  'monitor.stop': defineMethod(z.object({}).strict(), monitorStatusSchema),
  /** The kept rounds since sinceMs (all without it), evenly thinned to at most maxRounds. */
  'monitor.history': defineMethod(
    z.object({ sinceMs: z.number().optional(), maxRounds: z.number().int().min(1).max(5000).optional() }).strict(),
    z.object({ rounds: z.array(monitorSampleSchema), total: z.number().int() }),
  ),
};

export const monitorEvents = {
  'monitor.sampled': monitorSampleSchema,
  'monitor.alertRaised': alertSchema,
  'monitor.alertCleared': alertSchema,
};
