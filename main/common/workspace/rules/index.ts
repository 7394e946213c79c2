// Runs every validation rule on a workspace and its measured facts, and summarises the findings.
import { stackRulesOf, type StackList } from '../../stacks/compose.js';
import type { Facts } from '../facts.js';
import type { Workspace } from '../schema.js';
import { createRuleContext } from './context.js';
import { generalRulesFor } from './general.js';
import { overlayRules } from '../../overlay/rules.js';
import type { Finding, Rule, Severity } from './types.js';

/** Every rule for a list of stacks: theirs, the overlays', and the general ones. */
export function rulesFor(list?: StackList): Rule[] {
  return [...stackRulesOf(list), ...overlayRules, ...generalRulesFor(list)];
}

export const allRules: readonly Rule[] = rulesFor();

const order: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** Every finding of every rule (or of `rules`), errors first. A rule that throws becomes a finding. */
export function validateWorkspace(workspace: Workspace, facts: Facts = {}, rules: readonly Rule[] = allRules): Finding[] {
  const ctx = createRuleContext(workspace, facts);
  const findings: Finding[] = [];
  for (const rule of rules) {
    try {
      for (const draft of rule.check(ctx)) findings.push({ ...draft, ruleId: rule.id, source: draft.source ?? rule.source });
    } catch (error) {
      findings.push({
        ruleId: rule.id,
        severity: 'warning',
        message: `Rule ${rule.id} could not run: ${error instanceof Error ? error.message : String(error)}. This is a bug; please report it.`,
        elements: [],
        paths: [],
        remedy: 'Report this with the workspace file attached (it holds no secrets).',
        source: rule.source,
      });
    }
  }
  return findings.sort((a, b) => order[a.severity] - order[b.severity]);
}

export interface FindingCounts {
  error: number;
  warning: number;
  info: number;
  /** Errors and warnings the admin accepted (they no longer block). */
  accepted: number;
}

export function countFindings(findings: readonly Finding[]): FindingCounts {
  const counts: FindingCounts = { error: 0, warning: 0, info: 0, accepted: 0 };
  for (const f of findings) {
    counts[f.severity]++;
    if (f.accepted) counts.accepted++;
  }
  return counts;
}

export * from './types.js';
export * from './actions.js';
export { generalRules, generalRulesFor } from './general.js';
