// The plan engine: runs a plan's steps through a StepRunner in dependency order, in parallel under
// per-target and global limits, with prechecks, retries on transient faults, approval of destructive
// steps, a fsync'ed journal, an audit log, live events, cancel and resume.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { JobLog, JobStepUpdated, RunInfo, RunResult } from '../../common/contract/plan.js';
import { CwError, isCwError } from '../../common/errors.js';
import { parsePlan } from '../../common/plan/dag.js';
import { describeTarget, precheckOf, targetName, type Check, type Plan, type Step } from '../../common/plan/schema.js';
import { ApprovalStore, unapprovedDestructive, type Approval } from './approvals.js';
import { AuditLog, type AuditEntry } from './audit.js';
import { planHash } from './hash.js';
import {
  JournalWriter,
  journalFileName,
  outputFileName,
  planFileName,
  readJournal,
  summarizeJournal,
  type JournalStepState,
  type PrecheckResult,
} from './journal.js';
import { bodyText, liveCommand, liveText, redactedCommand, Redactor, resolveSecrets, secretValue, type SecretResolver } from './render.js';
import { faultBeforeStart, isTransient, type StepRunner } from './runner.js';
import { describeCheck } from './describe.js';
import type { StackExecutor, StackExecutors, StackOpContext } from './stack-ops.js';
import { shellCommand } from '../ssh/shell-quote.js';
import { pidAlive } from '../pid.js';

export interface EngineSink {
  stepUpdated?(event: JobStepUpdated): void;
  log?(event: JobLog): void;
  finished?(result: RunResult): void;
}

export interface EngineOptions {
  /** One runner for every plan, or one chosen per plan (from its nodes and APIs). */
  runner: StepRunner | ((plan: Plan) => StepRunner);
  secrets: SecretResolver;
  /** Holds runs/, approvals/ and audit.log. */
  workspaceDir: string;
  sink?: EngineSink;
  /** Waits between retries; replaceable in tests. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** The executors of stack operations (`kind: 'stack'`), by stack id. */
  stacks?: StackExecutors;
}

export interface RunHandle {
  runId: string;
  planHash: string;
  done: Promise<RunResult>;
  cancel(): void;
}

export interface ResumeOptions {
  /** Interrupted non-idempotent steps the admin checked by hand and allows to run again. */
  rerunInterrupted?: string[];
}

function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new CwError('CANCELLED', 'The run was cancelled.'));
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CwError('CANCELLED', 'The run was cancelled.'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function newRunId(planId: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '-');
  return `${stamp}-${planId.slice(0, 40)}-${randomBytes(3).toString('hex')}`;
}

/** Splits streamed output into lines (long lines in chunks) for the log events and the run log. */
class LineSplitter {
  private buffer = '';
  constructor(private readonly emit: (line: string) => void) {}
  push(chunk: string): void {
    this.buffer += chunk;
    let newline = this.buffer.indexOf('\n');
    while (newline >= 0) {
      this.emit(this.buffer.slice(0, newline));
      this.buffer = this.buffer.slice(newline + 1);
      newline = this.buffer.indexOf('\n');
    }
    if (this.buffer.length > 8192) this.flush();
  }
  flush(): void {
    if (this.buffer.length > 0) this.emit(this.buffer);
    this.buffer = '';
  }
}

export class PlanEngine {
  readonly runsDir: string;
  readonly approvals: ApprovalStore;
  private readonly live = new Map<string, RunHandle>();

  constructor(private readonly options: EngineOptions) {
    this.runsDir = path.join(options.workspaceDir, 'runs');
    this.approvals = new ApprovalStore(path.join(options.workspaceDir, 'approvals'));
  }

  get auditFile(): string {
    return path.join(this.options.workspaceDir, 'audit.log');
  }

