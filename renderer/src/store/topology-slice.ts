// The estate as the renderer sees it: the workspace model, findings, measured facts, selection,
// and undo/redo of edits. Every edit is checked against the workspace schema before it is kept.
import { workspaceSchema, type Workspace } from '../../../main/common/workspace/schema.js';
import { checkReferences } from '../../../main/common/workspace/references.js';
import type { ClusterQuorum, Facts } from '../../../main/common/workspace/facts.js';
import { groupsOf, stackById } from '../../../main/common/stacks/compose.js';
import type { Finding } from '../../../main/common/workspace/rules/types.js';
import type { WorkspaceState } from '../../../main/common/contract/workspace.js';
import type { MethodName } from '../../../main/common/contract/index.js';
import type { WorkspaceIssue } from '../../../main/common/workspace/schema.js';
import type { SliceCreator } from './index.js';
import { describeError } from './describe-error.js';

export type Selection =
  | { kind: 'node'; name: string }
  | { kind: 'site'; name: string }
  | { kind: 'link'; network: string; a: string; b: string }
  /** A cluster or region: its state over time in the inspector. */
  | { kind: 'cluster'; stack: string; name: string }
  | { kind: 'finding'; index: number }
  /** qdeviceFor: the new node becomes that cluster's QDevice host. */
  | { kind: 'add-node'; qdeviceFor?: string }
  | { kind: 'add-site' }
  /** cluster: the panel opens at that cluster's corosync links. */
  | { kind: 'add-network'; cluster?: string }
  | { kind: 'overlays' }
  | null;

export type SaveState = 'saved' | 'unsaved' | 'saving' | 'failed';

