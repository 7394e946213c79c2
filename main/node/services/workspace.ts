// workspace.* and latency.* methods: the workspace file (open, save, validate, recent) and the
// latency matrix measured from the nodes, with progress events.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { CwError } from '../../common/errors.js';
import { type CurrentEstate, type Facts, type Workspace } from '../../common/workspace/index.js';
import type { CoreOptions } from '../core.js';
import type { Handlers } from '../dispatcher.js';
import type { EventBus } from '../events.js';
import { dataHome } from '../paths.js';
import { measureLatency } from '../workspace/measure.js';
import type { StackList } from '../../common/stacks/compose.js';
import type { StackDiscovery } from '../stacks/types.js';
import { LocalRunner, type RunnerFactory } from '../workspace/runner.js';
import { WorkspaceStore, type WorkspaceStoreOptions } from '../workspace/store.js';

type WorkspaceMethodNames = 'workspace.open' | 'workspace.current' | 'workspace.save' | 'workspace.validate' | 'workspace.recent' | 'latency.measure' | 'latency.current';

export function createWorkspaceStore(
  options: CoreOptions,
  events: EventBus,
  hostKeyCheck?: (workspace: Workspace) => CurrentEstate['hostKey'],
  stacks?: StackList,
  scorecardEvidence?: WorkspaceStoreOptions['scorecardEvidence'],
): WorkspaceStore {
  return new WorkspaceStore({
    ...(scorecardEvidence ? { scorecardEvidence } : {}),
    workspaceDir: options.workspaceDir,
    recentFile: path.join(dataHome(), 'recent-workspaces.json'),
    onChanged: (change) => events.emit('workspace.changed', change),
    ...(hostKeyCheck ? { hostKeyCheck } : {}),
    ...(stacks ? { stacks } : {}),
  });
}

export function workspaceHandlers(
  options: CoreOptions,
  events: EventBus,
  store = createWorkspaceStore(options, events),
  /** How commands reach the nodes: SSH in the app (the core passes it), this machine by default. */
  nodeRunner: RunnerFactory = () => new LocalRunner(),
  /** What the stacks read on the nodes after a latency run (corosync's link view…). */
  discoveries: readonly StackDiscovery[] = [],
): Pick<Handlers, WorkspaceMethodNames> {
  try {
    // The default workspace exists from the first start on; a failure here is reported on first use.
    store.ensureDefault();
  } catch {
    // ensureOpen() retries and reports the reason with the path.
  }
  return {
    'workspace.open': (input) => store.open(input.path, { ...(input.create !== undefined ? { create: input.create } : {}), ...(input.remember !== undefined ? { remember: input.remember } : {}) }),
    'workspace.current': () => store.currentState(),
    'workspace.save': (input) =>
      store.save(input.workspace, {
        ...(input.revision ? { revision: input.revision } : {}),
        ...(input.autosave !== undefined ? { autosave: input.autosave } : {}),
        ...(input.replaceInvalid !== undefined ? { replaceInvalid: input.replaceInvalid } : {}),
      }),
    'workspace.validate': (input) => store.validate({ ...(input.workspace ? { workspace: input.workspace } : {}), ...(input.path ? { path: input.path } : {}) }),
    'workspace.recent': async () => ({ entries: await store.recentEntries() }),
    'latency.current': () => store.facts(),
    'latency.measure': async (input, ctx) => {
      const open = await store.ensureOpen();
      const workspace = open.parsed.workspace;
      if (!workspace) {
        throw new CwError('INVALID_INPUT', `The workspace ${open.path} has errors, so its nodes and networks are unknown. Fix them, then measure again.`, { issues: open.parsed.issues });
      }
      const runner = nodeRunner(workspace);
      const runId = randomUUID();
      const matrix = await measureLatency({
        workspace,
        runner,
        ...(input.networks ? { networks: input.networks } : {}),
        ...(input.nodes ? { nodes: input.nodes } : {}),
        ...(input.count ? { count: input.count } : {}),
        ...(input.intervalS ? { intervalS: input.intervalS } : {}),
        ...(input.concurrency ? { concurrency: input.concurrency } : {}),
        file: open.path,
        signal: ctx.signal,
        onProgress: ({ done, total, sample }) =>
          events.emit('latency.progress', {
            runId,
            done,
            total,
            network: sample.network,
            from: sample.from,
            to: sample.to,
            lossPercent: sample.lossPercent,
            ...(sample.avgMs !== undefined ? { avgMs: sample.avgMs } : {}),
            ...(sample.medianMs !== undefined ? { medianMs: sample.medianMs } : {}),
            ...(sample.error ? { error: sample.error } : {}),
          }),
      });
      const update: Facts = { latency: matrix };
      if (input.knet && runner.runsOnNodes) {
        // Each stack reads its own links' view on the nodes (corosync's knet statistics…); lists of several stacks add up.
        for (const discovery of discoveries) {
          const found = (await discovery.afterLatency?.(workspace, runner, { signal: ctx.signal, file: open.path })) ?? {};
          if (found.knet) update.knet = [...(update.knet ?? []), ...found.knet];
          if (found.quorum) update.quorum = [...(update.quorum ?? []), ...found.quorum];
        }
      }
      const file = await store.storeFacts(update);
      const unreachable = matrix.samples.filter((s) => s.avgMs === undefined).length;
      events.emit('latency.measured', { runId, path: open.path, measuredAt: matrix.measuredAt, pairs: matrix.samples.length, unreachable, runner: matrix.runner });
      return { matrix, file, runsOnNodes: runner.runsOnNodes, unreachable };
    },
  };
}
