// exec's arguments: read by the command, and before it by the CLI's entry for exec's first look (first-hops.ts),
// which opens no connection for arguments the command would refuse.
import { parseArgs } from 'node:util';
import { UsageError } from './types.js';

export interface ExecArgs {
  command: string;
  workspaceLocation: string;
  selector: string;
  timeoutSeconds: number | undefined;
  maxParallel: number;
  acceptNew: boolean;
  json: boolean;
  /** The --max-output bound, or the default (see exec.ts). */
  maxOutput: number;
}

/** Default bound of the output kept per node and stream for --json. */
export const DEFAULT_MAX_OUTPUT_BYTES = 64 * 1024;

function parseSeconds(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--${name} must be a positive number of seconds, got "${value}".`);
  return seconds;
}

type ExecOptionValues = { timeout?: string | undefined; 'max-parallel'?: string | undefined; 'max-output'?: string | undefined; 'accept-new'?: boolean | undefined; json?: boolean | undefined };

const EXEC_OPTIONS = { timeout: { type: 'string' }, 'max-parallel': { type: 'string' }, 'accept-new': { type: 'boolean' }, json: { type: 'boolean' }, 'max-output': { type: 'string' } } as const;

/** exec's arguments (everything after `exec`); a UsageError (or parseArgs' own error) for anything it does not take. */
export function parseExecArgs(args: string[]): ExecArgs {
  const separator = args.indexOf('--');
  if (separator < 0) throw new UsageError('Put the command after "--", e.g. clusterwright exec ./lab all -- uptime');
  if (!args.slice(separator + 1).join(' ').trim()) throw new UsageError('The command after "--" is empty.');
  const { values, positionals } = parseArgs({ args: args.slice(0, separator), options: EXEC_OPTIONS, allowPositionals: true, strict: true });
  return checkedExecArgs(args, separator, values, positionals);
}

/**
 * parseExecArgs for the CLI's entry (exec's first look), without node:util's parseArgs (whose loading is most of
 * what reading the arguments costs): the same result for arguments in the usual forms (`--name value`,
 * `--name=value`, the flags, the two positionals); undefined for anything else, which only means no early look.
 */
export function quickExecArgs(args: string[]): ExecArgs | undefined {
  const separator = args.indexOf('--');
  if (separator < 0) return undefined;
  const values: ExecOptionValues = {};
  const positionals: string[] = [];
  for (let i = 0; i < separator; i++) {
    const arg = args[i]!;
    if (!arg.startsWith('-')) {
      positionals.push(arg);
      continue;
    }
    const equals = arg.indexOf('=');
    const name = arg.slice(2, equals < 0 ? undefined : equals);
    if (!arg.startsWith('--') || !Object.hasOwn(EXEC_OPTIONS, name)) return undefined;
    const option = name as keyof typeof EXEC_OPTIONS;
    if (EXEC_OPTIONS[option].type === 'boolean') {
      if (equals >= 0) return undefined;
      (values as Record<string, boolean>)[option] = true;
      continue;
    }
    const value = equals >= 0 ? arg.slice(equals + 1) : args[++i];
    if (value === undefined || i >= separator || (equals < 0 && value.startsWith('-'))) return undefined;
    (values as Record<string, string>)[option] = value;
  }
  try {
    return checkedExecArgs(args, separator, values, positionals);
  } catch {
    return undefined;
  }
}

function checkedExecArgs(args: string[], separator: number, values: ExecOptionValues, positionals: string[]): ExecArgs {
  const command = args.slice(separator + 1).join(' ');
  if (!command.trim()) throw new UsageError('The command after "--" is empty.');
  const [workspaceLocation, selector] = positionals;
  if (!workspaceLocation || !selector || positionals.length > 2) throw new UsageError('Give the workspace (folder or file) and the nodes: pve1,pve2 or site:NAME or all.');
  const timeoutSeconds = parseSeconds(values.timeout, 'timeout');
  const maxParallel = values['max-parallel'] === undefined ? 64 : Number(values['max-parallel']);
  if (!Number.isInteger(maxParallel) || maxParallel < 1) throw new UsageError(`--max-parallel must be a whole number ≥ 1, got "${values['max-parallel']}".`);
  const maxOutput = values['max-output'] === undefined ? DEFAULT_MAX_OUTPUT_BYTES : Number(values['max-output']);
  if (!Number.isInteger(maxOutput) || maxOutput < 0) throw new UsageError(`--max-output must be a whole number of bytes ≥ 0, got "${values['max-output']}".`);
  if (values['max-output'] !== undefined && !values.json) throw new UsageError('--max-output bounds the output kept for --json; without --json every line is printed as it comes.');
  return { command, workspaceLocation, selector, timeoutSeconds, maxParallel, acceptNew: Boolean(values['accept-new']), json: Boolean(values.json), maxOutput };
}
