// Contract of the lab domain: the local multi-site lab offered to admins who want to try the app
// without hardware (Linux, root). Starting one writes its workspace, which the app then opens.
import * as z from 'zod';
import { defineMethod } from './define.js';
import { planSchema } from '../plan/schema.js';

export const labExampleSchema = z.object({ name: z.string(), title: z.string(), hosts: z.number().int(), sites: z.number().int() });

export const labStatusSchema = z.object({
  /** Whether a lab can run here; `reason` says what is missing (not Linux, not root, a package). */
  available: z.boolean(),
  reason: z.string().optional(),
  running: z.boolean(),
  name: z.string().optional(),
  workspacePath: z.string().optional(),
  hosts: z.array(z.object({ name: z.string(), site: z.string(), addresses: z.record(z.string(), z.string()), running: z.boolean() })),
  examples: z.array(labExampleSchema),
  /** What the stacks' lab parts run for the lab now ("… test servers"), in this process or the CLI's background one. */
  stackServices: z.array(z.string()).default([]),
});
export type LabStatusView = z.infer<typeof labStatusSchema>;

/** A site pair of the rehearsal: the recording (median of the pairs' medians) against the lab's own round trip. */
export const rehearsalLinkSchema = z.object({
  /** The real workspace's sites, and the lab's names for them. */
  sites: z.tuple([z.string(), z.string()]),
  labSites: z.tuple([z.string(), z.string()]),
  /** What the latency file recorded (undefined: nothing measured, the lab used `preset`). */
  recordedMs: z.number().optional(),
  /** The round trip the lab's link was set to hold (whole-millisecond steps). */
  holdsMs: z.number().optional(),
  preset: z.string().optional(),
  samples: z.number().int(),
  /** Measured in the lab, host to host across the link: the median of `probes` round trips. */
  measuredMs: z.number().optional(),
  lossPercent: z.number().optional(),
  probes: z.number().int(),
  /** Between which lab hosts. */
  from: z.string(),
  to: z.string(),
  /** Within ±10 % or ±0.3 ms of the recording (undefined: nothing recorded to compare with). */
  matches: z.boolean().optional(),
});

export const rehearsalRecordSchema = z.object({
  version: z.literal(1),
  stack: z.string(),
  group: z.string(),
  /** The workspace file it rehearsed. */
  workspacePath: z.string(),
  ranAt: z.string(),
  wallMs: z.number(),
  /** The real plan it rehearsed (the wizard's), by hash: a different hash now means the rehearsal is stale. */
  planHash: z.string(),
  planId: z.string(),
  planSteps: z.number().int(),
  /** The plan that ran in the lab: the same generator on the lab's copy of the group. */
  labPlanHash: z.string(),
  labGroup: z.string(),
  runId: z.string().optional(),
  status: z.enum(['succeeded', 'failed', 'cancelled', 'interrupted', 'running', 'not-run']),
  message: z.string(),
  steps: z.array(z.object({ id: z.string(), title: z.string(), target: z.string(), state: z.string(), message: z.string().optional(), inRealPlan: z.boolean() })),
  /** Step ids of the real plan the lab's plan has not (a manual join, a QDevice the lab does not run…). */
  notRehearsed: z.array(z.string()),
  quorum: z
    .object({ quorate: z.boolean(), members: z.array(z.object({ name: z.string(), online: z.boolean() })), votes: z.string().optional(), source: z.string() })
    .nullable(),
  quorumError: z.string().optional(),
  lab: z.object({ name: z.string(), hosts: z.number().int(), upMs: z.number(), keptRunning: z.boolean() }),
  mapping: z.array(z.object({ node: z.string(), host: z.string(), site: z.string() })),
  links: z.array(rehearsalLinkSchema),
  notes: z.array(z.string()),
});
export type RehearsalRecord = z.infer<typeof rehearsalRecordSchema>;

export const labMethods = {
  'lab.status': defineMethod(z.object({}).strict(), labStatusSchema),
  /** Starts one of the shipped example labs (assets/labs) and returns the workspace it wrote. */
  'lab.up': defineMethod(
    z.object({ example: z.string().regex(/^[a-z0-9-]+$/), replace: z.boolean().optional() }).strict(),
    z.object({ name: z.string(), workspacePath: z.string(), upMs: z.number(), hosts: z.number().int(), /** What the stacks' lab parts started for it. */ stackServices: z.array(z.string()).default([]) }),
  ),
  /**
   * "Rehearse this estate": starts a lab whose sites and links replay the open workspace's measured figures
   * (its latency file), each node mapped to a lab host of its site, with each stack's lab services where the
   * workspace has that stack's clusters; the lab's workspace then runs the same plans first.
   */
  'lab.rehearse': defineMethod(
    z.object({ replace: z.boolean().optional() }).strict(),
    z.object({
      name: z.string(),
      workspacePath: z.string(),
      upMs: z.number(),
      hosts: z.number().int(),
      stackServices: z.array(z.string()).default([]),
      mapping: z.array(z.object({ node: z.string(), host: z.string(), site: z.string() })),
      links: z.array(z.object({ between: z.tuple([z.string(), z.string()]), delayMs: z.number(), holdsMs: z.number().optional(), jitterMs: z.number(), lossPercent: z.number(), samples: z.number().int(), preset: z.string().optional() })),
      notes: z.array(z.string()),
    }),
  ),
  /**
   * "Rehearse in the lab first" (the wizards): builds the rehearsal lab from the open workspace's latency file,
   * measures each site pair's round trip there, runs the plan the stack generates for the lab's copy of `group`
   * (the same generator, the lab's addresses), reads quorum, takes the lab down and keeps the result beside the
   * workspace. `plan` is the real plan the wizard shows: only its hash and step ids are recorded, it never runs here.
   */
  'lab.rehearsePlan': defineMethod(
    z
      .object({
        stack: z.string().regex(/^[a-z][a-z0-9-]*$/),
        group: z.string().min(1).max(200),
        plan: planSchema,
        /** Replace a lab that is already running (it is stopped first). */
        replace: z.boolean().optional(),
        /** Leave the rehearsal lab running afterwards (to look around in it); stop it from the lab menu. */
        keepLab: z.boolean().optional(),
      })
      .strict(),
    rehearsalRecordSchema,
  ),
  /** The kept result of the last rehearsal of `group` (null: never rehearsed, or kept for another workspace file). */
  'lab.rehearsal': defineMethod(z.object({ stack: z.string().regex(/^[a-z][a-z0-9-]*$/), group: z.string().min(1).max(200) }).strict(), rehearsalRecordSchema.nullable()),
  'lab.down': defineMethod(z.object({}).strict(), z.object({ namespaces: z.number().int(), processes: z.number().int() })),
};