  runDir(runId: string): string {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(runId)) throw new CwError('INVALID_INPUT', `"${runId}" is not a run id.`);
    return path.join(this.runsDir, runId);
  }

  /** Starts a run of a plan. Refuses (FORBIDDEN) when a destructive step lacks approval of this plan hash. */
  apply(rawPlan: unknown, approval?: Approval | null): RunHandle {
    const plan = parsePlan(rawPlan);
    const hash = planHash(plan);
    const granted = approval === undefined ? this.approvals.get(hash) : approval;
    const missing = unapprovedDestructive(plan, hash, granted);
    if (missing.length > 0) {
      throw new CwError(
        'FORBIDDEN',
        `Plan "${plan.id}" has destructive steps that are not approved for this exact plan (hash ${hash.slice(0, 12)}…): ${missing.join(', ')}. ` +
          'Preview it, then approve it acknowledging those steps (`clusterwright apply --approve-destructive`).',
        { planHash: hash, missing },
      );
    }
    const runId = newRunId(plan.id);
    const dir = this.runDir(runId);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(dir, planFileName), JSON.stringify(plan, null, 2) + '\n', { mode: 0o600 });
    return this.launch(plan, hash, runId, granted, new Map(), new Set(), false);
  }

  /** Continues an unfinished run: re-checks every unfinished step, then runs what is left. */
  resume(runIdOrJournal: string, options: ResumeOptions = {}): RunHandle {
    const runId = runIdOrJournal.endsWith('.jsonl') ? path.basename(path.dirname(path.resolve(runIdOrJournal))) : runIdOrJournal;
    const dir = runIdOrJournal.endsWith('.jsonl') ? path.dirname(path.resolve(runIdOrJournal)) : this.runDir(runId);
    if (this.live.has(runId)) throw new CwError('CONFLICT', `Run ${runId} is still running; cancel it first or wait for it.`);
    const summary = summarizeJournal(readJournal(path.join(dir, journalFileName)));
    if (summary.status === 'succeeded') throw new CwError('CONFLICT', `Run ${runId} already finished successfully; there is nothing to resume.`);
    let planText: string;
    try {
      planText = fs.readFileSync(path.join(dir, planFileName), 'utf8');
    } catch {
      throw new CwError('NOT_FOUND', `The plan of run ${runId} is missing from ${dir}; the run cannot be resumed.`);
    }
    const plan = parsePlan(JSON.parse(planText));
    const hash = planHash(plan);
    if (hash !== summary.planHash) throw new CwError('CONFLICT', `The stored plan of run ${runId} does not match its journal (hash changed); it was edited and cannot be resumed.`);
    const granted = this.approvals.get(hash);
    const missing = unapprovedDestructive(plan, hash, granted);
    if (missing.length > 0) throw new CwError('FORBIDDEN', `The approval of plan "${plan.id}" for destructive steps ${missing.join(', ')} is gone; approve it again before resuming.`);
    const unknown = (options.rerunInterrupted ?? []).filter((id) => !plan.steps.some((s) => s.id === id));
    if (unknown.length > 0) throw new CwError('INVALID_INPUT', `Run ${runId} has no steps named ${unknown.join(', ')}.`);
    return this.launch(plan, hash, runId, granted, summary.steps, new Set(options.rerunInterrupted ?? []), true, dir);
  }

  cancel(runId: string): boolean {
    const handle = this.live.get(runId);
    if (!handle) return false;
    handle.cancel();
    return true;
  }

  isLive(runId: string): boolean {
    return this.live.has(runId);
  }

  /** What the journal of a run says, with step titles from its plan. */
  status(runId: string): RunInfo {
    const dir = this.runDir(runId);
    const journal = path.join(dir, journalFileName);
    const summary = summarizeJournal(readJournal(journal));
    let plan: Plan | null = null;
    try {
      plan = parsePlan(JSON.parse(fs.readFileSync(path.join(dir, planFileName), 'utf8')));
    } catch {
      plan = null;
    }
    let status = summary.status;
    if (status === 'interrupted' && (this.live.has(runId) || this.lockedByOther(dir))) status = 'running';
    const ids = plan ? plan.steps.map((s) => s.id) : [...summary.steps.keys()];
    return {
      runId,
      planId: summary.planId,
      planHash: summary.planHash,
      status,
      startedAt: summary.startedAt,
      ...(summary.finishedAt ? { finishedAt: summary.finishedAt } : {}),
      ...(summary.message ? { message: summary.message } : {}),
      journal,
      steps: ids.map((id) => {
        const step = plan?.steps.find((s) => s.id === id);
        const state: JournalStepState = summary.steps.get(id) ?? { state: 'pending', attempts: 0, midFlight: false };
        return {
          id,
          title: step?.title ?? id,
          target: step ? describeTarget(step.target) : '',
          state: state.state,
          attempts: state.attempts,
          ...(state.precheck ? { precheck: state.precheck } : {}),
          ...(state.code ? { code: state.code } : {}),
          ...(state.message ? { message: state.message } : {}),
        };
      }),
    };
  }

  /** Every run in the workspace, newest first. */
  list(): RunInfo[] {
    let names: string[];
    try {
      names = fs.readdirSync(this.runsDir);
    } catch {
      return [];
    }
    const runs: RunInfo[] = [];
    for (const name of names.sort().reverse()) {
      try {
        runs.push(this.status(name));
      } catch {
        // a folder without a journal (the run never started): not a run
      }
    }
    return runs;
  }

  private lockedByOther(dir: string): boolean {
    try {
      const pid = Number(fs.readFileSync(path.join(dir, 'lock'), 'utf8'));
      return pid !== process.pid && Number.isInteger(pid) && pid > 0 && pidAlive(pid);
    } catch {
      return false;
    }
  }

  /** One process runs a run at a time: an exclusive lock file holding its PID; a dead owner's lock is taken over. */
  private takeLock(dir: string, runId: string): void {
    const lock = path.join(dir, 'lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        fs.writeFileSync(lock, String(process.pid), { mode: 0o600, flag: 'wx' });
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      if (this.lockedByOther(dir)) {
        throw new CwError('CONFLICT', `Run ${runId} is being executed by process ${fs.readFileSync(lock, 'utf8').trim()}; wait for it or stop that process first.`);
      }
      fs.rmSync(lock, { force: true });
    }
    throw new CwError('CONFLICT', `Another process took the lock of run ${runId} at the same moment; check \`clusterwright status ${runId}\`.`);
  }

  private launch(
    plan: Plan,
    hash: string,
    runId: string,
    approval: Approval | null,
    previous: Map<string, JournalStepState>,
    rerun: Set<string>,
    resuming: boolean,
    dirOverride?: string,
  ): RunHandle {
    const dir = dirOverride ?? this.runDir(runId);
    this.takeLock(dir, runId);
    const controller = new AbortController();
    const run = new Run(this.options, plan, hash, runId, dir, approval, previous, rerun, resuming, controller.signal, this.auditFile);
    const done = run.execute().finally(() => {
      this.live.delete(runId);
      try {
        fs.rmSync(path.join(dir, 'lock'), { force: true });
      } catch {
        // best effort
      }
    });
    const handle: RunHandle = { runId, planHash: hash, done, cancel: () => controller.abort() };
    this.live.set(runId, handle);
    return handle;
  }
}

