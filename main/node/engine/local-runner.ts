// Runs steps on this machine: `sh -c` in its own process group (so a timeout or cancel ends the
// whole command), files written atomically, API calls over fetch. For `local: true` nodes and tests.
import { spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { CwError } from '../../common/errors.js';
import type { ApiTarget, NodeTarget } from '../../common/plan/schema.js';
import { shellCommand } from '../ssh/shell-quote.js';
import type { ApiCallOptions, ApiResponse, ExecOptions, ExecResult, RemoteFile, StepRunner, UploadOptions } from './runner.js';

export interface LocalRunnerOptions {
  /** Extra environment for commands (merged over this process's environment). */
  env?: Record<string, string>;
}

function killGroup(pid: number | undefined): void {
  if (!pid) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export class LocalRunner implements StepRunner {
  constructor(private readonly options: LocalRunnerOptions = {}) {}

  exec(target: NodeTarget, command: string, options: ExecOptions): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      if (options.signal.aborted) {
        reject(new CwError('CANCELLED', `The command on node ${target.node} was cancelled before it started.`, { notStarted: true }));
        return;
      }
      const child = spawn('sh', ['-c', command], {
        detached: true,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, ...this.options.env },
      });
      let stdout = '';
      let stderr = '';
      let outcome: CwError | null = null;
      child.stdout.setEncoding('utf8');
      child.stderr.setEncoding('utf8');
      child.stdout.on('data', (chunk: string) => {
        stdout += chunk;
        options.onStdout?.(chunk);
      });
      child.stderr.on('data', (chunk: string) => {
        stderr += chunk;
        options.onStderr?.(chunk);
      });
      const timer = setTimeout(() => {
        outcome = new CwError('TIMEOUT', `The command on node ${target.node} did not finish within ${options.timeoutMs} ms and was stopped.`);
        killGroup(child.pid);
      }, options.timeoutMs);
      const onAbort = () => {
        outcome ??= new CwError('CANCELLED', `The command on node ${target.node} was cancelled.`);
        killGroup(child.pid);
      };
      options.signal.addEventListener('abort', onAbort, { once: true });
      child.on('error', (error) => {
        clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
        reject(new CwError('UNREACHABLE', `Could not start sh on node ${target.node}: ${error.message}`, { notStarted: true }));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        options.signal.removeEventListener('abort', onAbort);
        if (outcome) reject(outcome);
        else resolve({ exitCode: code ?? (signal ? 128 : 1), stdout, stderr });
      });
    });
  }

  async readFile(_target: NodeTarget, file: string): Promise<RemoteFile | null> {
    try {
      const [content, stat] = await Promise.all([fs.readFile(file, 'utf8'), fs.stat(file)]);
      return { content, mode: stat.mode & 0o7777 };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async upload(target: NodeTarget, file: string, content: string, options: UploadOptions): Promise<void> {
    const temp = path.join(path.dirname(file), `.${path.basename(file)}.cw-${process.pid}-${Date.now()}`);
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
      await fs.writeFile(temp, content, { mode: options.mode });
      await fs.chmod(temp, options.mode);
      if (options.owner) {
        const result = await this.exec(target, shellCommand('chown', '--', options.owner, temp), { signal: options.signal, timeoutMs: options.timeoutMs });
        if (result.exitCode !== 0) throw new CwError('REMOTE_FAILED', `chown ${options.owner} failed on node ${target.node}: ${result.stderr.trim()}`);
      }
      const handle = await fs.open(temp, 'r');
      await handle.sync();
      await handle.close();
      await fs.rename(temp, file);
    } catch (error) {
      await fs.rm(temp, { force: true });
      if (error instanceof CwError) throw error;
      throw new CwError('REMOTE_FAILED', `Could not write ${file} on node ${target.node}: ${(error as Error).message}`);
    }
  }

  async api(target: ApiTarget, request: { method: string; path: string; body?: string }, options: ApiCallOptions): Promise<ApiResponse> {
    return fetchApi(target, request, options);
  }
}

/** One HTTP call to an API endpoint with a timeout and the caller's AbortSignal. */
export async function fetchApi(target: ApiTarget, request: { method: string; path: string; body?: string }, options: ApiCallOptions): Promise<ApiResponse> {
  const url = new URL(request.path.replace(/^\//, ''), options.baseUrl.endsWith('/') ? options.baseUrl : `${options.baseUrl}/`);
  const signal = AbortSignal.any([options.signal, AbortSignal.timeout(options.timeoutMs)]);
  try {
    const response = await fetch(url, {
      method: request.method,
      headers: { ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
      ...(request.body !== undefined ? { body: request.body } : {}),
      signal,
    });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    if (options.signal.aborted) throw new CwError('CANCELLED', `The call ${request.method} ${request.path} to API ${target.api} was cancelled.`);
    if ((error as Error).name === 'TimeoutError') throw new CwError('TIMEOUT', `API ${target.api} did not answer ${request.method} ${request.path} within ${options.timeoutMs} ms.`);
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new CwError('UNREACHABLE', `API ${target.api} at ${url.origin} could not be reached (${cause ?? (error as Error).message}); check the address and that the service runs.`, {
      notStarted: cause === 'ECONNREFUSED',
    });
  }
}
