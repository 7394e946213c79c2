// A cluster's best-practice scorecard: one line per practice, with its status, the evidence it rests on
// and the action that fixes it. Shown in `clusterwright validate` and on the inspector's Scorecard tab.
import * as z from 'zod';
import { ruleSourceSchema } from '../workspace/rules/types.js';

export const scoreStatuses = ['pass', 'warn', 'fail', 'unknown'] as const;
export type ScoreStatus = (typeof scoreStatuses)[number];

/** Where the fix lives: the stack's wizard, a latency measurement, a drill, an overlay, the networks panel, a terminal. */
export const scoreActionSchema = z.object({
  kind: z.enum(['wizard', 'measure', 'drill', 'overlay', 'networks', 'terminal']),
  label: z.string(),
  /** The node a terminal action opens on. */
  node: z.string().optional(),
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
});
export type ScoreLine = z.infer<typeof scoreLineSchema>;

export const clusterScorecardSchema = z.object({
  stack: z.string(),
  stackTitle: z.string(),
  cluster: z.string(),
  lines: z.array(scoreLineSchema),
});
export type ClusterScorecard = z.infer<typeof clusterScorecardSchema>;
