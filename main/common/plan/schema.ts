// The plan model: a DAG of steps (what, where, how to tell it is done, how to undo it), pure data
// that wizards produce, the engine runs, the preview shows and the exports translate.
import * as z from 'zod';
import { checkSshHost, checkUserName } from '../workspace/names.js';

/** A reference to a stored secret; resolved only at the moment of use, inside main/node. */
export const secretRefSchema = z.object({ secretRef: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'a secret id: letters, digits, _ . -') }).strict();
export type SecretRef = z.infer<typeof secretRefSchema>;

/** One command argument or one piece of text: literal, or a secret placeholder. */
export const textPartSchema = z.union([z.string(), secretRefSchema]);
export type TextPart = z.infer<typeof textPartSchema>;

/** Text that may carry secrets: a plain string, one secret, or pieces joined without separators. */
export const secretTextSchema = z.union([z.string(), secretRefSchema, z.array(textPartSchema)]);
export type SecretText = z.infer<typeof secretTextSchema>;

const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name');

/**
 * A command on a node. `argv`: program and arguments, each quoted by the engine. `sh`: a POSIX shell
 * script (pipes, redirections); secrets reach it only through `env`, never inside the script text.
 * A bare string is shorthand for `{ sh: string }`.
 */
export const commandSchema = z.preprocess(
  (value) => (typeof value === 'string' ? { sh: value } : value),
  z.union([
    z.object({ argv: z.array(secretTextSchema).min(1) }).strict(),
    z.object({ sh: z.string().min(1), env: z.record(envName, secretTextSchema).optional() }).strict(),
  ]),
);
export type Command = z.output<typeof commandSchema>;

/** Node names become Ansible inventory names and shell `case` labels: a name, never a pattern or an option. */
export const planNodeNameSchema = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, 'a node name: letters, digits, ".", "_" or "-", starting with a letter or digit');
export const nodeTargetSchema = z.object({ node: planNodeNameSchema }).strict();
export const apiTargetSchema = z.object({ api: z.string().min(1) }).strict();
export const targetSchema = z.union([nodeTargetSchema, apiTargetSchema]);
export type NodeTarget = z.infer<typeof nodeTargetSchema>;
export type ApiTarget = z.infer<typeof apiTargetSchema>;
export type Target = z.infer<typeof targetSchema>;

export const httpMethods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH'] as const;

/** A JSON body in which any `{secretRef}` object stands for the secret's value (a string). */
export const jsonBodySchema: z.ZodType<unknown> = z.unknown();

export const apiRequestSchema = z
  .object({
    method: z.enum(httpMethods),
    path: z.string().startsWith('/'),
    body: jsonBodySchema.optional(),
  })
  .strict();
export type ApiRequest = z.infer<typeof apiRequestSchema>;

/** An operation a stack performs through its own client (a VM move, a destroy): run by the executor that stack registers. */
export const stackCallSchema = z
  .object({
    stack: z.string().regex(/^[a-z][a-z0-9-]*$/, 'a stack id'),
    op: z.string().regex(/^[a-z][a-z0-9-]*$/, 'an operation name: lower-case letters, digits and -'),
    /** The operation's arguments (plain data; secrets only by id). */
    args: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();
export type StackCall = z.output<typeof stackCallSchema>;

/**
 * How to tell something holds: a command whose exit status 0 means yes, the upload's file already
 * has the wanted content (and mode), an API call answering 2xx (and containing a text), or a stack's check.
 */
export const checkSchema = z.preprocess(
  (value) => (typeof value === 'string' ? { kind: 'exec', command: value } : value),
  z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('exec'), command: commandSchema }).strict(),
    z.object({ kind: z.literal('fileMatches') }).strict(),
    z.object({ kind: z.literal('api'), request: apiRequestSchema, contains: z.string().optional() }).strict(),
    stackCallSchema.extend({ kind: z.literal('stack') }).strict(),
  ]),
);
export type Check = z.output<typeof checkSchema>;

const modeSchema = z.string().regex(/^0?[0-7]{3,4}$/, 'an octal file mode such as "0644"');

export const actionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('exec'), command: commandSchema }).strict(),
  z
    .object({
      kind: z.literal('upload'),
      path: z.string().startsWith('/', 'an absolute path'),
      content: secretTextSchema,
      mode: modeSchema.default('0644'),
      owner: z.string().regex(/^[a-z_][a-z0-9_-]*(:[a-z_][a-z0-9_-]*)?$/, 'user or user:group').optional(),
    })
    .strict(),
  z.object({ kind: z.literal('api'), request: apiRequestSchema }).strict(),
  stackCallSchema.extend({ kind: z.literal('stack') }).strict(),
  z
    .object({
      kind: z.literal('wait'),
      until: checkSchema,
      intervalMs: z.number().int().min(10).default(2000),
      deadlineMs: z.number().int().min(10).default(120_000),
    })
    .strict(),
]);
export type Action = z.output<typeof actionSchema>;
export type ActionKind = Action['kind'];

