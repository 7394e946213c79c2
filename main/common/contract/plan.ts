// Contract of the plan domain: preview, approve, apply, resume, cancel, status and export a plan,
// and the job events a run emits (step updates, streamed log lines, the end of the run).
import * as z from 'zod';
import { planSchema } from '../plan/schema.js';
import { defineMethod } from './define.js';

const hashSchema = z.string().regex(/^[0-9a-f]{64}$/);
const runIdSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/);

export const stepPreviewSchema = z.object({
  id: z.string(),
  title: z.string(),
  target: z.string(),
  kind: z.enum(['exec', 'upload', 'api', 'wait', 'stack']),
  destructive: z.boolean(),
  idempotent: z.boolean(),
  dependsOn: z.array(z.string()),
  /** The command line, secrets shown as «secret:id». */
  command: z.string().optional(),
  request: z.object({ method: z.string(), path: z.string(), body: z.string().optional() }).optional(),
  upload: z
    .object({
      path: z.string(),
      mode: z.string(),
      owner: z.string().optional(),
      /** Unified diff of the file now on the node against the upload; empty when unchanged. */
      diff: z.string(),
      exists: z.boolean(),
      unchanged: z.boolean(),
    })
    .optional(),
  wait: z.object({ until: z.string(), intervalMs: z.number(), deadlineMs: z.number() }).optional(),
  /** A stack's operation (a VM move): which stack, which operation, and what it does in one line. */
  operation: z.object({ stack: z.string(), op: z.string(), text: z.string() }).optional(),
  precheck: z.string().optional(),
  verify: z.string().optional(),
  rollback: z.string().optional(),
  timeoutMs: z.number(),
  retryAttempts: z.number(),
});
export type StepPreview = z.infer<typeof stepPreviewSchema>;

export const planPreviewSchema = z.object({
  planId: z.string(),
  title: z.string(),
  planHash: hashSchema,
  /** True when this exact plan hash was approved with every destructive step acknowledged. */
  approved: z.boolean(),
  destructiveSteps: z.array(z.string()),
  unapprovedDestructive: z.array(z.string()),
  /** Ids of the secrets the plan uses (never their values). */
  secrets: z.array(z.string()),
  steps: z.array(stepPreviewSchema),
  /** What the preview could not read live (an unreachable node, …). */
  warnings: z.array(z.string()),
  /** The same, with the error code of each failed read (UNREACHABLE, HOST_KEY_CHANGED…): scripts act on these. */
  readFailures: z.array(z.object({ stepId: z.string(), target: z.string(), code: z.string() })).default([]),
});
export type PlanPreview = z.infer<typeof planPreviewSchema>;

export const runStatuses = ['running', 'succeeded', 'failed', 'cancelled', 'interrupted'] as const;
export const stepStates = ['pending', 'checking', 'started', 'retrying', 'succeeded', 'skipped', 'failed', 'blocked'] as const;

export const runFailureSchema = z.object({ stepId: z.string(), target: z.string(), code: z.string(), message: z.string() });

export const runResultSchema = z.object({
  runId: z.string(),
  planId: z.string(),
  planHash: hashSchema,
  status: z.enum(runStatuses),
  /** Steps whose action ran. */
  changed: z.number(),
  /** Steps their precheck found already done. */
  skipped: z.number(),
  failed: z.number(),
  /** Steps left pending (after a failure or cancel). */
  notRun: z.number(),
  /** True when every step was already done: the run changed nothing. */
  nothingChanged: z.boolean(),
  message: z.string(),
  failure: runFailureSchema.optional(),
  durationMs: z.number(),
  /** The clusters the plan says it changes (read again once it ended). */
  touches: z.array(z.object({ stack: z.string(), cluster: z.string() })).optional(),
});
export type RunResult = z.infer<typeof runResultSchema>;

export const runInfoSchema = z.object({
  runId: z.string(),
  planId: z.string(),
  planHash: hashSchema,
  status: z.enum(runStatuses),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  message: z.string().optional(),
  journal: z.string(),
  steps: z.array(
    z.object({
      id: z.string(),
      title: z.string(),
      target: z.string(),
      state: z.enum(stepStates),
      attempts: z.number(),
      precheck: z.enum(['done', 'not-done', 'none']).optional(),
      code: z.string().optional(),
      message: z.string().optional(),
    }),
  ),
});
export type RunInfo = z.infer<typeof runInfoSchema>;

const planInput = z.object({ plan: planSchema }).strict();

export const planMethods = {
  'plan.preview': defineMethod(planInput, planPreviewSchema),
  'plan.approve': defineMethod(
    z.object({ plan: planSchema, planHash: hashSchema.optional(), acknowledgeDestructive: z.array(z.string()).default([]) }).strict(),
    z.object({ planHash: hashSchema, planId: z.string(), acknowledgedDestructive: z.array(z.string()), approvedAt: z.string() }),
  ),
  /** Starts a run; with `wait` it answers when the run ends, else at once (follow the job events). */
  'plan.apply': defineMethod(
    z.object({ plan: planSchema, planHash: hashSchema.optional(), wait: z.boolean().default(false) }).strict(),
    z.object({ runId: z.string(), planHash: hashSchema, result: runResultSchema.optional() }),
  ),
  'plan.resume': defineMethod(
    z.object({ runId: runIdSchema, rerunInterrupted: z.array(z.string()).default([]), wait: z.boolean().default(false) }).strict(),
    z.object({ runId: z.string(), planHash: hashSchema, result: runResultSchema.optional() }),
  ),
  'plan.cancel': defineMethod(z.object({ runId: runIdSchema }).strict(), z.object({ cancelled: z.boolean() })),
  'plan.status': defineMethod(z.object({ runId: runIdSchema.optional() }).strict(), z.object({ runs: z.array(runInfoSchema) })),
  'plan.export': defineMethod(
    z.object({ plan: planSchema, format: z.enum(['shell', 'ansible']) }).strict(),
    z.object({ files: z.array(z.object({ name: z.string(), content: z.string() })) }),
  ),
};

export const jobStepUpdatedSchema = z.object({
  runId: z.string(),
  stepId: z.string(),
  title: z.string(),
  target: z.string(),
  state: z.enum(stepStates),
  attempt: z.number(),
  message: z.string().optional(),
  at: z.string(),
});
export type JobStepUpdated = z.infer<typeof jobStepUpdatedSchema>;

export const jobLogSchema = z.object({
  runId: z.string(),
  stepId: z.string(),
  stream: z.enum(['stdout', 'stderr', 'info']),
  /** One line (or a chunk of a very long line), secrets redacted. */
  text: z.string(),
});
export type JobLog = z.infer<typeof jobLogSchema>;

export const planEvents = {
  'job.stepUpdated': jobStepUpdatedSchema,
  'job.log': jobLogSchema,
  'job.finished': runResultSchema,
};
