// Plan validation beyond the schema: unique ids, dependencies that exist, no cycles, targets that
// are declared; plus the order the steps can run in.
import { CwError } from '../errors.js';
import { planSchema, type Plan, type Step } from './schema.js';

export interface PlanIssue {
  stepId?: string;
  message: string;
}

/** Everything wrong with a parsed plan's graph and targets; empty when it can run. */
export function planIssues(plan: Plan): PlanIssue[] {
  const issues: PlanIssue[] = [];
  const ids = new Set<string>();
  for (const step of plan.steps) {
    if (ids.has(step.id)) issues.push({ stepId: step.id, message: `Two steps have the id "${step.id}"; step ids must be unique.` });
    ids.add(step.id);
  }
  for (const step of plan.steps) {
    for (const dep of step.dependsOn) {
      if (dep === step.id) issues.push({ stepId: step.id, message: `Step "${step.id}" depends on itself.` });
      else if (!ids.has(dep)) issues.push({ stepId: step.id, message: `Step "${step.id}" depends on "${dep}", which is not in the plan.` });
    }
    if ('node' in step.target) {
      if (Object.keys(plan.nodes).length > 0 && !plan.nodes[step.target.node]) {
        issues.push({ stepId: step.id, message: `Step "${step.id}" runs on node "${step.target.node}", which the plan's nodes do not list.` });
      }
      if (step.action.kind === 'api') issues.push({ stepId: step.id, message: `Step "${step.id}" is an API call but targets a node; target an API endpoint.` });
    } else {
      if (!plan.apis[step.target.api]) issues.push({ stepId: step.id, message: `Step "${step.id}" calls API "${step.target.api}", which the plan's apis do not list.` });
      if (step.action.kind === 'exec' || step.action.kind === 'upload') {
        issues.push({ stepId: step.id, message: `Step "${step.id}" runs a ${step.action.kind} on an API endpoint; target a node.` });
      }
    }
    const checks = [step.precheck, step.verify, step.action.kind === 'wait' ? step.action.until : undefined];
    for (const check of checks) {
      if (check?.kind === 'exec' && !('node' in step.target)) issues.push({ stepId: step.id, message: `Step "${step.id}" checks with a command but targets an API endpoint; use an API check.` });
      if (check?.kind === 'api' && 'node' in step.target) issues.push({ stepId: step.id, message: `Step "${step.id}" checks with an API call but targets a node; use a command check.` });
    }
    if (step.precheck?.kind === 'fileMatches' && step.action.kind !== 'upload') {
      issues.push({ stepId: step.id, message: `Step "${step.id}" uses a fileMatches precheck, which only an upload step has a file for.` });
    }
    if (step.verify?.kind === 'fileMatches' && step.action.kind !== 'upload') {
      issues.push({ stepId: step.id, message: `Step "${step.id}" uses a fileMatches verify, which only an upload step has a file for.` });
    }
  }
  const cycle = findCycle(plan.steps);
  if (cycle) issues.push({ stepId: cycle[0], message: `The steps depend on each other in a circle: ${cycle.join(' → ')}.` });
  return issues;
}

/** One dependency cycle as a path (first id repeated at the end), or null. */
export function findCycle(steps: readonly Step[]): string[] | null {
  const deps = new Map(steps.map((s) => [s.id, s.dependsOn]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    const seen = state.get(id);
    if (seen === 'done') return null;
    if (seen === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const dep of deps.get(id) ?? []) {
      if (!deps.has(dep)) continue;
      const found = visit(dep);
      if (found) return found;
    }
    stack.pop();
    state.set(id, 'done');
    return null;
  };
  for (const step of steps) {
    const found = visit(step.id);
    if (found) return found;
  }
  return null;
}

/** The steps in an order that respects dependencies (stable: plan order where free). */
export function topologicalOrder(plan: Plan): Step[] {
  const done = new Set<string>();
  const order: Step[] = [];
  const remaining = [...plan.steps];
  while (remaining.length > 0) {
    const index = remaining.findIndex((s) => s.dependsOn.every((d) => done.has(d)));
    if (index < 0) throw new CwError('INVALID_INPUT', 'The plan has a dependency cycle; validate it first.');
    const [step] = remaining.splice(index, 1);
    if (!step) break;
    done.add(step.id);
    order.push(step);
  }
  return order;
}

/** Parses and validates a plan; throws INVALID_INPUT listing every problem. */
export function parsePlan(raw: unknown): Plan {
  const parsed = planSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${i.path.map(String).join('.') || '(plan)'}: ${i.message}`);
    throw new CwError('INVALID_INPUT', `The plan does not match the plan schema:\n  ${issues.join('\n  ')}`, { issues });
  }
  const issues = planIssues(parsed.data);
  if (issues.length > 0) {
    throw new CwError('INVALID_INPUT', `The plan "${parsed.data.id}" cannot run:\n  ${issues.map((i) => i.message).join('\n  ')}`, { issues });
  }
  return parsed.data;
}

/** JSON with object keys sorted at every level: the same plan always gives the same text (and hash). */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}
