// scorecard.* methods: the evidence the best-practice scorecard quotes beyond the workspace and its facts — the
// failover drill's saved reports (read as the drill service saves them), the last day of the monitor service's
// history, each stack's storage health — and the clock probe that reads every member's time synchronisation over
// SSH (fixed, read-only commands) into the facts. `evidenceFromFiles` is the same evidence for `clusterwright
// validate`, read from the files beside the workspace without a core (no cluster API is called there).
import { CwError, isCwError } from '../../common/errors.js';
import type { MonitorSample } from '../../common/monitor/model.js';
import { chronyTrackingArgv, clockFactOf, timedatectlArgv, type ProbeOutput } from '../../common/scorecard/clock.js';
import { drillEvidenceOf, HISTORY_WINDOW_MS, summariseHistory, type ScorecardEvidence, type StorageEvidence } from '../../common/scorecard/evidence.js';
import type { ClockFact } from '../../common/scorecard/facts.js';
import { defaultStacks, type StackList } from '../../common/stacks/compose.js';
import type { Workspace } from '../../common/workspace/schema.js';
import type { Handlers } from '../dispatcher.js';
import { monitorDirOf, readMonitorHistory } from '../monitor/history-file.js';
import type { StackServices, StackWorkspaces } from '../stacks/types.js';
import type { RunnerFactory } from '../workspace/runner.js';
import { readDrillReports } from './drill-reports.js';

/** How long one stack may take to report a cluster's storage health. */
const STORAGE_TIMEOUT_MS = 10_000;
/** How long one clock command may take on a node. */
const CLOCK_TIMEOUT_MS = 15_000;

export interface ScorecardServiceDeps {
  workspaces: StackWorkspaces;
  /** The monitor service's history (its store holds rounds not yet flushed). */
  monitor: { history(sinceMs: number): Promise<readonly MonitorSample[]> };
  stacks: { id: string; services: Pick<StackServices, 'storageHealth'> }[];
  definitions?: StackList;
  nodeRunner: RunnerFactory;
  now?: () => number;
}

function drillsOf(workspacePath: string, problems: string[]): ScorecardEvidence['drills'] {
  try {
    return readDrillReports(workspacePath).flatMap((r) => drillEvidenceOf(r, r.file));
  } catch (error) {
    problems.push(`drill reports: ${(error as Error).message}`);
    return [];
  }
}

/** `work`, or a TIMEOUT after `ms`. */
function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CwError('TIMEOUT', `${what}: no answer within ${ms / 1000} s`)), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

/** The scorecard's evidence from the files beside a workspace: drill reports and the monitoring history (read-only). */
export function evidenceFromFiles(workspaceFile: string, workspace: Workspace | undefined, list: StackList = defaultStacks, now = Date.now()): ScorecardEvidence {
  const problems: string[] = [];
  const drills = drillsOf(workspaceFile, problems);
  let history: ScorecardEvidence['history'];
  try {
    history = summariseHistory(readMonitorHistory(monitorDirOf(workspaceFile), now - HISTORY_WINDOW_MS), now - HISTORY_WINDOW_MS, now);
  } catch (error) {
    problems.push(`${monitorDirOf(workspaceFile)}: ${(error as Error).message}`);
  }
  const storage: StorageEvidence[] = workspace
    ? list.flatMap((stack) =>
        stack.groups(workspace).map((g) => ({ stack: stack.id, cluster: g.name, status: 'unknown' as const, evidence: 'Not read here: validate calls no cluster API; the app\'s Scorecard tab reads it.' })),
      )
    : [];
  return { drills, ...(history ? { history } : {}), storage, problems };
}

export function createScorecardService(deps: ScorecardServiceDeps): { handlers: Pick<Handlers, 'scorecard.evidence' | 'scorecard.readClocks'>; evidence(options: { storage: boolean; signal?: AbortSignal }): Promise<ScorecardEvidence> } {
  const now = deps.now ?? Date.now;
  const list = deps.definitions ?? defaultStacks;

  async function evidence(options: { storage: boolean; signal?: AbortSignal }): Promise<ScorecardEvidence> {
    const { workspace, path: file } = await deps.workspaces.current();
    const problems: string[] = [];
    const drills = drillsOf(file, problems);
    const until = now();
    const since = until - HISTORY_WINDOW_MS;
    let history: ScorecardEvidence['history'];
    try {
      history = summariseHistory([...(await deps.monitor.history(since))], since, until);
    } catch (error) {
      problems.push(`monitoring history: ${(error as Error).message}`);
    }
    const storage: StorageEvidence[] = [];
    if (options.storage) {
      const reads = list.flatMap((stack) => {
        const reader = deps.stacks.find((s) => s.id === stack.id)?.services.storageHealth;
        return stack.groups(workspace).map(async (g): Promise<StorageEvidence> => {
          if (!reader) return { stack: stack.id, cluster: g.name, status: 'unknown', evidence: `Not read: ${stack.title} reports no storage health to the app yet.` };
          try {
            return await within(STORAGE_TIMEOUT_MS, `${stack.title} ${g.name}`, reader(workspace, g.name, options.signal ?? new AbortController().signal));
          } catch (error) {
            return { stack: stack.id, cluster: g.name, status: 'unknown', evidence: `Not read: ${(error as Error).message}` };
          }
        });
      });
      storage.push(...(await Promise.all(reads)));
    }
    return { drills, ...(history ? { history } : {}), storage, problems };
  }

  /** One node's clock: chronyc first, timedatectl when chrony cannot say; a node out of reach is unknown. */
  async function readClock(runner: ReturnType<RunnerFactory>, node: string, signal: AbortSignal): Promise<ClockFact> {
    const at = () => new Date(now()).toISOString();
    const run = async (argv: readonly string[]): Promise<ProbeOutput> => runner.exec(node, argv, { timeoutMs: CLOCK_TIMEOUT_MS, signal });
    try {
      const chrony = await run(chronyTrackingArgv);
      const viaChrony = clockFactOf(node, at(), chrony);
      if (viaChrony.synchronized !== undefined) return viaChrony;
      return clockFactOf(node, at(), chrony, await run(timedatectlArgv));
    } catch (error) {
      if (isCwError(error) && error.code === 'CANCELLED') throw error;
      return { node, unknown: `not read: ${(error as Error).message}`, checkedAt: at() };
    }
  }

  const handlers: Pick<Handlers, 'scorecard.evidence' | 'scorecard.readClocks'> = {
    'scorecard.evidence': (input, ctx) => evidence({ storage: input.storage ?? true, signal: ctx.signal }),
    'scorecard.readClocks': async (_input, ctx) => {
      const { workspace } = await deps.workspaces.current();
      const nodes = [...new Set(list.flatMap((stack) => stack.groups(workspace).flatMap((g) => g.members.map((m) => m.node))))].filter((n) => workspace.nodes.some((x) => x.name === n));
      if (!nodes.length) throw new CwError('INVALID_INPUT', 'This workspace defines no cluster or region yet: there is no member whose clock to read.');
      const runner = deps.nodeRunner(workspace);
      if (!runner.runsOnNodes) throw new CwError('UNSUPPORTED', 'Commands run on this machine here, not on the nodes: their clocks cannot be read.');
      const clocks = await Promise.all(nodes.map((node) => readClock(runner, node, ctx.signal)));
      const file = await deps.workspaces.storeFacts((current) => ({ ...current, clocks: [...(current.clocks ?? []).filter((c) => !nodes.includes(c.node)), ...clocks] }));
      return { clocks, file };
    },
  };
  return { handlers, evidence };
}
