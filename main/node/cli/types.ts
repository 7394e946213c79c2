// The shape of a CLI subcommand and the exit codes scripts can rely on.
import type { ErrorCode } from '../../common/errors.js';
import type { EarlyTcp } from '../ssh/early-tcp.js';

export interface CliIO {
  out(text: string): void;
  err(text: string): void;
  isTTY: boolean;
  /** Folder holding dist/ (renderer, electron bundles). */
  distDir: string;
  env: NodeJS.ProcessEnv;
  /**
   * exec's first TCP connections, opened by the CLI's entry before the command loaded (first-hops.ts); [] when it
   * opened none. Absent when nothing looked (runCli called in-process): exec then looks itself.
   */
  preconnected?: EarlyTcp[];
}

export interface CliCommand {
  name: string;
  summary: string;
  usage: string;
  run(args: string[], io: CliIO): Promise<number>;
}

/** Exit codes: documented in the README; stable across releases. */
export const exitCodes = {
  ok: 0,
  failed: 1,
  /** validate: errors found. */
  invalid: 2,
  unreachable: 3,
  auth: 4,
  usage: 64,
  missingDependency: 69,
  internal: 70,
} as const;

export function exitCodeFor(code: ErrorCode): number {
  switch (code) {
    case 'INVALID_INPUT':
      return exitCodes.usage;
    case 'UNREACHABLE':
    case 'TIMEOUT':
      return exitCodes.unreachable;
    case 'AUTH_FAILED':
    case 'SECRETS_LOCKED':
    case 'HOST_KEY_CHANGED':
    case 'HOST_KEY_UNKNOWN':
    case 'UNAUTHORIZED':
    case 'FORBIDDEN':
      return exitCodes.auth;
    case 'MISSING_DEPENDENCY':
    case 'UNSUPPORTED':
      return exitCodes.missingDependency;
    case 'INTERNAL':
    case 'INVALID_OUTPUT':
      return exitCodes.internal;
    default:
      return exitCodes.failed;
  }
}

export class UsageError extends Error {}
