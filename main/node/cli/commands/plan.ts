// clusterwright plan | apply | resume | status: preview, run and follow plans from a plan file
// (YAML or JSON in the plan schema) on the same core as the app.
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { JobStepUpdated, PlanPreview, RunInfo, RunResult } from '../../../common/contract/plan.js';
import { CwError, isCwError } from '../../../common/errors.js';
import { parsePlan } from '../../../common/plan/dag.js';
import type { Plan } from '../../../common/plan/schema.js';
import type { Core } from '../../core.js';
import { exitCodeFor, exitCodes, UsageError, type CliCommand, type CliIO } from '../types.js';
import { commandInfo } from './catalogue.js';
import { withCore } from '../with-core.js';

function loadPlanFile(file: string | undefined): Plan {
  if (!file) throw new UsageError('Give the plan file (YAML or JSON).');
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read the plan file ${file}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'it does not exist' : (error as Error).message}.`);
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (error) {
    throw new CwError('INVALID_INPUT', `${file} is not valid YAML or JSON: ${(error as Error).message}`);
  }
  return parsePlan(raw);
}

/** Exit code for a finished run: 0 done, 3 a host unreachable or timed out, 4 a login or host-key problem, else 1. */
export function exitCodeForRun(result: RunResult): number {
  if (result.status === 'succeeded') return exitCodes.ok;
  const code = exitCodeFor((result.failure?.code ?? 'REMOTE_FAILED') as Parameters<typeof exitCodeFor>[0]);
  return code === exitCodes.unreachable || code === exitCodes.auth ? code : exitCodes.failed;
}

/**
 * The preview is shown even when a remote file could not be read; the exit code says why it is incomplete:
 * 4 a login or host-key problem, 3 a node unreachable or timed out, else 0.
 */
export function previewExitCode(preview: PlanPreview): number {
  const codes = preview.readFailures.map((f) => exitCodeFor(f.code as Parameters<typeof exitCodeFor>[0]));
  for (const preferred of [exitCodes.auth, exitCodes.unreachable]) if (codes.includes(preferred)) return preferred;
  return exitCodes.ok;
}

/** A plan that does not validate is exit 2 (validation found errors), like `validate`. */
async function guarded(io: CliIO, name: string, run: () => Promise<number>): Promise<number> {
  try {
    return await run();
  } catch (error) {
    if (isCwError(error) && error.code === 'INVALID_INPUT') {
      io.err(`${name}: ${error.message}`);
      return exitCodes.invalid;
    }
    if (isCwError(error) && error.code === 'FORBIDDEN') {
      io.err(`${name}: ${error.message}`);
      return exitCodes.failed;
    }
    throw error;
  }
}

export function printPreview(io: CliIO, preview: PlanPreview): void {
  io.out(`Plan ${preview.planId}: ${preview.title}`);
  io.out(`Hash ${preview.planHash}${preview.approved ? ' (approved)' : ''}; ${preview.steps.length} steps${preview.destructiveSteps.length ? `, destructive: ${preview.destructiveSteps.join(', ')}` : ''}`);
  if (preview.secrets.length) io.out(`Secrets used: ${preview.secrets.join(', ')}`);
  for (const step of preview.steps) {
    io.out('');
    io.out(`● ${step.id} — ${step.title} [${step.target}]${step.destructive ? ' DESTRUCTIVE' : ''}${step.idempotent ? '' : ' (not idempotent)'}`);
    if (step.dependsOn.length) io.out(`  after: ${step.dependsOn.join(', ')}`);
    if (step.precheck) io.out(`  skip when: ${step.precheck}`);
    if (step.command) io.out(`  $ ${step.command}`);
    if (step.request) io.out(`  ${step.request.method} ${step.request.path}${step.request.body ? ` ${step.request.body}` : ''}`);
    if (step.wait) io.out(`  wait until ${step.wait.until} (every ${step.wait.intervalMs} ms, up to ${step.wait.deadlineMs} ms)`);
    if (step.upload) {
      io.out(`  upload ${step.upload.path} (mode ${step.upload.mode}${step.upload.owner ? `, owner ${step.upload.owner}` : ''})${step.upload.unchanged ? ': unchanged' : ''}`);
      if (step.upload.diff) for (const line of step.upload.diff.trimEnd().split('\n')) io.out(`    ${line}`);
    }
    if (step.verify) io.out(`  verify: ${step.verify}`);
    if (step.rollback) io.out(`  rollback: ${step.rollback}`);
  }
  for (const warning of preview.warnings) io.err(`warning: ${warning}`);
}

/** Follows a run's events: a progress bar on a TTY, plain lines otherwise, nothing with --json. */
export function followRun(core: Core, io: CliIO, total: number, json: boolean): () => void {
  if (json) return () => undefined;
  const finished = new Set<string>();
  const running = new Map<string, string>();
  let barShown = false;
  const bar = () => {
    const width = 30;
    const filled = Math.round((finished.size / Math.max(1, total)) * width);
    const now = [...running.keys()].slice(0, 3).join(', ');
    return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${finished.size}/${total}${now ? `  ${now}` : ''}`;
  };
  const print = (line: string | null) => {
    if (!io.isTTY) {
      if (line !== null) io.out(line);
      return;
    }
    const clear = barShown ? '\x1b[1A\x1b[2K' : '';
    io.out(line === null ? `${clear}${bar()}` : `${clear}${line}\n${bar()}`);
    barShown = true;
  };
  const onStep = (event: JobStepUpdated) => {
    if (event.state === 'checking') return;
    if (event.state === 'started') running.set(event.stepId, event.target);
    if (event.state === 'succeeded' || event.state === 'skipped' || event.state === 'failed' || event.state === 'blocked') {
      running.delete(event.stepId);
      finished.add(event.stepId);
    }
    const label = event.state === 'skipped' ? 'already done' : event.state;
    print(`[${finished.size}/${total}] ${event.stepId} on ${event.target}: ${label}${event.message && event.state !== 'skipped' ? ` — ${event.message}` : ''}`);
  };
  return core.events.subscribe((name, payload) => {
    if (name === 'job.stepUpdated') onStep(payload as JobStepUpdated);
    if (name === 'job.log') {
      const log = payload as { stepId: string; stream: string; text: string };
      if (log.stream !== 'info') print(`  ${log.stepId}${log.stream === 'stderr' ? '!' : '|'} ${log.text}`);
    }
  });
}

