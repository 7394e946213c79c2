// Contract of the workspace and latency domains: open, save and validate the workspace file, list
// recent ones, measure the latency matrix. The workspace holds no secrets (identities by path or id).
import { clusterScorecardSchema } from '../scorecard/types.js';
import * as z from 'zod';
import { factsSchema, findingSchema, issueSchema, latencyMatrixSchema, workspaceSchema } from '../workspace/index.js';
import { defineMethod } from './define.js';

/** How many problems of each severity: the file's own (schema, references, unknown keys) and the rules' findings together. */
export const findingCountsSchema = z.object({
  error: z.number().int(),
  warning: z.number().int(),
  info: z.number().int(),
  accepted: z.number().int(),
});

function stateSchemaFor(workspace: typeof workspaceSchema) {
  return z.object({
    /** Absolute path of the workspace file. */
    path: z.string(),
    folder: z.string(),
    /** sha256 of the file text as last read or written; pass it back to save to detect outside edits. */
    revision: z.string(),
    /** The model, or null when the file does not pass the schema (see issues). */
    workspace: workspace.nullable(),
    issues: z.array(issueSchema),
    findings: z.array(findingSchema),
    counts: findingCountsSchema,
    /** No issue and no finding of severity error. */
    ok: z.boolean(),
    migratedFrom: z.number().int().optional(),
    savedAt: z.string().optional(),
    latency: z
      .object({ file: z.string(), measuredAt: z.string().optional(), runner: z.string().optional(), pairs: z.number().int(), problem: z.string().optional() })
      .nullable(),
  });
}

export const workspaceStateSchema = stateSchemaFor(workspaceSchema);
export type WorkspaceState = z.infer<typeof workspaceStateSchema>;

export const validationResultSchema = z.object({
  issues: z.array(issueSchema),
  findings: z.array(findingSchema),
  counts: findingCountsSchema,
  ok: z.boolean(),
  /** Each cluster's best-practice scorecard (main/common/scorecard). */
  scorecards: z.array(clusterScorecardSchema).optional(),
});
export type ValidationResult = z.infer<typeof validationResultSchema>;

export const latencyMeasureResultSchema = z.object({
  matrix: latencyMatrixSchema,
  file: z.string(),
  /** False when the runner ran ping on this machine instead of on the nodes. */
  runsOnNodes: z.boolean(),
  unreachable: z.number().int(),
});

/** The workspace methods for a workspace schema (the registered stacks', or one composed for a test's own list). */
export function workspaceMethodsFor(workspace: typeof workspaceSchema) {
  const state = stateSchemaFor(workspace);
  return {
    'workspace.open': defineMethod(
      z
        .object({
          /** A workspace file, or a folder holding clusterwright.yaml. */
          path: z.string().min(1),
          /** Create an empty workspace there when there is none. */
          create: z.boolean().optional(),
          /** Add it to the recent list (default true). */
          remember: z.boolean().optional(),
        })
        .strict(),
      state,
    ),
    'workspace.current': defineMethod(z.object({}).strict(), state),
    'workspace.save': defineMethod(
      z
        .object({
          workspace: workspace,
          /** The revision the edit was based on; a different file on disk refuses the save (CONFLICT). */
          revision: z.string().optional(),
          autosave: z.boolean().optional(),
          /** Overwrite a file that currently has errors (its text is kept as .bak). */
          replaceInvalid: z.boolean().optional(),
        })
        .strict(),
      state,
    ),
    'workspace.validate': defineMethod(
      z
        .object({
          /** Validate this model instead of the open workspace. */
          workspace: workspace.optional(),
          /** Validate this file (and the measurements beside it) without opening it. */
          path: z.string().min(1).optional(),
        })
        .strict(),
      validationResultSchema,
    ),
    'workspace.recent': defineMethod(
      z.object({}).strict(),
      z.object({ entries: z.array(z.object({ path: z.string(), name: z.string(), openedAt: z.string(), exists: z.boolean() })) }),
    ),
    'latency.measure': defineMethod(
      z
        .object({
          networks: z.array(z.string()).optional(),
          nodes: z.array(z.string()).optional(),
          count: z.number().int().min(1).max(100).optional(),
          intervalS: z.number().min(0.2).max(10).optional(),
          concurrency: z.number().int().min(1).max(64).optional(),
          /** Also read the stacks' own link statistics on their cluster members (corosync's knet view). */
          knet: z.boolean().optional(),
        })
        .strict(),
      latencyMeasureResultSchema,
    ),
    'latency.current': defineMethod(z.object({}).strict(), z.object({ facts: factsSchema, file: z.string(), problem: z.string().optional() })),
  };
}

export const workspaceMethods = workspaceMethodsFor(workspaceSchema);

export const workspaceEvents = {
  'workspace.changed': z.object({ path: z.string(), revision: z.string(), reason: z.enum(['opened', 'created', 'saved']), ok: z.boolean() }),
  'latency.progress': z.object({
    runId: z.string(),
    done: z.number().int(),
    total: z.number().int(),
    network: z.string(),
    from: z.string(),
    to: z.string(),
    /** The mean and the median round trip of the counted probes (the warm-up probe left out). */
    avgMs: z.number().optional(),
    medianMs: z.number().optional(),
    lossPercent: z.number(),
    error: z.string().optional(),
  }),
  'latency.measured': z.object({ runId: z.string(), path: z.string(), measuredAt: z.string(), pairs: z.number().int(), unreachable: z.number().int(), runner: z.string() }),
};
