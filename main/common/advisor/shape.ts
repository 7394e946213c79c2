// "Continue with this approach": the workspace with the chosen approach written in by its stack, and the
// difference from the workspace as it is, as the admin reviews it before anything is saved.
import { diffLines } from 'diff';
import { stackById, defaultStacks, type StackList } from '../stacks/compose.js';
import type { Workspace } from '../workspace/schema.js';
import { serializeWorkspace } from '../workspace/serialize.js';
import type { Approach, EstateSummary } from './types.js';

export interface DiffLine {
  kind: 'added' | 'removed' | 'same';
  text: string;
}

export interface ShapedWorkspace {
  workspace: Workspace;
  /** The YAML of both, line by line; unchanged runs longer than 6 lines are folded to their ends. */
  diff: DiffLine[];
  /** True when the approach changes nothing. */
  unchanged: boolean;
}

export function shapeFor(workspace: Workspace, approach: Pick<Approach, 'stack' | 'id'>, estate: EstateSummary, list: StackList = defaultStacks): ShapedWorkspace {
  const shape = stackById(approach.stack, list)?.advisor?.shape;
  const shaped = (shape ? shape(workspace, approach.id, estate) : workspace) as Workspace;
  const diff = lineDiff(serializeWorkspace(workspace), serializeWorkspace(shaped));
  return { workspace: shaped, diff, unchanged: diff.every((l) => l.kind === 'same') };
}

export function lineDiff(before: string, after: string): DiffLine[] {
  const out: DiffLine[] = [];
  for (const part of diffLines(before, after)) {
    const kind: DiffLine['kind'] = part.added ? 'added' : part.removed ? 'removed' : 'same';
    const lines = part.value.replace(/\n$/, '').split('\n');
    if (kind === 'same' && lines.length > 6) out.push(...lines.slice(0, 2).map((text) => ({ kind, text })), { kind, text: '…' }, ...lines.slice(-2).map((text) => ({ kind, text })));
    else out.push(...lines.map((text) => ({ kind, text })));
  }
  return out;
}
