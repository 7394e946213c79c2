// "Rehearse in the lab first" (lab.rehearsePlan, lab.rehearsal): the wizard's plan is rehearsed before it touches
// real nodes. The rehearsal lab replays the workspace's latency file (lab.rehearse), each site pair's round trip is
// measured there, the stack generates the same plan for the lab's copy of the group and the engine runs it
// (journalled and audited like any run, over SSH with the lab workspace's logins), the group's quorum is read, the
// lab is taken down, and the result is kept beside the workspace file (<name>.rehearsal.json) for the wizard.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { MethodInput, MethodOutput } from '../../common/contract/index.js';
import { rehearsalRecordSchema, type RehearsalRecord } from '../../common/contract/lab.js';
import { CwError } from '../../common/errors.js';
import { parsePlan } from '../../common/plan/dag.js';
import type { Plan } from '../../common/plan/schema.js';
import { parseWorkspace } from '../../common/workspace/parse.js';
import type { Workspace } from '../../common/workspace/schema.js';
import type { Handlers } from '../dispatcher.js';
import type { PlanEngine } from '../engine/engine.js';
import { planHash } from '../engine/hash.js';
import { openLab, type Lab } from '../lab/index.js';
import type { StackRehearsal, StackWorkspaces } from '../stacks/types.js';
import { writeFileAtomic } from '../workspace/atomic-write.js';
import { parsePingOutput } from '../workspace/ping.js';
import type { LabService } from './lab.js';

export interface RehearsalServiceDeps {
  lab: LabService;
  labStateDir: string;
  engine: PlanEngine;
  stacks: { id: string; rehearsal?: StackRehearsal }[];
  workspaces: StackWorkspaces;
  /** Plan id → the workspace whose nodes say how the plan's nodes are reached (the lab's, while a rehearsal runs). */
  planWorkspaces: Map<string, Workspace>;
  /** Probes per site pair (after one warm-up probe) and their interval. */
  probes?: number;
  probeIntervalS?: number;
}

/** clusterwright.yaml → clusterwright.rehearsal.json, beside the workspace file and its latency file. */
export function rehearsalPathFor(workspaceFile: string): string {
  const ext = path.extname(workspaceFile);
  return `${ext ? workspaceFile.slice(0, -ext.length) : workspaceFile}.rehearsal.json`;
}

/** The kept records (the last per stack and group); a damaged or foreign file counts as none. */
export async function loadRehearsals(workspaceFile: string): Promise<RehearsalRecord[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await fs.readFile(rehearsalPathFor(workspaceFile), 'utf8'));
  } catch {
    return [];
  }
  const records = (raw as { records?: unknown } | null)?.records;
  if (!Array.isArray(records)) return [];
  return records.flatMap((r) => {
    const parsed = rehearsalRecordSchema.safeParse(r);
    return parsed.success ? [parsed.data] : [];
  });
}

async function keepRehearsal(workspaceFile: string, record: RehearsalRecord): Promise<void> {
  const records = (await loadRehearsals(workspaceFile)).filter((r) => !(r.stack === record.stack && r.group === record.group));
  records.push(record);
  await writeFileAtomic(rehearsalPathFor(workspaceFile), JSON.stringify({ version: 1, records }, null, 2) + '\n', { mode: 0o600 });
}

/** Within ±10 % or ±0.3 ms, whichever is wider (what a faithful replay means here). */
export function withinTolerance(recordedMs: number, measuredMs: number): boolean {
  // (a hair of slack for binary fractions: 1.8 − 1.5 is 0.30000000000000004)
  return Math.abs(measuredMs - recordedMs) <= Math.max(0.1 * recordedMs, 0.3) + 1e-9;
}

/**
 * Whether the lab replays a recorded pair faithfully: its measured round trip within tolerance of what the lab
 * holds for it (`holdsMs`: the recording on the lab's whole-millisecond step; the rehearsal's notes say when
 * that step is itself off the recording), or of the recording when nothing is held. No answer: not judged.
 */