function printResult(io: CliIO, result: RunResult, json: boolean): number {
  if (json) io.out(JSON.stringify(result, null, 2));
  else if (result.status === 'succeeded') io.out(result.message);
  else {
    // Why it stopped, and what to do, go where a script's diagnostics go.
    io.err(result.message);
    io.err(`Run ${result.runId}: ${result.status}. Resume with \`clusterwright resume ${result.runId}\` once the cause is fixed.`);
  }
  return exitCodeForRun(result);
}

/** Ctrl+C cancels the run (running commands are stopped, the journal records it). */
export function cancelOnSignal(core: Core, runId: () => string | null, io: CliIO): () => void {
  const onSignal = () => {
    const id = runId();
    if (!id) return;
    io.err(`Cancelling run ${id}…`);
    void core.call('plan.cancel', { runId: id }).catch(() => undefined);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}

export const planCommand: CliCommand = {
  ...commandInfo.plan,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { json: { type: 'boolean' }, export: { type: 'string' }, out: { type: 'string' }, workspace: { type: 'string' }, 'accept-new': { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 1) throw new UsageError('Give one plan file.');
    return guarded(io, 'plan', async () => {
      const plan = loadPlanFile(positionals[0]);
      return withCore({ workspace: values.workspace, acceptNew: values['accept-new'] }, async (core) => {
        if (values.export !== undefined) {
          if (values.export !== 'shell' && values.export !== 'ansible') throw new UsageError('--export takes shell or ansible.');
          const { files } = await core.call('plan.export', { plan, format: values.export });
          const outDir = path.resolve(values.out ?? '.');
          fs.mkdirSync(outDir, { recursive: true });
          for (const file of files) {
            const target = path.join(outDir, file.name);
            fs.writeFileSync(target, file.content, { mode: file.name.endsWith('.sh') ? 0o755 : 0o644 });
            io.out(values.json ? JSON.stringify({ written: target }) : `Wrote ${target}`);
          }
          return exitCodes.ok;
        }
        const preview = await core.call('plan.preview', { plan });
        if (values.json) io.out(JSON.stringify(preview, null, 2));
        else printPreview(io, preview);
        return previewExitCode(preview);
      });
    });
  },
};

export const applyCommand: CliCommand = {
  ...commandInfo.apply,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { json: { type: 'boolean' }, 'approve-destructive': { type: 'boolean' }, 'accept-new': { type: 'boolean' }, workspace: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    if (positionals.length > 1) throw new UsageError('Give one plan file.');
    return guarded(io, 'apply', async () => {
      const plan = loadPlanFile(positionals[0]);
      return withCore({ workspace: values.workspace, acceptNew: values['accept-new'] }, async (core) => {
        const json = Boolean(values.json);
        const destructive = plan.steps.filter((s) => s.destructive).map((s) => s.id);
        if (destructive.length > 0 && values['approve-destructive']) {
          await core.call('plan.approve', { plan, acknowledgeDestructive: destructive });
          if (!json) io.out(`Approved destructive steps: ${destructive.join(', ')}`);
        }
        if (!json) io.out(`Applying plan ${plan.id} (${plan.steps.length} steps)…`);
        let runId: string | null = null;
        const stopFollowing = followRun(core, io, plan.steps.length, json);
        const unsubscribeRun = core.events.subscribe((name, payload) => {
          if (name === 'job.stepUpdated') runId ??= (payload as JobStepUpdated).runId;
        });
        const stopSignals = cancelOnSignal(core, () => runId, io);
        try {
          const { result } = await core.call('plan.apply', { plan, wait: true });
          if (!result) throw new CwError('INTERNAL', 'The run ended without a result.');
          return printResult(io, result, json);
        } finally {
          stopSignals();
          stopFollowing();
          unsubscribeRun();
        }
      });
    });
  },
};

export const resumeCommand: CliCommand = {
  ...commandInfo.resume,
  async run(args, io) {
    const { values, positionals } = parseArgs({
      args,
      options: { json: { type: 'boolean' }, rerun: { type: 'string', multiple: true }, 'accept-new': { type: 'boolean' }, workspace: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    const ref = positionals[0];
    if (!ref || positionals.length > 1) throw new UsageError('Give one run id (see `clusterwright status`) or the path of its journal.');
    let runId = ref;
    let workspace = values.workspace;
    if (ref.endsWith('.jsonl')) {
      // <workspace>/runs/<run-id>/journal.jsonl
      const runDir = path.dirname(path.resolve(ref));
      runId = path.basename(runDir);
      workspace = path.dirname(path.dirname(runDir));
    }
    return guarded(io, 'resume', async () =>
      withCore({ workspace, acceptNew: values['accept-new'] }, async (core) => {
        const json = Boolean(values.json);
        const info = (await core.call('plan.status', { runId })).runs[0];
        if (!json) io.out(`Resuming run ${runId}…`);
        const stopFollowing = followRun(core, io, info?.steps.length ?? 0, json);
        const stopSignals = cancelOnSignal(core, () => runId, io);
        try {
          const { result } = await core.call('plan.resume', { runId, rerunInterrupted: values.rerun ?? [], wait: true });
          if (!result) throw new CwError('INTERNAL', 'The run ended without a result.');
          return printResult(io, result, json);
        } finally {
          stopSignals();
          stopFollowing();
        }
      }),
    );
  },
};

function printRun(io: CliIO, run: RunInfo): void {
  io.out(`Run ${run.runId}: ${run.status} (plan ${run.planId}, started ${run.startedAt}${run.finishedAt ? `, finished ${run.finishedAt}` : ''})`);
  if (run.message) io.out(`  ${run.message}`);
  for (const step of run.steps) {
    io.out(`  ${step.state.padEnd(9)} ${step.id} [${step.target}]${step.attempts > 1 ? ` after ${step.attempts} attempts` : ''}${step.message ? ` — ${step.message}` : ''}`);
  }
}

export const statusCommand: CliCommand = {
  ...commandInfo.status,
  async run(args, io) {
    const { values, positionals } = parseArgs({ args, options: { json: { type: 'boolean' }, workspace: { type: 'string' } }, allowPositionals: true, strict: true });
    if (positionals.length > 1) throw new UsageError('Give at most one run id.');
    return withCore({ workspace: values.workspace }, async (core) => {
      const { runs } = await core.call('plan.status', positionals[0] ? { runId: positionals[0] } : {});
      if (values.json) {
        io.out(JSON.stringify(positionals[0] ? runs[0] : runs, null, 2));
        return exitCodes.ok;
      }
      if (runs.length === 0) io.out(`No runs yet in ${core.options.workspaceDir}.`);
      if (positionals[0]) for (const run of runs) printRun(io, run);
      else for (const run of runs) io.out(`${run.runId}  ${run.status.padEnd(11)} ${run.planId}  ${run.steps.filter((s) => s.state === 'succeeded' || s.state === 'skipped').length}/${run.steps.length} steps`);
      return exitCodes.ok;
    });
  },
};
