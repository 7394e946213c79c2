// The plan's content hash: approval binds to it, so a changed plan needs a new approval.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../common/plan/dag.js';
import type { Plan } from '../../common/plan/schema.js';

/** sha256 over the canonical JSON of the parsed plan (defaults filled in), as hex. */
export function planHash(plan: Plan): string {
  return createHash('sha256').update(canonicalJson(plan)).digest('hex');
}