interface StepOutcome {
  state: 'succeeded' | 'skipped' | 'failed';
  code?: string;
  message?: string;
}

/** One execution (first or resumed) of a plan. */
class Run {
  private readonly redactor = new Redactor();
  private readonly journal: JournalWriter;
  private readonly audit: AuditLog;
  private readonly outputFile: string;
  private readonly sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  private secrets = new Map<string, string>();
  private readonly runner: StepRunner;

  constructor(
    private readonly options: EngineOptions,
    private readonly plan: Plan,
    private readonly hash: string,
    private readonly runId: string,
    dir: string,
    private readonly approval: Approval | null,
    private readonly previous: Map<string, JournalStepState>,
    private readonly rerun: Set<string>,
    private readonly resuming: boolean,
    private readonly signal: AbortSignal,
    auditFile: string,
  ) {
    this.journal = new JournalWriter(path.join(dir, journalFileName), this.redactor);
    this.audit = new AuditLog(auditFile, this.redactor);
    this.outputFile = path.join(dir, outputFileName);
    this.sleep = options.sleep ?? abortableSleep;
    this.runner = typeof options.runner === 'function' ? options.runner(plan) : options.runner;
  }

  private now(): string {
    return new Date().toISOString();
  }

  private update(step: Step, state: JobStepUpdated['state'], attempt: number, message?: string): void {
    const event: JobStepUpdated = {
      runId: this.runId,
      stepId: step.id,
      title: step.title,
      target: describeTarget(step.target),
      state,
      attempt,
      ...(message !== undefined ? { message: this.redactor.redact(message) } : {}),
      at: this.now(),
    };
    this.notify(() => this.options.sink?.stepUpdated?.(event));
  }

  /** A listener that throws must not break the run: the journal, not the events, is the record. */
  private notify(send: () => void): void {
    try {
      send();
    } catch {
      // dropped event
    }
  }