/** Retries apply only to transient faults (UNREACHABLE, TIMEOUT), with exponential backoff. */
export const retryPolicySchema = z
  .object({
    attempts: z.number().int().min(1).max(20).default(1),
    backoffMs: z.number().int().min(0).default(1000),
    factor: z.number().min(1).max(10).default(2),
    maxBackoffMs: z.number().int().min(0).default(30_000),
  })
  .strict();
export type RetryPolicy = z.output<typeof retryPolicySchema>;

export const stepIdSchema = z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'a step id: lower-case letters, digits, . _ -').max(120);

export const stepSchema = z
  .object({
    id: stepIdSchema,
    title: z.string().min(1),
    target: targetSchema,
    action: actionSchema,
    /** Says whether the step is already done; then it is skipped. Uploads default to `fileMatches`, waits to their condition. */
    precheck: checkSchema.optional(),
    /** Run after the action; a failing verify fails the step. */
    verify: checkSchema.optional(),
    /** What an admin would do to undo the step (shown, never run automatically). */
    rollback: z.string().optional(),
    destructive: z.boolean().default(false),
    /** False when running the action twice would do harm (appending, joining a cluster). */
    idempotent: z.boolean().default(true),
    timeoutMs: z.number().int().min(10).default(300_000),
    retry: retryPolicySchema.default({ attempts: 1, backoffMs: 1000, factor: 2, maxBackoffMs: 30_000 }),
    dependsOn: z.array(stepIdSchema).default([]),
  })
  .strict();
export type Step = z.output<typeof stepSchema>;
export type StepInput = z.input<typeof stepSchema>;

/** How to reach a node: this machine (`local`), or SSH to an address. */
export const planNodeSchema = z.union([
  z.object({ local: z.literal(true) }).strict(),
  z
    .object({
      /** An address, a host name or a ~/.ssh/config alias: never an option (it cannot begin with "-"). */
      address: z.string().superRefine((v, ctx) => {
        const expected = checkSshHost(v);
        if (expected) ctx.addIssue({ code: 'custom', message: `expected ${expected}` });
      }),
      port: z.number().int().min(1).max(65535).default(22),
      /** A POSIX user name. */
      user: z
        .string()
        .superRefine((v, ctx) => {
          const expected = checkUserName(v);
          if (expected) ctx.addIssue({ code: 'custom', message: `expected ${expected}` });
        })
        .default('root'),
    })
    .strict(),
]);
export type PlanNode = z.output<typeof planNodeSchema>;

export const planApiSchema = z
  .object({
    baseUrl: z.url(),
    headers: z.record(z.string(), secretTextSchema).optional(),
  })
  .strict();
export type PlanApi = z.output<typeof planApiSchema>;

export const planLimitsSchema = z
  .object({
    /** Steps running at once across the whole plan. */
    global: z.number().int().min(1).max(256).default(8),
    /** Steps running at once on one node or API endpoint (below OpenSSH's MaxSessions of 10). */
    perTarget: z.number().int().min(1).max(9).default(2),
  })
  .strict();
export type PlanLimits = z.output<typeof planLimitsSchema>;

export const planSchema = z
  .object({
    version: z.literal(1).default(1),
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'a plan id: lower-case letters, digits, . _ -'),
    title: z.string().min(1),
    description: z.string().optional(),
    nodes: z.record(planNodeNameSchema, planNodeSchema).default({}),
    apis: z.record(z.string(), planApiSchema).default({}),
    limits: planLimitsSchema.default({ global: 8, perTarget: 2 }),
    steps: z.array(stepSchema).min(1),
    /** The stacks' clusters the plan changes: their inventory is read again once a run of it ends, whatever the outcome. */
    touches: z.array(z.object({ stack: z.string(), cluster: z.string() }).strict()).optional(),
  })
  .strict();
export type Plan = z.output<typeof planSchema>;
export type PlanInput = z.input<typeof planSchema>;

export function targetName(target: Target): string {
  return 'node' in target ? target.node : target.api;
}

/** A label for messages and the audit log: "node pve1" or "API pve-api". */
export function describeTarget(target: Target): string {
  return 'node' in target ? `node ${target.node}` : `API ${target.api}`;
}

/** The step's precheck; uploads default to "the file already matches", waits to their own condition. */
export function precheckOf(step: Step): Check | undefined {
  if (step.precheck) return step.precheck;
  if (step.action.kind === 'upload') return { kind: 'fileMatches' };
  if (step.action.kind === 'wait') return step.action.until;
  return undefined;
}
