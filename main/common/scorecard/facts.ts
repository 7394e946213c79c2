// Facts the scorecard reads beyond latency: the failover drills run on a cluster (date and result) and
// each node's clock synchronisation as last read. Kept with the other measured facts.
import * as z from 'zod';

export const drillFactSchema = z.object({
  /** The cluster or region the drill cut something in (its stack and name). */
  stack: z.string(),
  cluster: z.string(),
  /** What was cut ("site office", "link0"). */
  scenario: z.string(),
  at: z.string(),
  /** passed: the outcome matched the prediction; failed: it did not (the detail says how). */
  result: z.enum(['passed', 'failed']),
  detail: z.string().optional(),
});
export type DrillFact = z.infer<typeof drillFactSchema>;

export const clockFactSchema = z.object({
  node: z.string(),
  /** The node's own verdict (chrony / timedatectl "System clock synchronized"); absent when it could not be read. */
  synchronized: z.boolean().optional(),
  /** What answered: chronyc tracking or timedatectl. */
  tool: z.enum(['chrony', 'timedatectl']).optional(),
  /** Why the clock is unknown ("chrony not installed; timedatectl: …"), when `synchronized` is absent. */
  unknown: z.string().optional(),
  /** Offset from its time source, ms, when known. */
  offsetMs: z.number().optional(),
  checkedAt: z.string(),
});
export type ClockFact = z.infer<typeof clockFactSchema>;