  private log(step: Step, stream: JobLog['stream'], text: string): void {
    const clean = this.redactor.redact(text);
    fs.appendFileSync(this.outputFile, `${this.now()} ${step.id} ${stream}| ${clean}\n`, { mode: 0o600 });
    this.notify(() => this.options.sink?.log?.({ runId: this.runId, stepId: step.id, stream, text: clean }));
  }

  private auditEntry(step: Step, operation: AuditEntry['operation'], purpose: AuditEntry['purpose'], what: string, outcome: string): void {
    this.audit.append({ at: this.now(), runId: this.runId, stepId: step.id, target: describeTarget(step.target), operation, purpose, what, outcome });
  }

  async execute(): Promise<RunResult> {
    const started = Date.now();
    if (this.resuming) this.journal.append({ type: 'resumed', at: this.now(), rerun: [...this.rerun] });
    else this.journal.append({ type: 'run', runId: this.runId, planId: this.plan.id, planHash: this.hash, at: this.now() });
    const outcomes = new Map<string, StepOutcome>();
    for (const [id, state] of this.previous) {
      // Steps finished in an earlier attempt of this run stay finished; everything else is re-checked.
      if (state.state === 'succeeded' || state.state === 'skipped') outcomes.set(id, { state: state.state });
    }
    let failure: RunResult['failure'];
    try {
      this.secrets = await resolveSecrets(this.plan, this.options.secrets, this.redactor);
    } catch (error) {
      const message = `Could not resolve the plan's secrets: ${(error as Error).message}`;
      this.journal.append({ type: 'finished', status: 'failed', at: this.now(), message });
      this.journal.close();
      const result = this.result(outcomes, 'failed', message, started, { stepId: '', target: '', code: isCwError(error) ? error.code : 'INTERNAL', message });
      this.notify(() => this.options.sink?.finished?.(result));
      return result;
    }

    const running = new Map<string, Promise<void>>();
    const perTarget = new Map<string, number>();
    let stopping = false;
    const isDone = (id: string) => {
      const state = outcomes.get(id)?.state;
      return state === 'succeeded' || state === 'skipped';
    };
    const launchReady = () => {
      for (const step of this.plan.steps) {
        if (stopping || this.signal.aborted) return;
        if (running.size >= this.plan.limits.global) return;
        if (outcomes.has(step.id) || running.has(step.id)) continue;
        if (!step.dependsOn.every(isDone)) continue;
        const target = targetName(step.target);
        const busy = perTarget.get(target) ?? 0;
        if (busy >= this.plan.limits.perTarget) continue;
        perTarget.set(target, busy + 1);
        const promise = this.runStep(step)
          .then((outcome) => {
            outcomes.set(step.id, outcome);
            if (outcome.state === 'failed') {
              stopping = true;
              failure ??= { stepId: step.id, target: describeTarget(step.target), code: outcome.code ?? 'REMOTE_FAILED', message: outcome.message ?? 'failed' };
            }
          })
          .finally(() => {
            running.delete(step.id);
            perTarget.set(target, (perTarget.get(target) ?? 1) - 1);
          });
        running.set(step.id, promise);
      }
    };
    launchReady();
    while (running.size > 0) {
      await Promise.race(running.values());
      launchReady();
    }

    const cancelled = this.signal.aborted;
    const allDone = this.plan.steps.every((s) => isDone(s.id));
    let status: RunResult['status'];
    let message: string;
    if (cancelled) {
      status = 'cancelled';
      this.journal.append({ type: 'cancelled', at: this.now() });
      message = `Run ${this.runId} was cancelled; resume it with \`clusterwright resume ${this.runId}\`.`;
    } else if (failure || !allDone) {
      status = 'failed';
      message = failure
        ? failure.message.startsWith(`Step "${failure.stepId}"`)
          ? failure.message
          : `Step "${failure.stepId}" on ${failure.target} failed: ${failure.message}`
        : `Run ${this.runId} stopped with steps left that could not start.`;
    } else {
      status = 'succeeded';
      message = '';
    }
    const result = this.result(outcomes, status, message, started, cancelled ? undefined : failure);
    this.journal.append({ type: 'finished', status, at: this.now(), message: result.message });
    this.journal.close();
    this.notify(() => this.options.sink?.finished?.(result));
    return result;
  }

