// Contract of the best-practice scorecard's evidence: what the core reads for it beyond the workspace and its
// facts (the drill reports, the last day of monitoring, each stack's storage health), and the clock probe.
import * as z from 'zod';
import { scorecardEvidenceSchema } from '../scorecard/evidence.js';
import { clockFactSchema } from '../scorecard/facts.js';
import { defineMethod } from './define.js';

export const scorecardMethods = {
  /** The evidence of the open workspace's scorecard: drill reports, the monitoring history of the last day, storage health. */
  'scorecard.evidence': defineMethod(z.object({ storage: z.boolean().optional() }).strict(), scorecardEvidenceSchema),
  /** Reads every cluster member's clock synchronisation over SSH (chronyc, else timedatectl; read-only) and stores it with the facts. */
  'scorecard.readClocks': defineMethod(z.object({}).strict(), z.object({ clocks: z.array(clockFactSchema), file: z.string() })),
};
