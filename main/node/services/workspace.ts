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
import { readKnetStats } from '../workspace/knet.js';
import { measureLatency, recordEstate } from '../workspace/measure.js';
import { LocalRunner, type RunnerFactory } from '../workspace/runner.js';
import { WorkspaceStore } from '../workspace/store.js';

type WorkspaceMethodNames = 'workspace.open' | 'workspace.current' | 'workspace.save' | 'workspace.validate' | 'workspace.recent' | 'latency.measure' | 'latency.current';

export function createWorkspaceStore(options: CoreOptions, events: EventBus, hostKeyCheck?: (workspace: Workspace) => CurrentEstate['hostKey']): WorkspaceStore {
  return new WorkspaceStore({
    workspaceDir: options.workspaceDir,
    recentFile: path.join(dataHome(), 'recent-workspaces.json'),
    onChanged: (change) => events.emit('workspace.changed', change),
    ...(hostKeyCheck ? { hostKeyCheck } : {}),
  });
}

export function workspaceHandlers(
  options: CoreOptions,
  events: EventBus,
  store = createWorkspaceStore(options, events),
  /** How commands reach the nodes: SSH in the app (the core passes it), this machine by default. */
  nodeRunner: RunnerFactory = () => new LocalRunner(),
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
        const knet: NonNullable<Facts['knet']> = [];
        for (const cluster of workspace.proxmox?.clusters ?? []) {
          const links = [];
          for (const node of cluster.nodes) {
            links.push(...(await readKnetStats(runner, node, { signal: ctx.signal }).catch(() => [])));
          }
          const estate = await recordEstate(workspace, runner, new Set(links.map((l) => l.local)), open.path);
          knet.push({ cluster: cluster.name, readAt: new Date().toISOString(), links, estate });
        }
        update.knet = knet;
      }
      const file = await store.storeFacts(update);
      const unreachable = matrix.samples.filter((s) => s.avgMs === undefined).length;
      events.emit('latency.measured', { runId, path: open.path, measuredAt: matrix.measuredAt, pairs: matrix.samples.length, unreachable, runner: matrix.runner });
      return { matrix, file, runsOnNodes: runner.runsOnNodes, unreachable };
    },
  };
}
