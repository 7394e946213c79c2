// Splits a plan run's wall time into remote time and engine time: a StepRunner wrapper that times
// every call the engine makes and charges it to the step that made it, a sink that records when each
// step started and ended, and the longest path through the plan's dependency DAG by remote time.
import type { JobStepUpdated } from '../../main/common/contract/plan.js';
import type { ApiTarget, NodeTarget, Plan, Step } from '../../main/common/plan/schema.js';
import type { EngineSink } from '../../main/node/engine/engine.js';
import type { ApiCallOptions, ApiResponse, ExecOptions, ExecResult, RemoteFile, StepRunner, UploadOptions } from '../../main/node/engine/runner.js';

export interface RunnerCall {
  stepId: string;
  kind: 'exec' | 'readFile' | 'upload' | 'api';
  /** performance.now() at the call and at its return. */
  start: number;
  end: number;
  /** What the runner answered (replayed by `ReplayRunner`). */
  result?: ExecResult;
  key: string;
}

export interface StepSpan {
  start: number;
  end?: number;
  state?: JobStepUpdated['state'];
}

const finalStates = new Set<JobStepUpdated['state']>(['succeeded', 'skipped', 'failed', 'blocked']);

/**
 * Records each step's span from the engine's events ('checking' is sent before its first runner
 * call, the final state after its last) and the runner calls each step made.
 */
export class PlanTimer implements StepRunner {
  readonly calls: RunnerCall[] = [];
  readonly spans = new Map<string, StepSpan>();
  /** Steps between 'checking' and a final state, per target. */
  private readonly active = new Map<string, Set<string>>();
  /** Calls made while not exactly one step was active on their target (none when same-target steps never overlap). */
  unattributed = 0;
  readonly sink: EngineSink;

  constructor(
    private readonly inner: StepRunner,
    private readonly plan: Plan,
    private readonly onStep: (event: JobStepUpdated, at: number) => void = () => undefined,
  ) {
    this.sink = {
      stepUpdated: (event) => {
        const at = performance.now();
        const step = this.plan.steps.find((s) => s.id === event.stepId);
        const target = step ? targetKey(step) : '';
        if (event.state === 'checking') {
          this.spans.set(event.stepId, { start: at });
          if (!this.active.has(target)) this.active.set(target, new Set());
          this.active.get(target)!.add(event.stepId);
        } else if (finalStates.has(event.state)) {
          const span = this.spans.get(event.stepId);
          if (span) Object.assign(span, { end: at, state: event.state });
          this.active.get(target)?.delete(event.stepId);
        }
        this.onStep(event, at);
      },
    };
  }

  private stepFor(target: string): string {
    const candidates = [...(this.active.get(target) ?? [])];
    if (candidates.length !== 1) this.unattributed++;
    return candidates[0] ?? '(none)';
  }

  private async timed<T>(kind: RunnerCall['kind'], target: string, key: string, call: () => Promise<T>): Promise<T> {
    const stepId = this.stepFor(target);
    const start = performance.now();
    const record: RunnerCall = { stepId, kind, start, end: start, key };
    try {
      const result = await call();
      if (kind === 'exec') record.result = result as ExecResult;
      return result;
    } finally {
      record.end = performance.now();
      this.calls.push(record);
    }
  }

  exec(target: NodeTarget, command: string, options: ExecOptions): Promise<ExecResult> {
    return this.timed('exec', target.node, `${target.node}\n${command}`, () => this.inner.exec(target, command, options));
  }
  readFile(target: NodeTarget, filePath: string, options: { signal: AbortSignal; timeoutMs: number }): Promise<RemoteFile | null> {
    return this.timed('readFile', target.node, `${target.node}\n${filePath}`, () => this.inner.readFile(target, filePath, options));
  }
  upload(target: NodeTarget, filePath: string, content: string, options: UploadOptions): Promise<void> {
    return this.timed('upload', target.node, `${target.node}\n${filePath}`, () => this.inner.upload(target, filePath, content, options));
  }
  api(target: ApiTarget, request: { method: string; path: string; body?: string }, options: ApiCallOptions): Promise<ApiResponse> {
    return this.timed('api', `api:${target.api}`, `${target.api}\n${request.method} ${request.path}`, () => this.inner.api(target, request, options));
  }
}

function targetKey(step: Step): string {
  return 'node' in step.target ? step.target.node : `api:${step.target.api}`;
}

