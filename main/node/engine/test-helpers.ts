// Builders for engine tests: small plans on `local: true` nodes in a temp folder, a runner wrapper
// that counts concurrency and injects faults, and an event recorder.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { JobLog, JobStepUpdated, RunResult } from '../../common/contract/plan.js';
import { CwError } from '../../common/errors.js';
import type { ApiTarget, NodeTarget, PlanInput, StepInput } from '../../common/plan/schema.js';
import type { EngineSink } from './engine.js';
import { LocalRunner } from './local-runner.js';
import type { ApiCallOptions, ExecOptions, StepRunner, UploadOptions } from './runner.js';

export function tempDir(prefix = 'cw-engine-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function localPlan(id: string, steps: StepInput[], nodes: string[] = ['n1', 'n2', 'n3'], limits?: { global: number; perTarget: number }): PlanInput {
  return {
    id,
    title: `test plan ${id}`,
    nodes: Object.fromEntries(nodes.map((n) => [n, { local: true as const }])),
    ...(limits ? { limits } : {}),
    steps,
  };
}

export type Fault = (op: 'exec' | 'readFile' | 'upload' | 'api', target: string, command: string) => CwError | null;

/** Wraps a runner: measures concurrent actions per target and overall, and can inject faults. */
export class ProbeRunner implements StepRunner {
  running = 0;
  maxRunning = 0;
  readonly runningPer = new Map<string, number>();
  readonly maxPer = new Map<string, number>();
  readonly commands: string[] = [];
  fault: Fault | null = null;

  constructor(private readonly inner: StepRunner = new LocalRunner()) {}

  private async measure<T>(target: string, op: 'exec' | 'readFile' | 'upload' | 'api', command: string, run: () => Promise<T>): Promise<T> {
    const injected = this.fault?.(op, target, command);
    if (injected) throw injected;
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    this.runningPer.set(target, (this.runningPer.get(target) ?? 0) + 1);
    this.maxPer.set(target, Math.max(this.maxPer.get(target) ?? 0, this.runningPer.get(target)!));
    try {
      return await run();
    } finally {
      this.running--;
      this.runningPer.set(target, this.runningPer.get(target)! - 1);
    }
  }

  exec(target: NodeTarget, command: string, options: ExecOptions) {
    this.commands.push(command);
    return this.measure(target.node, 'exec', command, () => this.inner.exec(target, command, options));
  }
  readFile(target: NodeTarget, file: string, options: { signal: AbortSignal; timeoutMs: number }) {
    return this.measure(target.node, 'readFile', file, () => this.inner.readFile(target, file, options));
  }
  upload(target: NodeTarget, file: string, content: string, options: UploadOptions) {
    return this.measure(target.node, 'upload', file, () => this.inner.upload(target, file, content, options));
  }
  api(target: ApiTarget, request: { method: string; path: string; body?: string }, options: ApiCallOptions) {
    return this.measure(target.api, 'api', request.path, () => this.inner.api(target, request, options));
  }
}

export class EventRecorder implements EngineSink {
  readonly updates: JobStepUpdated[] = [];
  readonly logs: JobLog[] = [];
  readonly finishedResults: RunResult[] = [];
  stepUpdated = (event: JobStepUpdated) => void this.updates.push(event);
  log = (event: JobLog) => void this.logs.push(event);
  finished = (result: RunResult) => void this.finishedResults.push(result);
}

/** Reads every file under a folder, recursively, as text. */
export function readTree(dir: string): string {
  if (!fs.existsSync(dir)) return '';
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => fs.readFileSync(path.join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}
