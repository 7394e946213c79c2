// Runs steps on nodes over the SSH engine (main/node/ssh): exec with streamed output, files read
// with cat, uploads written through stdin to a temp file, checked, given mode and owner, then renamed.
import { createHash } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { CwError, isCwError } from '../../common/errors.js';
import type { ApiTarget, NodeTarget } from '../../common/plan/schema.js';
import type { SshEngine } from '../ssh/engine.js';
import type { SshTarget } from '../ssh/types.js';
import { fetchApi } from './local-runner.js';
import { ABSENT_EXIT, atomicUploadScript, parseReadFile, readFileScript } from './upload-script.js';
import type { ApiCallOptions, ExecOptions, ExecResult, RemoteFile, StepRunner, UploadOptions } from './runner.js';

const SIGNALS: Record<string, number> = { HUP: 1, INT: 2, QUIT: 3, ABRT: 6, KILL: 9, SEGV: 11, PIPE: 13, ALRM: 14, TERM: 15 };

export class SshStepRunner implements StepRunner {
  constructor(
    private readonly ssh: SshEngine,
    /** The SSH target (hops, auth) for a plan node. */
    private readonly targetFor: (node: NodeTarget) => SshTarget,
  ) {}

  /** Connects first, so that a connection fault is known to come before the command ran. */
  private async connected(node: NodeTarget, signal: AbortSignal): Promise<SshTarget> {
    const target = this.targetFor(node);
    try {
      await this.ssh.connect(target, signal);
    } catch (error) {
      if (isCwError(error)) throw new CwError(error.code, `node ${node.node}: ${error.message}`, { ...(typeof error.detail === 'object' ? error.detail : {}), notStarted: true });
      throw error;
    }
    return target;
  }

  async exec(node: NodeTarget, command: string, options: ExecOptions): Promise<ExecResult> {
    const target = await this.connected(node, options.signal);
    const out = new StringDecoder('utf8');
    const err = new StringDecoder('utf8');
    let stdout = '';
    let stderr = '';
    try {
      const result = await this.ssh.exec(target, command, {
        signal: options.signal,
        timeoutMs: options.timeoutMs,
        onStdout: (chunk) => {
          const text = out.write(chunk);
          stdout += text;
          if (text) options.onStdout?.(text);
        },
        onStderr: (chunk) => {
          const text = err.write(chunk);
          stderr += text;
          if (text) options.onStderr?.(text);
        },
      });
      const tailOut = out.end();
      const tailErr = err.end();
      if (tailOut) options.onStdout?.(tailOut);
      if (tailErr) options.onStderr?.(tailErr);
      return { exitCode: this.exitCodeOf(node, result), stdout: stdout + tailOut, stderr: stderr + tailErr };
    } catch (error) {
      // The SSH engine quotes the command in its messages; the command holds live secrets.
      if (isCwError(error)) throw new CwError(error.code, error.message.split(command).join('(the step command)'), error.detail);
      throw error;
    }
  }

  /**
   * The command's exit status. A channel that closed with neither an exit status nor a signal
   * leaves the outcome unknown: reported as UNREACHABLE, so that the engine re-checks or retries.
   */
  private exitCodeOf(node: NodeTarget, result: { exitCode: number | null; exitSignal: string | null }): number {
    if (result.exitCode !== null) return result.exitCode;
    if (result.exitSignal !== null) return 128 + (SIGNALS[result.exitSignal] ?? 0);
    throw new CwError('UNREACHABLE', `Node ${node.node} closed the command's channel without an exit status; its outcome is unknown.`);
  }

  async readFile(node: NodeTarget, file: string, options: { signal: AbortSignal; timeoutMs: number }): Promise<RemoteFile | null> {
    const target = await this.connected(node, options.signal);
    const result = await this.ssh.run(target, readFileScript(file), { signal: options.signal, timeoutMs: options.timeoutMs });
    const exitCode = this.exitCodeOf(node, result);
    if (exitCode === ABSENT_EXIT) return null;
    if (exitCode !== 0) throw new CwError('REMOTE_FAILED', `Could not read ${file} on node ${node.node}: ${result.stderr.trim() || `exit ${result.exitCode}`}.`);
    return parseReadFile(result.stdout);
  }

  async upload(node: NodeTarget, file: string, content: string, options: UploadOptions): Promise<void> {
    const target = await this.connected(node, options.signal);
    const data = Buffer.from(content, 'utf8');
    const sha256 = createHash('sha256').update(data).digest('hex');
    const script = atomicUploadScript(file, sha256, options.mode, options.owner);
    let stderr = '';
    const result = await this.ssh.exec(target, script, { stdin: data, signal: options.signal, timeoutMs: options.timeoutMs, onStderr: (chunk) => (stderr += chunk.toString('utf8')) });
    const exitCode = this.exitCodeOf(node, result);
    if (exitCode !== 0) throw new CwError('REMOTE_FAILED', `Could not write ${file} on node ${node.node}: ${stderr.trim() || `exit ${exitCode}`}. The old file is unchanged.`);
  }

  api(target: ApiTarget, request: { method: string; path: string; body?: string }, options: ApiCallOptions) {
    return fetchApi(target, request, options);
  }

  async close(): Promise<void> {
    // The SSH engine is shared and owned by whoever created it.
  }
}
