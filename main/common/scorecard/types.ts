// A cluster's best-practice scorecard: one line per practice, with its status, the evidence it rests on
// and the action that fixes it. Shown in `clusterwright validate` and on the inspector's Scorecard tab.
import * as z from 'zod';
import { ruleSourceSchema } from '../workspace/rules/types.js';
import { findingActionSchema } from '../workspace/rules/actions.js';

export const scoreStatuses = ['pass', 'warn', 'fail', 'unknown'] as const;
export type ScoreStatus = (typeof scoreStatuses)[number];

/**
 * Where the fix lives: the stack's wizard, a latency measurement, the drill dialog, the overlay panel, the networks
 * panel, a terminal, the monitor tab, a reading of the clocks; or a finding's own action (the QDevice host form…).
 */
export const scoreActionSchema = z.object({
  kind: z.enum(['wizard', 'measure', 'drill', 'overlay', 'networks', 'terminal', 'monitor', 'clocks', 'finding']),
  label: z.string(),
  /** The node a terminal action opens on. */
  node: z.string().optional(),
  /** The site whose loss a drill action proposes. */
  site: z.string().optional(),
  /** The finding action a `finding` action runs (the app's handler for findings does it). */
  finding: findingActionSchema.optional(),
});
export type ScoreAction = z.infer<typeof scoreActionSchema>;

export const scoreLineSchema = z.object({
  /** Stable id ("quorum", "latency", "<stack>.ha"). */
  id: z.string(),
  title: z.string(),
  status: z.enum(scoreStatuses),
  /** The figures and facts the status rests on, in one sentence. */
  evidence: z.string(),
  /** Absent when nothing needs doing. */
  action: scoreActionSchema.optional(),
  source: ruleSourceSchema.optional(),
  /** A saved file the evidence comes from (a drill report): the app shows it, the CLI prints its path. */
  report: z.object({ kind: z.literal('drill'), file: z.string() }).optional(),
});
export type ScoreLine = z.infer<typeof scoreLineSchema>;

export const clusterScorecardSchema = z.object({
  stack: z.string(),
  stackTitle: z.string(),
  cluster: z.string(),
  lines: z.array(scoreLineSchema),
});
export type ClusterScorecard = z.infer<typeof clusterScorecardSchema>;
