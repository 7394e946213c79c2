// How the latency matrix runs a command on a node: the RemoteRunner interface, the local runner
// (runs on this machine: tests and `latency --local`); the core passes the SSH runner per workspace.
import { childSignal } from '../abort.js';
import { execFile } from 'node:child_process';
import { CwError } from '../../common/errors.js';
import type { Workspace } from '../../common/workspace/index.js';

export interface RunResult {
  /** Exit code, or null when the command was killed by a signal. */
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
}

export interface RemoteRunner {
  /** Recorded with each measurement: "ssh" (on the nodes), "local" (on this machine), "lab"… */
  readonly kind: string;
  /** Whether commands really run on the named node (false: they all run on this machine). */
  readonly runsOnNodes: boolean;
  /**
   * Runs argv (no shell) on the node named `node`. Resolves with the exit code even when it is not 0;
   * rejects with a CwError (UNREACHABLE, AUTH_FAILED, HOST_KEY_*, TIMEOUT, CANCELLED) when the
   * command could not be run at all.
   */
  exec(node: string, argv: readonly string[], options: RunOptions): Promise<RunResult>;
  /**
   * The host key the node presented on the connection exec used (recorded with measurements, so
   * figures are never shown for another machine at the same address). Only asked of nodes exec reached.
   */
  hostKeyOf?(node: string): Promise<{ type: string; fingerprint: string; endpoint?: string } | undefined>;
}

/** Runs every command on this machine, whatever the node. */
export class LocalRunner implements RemoteRunner {
  readonly kind = 'local';
  readonly runsOnNodes = false;

  exec(node: string, argv: readonly string[], options: RunOptions): Promise<RunResult> {
    const [command, ...args] = argv;
    if (!command) return Promise.reject(new CwError('INVALID_INPUT', 'No command to run.'));
    // execFile listens on the signal until the process ends: a child signal keeps a fan-out to one listener on the caller's (see abort.ts).
    const child = childSignal(options.signal);
    return new Promise<RunResult>((resolve, reject) => {
      execFile(
        command,
        args,
        { timeout: options.timeoutMs, signal: child.signal, maxBuffer: 4 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' }, windowsHide: true },
        (error, stdout, stderr) => {
          if (!error) return resolve({ code: 0, stdout, stderr });
          const err = error as NodeJS.ErrnoException & { code?: string | number; killed?: boolean; signal?: string };
          if (err.name === 'AbortError') return reject(new CwError('CANCELLED', `Cancelled ${command} for ${node}.`));
          if (err.code === 'ENOENT') return reject(new CwError('MISSING_DEPENDENCY', `${command} is not installed on this machine (needed for ${node}). On Debian: apt-get install ${command === 'ping' ? 'iputils-ping' : command}.`));
          if (err.killed && err.signal) return reject(new CwError('TIMEOUT', `${command} for ${node} did not finish within ${Math.round(options.timeoutMs / 1000)} s and was stopped.`));
          if (typeof err.code === 'number') return resolve({ code: err.code, stdout, stderr });
          reject(new CwError('REMOTE_FAILED', `${command} for ${node} failed: ${err.message}`));
        },
      );
    }).finally(() => child.release());
  }
}

export type RunnerFactory = (workspace: Workspace) => RemoteRunner;
