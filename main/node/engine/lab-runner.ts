// Runs steps inside lab hosts directly (nsenter through the lab's exec, no SSH): for lab tests and
// `clusterwright lab` demos. Output arrives when a command ends (the lab's exec does not stream).
import { createHash } from 'node:crypto';
import { CwError } from '../../common/errors.js';
import type { ApiTarget, NodeTarget } from '../../common/plan/schema.js';
import { fetchApi } from './local-runner.js';
import type { ApiCallOptions, ExecOptions, ExecResult, RemoteFile, StepRunner, UploadOptions } from './runner.js';
import { ABSENT_EXIT, atomicUploadScript, parseReadFile, readFileScript } from './upload-script.js';

/** What the runner needs of a lab: running a command inside one of its hosts (the lab's own `exec`). The engine never imports the lab. */
export interface LabExec {
  exec(host: string, command: readonly string[], options: { timeoutMs?: number; input?: string | Buffer }): Promise<{ code: number | null; stdout: string; stderr: string; timedOut: boolean }>;
}

export class LabStepRunner implements StepRunner {
  constructor(
    private readonly lab: LabExec,
    /** The lab host for a plan node; by default the node's own name. */
    private readonly hostFor: (node: NodeTarget) => string = (node) => node.node,
  ) {}

  private async run(node: NodeTarget, script: string, options: { signal: AbortSignal; timeoutMs: number }, input?: string) {
    if (options.signal.aborted) throw new CwError('CANCELLED', `The command on lab host ${this.hostFor(node)} was cancelled before it started.`, { notStarted: true });
    const result = await this.lab.exec(this.hostFor(node), ['sh', '-c', script], { timeoutMs: options.timeoutMs, ...(input !== undefined ? { input } : {}) });
    if (result.timedOut) throw new CwError('TIMEOUT', `The command on lab host ${this.hostFor(node)} did not finish within ${options.timeoutMs} ms and was stopped.`);
    return { exitCode: result.code ?? 128, stdout: result.stdout, stderr: result.stderr };
  }

  async exec(node: NodeTarget, command: string, options: ExecOptions): Promise<ExecResult> {
    const result = await this.run(node, command, options);
    if (result.stdout) options.onStdout?.(result.stdout);
    if (result.stderr) options.onStderr?.(result.stderr);
    return result;
  }

  async readFile(node: NodeTarget, file: string, options: { signal: AbortSignal; timeoutMs: number }): Promise<RemoteFile | null> {
    const result = await this.run(node, readFileScript(file), options);
    if (result.exitCode === ABSENT_EXIT) return null;
    if (result.exitCode !== 0) throw new CwError('REMOTE_FAILED', `Could not read ${file} on lab host ${this.hostFor(node)}: ${result.stderr.trim() || `exit ${result.exitCode}`}.`);
    return parseReadFile(result.stdout);
  }

  async upload(node: NodeTarget, file: string, content: string, options: UploadOptions): Promise<void> {
    const sha256 = createHash('sha256').update(content, 'utf8').digest('hex');
    const result = await this.run(node, atomicUploadScript(file, sha256, options.mode, options.owner), options, content);
    if (result.exitCode !== 0) throw new CwError('REMOTE_FAILED', `Could not write ${file} on lab host ${this.hostFor(node)}: ${result.stderr.trim() || `exit ${result.exitCode}`}. The old file is unchanged.`);
  }

  api(target: ApiTarget, request: { method: string; path: string; body?: string }, options: ApiCallOptions) {
    return fetchApi(target, request, options);
  }
}