export function replayMatches(link: { recordedMs?: number; holdsMs?: number }, measuredMs: number | undefined, lossPercent: number | undefined): boolean | undefined {
  if (link.recordedMs === undefined) return undefined;
  return measuredMs !== undefined && (lossPercent ?? 100) < 100 && withinTolerance(link.holdsMs ?? link.recordedMs, measuredMs);
}

type Rehearsed = MethodOutput<'lab.rehearse'>;

/** Each rehearsed site pair's round trip, measured host to host in the lab (one warm-up probe each). */
async function measureLinks(openRunningLab: () => Lab, rehearsed: Rehearsed, real: Workspace, probes: number, intervalS: number): Promise<RehearsalRecord['links']> {
  const siteOfNode = new Map(real.nodes.map((n) => [n.name, n.site]));
  const realSite = new Map(rehearsed.mapping.map((m) => [m.site, siteOfNode.get(m.node) ?? m.site]));
  const firstHost = (site: string) => rehearsed.mapping.find((m) => m.site === site)?.host;
  let lab: Lab | undefined;
  const measure = async (l: Rehearsed['links'][number]): Promise<RehearsalRecord['links'][number]> => {
    const [a, b] = l.between;
    const from = firstHost(a)!;
    const to = firstHost(b)!;
    lab ??= openRunningLab();
    const address = lab.host(to).addressList[0];
    const result = await lab.exec(from, ['ping', '-n', '-c', String(probes + 1), '-i', String(intervalS), '-W', '1', '--', address], { timeoutMs: ((probes + 1) * intervalS + 5) * 1000 });
    const summary = parsePingOutput(result.stdout, { warmup: 1 });
    const recordedMs = l.samples > 0 ? l.delayMs : undefined;
    const measuredMs = summary?.medianMs ?? summary?.avgMs;
    return {
      sites: [realSite.get(a) ?? a, realSite.get(b) ?? b],
      labSites: [a, b],
      ...(recordedMs !== undefined ? { recordedMs } : {}),
      ...(l.holdsMs !== undefined ? { holdsMs: l.holdsMs } : {}),
      ...(l.preset ? { preset: l.preset } : {}),
      samples: l.samples,
      ...(measuredMs !== undefined ? { measuredMs: Math.round(measuredMs * 1000) / 1000 } : {}),
      ...(summary ? { lossPercent: summary.lossPercent } : {}),
      probes,
      from,
      to,
      ...(recordedMs !== undefined ? { matches: replayMatches({ recordedMs, holdsMs: l.holdsMs }, measuredMs, summary?.lossPercent) } : {}),
    };
  };
  // One pair at a time: on a small machine, pings through several shaped links at once measure the CPU as well.
  const measured: RehearsalRecord['links'] = [];
  for (const l of rehearsed.links) measured.push(await measure(l));
  return measured;
}

