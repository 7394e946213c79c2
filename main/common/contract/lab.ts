// Contract of the lab domain: the local multi-site lab offered to admins who want to try the app
// without hardware (Linux, root). Starting one writes its workspace, which the app then opens.
import * as z from 'zod';
import { defineMethod } from './define.js';

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
  'lab.down': defineMethod(z.object({}).strict(), z.object({ namespaces: z.number().int(), processes: z.number().int() })),
};