  private result(
    outcomes: Map<string, StepOutcome>,
    status: RunResult['status'],
    message: string,
    started: number,
    failure: RunResult['failure'] | undefined,
  ): RunResult {
    // Counts cover this execution: steps finished in an earlier attempt count as skipped.
    let changed = 0;
    let skipped = 0;
    let failed = 0;
    for (const step of this.plan.steps) {
      const outcome = outcomes.get(step.id);
      const wasDone = this.previous.get(step.id);
      if (outcome?.state === 'succeeded' && !(wasDone?.state === 'succeeded')) changed++;
      else if (outcome?.state === 'succeeded' || outcome?.state === 'skipped') skipped++;
      else if (outcome?.state === 'failed') failed++;
    }
    const notRun = this.plan.steps.length - changed - skipped - failed;
    const nothingChanged = status === 'succeeded' && changed === 0;
    const text =
      status === 'succeeded'
        ? nothingChanged
          ? `Nothing changed: all ${skipped} steps of plan "${this.plan.id}" were already done.`
          : `Plan "${this.plan.id}" applied: ${changed} steps changed something, ${skipped} were already done.`
        : message;
    return {
      runId: this.runId,
      planId: this.plan.id,
      planHash: this.hash,
      status,
      changed,
      skipped,
      failed,
      notRun,
      nothingChanged,
      message: this.redactor.redact(text),
      ...(failure ? { failure: { ...failure, message: this.redactor.redact(failure.message) } } : {}),
      durationMs: Date.now() - started,
      ...(this.plan.touches?.length ? { touches: this.plan.touches } : {}),
    };
  }

  private fail(step: Step, error: unknown, precheck: PrecheckResult, attempts: number, interrupted: boolean): StepOutcome {
    const code = isCwError(error) ? error.code : 'INTERNAL';
    const raw = error instanceof Error ? error.message : String(error);
    const message = this.redactor.redact(raw);
    this.journal.append({ type: 'step', stepId: step.id, state: 'failed', precheck, at: this.now(), attempts, code, message, ...(interrupted ? { interrupted } : {}) });
    this.update(step, 'failed', attempts, message);
    this.log(step, 'info', `failed (${code}): ${message}`);
    return { state: 'failed', code, message };
  }

