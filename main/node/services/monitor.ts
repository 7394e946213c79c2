// monitor.* methods: polls the open workspace's estate in rounds (one command per host at a time, back-off
// for hosts that fail), keeps the rounds in the bounded store beside the workspace, raises and clears
// alerts against the stacks' limits, and renders the Prometheus exposition the web host serves.
import type { MonitorStatus } from '../../common/contract/monitor.js';
import { clusterSeriesKey, conditionsOf, limitsByNetwork, updateAlerts, type ClusterSample, type MonitorAlert, type MonitorSample } from '../../common/monitor/model.js';
import { renderExposition } from '../../common/monitor/prometheus.js';
import { defaultStacks, trafficOf, type StackList } from '../../common/stacks/compose.js';
import type { Workspace } from '../../common/workspace/index.js';
import type { Handlers } from '../dispatcher.js';
import type { EventBus } from '../events.js';
import { HostBackoff, PerHostRunner, pollRound } from '../monitor/poller.js';
import { MonitorStore, monitorDefaults } from '../monitor/store.js';
import { monitorDirOf } from '../monitor/history-file.js';
import type { StackDiscovery } from '../stacks/types.js';
import type { RunnerFactory } from '../workspace/runner.js';

type MonitorMethodNames = 'monitor.status' | 'monitor.start' | 'monitor.stop' | 'monitor.history';

export interface MonitorServiceDeps {
  events: EventBus;
  /** The open workspace and its file. */
  current(): Promise<{ workspace: Workspace; path: string }>;
  nodeRunner: RunnerFactory;
  discoveries: readonly StackDiscovery[];
  definitions?: StackList;
  /** Store bounds (tests shrink them). */
  store?: { retentionMs?: number; maxBytes?: number; segmentBytes?: number; segmentMs?: number; memoryRounds?: number };
}

export interface MonitorService {
  handlers: Pick<Handlers, MonitorMethodNames>;
  /** Every kept round of the open workspace since `sinceMs`, unthinned (the scorecard's last day). */
  history(sinceMs: number): Promise<readonly MonitorSample[]>;
  exposition(): string;
  close(): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

export function createMonitorService(deps: MonitorServiceDeps): MonitorService {
  let store: MonitorStore | undefined;
  let loop: { controller: AbortController; done: Promise<void> } | undefined;
  let intervalS = 30;
  let probes = 3;
  let rounds = 0;
  let lastRoundMs: number | undefined;
  let problem: string | undefined;
  let alerts: MonitorAlert[] = [];
  let cleared: MonitorAlert[] = [];
  let backingOff: string[] = [];
  const backoff = new HostBackoff();

  /** The store of the workspace's folder (another workspace: another store). */
  const storeFor = (file: string): MonitorStore => {
    const dir = monitorDirOf(file);
    if (store?.dir !== dir) store = new MonitorStore({ dir, ...deps.store });
    return store;
  };

  const clusterHistory = (key: string): ClusterSample[] =>
    (store?.query(Date.now() - 3600_000) ?? []).flatMap((r) => r.clusters.filter((c) => clusterSeriesKey(c.stack, c.cluster) === key)).slice(-5);

  const oneRound = async (signal: AbortSignal): Promise<void> => {
    const { workspace, path: file } = await deps.current();
    const target = storeFor(file);
    const runner = new PerHostRunner(deps.nodeRunner(workspace));
    const started = Date.now();
    const sample: MonitorSample = await pollRound(workspace, runner, deps.discoveries, backoff, { probes, signal });
    if (signal.aborted) return;
    lastRoundMs = Date.now() - started;
    const conditions = conditionsOf(sample, limitsByNetwork(trafficOf(workspace, deps.definitions)), clusterHistory);
    await target.append(sample);
    rounds++;
    backingOff = sample.backingOff ?? [];
    const change = updateAlerts(alerts, conditions, sample.t);
    alerts = change.active;
    cleared = [...change.cleared.reverse(), ...cleared].slice(0, 50);
    deps.events.emit('monitor.sampled', sample);
    for (const a of change.raised) deps.events.emit('monitor.alertRaised', a);
    for (const a of change.cleared) deps.events.emit('monitor.alertCleared', a);
  };

  const status = (): MonitorStatus => ({
    running: loop !== undefined,
    intervalS,
    rounds,
    ...(store?.latest() ? { lastRoundAt: store.latest()!.t } : {}),
    ...(lastRoundMs !== undefined ? { lastRoundMs } : {}),
    alerts,
    cleared,
    backingOff,
    ...(store
      ? { store: { dir: store.dir, diskBytes: store.diskBytes(), rounds: store.query().length, retentionDays: (deps.store?.retentionMs ?? monitorDefaults.retentionMs) / 86_400_000, maxMiB: (deps.store?.maxBytes ?? monitorDefaults.maxBytes) / 1048576 } }
      : {}),
    ...(problem ? { problem } : {}),
  });

  const stop = async () => {
    const running = loop;
    loop = undefined;
    if (!running) return;
    running.controller.abort();
    await running.done;
    await store?.flush();
  };

  const handlers: Pick<Handlers, MonitorMethodNames> = {
    'monitor.status': async () => {
      if (!store) {
        // Show the kept history of the open workspace even before the first round of this process.
        try {
          storeFor((await deps.current()).path);
        } catch {
          // No usable workspace yet: nothing to show.
        }
      }
      return status();
    },
    'monitor.start': async (input) => {
      const open = await deps.current();
      storeFor(open.path);
      await stop();
      intervalS = input.intervalS ?? 30;
      probes = input.probes ?? 3;
      const controller = new AbortController();
      const done = (async () => {
        while (!controller.signal.aborted) {
          const started = Date.now();
          try {
            await oneRound(controller.signal);
            problem = undefined;
          } catch (error) {
            if (controller.signal.aborted) break;
            problem = error instanceof Error ? error.message : String(error);
          }
          await sleep(Math.max(200, intervalS * 1000 - (Date.now() - started)), controller.signal);
        }
      })();
      loop = { controller, done };
      return status();
    },
    'monitor.stop': async () => {
      await stop();
      return status();
    },
    'monitor.history': async (input) => {
      if (!store) storeFor((await deps.current()).path);
      const all = store!.query(input.sinceMs);
      const max = input.maxRounds ?? 2000;
      if (all.length <= max) return { rounds: [...all], total: all.length };
      // Evenly thinned, always keeping the newest round.
      const step = all.length / max;
      const rounds = Array.from({ length: max }, (_, i) => all[Math.min(all.length - 1, Math.floor(all.length - 1 - (max - 1 - i) * step))]!);
      return { rounds, total: all.length };
    },
  };

  return {
    handlers,
    exposition: () => renderExposition({ ...(store?.latest() ? { latest: store.latest()! } : {}), alerts, rounds, running: loop !== undefined, stacks: deps.definitions ?? defaultStacks }),
    close: stop,
    history: async (sinceMs) => storeFor((await deps.current()).path).query(sinceMs),
  };
}
