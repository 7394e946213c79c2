// The seam between the engine and the machines it changes: run a command, read a file, upload a
// file atomically, call an API. Local, lab and SSH runners implement it; the engine knows no transport.
import { CwError } from '../../common/errors.js';
import type { ApiTarget, NodeTarget } from '../../common/plan/schema.js';

export interface ExecOptions {
  signal: AbortSignal;
  timeoutMs: number;
  /** Output as it arrives (chunks, not necessarily whole lines). */
  onStdout?: (chunk: string) => void;
  onStderr?: (chunk: string) => void;
}

export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface RemoteFile {
  content: string;
  /** Permission bits, when the runner can tell (e.g. 0o644). */
  mode?: number;
}

export interface UploadOptions {
  signal: AbortSignal;
  timeoutMs: number;
  /** Permission bits, e.g. 0o644. */
  mode: number;
  /** "user" or "user:group"; left as is when absent. */
  owner?: string;
}

export interface ApiResponse {
  status: number;
  body: string;
}

export interface ApiCallOptions {
  signal: AbortSignal;
  timeoutMs: number;
  /** Header values with secrets already resolved; never logged. */
  headers: Record<string, string>;
  baseUrl: string;
}

/**
 * A transport for steps. Faults are thrown as CwError: UNREACHABLE and TIMEOUT are transient (the
 * engine may retry), CANCELLED when the signal aborted. Set `detail.notStarted: true` when the fault
 * happened before the command could have run (e.g. the connection failed), so that even
 * non-idempotent steps can be retried. A command that ran and exited non-zero is not a fault: it is
 * returned with its exit code.
 */
export interface StepRunner {
  exec(target: NodeTarget, command: string, options: ExecOptions): Promise<ExecResult>;
  /** The file's content, or null when it does not exist. */
  readFile(target: NodeTarget, path: string, options: { signal: AbortSignal; timeoutMs: number }): Promise<RemoteFile | null>;
  /** Writes to a temporary file beside `path`, sets mode and owner, then renames it into place. */
  upload(target: NodeTarget, path: string, content: string, options: UploadOptions): Promise<void>;
  api(target: ApiTarget, request: { method: string; path: string; body?: string }, options: ApiCallOptions): Promise<ApiResponse>;
  close?(): Promise<void>;
}

export const transientCodes = new Set(['UNREACHABLE', 'TIMEOUT']);

export function isTransient(error: unknown): boolean {
  return error instanceof CwError && transientCodes.has(error.code);
}

/** True when the runner says the fault came before the action could have started. */
export function faultBeforeStart(error: unknown): boolean {
  return error instanceof CwError && typeof error.detail === 'object' && error.detail !== null && (error.detail as { notStarted?: unknown }).notStarted === true;
}

export function cancelledError(what: string): CwError {
  return new CwError('CANCELLED', `${what} was cancelled.`);
}
