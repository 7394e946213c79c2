// The failover drill (a core feature; it asks each stack for its part): drill.plan builds the drill as an
// engine plan with the prediction, the `drill` executor runs its steps — in the lab it cuts the site's links for
// real (a destructive step), watches quorum and HA recover, restores and waits for the rejoin, then saves a
// report (prediction beside measured times, with the date) in the workspace's `drills/` folder. On real clusters
// nothing is cut: the same steps wait for the admin to pull and put back the cable while the readings are taken.
import fs from 'node:fs';
import path from 'node:path';
import { CwError } from '../../common/errors.js';
import { compareDrill, drillTitle, measureDrill, type DrillPrediction, type DrillReading, type DrillReport } from '../../common/drill/model.js';
import type { PlanInput, StackCall } from '../../common/plan/schema.js';
import type { AnyStackDefinition } from '../../common/stacks/types.js';
import { checkFailures, estateLinks, type Failure } from '../../common/whatif/estate.js';
import { failureScenario, runScenario } from '../../common/whatif/scenarios.js';
import { workspaceEstate, workspaceQuorumModels } from '../../common/whatif/workspace.js';
import type { Workspace } from '../../common/workspace/schema.js';
import type { Handlers } from '../dispatcher.js';
import type { StackExecutor, StackOpContext } from '../engine/stack-ops.js';
import { defaultLabStateDir, openLab, type Lab } from '../lab/index.js';
import { readLabState } from '../lab/state.js';
import type { StackFailover, StackWorkspaces } from '../stacks/types.js';
import { drillsDirOf, readDrillReports } from './drill-reports.js';

/** The executor's id in plan steps (`{ kind: 'stack', stack: 'drill', op }`): a core feature, not a stack. */
export const drillExecutorId = 'drill';

export interface DrillServiceDeps {
  stacks: { id: string; failover?: StackFailover }[];
  definitions: readonly AnyStackDefinition[];
  workspaces: StackWorkspaces;
  /** The lab the app runs (default: the default lab folder). */
  labStateDir?: string;
  /** Reading interval while observing (ms). */
  readEveryMs?: number;
}

/** A site's loss in a drill is the site cut off from every other site (its nodes keep running, isolated). */
function cutsOf(failure: Failure, sites: string[]): [string, string][] {
  if (failure.kind === 'link') return [failure.between];
  return sites.filter((s) => s !== failure.site).map((s) => [failure.site, s] as [string, string]);
}

interface RunState {
  cutAt?: number;
  restoredAt?: number;
  readings: Record<string, DrillReading[]>;
}