export interface StepTiming {
  id: string;
  /** Time inside the runner, plus (wait steps) the sleeps between polls up to the step's interval. */
  remoteMs: number;
  /** Of remoteMs: the wait step's sleeps between polls (capped at its interval; beyond it is the engine's). */
  pollSleepMs: number;
  calls: number;
  /** From the 'checking' event to the final one. */
  spanMs: number;
  startMs: number;
}

/** Per-step remote time from the recorded calls. Calls of one step run one after another, so they add up. */
export function stepTimings(plan: Plan, timer: PlanTimer, t0: number): StepTiming[] {
  return plan.steps.map((step) => {
    const calls = timer.calls.filter((c) => c.stepId === step.id).sort((a, b) => a.start - b.start);
    let remoteMs = calls.reduce((sum, c) => sum + (c.end - c.start), 0);
    let pollSleepMs = 0;
    if (step.action.kind === 'wait') {
      const interval = step.action.intervalMs;
      for (let i = 1; i < calls.length; i++) pollSleepMs += Math.max(0, Math.min(interval, calls[i]!.start - calls[i - 1]!.end));
      remoteMs += pollSleepMs;
    }
    const span = timer.spans.get(step.id);
    return { id: step.id, remoteMs, pollSleepMs, calls: calls.length, spanMs: span?.end !== undefined ? span.end - span.start : 0, startMs: span ? span.start - t0 : NaN };
  });
}

/** The longest chain of dependencies by remote time: what a perfect scheduler with no costs of its own would take. */
export function criticalPath(plan: Plan, timings: StepTiming[]): { ms: number; pollSleepMs: number; steps: string[] } {
  const byId = new Map(timings.map((t) => [t.id, t]));
  const memo = new Map<string, { ms: number; pollSleepMs: number; steps: string[] }>();
  const longest = (id: string): { ms: number; pollSleepMs: number; steps: string[] } => {
    const known = memo.get(id);
    if (known) return known;
    const step = plan.steps.find((s) => s.id === id)!;
    let best = { ms: 0, pollSleepMs: 0, steps: [] as string[] };
    for (const dep of step.dependsOn) {
      const path = longest(dep);
      if (path.ms > best.ms) best = path;
    }
    const own = byId.get(id)!;
    const result = { ms: best.ms + own.remoteMs, pollSleepMs: best.pollSleepMs + own.pollSleepMs, steps: [...best.steps, id] };
    memo.set(id, result);
    return result;
  };
  return plan.steps.map((s) => longest(s.id)).reduce((a, b) => (b.ms > a.ms ? b : a), { ms: 0, pollSleepMs: 0, steps: [] });
}

/** Answers each call with what the same call answered in a recorded run, at once: the engine alone. */
export class ReplayRunner implements StepRunner {
  private readonly answers = new Map<string, ExecResult[]>();

  constructor(calls: RunnerCall[]) {
    for (const c of [...calls].sort((a, b) => a.start - b.start)) {
      if (c.kind !== 'exec' || !c.result) continue;
      if (!this.answers.has(c.key)) this.answers.set(c.key, []);
      this.answers.get(c.key)!.push(c.result);
    }
  }

  exec(target: NodeTarget, command: string, options: ExecOptions): Promise<ExecResult> {
    const queue = this.answers.get(`${target.node}\n${command}`);
    const result = queue && queue.length > 1 ? queue.shift()! : queue?.[0];
    if (!result) throw new Error(`The recorded run made no call ${command.slice(0, 60)} on ${target.node}.`);
    if (result.stdout) options.onStdout?.(result.stdout);
    if (result.stderr) options.onStderr?.(result.stderr);
    return Promise.resolve(result);
  }
  readFile(): Promise<RemoteFile | null> {
    return Promise.reject(new Error('The Proxmox cluster plan reads no files.'));
  }
  upload(): Promise<void> {
    return Promise.reject(new Error('The Proxmox cluster plan uploads no files.'));
  }
  api(): Promise<ApiResponse> {
    return Promise.reject(new Error('The Proxmox cluster plan calls no API.'));
  }
}

/** A step runner that answers every call at once (prechecks say "not done"): the engine's own cost with no remote work. */
export function instantRunner(): StepRunner {
  return {
    exec: async (_target, command) => ({ exitCode: command.startsWith('test') ? 1 : 0, stdout: '', stderr: '' }),
    readFile: async () => null,
    upload: async () => undefined,
    api: async () => ({ status: 200, body: '' }),
  };
}