export interface TopologySlice {
  workspace: Workspace | null;
  /** Where the open workspace file is, and the revision the model was read or saved at. */
  workspacePath: string | null;
  revision: string | null;
  /** Problems reading the file (line, column, path); the model is null when they include errors. */
  issues: WorkspaceIssue[];
  saveState: SaveState;
  saveError: string | null;
  loadError: string | null;
  measuring: { done: number; total: number } | null;
  measureError: string | null;
  /** Re-measure the latency matrix every so many minutes while the app is open; null: on demand only. */
  latencyEveryMinutes: number | null;
  setLatencySchedule(minutes: number | null): void;
  loadWorkspace(): Promise<void>;
  openWorkspace(path: string, create?: boolean): Promise<string | null>;
  /** True after "Close": the first screen shows, over the default workspace, until the admin picks a door. */
  home: boolean;
  /** Closes the open workspace: the services go back to the default one and the first screen shows. */
  closeWorkspace(): Promise<string | null>;
  /** Saves the model (autosave after edits); never writes a model the schema refuses. */
  saveWorkspace(): Promise<void>;
  validate(): Promise<void>;
  measureLatency(): Promise<void>;
  /** Reads the measured facts again (after a stack stored new ones: corosync's link view…) and redraws the canvas from them. */
  reloadFacts(): Promise<void>;
  /** Quorum as each cluster last reported it (shown on the canvas), by cluster name. */
  clusterStatuses: Record<string, ClusterQuorum | { error: string; checkedAt: string }>;
  /** Asks a cluster (through its stack's status method) for its quorum and members now and keeps the answer (or why there is none) for the canvas. */
  readClusterStatus(cluster: string): Promise<ClusterQuorum>;
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

type ClusterStatusEntry = TopologySlice['clusterStatuses'][string];

/** Statuses read in this session that are newer than the stored ones (or failed reads, which are not stored). */
function newerOnly(current: Record<string, ClusterStatusEntry>, stored: Record<string, ClusterStatusEntry>): Record<string, ClusterStatusEntry> {
  return Object.fromEntries(Object.entries(current).filter(([name, status]) => !stored[name] || Date.parse(status.checkedAt) > Date.parse(stored[name].checkedAt)));
}

export const createTopologySlice: SliceCreator<TopologySlice> = (set, get, transport) => {
  const adopt = (state: WorkspaceState) =>
    set({
      workspace: state.workspace,
      workspacePath: state.path,
      revision: state.revision,
      issues: state.issues,
      findings: state.findings,
      loadError: null,
    });
  const loadFacts = async () => {
    try {
      const { facts } = await transport.call('latency.current', {});
      // The last quorum read per cluster is kept with the facts: the canvas's cluster badges survive a reload.
      const remembered = Object.fromEntries((facts.quorum ?? []).map((q) => [q.cluster, q.status]));
      set({ facts, clusterStatuses: { ...remembered, ...newerOnly(get().clusterStatuses, remembered) } });
    } catch {
      set({ facts: {} });
    }
  };
  transport.on('latency.progress', (p) => set({ measuring: { done: p.done, total: p.total } }));
  /** This window's own measurements under way: they clear their progress themselves. */
  let ownMeasurements = 0;
  // A measurement run elsewhere (the CLI's core, another window) ended: its progress must not stay on the header, nor
  // hold off the schedule, and its figures are drawn.
  transport.on('latency.measured', () => {
    if (ownMeasurements > 0) return;
    set({ measuring: null });
    void loadFacts().then(() => get().validate());
  });
  // An overlay's tunnels were read (from the panel, the CLI's core or another window): redraw them from the stored facts.
  transport.on('overlay.statusRead', () => void loadFacts());
  let scheduleTimer: ReturnType<typeof setInterval> | null = null;
  return {
  workspace: null,
  workspacePath: null,
  revision: null,
  issues: [],
  saveState: 'saved',
  saveError: null,
  loadError: null,
  measuring: null,
  measureError: null,
  latencyEveryMinutes: null,
  setLatencySchedule(minutes) {
    if (scheduleTimer) clearInterval(scheduleTimer);
    scheduleTimer = null;
    set({ latencyEveryMinutes: minutes });
    if (minutes) {
      scheduleTimer = setInterval(() => {
        if (!get().measuring && get().workspace) void get().measureLatency();
      }, minutes * 60_000);
    }
  },
  async loadWorkspace() {
    try {
      adopt(await transport.call('workspace.current', {}));
      set({ past: [], future: [], saveState: 'saved' });
      await loadFacts();
      void get().loadInventory();
    } catch (error) {
      set({ loadError: describeError(error) });
    }
  },
  home: false,
  async closeWorkspace() {
    try {
      const folder = get().info?.workspaceDir ?? (await transport.call('app.info', {})).workspaceDir;
      // The default workspace, not remembered as a recent one: nothing of the closed estate stays open in the services.
      adopt(await transport.call('workspace.open', { path: folder, create: true, remember: false }));
      set({ past: [], future: [], saveState: 'saved', selection: null, highlighted: [], clusterStatuses: {}, home: true });
      await loadFacts();
      void get().loadInventory();
      return null;
    } catch (error) {
      return describeError(error);
    }
  },
  async openWorkspace(path, create) {
    try {
      adopt(await transport.call('workspace.open', { path, ...(create ? { create } : {}) }));
      set({ past: [], future: [], saveState: 'saved', selection: null, home: false, clusterStatuses: {} });
      await loadFacts();
      void get().loadInventory();
      return null;
    } catch (error) {
      return describeError(error);
    }
  },
  async saveWorkspace() {
    const { workspace, revision } = get();
    if (!workspace) return;
    set({ saveState: 'saving', saveError: null });
    try {
      const state = await transport.call('workspace.save', { workspace, ...(revision ? { revision } : {}), autosave: true });
      // Keep the model the admin is editing; take the file's revision, issues and findings.
      set({ revision: state.revision, workspacePath: state.path, issues: state.issues, findings: state.findings, saveState: get().workspace === workspace ? 'saved' : 'unsaved' });
    } catch (error) {
      set({ saveState: 'failed', saveError: describeError(error) });
    }
  },
  async validate() {
    const { workspace } = get();
    if (!workspace) return;
    try {
      const result = await transport.call('workspace.validate', { workspace });
      set({ findings: result.findings });
    } catch (error) {
      set({ saveError: describeError(error) });
    }
  },
  clusterStatuses: {},
  async readClusterStatus(cluster) {
    try {
      const workspace = get().workspace;
      const group = workspace ? groupsOf(workspace).find((g) => g.name === cluster) : undefined;
      const method = group ? stackById(group.stack)?.statusMethod : undefined;
      if (!method) throw new Error(`Cluster ${cluster} has no stack that reports its quorum.`);
      const status = (await transport.call(method as MethodName, { cluster } as never)) as ClusterQuorum;
      set({ clusterStatuses: { ...get().clusterStatuses, [cluster]: status } });
      return status;
    } catch (error) {
      set({ clusterStatuses: { ...get().clusterStatuses, [cluster]: { error: describeError(error), checkedAt: new Date().toISOString() } } });
      throw error;
    }
  },
  reloadFacts: () => loadFacts(),
  async measureLatency() {
    set({ measuring: { done: 0, total: 0 }, measureError: null });
    ownMeasurements++;
    try {
      // Each stack's own link view (corosync's knet…) rides along where clusters run, so the canvas shows links their stack reports down.
      const workspace = get().workspace;
      const clusters = workspace ? groupsOf(workspace).length : 0;
      await transport.call('latency.measure', clusters ? { knet: true } : {});
      await loadFacts();
      await get().validate();
    } catch (error) {
      set({ measureError: describeError(error) });
    } finally {
      ownMeasurements--;
      set({ measuring: null });
    }
  },
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
  select: (selection) => set({ selection, ...(selection ? { home: false } : {}) }),
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
    set({ workspace: checked.model, past: [...get().past, current].slice(-HISTORY_LIMIT), future: [], saveState: 'unsaved' });
    return null;
  },
  undo() {
    const { past, workspace, future } = get();
    const previous = past[past.length - 1];
    if (!previous || !workspace) return null;
    set({ workspace: previous, past: past.slice(0, -1), future: [workspace, ...future], saveState: 'unsaved' });
    return previous;
  },
  redo() {
    const { past, workspace, future } = get();
    const next = future[0];
    if (!next || !workspace) return null;
    set({ workspace: next, past: [...past, workspace], future: future.slice(1), saveState: 'unsaved' });
    return next;
  },
  };
};