export function createRehearsalService(deps: RehearsalServiceDeps): { handlers: Pick<Handlers, 'lab.rehearsePlan' | 'lab.rehearsal'> } {
  const rehearsePlan = async (input: MethodInput<'lab.rehearsePlan'>, ctx: Parameters<Handlers['lab.rehearsePlan']>[1]): Promise<RehearsalRecord> => {
    const stack = deps.stacks.find((s) => s.id === input.stack);
    if (!stack) throw new CwError('NOT_FOUND', `There is no stack "${input.stack}" here.`);
    if (!stack.rehearsal) throw new CwError('UNSUPPORTED', `The ${input.stack} stack cannot rehearse its plans in the lab yet.`);
    const real = await deps.workspaces.current();
    const realPlan: Plan = parsePlan(input.plan);
    const realHash = planHash(realPlan);
    const started = Date.now();
    const ranAt = new Date(started).toISOString();
    const rehearsed = await deps.lab.handlers['lab.rehearse']({ ...(input.replace ? { replace: true } : {}) }, ctx);
    let record: RehearsalRecord | undefined;
    let planId: string | undefined;
    let labDown: string | undefined;
    try {
      const labParsed = parseWorkspace(await fs.readFile(rehearsed.workspacePath, 'utf8'));
      if (!labParsed.workspace) throw new CwError('INTERNAL', `The rehearsal lab wrote a workspace that does not parse (${rehearsed.workspacePath}).`);
      const links = await measureLinks(() => openLab(deps.labStateDir), rehearsed, real.workspace, deps.probes ?? 30, deps.probeIntervalS ?? 0.03);
      const generated = await stack.rehearsal.plan({ real: { workspace: real.workspace, facts: real.facts }, lab: labParsed.workspace, group: input.group, mapping: rehearsed.mapping });
      // It changes nothing but the lab: no real cluster is read again when it ends.
      const { touches: _touches, ...untouched } = generated.plan;
      const labPlan = parsePlan(untouched);
      planId = labPlan.id;
      const labHash = planHash(labPlan);
      deps.planWorkspaces.set(labPlan.id, generated.labWorkspace);
      // The admin's "Rehearse" approves the destructive steps of the lab's plan, in the lab only (the real plan's approval is its own).
      const destructive = labPlan.steps.filter((s) => s.destructive).map((s) => s.id);
      const approval = destructive.length ? deps.engine.approvals.approve(labPlan, destructive, labHash) : null;
      const handle = deps.engine.apply(labPlan, approval);
      const cancel = () => deps.engine.cancel(handle.runId);
      ctx.signal.addEventListener('abort', cancel, { once: true });
      const result = await handle.done.finally(() => ctx.signal.removeEventListener('abort', cancel));
      const info = deps.engine.status(handle.runId);
      let quorum: RehearsalRecord['quorum'] = null;
      let quorumError: string | undefined;
      if (result.status === 'succeeded') {
        try {
          quorum = await stack.rehearsal.verify({ lab: generated.labWorkspace, labGroup: generated.labGroup, signal: ctx.signal });
        } catch (error) {
          quorumError = error instanceof Error ? error.message : String(error);
        }
      }
      const realSteps = new Set(realPlan.steps.map((s) => s.id));
      const labSteps = new Set(labPlan.steps.map((s) => s.id));
      const mismatched = links.filter((l) => l.matches === false).length;
      record = {
        version: 1,
        stack: input.stack,
        group: input.group,
        workspacePath: real.path,
        ranAt,
        wallMs: 0,
        planHash: realHash,
        planId: realPlan.id,
        planSteps: realPlan.steps.length,
        labPlanHash: labHash,
        labGroup: generated.labGroup,
        runId: handle.runId,
        status: result.status,
        message: result.message,
        steps: info.steps.map((s) => ({ id: s.id, title: s.title, target: s.target, state: s.state, ...(s.message ? { message: s.message } : {}), inRealPlan: realSteps.has(s.id) })),
        notRehearsed: realPlan.steps.filter((s) => !labSteps.has(s.id)).map((s) => s.id),
        quorum,
        ...(quorumError ? { quorumError } : {}),
        lab: { name: rehearsed.name, hosts: rehearsed.hosts, upMs: rehearsed.upMs, keptRunning: Boolean(input.keepLab) },
        mapping: rehearsed.mapping,
        links,
        notes: [
          ...(mismatched ? [`${mismatched} site pair(s) measured outside ±10 % / ±0.3 ms of the recording in the lab.`] : []),
          ...rehearsed.notes,
          ...generated.notes,
        ],
      };
    } finally {
      if (planId) deps.planWorkspaces.delete(planId);
      if (!input.keepLab) {
        try {
          const down = await deps.lab.handlers['lab.down']({}, ctx);
          labDown = `The rehearsal lab was taken down (${down.namespaces} namespaces, ${down.processes} processes).`;
        } catch (error) {
          labDown = `The rehearsal lab could not be taken down: ${error instanceof Error ? error.message : String(error)}. Stop it from the lab menu.`;
        }
      }
    }
    record.wallMs = Date.now() - started;
    if (labDown) record.notes.push(labDown);
    await keepRehearsal(real.path, record);
    return record;
  };

  return {
    handlers: {
      'lab.rehearsePlan': rehearsePlan,
      'lab.rehearsal': async (input) => {
        const { path: file } = await deps.workspaces.current();
        return (await loadRehearsals(file)).find((r) => r.stack === input.stack && r.group === input.group && r.workspacePath === file) ?? null;
      },
    },
  };
}