export function createDrillService(deps: DrillServiceDeps): { handlers: Pick<Handlers, 'drill.plan' | 'drill.reports'>; executor: StackExecutor } {
  const readEveryMs = deps.readEveryMs ?? 500;
  const labStateDir = deps.labStateDir ?? defaultLabStateDir();

  /** The running lab whose workspace is the open one (drills cut only there), else undefined. */
  const labOf = (workspacePath: string): Lab | undefined => {
    const state = (() => {
      try {
        return readLabState(labStateDir);
      } catch {
        return undefined;
      }
    })();
    if (!state) return undefined;
    const lab = openLab(labStateDir);
    const same = (a: string, b: string) => path.resolve(a) === path.resolve(b) || path.resolve(a) === path.dirname(path.resolve(b));
    return same(workspacePath, lab.workspacePath) ? lab : undefined;
  };

  const drillsDir = drillsDirOf;
  const runFile = (workspacePath: string, runId: string) => path.join(drillsDir(workspacePath), '.runs', `${runId.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
  const loadRun = (file: string): RunState => {
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as RunState;
    } catch {
      return { readings: {} };
    }
  };
  const saveRun = (file: string, state: RunState) => {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    fs.writeFileSync(`${file}.tmp`, JSON.stringify(state));
    fs.renameSync(`${file}.tmp`, file);
  };

  const failoverStacks = () => deps.stacks.filter((s): s is { id: string; failover: StackFailover } => s.failover !== undefined);

  async function predict(workspace: Workspace, failure: Failure, lab: boolean, signal: AbortSignal): Promise<DrillPrediction> {
    const estate = workspaceEstate(workspace);
    const problems = checkFailures(estate, [failure]);
    if (problems.length) throw new CwError('INVALID_INPUT', problems.join(' '), { field: 'failure' });
    const cuts = cutsOf(failure, estate.sites).filter(([a, b]) => estateLinks(estate).some(([x, y]) => (x === a && y === b) || (x === b && y === a)));
    const verdict = runScenario(estate, workspaceQuorumModels(workspace, deps.definitions), failureScenario(cuts.map((between) => ({ kind: 'link', between }))));
    const lostSites = failure.kind === 'site' ? [failure.site] : [];
    const lostNodes = workspace.nodes.filter((n) => lostSites.includes(n.site)).map((n) => n.name);
    const clusters = [];
    for (const s of failoverStacks()) {
      for (const cluster of s.failover.clusters(workspace)) {
        const v = verdict.clusters.find((c) => c.stack === s.id && c.cluster === cluster);
        const groups = (v?.outcome.alternatives[0]?.groups ?? []).map((g) => ({ members: g.members, sites: g.sites, keepsQuorum: g.keepsQuorum, reason: g.reason }));
        clusters.push(await s.failover.predict(workspace, cluster, { groups, lab }, signal));
      }
    }
    if (!clusters.length) throw new CwError('UNSUPPORTED', `No cluster of this workspace can be drilled: a drill needs a cluster whose API the app can read (an api block in its stack's section), of a stack with a failover part (${failoverStacks().map((s) => s.id).join(', ') || 'none registered'}).`);
    return { failure, title: `${drillTitle(failure)}${failure.kind === 'site' ? ' (cut off from the other sites)' : ''}`, clusters, lostNodes };
  }

  const argsOf = (call: StackCall) => call.args as { failure: Failure; mode: 'lab' | 'checklist'; seconds?: number; prediction?: DrillPrediction };

  const readAll = async (workspace: Workspace, prediction: DrillPrediction, signal: AbortSignal): Promise<Record<string, DrillReading>> => {
    const out: Record<string, DrillReading> = {};
    for (const c of prediction.clusters) {
      const s = failoverStacks().find((x) => x.id === c.stack);
      if (s) out[c.cluster] = await s.failover.read(workspace, c.cluster, signal);
    }
    return out;
  };

  const describeReading = (r: DrillReading): string =>
    `${r.nodes.map((n) => `${n.name} ${!n.reachable ? 'unreadable' : n.quorate ? 'quorate' : 'NO QUORUM'}${n.members ? ` [${n.members.join(' ')}]` : ''}`).join(', ')}; ${r.services.map((s) => `${s.sid} ${s.state}${s.running ? '' : ' (not running)'} on ${s.node}`).join(', ')}`;

  async function observe(context: StackOpContext, call: StackCall, until: 'recovered' | 'rejoined'): Promise<void> {
    const { failure, mode, seconds, prediction } = argsOf(call);
    const { workspace, path: wsPath } = await deps.workspaces.current();
    if (!prediction) throw new CwError('INVALID_INPUT', 'The drill step has no prediction.');
    const file = runFile(wsPath, context.runId);
    const state = loadRun(file);
    const deadline = Date.now() + (seconds ?? 120) * 1000;
    let last = '';
    let doneSince: number | undefined;
    void failure;
    for (;;) {
      if (context.signal.aborted) {
        if (mode === 'lab' && until === 'recovered') await restoreLab(wsPath, argsOf(call).failure, context).catch(() => undefined);
        throw new CwError('CANCELLED', 'The drill was cancelled; the lab links were restored.');
      }
      const readings = await readAll(workspace, prediction, context.signal);
      for (const [cluster, r] of Object.entries(readings)) (state.readings[cluster] ??= []).push(r);
      // In a checklist drill the loss is the admin's: its moment is when a node first sees it.
      if (mode === 'checklist' && until === 'recovered' && state.cutAt === undefined) {
        const seen = Object.values(readings).some((r) => r.nodes.some((n) => n.reachable && n.members && n.members.length < r.nodes.length));
        if (seen) {
          state.cutAt = Date.now();
          context.log('the loss is seen: measuring from now (pull the cable now if you have not)', 'info');
        }
      }
      saveRun(file, state);
      const text = Object.entries(readings).map(([c, r]) => `${c}: ${describeReading(r)}`).join(' | ');
      if (text !== last) {
        context.log(`${((Date.now() - (until === 'recovered' ? (state.cutAt ?? Date.now()) : (state.restoredAt ?? Date.now()))) / 1000).toFixed(1)} s: ${text}`, 'info');
        last = text;
      }
      const done = prediction.clusters.every((c) => {
        const r = readings[c.cluster];
        if (!r) return false;
        if (until === 'rejoined') return r.nodes.every((n) => n.reachable && n.quorate && (n.members?.length ?? 0) === r.nodes.length);
        if (state.cutAt === undefined) return false;
        const m = measureDrill(c, state.readings[c.cluster] ?? [], state.cutAt);
        return m.quorumChangedS !== undefined && c.services.filter((p) => p.to).every((p) => m.services.find((x) => x.sid === p.sid)?.backAfterS !== undefined);
      });
      if (done) doneSince ??= Date.now();
      // A little longer than needed: the readings show the settled state.
      if (doneSince !== undefined && Date.now() - doneSince >= 1_000) return;
      if (Date.now() > deadline) {
        context.log(`stopped watching after ${seconds ?? 120} s: ${until === 'recovered' ? 'not everything came back as predicted' : 'not every node has rejoined'} (the report says what was seen)`, 'stderr');
        return;
      }
      await new Promise((r) => setTimeout(r, readEveryMs));
    }
  }

  async function restoreLab(wsPath: string, failure: Failure, context: StackOpContext): Promise<void> {
    const lab = labOf(wsPath);
    if (!lab) throw new CwError('CONFLICT', 'The lab of this workspace is not running any more: nothing to restore.');
    for (const [a, b] of cutsOf(failure, lab.plan.sites.map((s) => s.name))) {
      await lab.restore(a, b).then(
        () => context.log(`restored the link ${a}–${b}`, 'info'),
        (err: Error) => context.log(`link ${a}–${b}: ${err.message}`, 'stderr'),
      );
    }
  }

  const executor: StackExecutor = {
    describe(call) {
      const { failure } = argsOf(call);
      const what = drillTitle(failure);
      switch (call.op) {
        case 'cut':
          return `lab: cut ${failure.kind === 'site' ? `every link of site ${failure.site}` : `the link ${failure.between.join('–')}`}`;
        case 'observe':
          return `read quorum and HA on every node until the guests run again (${what})`;
        case 'restore':
          return `lab: restore ${failure.kind === 'site' ? `the links of site ${failure.site}` : `the link ${failure.between.join('–')}`}`;
        case 'rejoin':
          return 'read quorum on every node until all are one quorate membership again';
        case 'report':
          return 'save the drill report (prediction beside measured times) in the workspace folder drills/';
        default:
          return `drill ${call.op}`;
      }
    },
    async check() {
      // Every drill step runs once per run: nothing is "already done".
      return false;
    },
    async act(call, context) {
      const { failure, mode } = argsOf(call);
      const { path: wsPath } = await deps.workspaces.current();
      const file = runFile(wsPath, context.runId);
      switch (call.op) {
        case 'cut': {
          if (mode !== 'lab') throw new CwError('INVALID_INPUT', 'Only a lab drill cuts links; on real clusters the admin pulls the cable.');
          const lab = labOf(wsPath);
          if (!lab) throw new CwError('CONFLICT', 'This workspace is not the running lab\'s: a drill cuts nothing outside the lab. Plan it again to get a checklist instead.');
          const state = loadRun(file);
          state.cutAt = Date.now();
          for (const [a, b] of cutsOf(failure, lab.plan.sites.map((s) => s.name))) {
            await lab.cut(a, b).then(
              () => context.log(`cut the link ${a}–${b}`, 'info'),
              (err: Error) => context.log(`link ${a}–${b}: ${err.message}`, 'stderr'),
            );
          }
          saveRun(file, state);
          return;
        }
        case 'observe':
          return observe(context, call, 'recovered');
        case 'restore': {
          const state = loadRun(file);
          if (mode === 'lab') await restoreLab(wsPath, failure, context);
          else context.log('put the cable back now: the next step waits for every node to rejoin', 'info');
          state.restoredAt = Date.now();
          saveRun(file, state);
          return;
        }
        case 'rejoin':
          return observe(context, call, 'rejoined');
        case 'report': {
          const { prediction } = argsOf(call);
          if (!prediction) throw new CwError('INVALID_INPUT', 'The drill step has no prediction.');
          const state = loadRun(file);
          const measured = Object.fromEntries(prediction.clusters.map((c) => [c.cluster, measureDrill(c, state.readings[c.cluster] ?? [], state.cutAt ?? Date.now(), state.restoredAt)]));
          const { lines, outcome } = compareDrill(prediction, measured);
          const date = new Date(state.cutAt ?? Date.now()).toISOString();
          const report: DrillReport = { kind: 'clusterwright-failover-drill', version: 1, date, workspace: wsPath, mode, failure, title: prediction.title, prediction, measured, comparison: lines, outcome };
          const dir = drillsDir(wsPath);
          fs.mkdirSync(dir, { recursive: true });
          const slug = `${date.replace(/[:.]/g, '-')}-${(failure.kind === 'site' ? `site-${failure.site}` : `link-${failure.between.join('-')}`).replace(/[^A-Za-z0-9_-]/g, '_')}`;
          const target = path.join(dir, `${slug}.json`);
          fs.writeFileSync(`${target}.tmp`, JSON.stringify(report, null, 2) + '\n');
          fs.renameSync(`${target}.tmp`, target);
          for (const line of lines) context.log(line, 'info');
          context.log(`outcome: ${outcome}; report saved as ${target}`, 'info');
          fs.rmSync(file, { force: true });
          return;
        }
        default:
          throw new CwError('INVALID_INPUT', `The drill has no step "${call.op}".`);
      }
    },
  };

  const handlers: Pick<Handlers, 'drill.plan' | 'drill.reports'> = {
    'drill.plan': async (input, ctx) => {
      const { workspace, path: wsPath } = await deps.workspaces.current();
      const failure = input.failure as Failure;
      const lab = labOf(wsPath);
      const mode = lab ? 'lab' : 'checklist';
      const prediction = await predict(workspace, failure, mode === 'lab', ctx.signal);
      const longest = Math.max(10, ...prediction.clusters.flatMap((c) => [c.detectS, ...c.services.map((s) => s.backAfterS ?? 0)]));
      const seconds = input.observeSeconds ?? Math.ceil(longest * 2 + 20);
      const args = { failure, mode, seconds, prediction } as unknown as Record<string, unknown>;
      const node = prediction.lostNodes[0] ?? workspace.nodes[0]?.name ?? 'cluster';
      const target = { node };
      const step = (id: string, title: string, op: string, extra: { destructive?: boolean; dependsOn?: string[]; timeoutMs?: number } = {}) => ({
        id,
        title,
        target,
        action: { kind: 'stack' as const, stack: drillExecutorId, op, args },
        destructive: extra.destructive ?? false,
        idempotent: false,
        dependsOn: extra.dependsOn ?? [],
        timeoutMs: extra.timeoutMs ?? 60_000,
      });
      const what = prediction.title;
      const steps =
        mode === 'lab'
          ? [
              step('cut', `Cut: ${what}`, 'cut', { destructive: true }),
              step('observe', 'Watch quorum and HA until the guests run again', 'observe', { dependsOn: ['cut'], timeoutMs: (seconds + 60) * 1000 }),
              step('restore', 'Restore the links', 'restore', { dependsOn: ['observe'] }),
              step('rejoin', 'Watch every node rejoin', 'rejoin', { dependsOn: ['restore'], timeoutMs: (seconds + 60) * 1000 }),
              step('report', 'Save the report', 'report', { dependsOn: ['rejoin'] }),
            ]
          : [
              step('observe', `Pull the cable (${what}) and watch quorum and HA`, 'observe', { timeoutMs: (seconds + 600) * 1000 }),
              step('restore', 'Put the cable back', 'restore', { dependsOn: ['observe'] }),
              step('rejoin', 'Watch every node rejoin', 'rejoin', { dependsOn: ['restore'], timeoutMs: (seconds + 600) * 1000 }),
              step('report', 'Save the report', 'report', { dependsOn: ['rejoin'] }),
            ];
      const slug = (failure.kind === 'site' ? `site-${failure.site}` : `link-${failure.between.join('-')}`).toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
      const plan: PlanInput = {
        id: `drill-${slug}`,
        title: `Failover drill: ${what}${mode === 'lab' ? ' (lab)' : ' (checklist)'}`,
        description: prediction.clusters.map((c) => `${c.cluster}: ${c.groups.map((g) => `${g.members.join(', ')} ${g.keepsQuorum ? 'keeps' : 'loses'} quorum`).join('; ')}; ${c.services.map((s) => (s.to ? `${s.sid} → ${s.to} after ~${s.backAfterS} s` : `${s.sid} stays on ${s.from}`)).join(', ')}`).join('\n'),
        steps,
        touches: prediction.clusters.map((c) => ({ stack: c.stack, cluster: c.cluster })),
      };
      return { plan: plan as never, prediction, mode, destructive: mode === 'lab' ? ['cut'] : [] };
    },
    'drill.reports': async () => {
      const { path: wsPath } = await deps.workspaces.current();
      return { reports: readDrillReports(wsPath) };
    },
  };
  return { handlers, executor };
}