  /** Runs `fn` again on transient faults, with exponential backoff, within the step's retry policy. */
  private async retrying<T>(step: Step, what: string, fn: (attempt: number) => Promise<T>, allowRetry: (error: unknown) => boolean = () => true): Promise<T> {
    const policy = step.retry;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn(attempt);
      } catch (error) {
        if (this.signal.aborted || !isTransient(error) || attempt >= policy.attempts || !allowRetry(error)) throw error;
        const delay = Math.min(policy.maxBackoffMs, policy.backoffMs * policy.factor ** (attempt - 1));
        const reason = this.redactor.redact((error as Error).message);
        this.update(step, 'retrying', attempt, `${what} hit a transient fault (${reason}); retrying in ${delay} ms (attempt ${attempt + 1} of ${policy.attempts}).`);
        this.log(step, 'info', `${what}: ${reason}; retry ${attempt + 1}/${policy.attempts} in ${delay} ms`);
        await this.sleep(delay, this.signal);
      }
    }
  }

  private async check(step: Step, check: Check, purpose: 'precheck' | 'verify' | 'wait'): Promise<boolean> {
    const target = step.target;
    switch (check.kind) {
      case 'exec': {
        if (!('node' in target)) throw new CwError('INVALID_INPUT', `Step "${step.id}": a command check needs a node target.`);
        const result = await this.runner.exec(target, liveCommand(check.command, this.secrets), { signal: this.signal, timeoutMs: step.timeoutMs });
        this.auditEntry(step, 'exec', purpose, redactedCommand(check.command), `exit ${result.exitCode}`);
        return result.exitCode === 0;
      }
      case 'fileMatches': {
        if (!('node' in target) || step.action.kind !== 'upload') throw new CwError('INVALID_INPUT', `Step "${step.id}": fileMatches needs an upload step on a node.`);
        const current = await this.runner.readFile(target, step.action.path, { signal: this.signal, timeoutMs: step.timeoutMs });
        const wanted = liveText(step.action.content, this.secrets);
        const mode = parseInt(step.action.mode, 8);
        const same = current !== null && current.content === wanted && (current.mode === undefined || current.mode === mode);
        this.auditEntry(step, 'read', purpose, step.action.path, current === null ? 'absent' : same ? 'matches' : 'differs');
        return same;
      }
      case 'api': {
        if (!('api' in target)) throw new CwError('INVALID_INPUT', `Step "${step.id}": an API check needs an API target.`);
        const response = await this.callApi(step, check.request.method, check.request.path, check.request.body, purpose);
        return response.status >= 200 && response.status < 300 && (check.contains === undefined || response.body.includes(check.contains));
      }
      case 'stack': {
        const executor = this.executor(step, check.stack);
        let holds: boolean;
        try {
          holds = await executor.check(check, this.opContext(step));
        } catch (error) {
          this.auditEntry(step, 'stack', purpose, `${check.stack}: ${executor.describe(check)}`, isCwError(error) ? error.code : 'error');
          throw error;
        }
        this.auditEntry(step, 'stack', purpose, `${check.stack}: ${executor.describe(check)}`, holds ? 'holds' : 'does not hold');
        return holds;
      }
    }
  }

  private executor(step: Step, stack: string): StackExecutor {
    const executor = this.options.stacks?.(stack);
    if (!executor) throw new CwError('UNSUPPORTED', `Step "${step.id}" is an operation of stack ${stack}, which this host does not run (no executor registered for it).`, { notStarted: true });
    return executor;
  }

  private opContext(step: Step): StackOpContext {
    const target = step.target;
    return {
      signal: this.signal,
      timeoutMs: step.timeoutMs,
      runId: this.runId,
      stepId: step.id,
      log: (text, stream = 'info') => this.log(step, stream, text),
      // A stack's command on the step's node: an argument vector, quoted here like every plan command.
      ...('node' in target
        ? {
            exec: (argv: string[], options: { onStdout?: (chunk: string) => void; onStderr?: (chunk: string) => void } = {}) =>
              this.runner.exec(target, shellCommand(...argv), { signal: this.signal, timeoutMs: step.timeoutMs, ...(options.onStdout ? { onStdout: options.onStdout } : {}), ...(options.onStderr ? { onStderr: options.onStderr } : {}) }),
          }
        : {}),
    };
  }

  private async callApi(step: Step, method: string, requestPath: string, body: unknown, purpose: AuditEntry['purpose']) {
    if (!('api' in step.target)) throw new CwError('INVALID_INPUT', `Step "${step.id}" is not on an API target.`);
    const api = this.plan.apis[step.target.api];
    if (!api) throw new CwError('INVALID_INPUT', `API "${step.target.api}" is not declared in plan "${this.plan.id}".`);
    const headers = Object.fromEntries(Object.entries(api.headers ?? {}).map(([k, v]) => [k, liveText(v, this.secrets)]));
    const liveBody = bodyText(body, (id) => secretValue(this.secrets, id));
    const response = await this.runner.api(
      step.target,
      { method, path: requestPath, ...(liveBody !== undefined ? { body: liveBody } : {}) },
      { signal: this.signal, timeoutMs: step.timeoutMs, headers, baseUrl: api.baseUrl },
    );
    this.auditEntry(step, 'api', purpose, `${method} ${requestPath}${body === undefined ? '' : ` ${bodyText(body, (id) => `«secret:${id}»`)}`}`, `HTTP ${response.status}`);
    return response;
  }

  private async act(step: Step): Promise<void> {
    const action = step.action;
    const target = step.target;
    switch (action.kind) {
      case 'exec': {
        if (!('node' in target)) throw new CwError('INVALID_INPUT', `Step "${step.id}": a command needs a node target.`);
        const shown = redactedCommand(action.command);
        this.log(step, 'info', `$ ${shown}`);
        const out = new LineSplitter((line) => this.log(step, 'stdout', line));
        const err = new LineSplitter((line) => this.log(step, 'stderr', line));
        let result;
        try {
          result = await this.runner.exec(target, liveCommand(action.command, this.secrets), {
            signal: this.signal,
            timeoutMs: step.timeoutMs,
            onStdout: (chunk) => out.push(chunk),
            onStderr: (chunk) => err.push(chunk),
          });
        } catch (error) {
          this.auditEntry(step, 'exec', 'action', shown, isCwError(error) ? error.code : 'error');
          throw error;
        } finally {
          out.flush();
          err.flush();
        }
        this.auditEntry(step, 'exec', 'action', shown, `exit ${result.exitCode}`);
        if (result.exitCode !== 0) {
          const lastLine = result.stderr.trim().split('\n').pop() ?? '';
          throw new CwError(
            'REMOTE_FAILED',
            `\`${shown}\` exited with status ${result.exitCode} on ${describeTarget(target)}${lastLine ? `: ${lastLine}` : ''}. See the step's log; fix the cause and resume the run.`,
            { exitCode: result.exitCode },
          );
        }
        return;
      }
      case 'upload': {
        if (!('node' in target)) throw new CwError('INVALID_INPUT', `Step "${step.id}": an upload needs a node target.`);
        this.log(step, 'info', `upload ${action.path} (mode ${action.mode}${action.owner ? `, owner ${action.owner}` : ''})`);
        try {
          await this.runner.upload(target, action.path, liveText(action.content, this.secrets), {
            signal: this.signal,
            timeoutMs: step.timeoutMs,
            mode: parseInt(action.mode, 8),
            ...(action.owner ? { owner: action.owner } : {}),
          });
        } catch (error) {
          this.auditEntry(step, 'upload', 'action', action.path, isCwError(error) ? error.code : 'error');
          throw error;
        }
        this.auditEntry(step, 'upload', 'action', action.path, 'written');
        return;
      }
      case 'api': {
        const response = await this.callApi(step, action.request.method, action.request.path, action.request.body, 'action');
        this.log(step, 'info', `${action.request.method} ${action.request.path} → HTTP ${response.status}`);
        if (response.status >= 400) {
          throw new CwError('REMOTE_FAILED', `${action.request.method} ${action.request.path} on API ${targetName(target)} answered HTTP ${response.status}: ${response.body.slice(0, 300)}`, {
            status: response.status,
          });
        }
        return;
      }
      case 'stack': {
        // The executor writes its own log (the vendor task's); the audit log gets the operation.
        const executor = this.executor(step, action.stack);
        const what = `${action.stack}: ${executor.describe(action)}`;
        try {
          await executor.act(action, this.opContext(step));
        } catch (error) {
          this.auditEntry(step, 'stack', 'action', what, isCwError(error) ? error.code : 'error');
          throw error;
        }
        this.auditEntry(step, 'stack', 'action', what, 'done');
        return;
      }
      case 'wait': {
        const deadline = Date.now() + action.deadlineMs;
        for (;;) {
          if (await this.check(step, action.until, 'wait')) return;
          if (Date.now() + action.intervalMs > deadline) {
            throw new CwError('TIMEOUT', `Still waiting after ${Math.round(action.deadlineMs / 1000)} s on ${describeTarget(target)}: ${describeCheck(action.until, this.options.stacks)} did not hold.`);
          }
          this.log(step, 'info', `not yet: ${describeCheck(action.until, this.options.stacks)}`);
          await this.sleep(action.intervalMs, this.signal);
        }
      }
    }
  }

  private precheckOf(step: Step): Check | undefined {
    return precheckOf(step);
  }

  private async runStep(step: Step): Promise<StepOutcome> {
    const before = this.previous.get(step.id);
    const midFlight = before?.midFlight === true || before?.state === 'started';
    const precheck = this.precheckOf(step);
    let pre: PrecheckResult = 'none';
    this.update(step, 'checking', 0);
    try {
      if (precheck) {
        pre = (await this.retrying(step, 'precheck', () => this.check(step, precheck, 'precheck'))) ? 'done' : 'not-done';
      }
    } catch (error) {
      return this.fail(step, prefixError(error, `The precheck of step "${step.id}" on ${describeTarget(step.target)} could not run`), pre, before?.attempts ?? 0, midFlight);
    }
    if (pre === 'done') {
      this.journal.append({ type: 'step', stepId: step.id, state: 'skipped', precheck: pre, at: this.now() });
      this.update(step, 'skipped', 0, midFlight ? 'interrupted earlier; its precheck says it is done' : 'already done');
      this.log(step, 'info', midFlight ? 'interrupted earlier, and its precheck says it is done: not run again' : 'already done (precheck): skipped');
      return { state: 'skipped' };
    }
    if (midFlight && !step.idempotent && !this.rerun.has(step.id)) {
      const why = precheck ? 'its precheck says it is not done, but it may have run in part' : 'it has no precheck to tell whether it ran';
      const error = new CwError(
        'CONFLICT',
        `Step "${step.id}" (${step.title}) on ${describeTarget(step.target)} was interrupted while it ran and is not safe to repeat: ${why}. ` +
          `Check ${describeTarget(step.target)} by hand, then run \`clusterwright resume ${this.runId} --rerun ${step.id}\` to run it again.`,
      );
      this.journal.append({ type: 'step', stepId: step.id, state: 'failed', precheck: pre, at: this.now(), attempts: before?.attempts ?? 0, code: error.code, message: error.message, interrupted: true });
      this.update(step, 'blocked', before?.attempts ?? 0, error.message);
      this.log(step, 'info', error.message);
      return { state: 'failed', code: error.code, message: error.message };
    }
    if (step.destructive && (!this.approval || this.approval.planHash !== this.hash || !this.approval.acknowledgedDestructive.includes(step.id))) {
      // apply() already refuses such a plan; this guard makes sure no path reaches the action.
      const error = new CwError('FORBIDDEN', `Step "${step.id}" on ${describeTarget(step.target)} is destructive and plan hash ${this.hash.slice(0, 12)}… was not approved for it; it was not run.`);
      return this.fail(step, error, pre, 0, false);
    }
    let attempts = 0;
    let started = false;
    try {
      await this.retrying(
        step,
        'the action',
        async (attempt) => {
          attempts = attempt;
          this.journal.append({ type: 'step', stepId: step.id, state: 'started', attempt, at: this.now() });
          started = true;
          this.update(step, 'started', attempt);
          await this.act(step);
        },
        (error) => step.idempotent || faultBeforeStart(error),
      );
    } catch (error) {
      if (this.signal.aborted) return this.fail(step, new CwError('CANCELLED', `Step "${step.id}" on ${describeTarget(step.target)} was cancelled while it ran.`), pre, attempts, started);
      // A non-idempotent action cut off by a transient fault: let the precheck say whether it got through.
      if (!step.idempotent && isTransient(error) && precheck) {
        try {
          if (await this.retrying(step, 'the precheck after a fault', () => this.check(step, precheck, 'precheck'))) {
            this.log(step, 'info', 'the connection failed during the action, but its precheck says it is done');
            return this.finishStep(step, pre, attempts);
          }
        } catch {
          // fall through to the failure below
        }
      }
      const interrupted = started && (isTransient(error) || (isCwError(error) && error.code === 'CANCELLED')) && !faultBeforeStart(error);
      return this.fail(step, prefixError(error, `Step "${step.id}" on ${describeTarget(step.target)}`), pre, attempts, interrupted);
    }
    return this.finishStep(step, pre, attempts);
  }

  private async finishStep(step: Step, pre: PrecheckResult, attempts: number): Promise<StepOutcome> {
    const verify = step.verify;
    if (verify) {
      let ok: boolean;
      try {
        ok = await this.retrying(step, 'verify', () => this.check(step, verify, 'verify'));
      } catch (error) {
        return this.fail(step, prefixError(error, `The verify of step "${step.id}" on ${describeTarget(step.target)} could not run`), pre, attempts, false);
      }
      if (!ok) {
        return this.fail(
          step,
          new CwError('REMOTE_FAILED', `Step "${step.id}" ran on ${describeTarget(step.target)} but its verify failed (${describeCheck(verify, this.options.stacks)}). ${step.rollback ? `To undo: ${step.rollback}` : 'Check the host.'}`),
          pre,
          attempts,
          false,
        );
      }
    }
    this.journal.append({ type: 'step', stepId: step.id, state: 'succeeded', precheck: pre, at: this.now(), attempts });
    this.update(step, 'succeeded', attempts);
    return { state: 'succeeded' };
  }
}

/** Keeps the code; puts "where" in front of a message that does not already name the step. */
function prefixError(error: unknown, where: string): CwError {
  if (isCwError(error)) {
    if (error.message.includes('Step "') || error.message.includes('step "')) return error;
    return new CwError(error.code, `${where}: ${error.message}`, error.detail);
  }
  return new CwError('INTERNAL', `${where}: ${error instanceof Error ? error.message : String(error)}`);
}
