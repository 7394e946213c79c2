// The estate as the renderer sees it: the workspace model, findings, measured facts, selection,
// and undo/redo of edits. Every edit is checked against the workspace schema before it is kept.
import { workspaceSchema, type Workspace } from '../../../main/common/workspace/schema.js';
import { checkReferences } from '../../../main/common/workspace/references.js';
import type { Facts } from '../../../main/common/workspace/facts.js';
import type { Finding } from '../../../main/common/workspace/rules/types.js';
import type { SliceCreator } from './index.js';

export type Selection =
  | { kind: 'node'; name: string }
  | { kind: 'site'; name: string }
  | { kind: 'finding'; index: number }
  | { kind: 'add-node' }
  | { kind: 'add-site' }
  | { kind: 'add-network' }
  | null;

export interface TopologySlice {
  workspace: Workspace | null;
  past: Workspace[];
  future: Workspace[];
  findings: Finding[];
  facts: Facts;
  selection: Selection;
  /** Nodes lit by the last clicked finding. */
  highlighted: string[];
  setWorkspace(workspace: Workspace, facts?: Facts, findings?: Finding[]): void;
  setFindings(findings: Finding[]): void;
  setFacts(facts: Facts): void;
  select(selection: Selection): void;
  highlight(nodes: string[]): void;
  /** Applies an edit to a copy of the model; returns a problem text, or null when kept. */
  edit(change: (draft: Workspace) => void, label: string): string | null;
  undo(): Workspace | null;
  redo(): Workspace | null;
}

const HISTORY_LIMIT = 100;

/** Checks a candidate model the way the file is checked; returns the first problem, or null. */
export function checkModel(candidate: unknown): { model: Workspace } | { problem: string } {
  const parsed = workspaceSchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return { problem: `${issue.path.map(String).join('.') || 'workspace'}: ${issue.message}` };
  }
  const references = checkReferences(parsed.data).filter((r) => r.severity === 'error');
  if (references.length > 0) return { problem: references[0]!.message };
  return { model: parsed.data };
}

export const createTopologySlice: SliceCreator<TopologySlice> = (set, get) => ({
  workspace: null,
  past: [],
  future: [],
  findings: [],
  facts: {},
  selection: null,
  highlighted: [],
  setWorkspace: (workspace, facts, findings) =>
    set({ workspace, past: [], future: [], ...(facts ? { facts } : {}), ...(findings ? { findings } : {}) }),
  setFindings: (findings) => set({ findings }),
  setFacts: (facts) => set({ facts }),
  select: (selection) => set({ selection }),
  highlight: (highlighted) => set({ highlighted }),
  edit(change, label) {
    const current = get().workspace;
    if (!current) return 'No workspace is open.';
    const draft = structuredClone(current);
    try {
      change(draft);
    } catch (error) {
      return `Could not ${label}: ${error instanceof Error ? error.message : String(error)}`;
    }
    const checked = checkModel(draft);
    if ('problem' in checked) return `Could not ${label}: ${checked.problem}`;
    set({ workspace: checked.model, past: [...get().past, current].slice(-HISTORY_LIMIT), future: [] });
    return null;
  },
  undo() {
    const { past, workspace, future } = get();
    const previous = past[past.length - 1];
    if (!previous || !workspace) return null;
    set({ workspace: previous, past: past.slice(0, -1), future: [workspace, ...future] });
    return previous;
  },
  redo() {
    const { past, workspace, future } = get();
    const next = future[0];
    if (!next || !workspace) return null;
    set({ workspace: next, past: [...past, workspace], future: future.slice(1) });
    return next;
  },
});
