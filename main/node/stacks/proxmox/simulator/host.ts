// How the Proxmox test server acts on "its" node: run programs inside that node's namespaces
// (nsenter into a lab host or a test sandbox), with bounded time, and read/write its files.
import { spawn } from 'node:child_process';
import { CwError } from '../../../../common/errors.js';

export interface HostRunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface HostRunner {
  /** A name for messages ("lab host b1", "sandbox pve2"). */
  readonly label: string;
  /** Runs argv (no shell) on the node; never rejects for a non-zero exit. */
  run(argv: readonly string[], options?: { input?: string | Buffer; timeoutMs?: number }): Promise<HostRunResult>;
}

/** Spawns argv with a hard timeout (SIGKILL to the whole process group). */
export function spawnBounded(argv: readonly string[], options: { input?: string | Buffer; timeoutMs?: number } = {}): Promise<HostRunResult> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: stderr + err.message, timedOut });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, timedOut });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Runs programs inside the namespaces of process `pid` (a lab host's or sandbox's init). */
export class NsenterRunner implements HostRunner {
  constructor(
    readonly label: string,
    private readonly pid: number,
  ) {}

  run(argv: readonly string[], options?: { input?: string | Buffer; timeoutMs?: number }): Promise<HostRunResult> {
    return spawnBounded(['nsenter', '-t', String(this.pid), '-n', '-m', '-u', '-p', '--', ...argv], options);
  }
}

/** Runs on this machine directly (the server itself runs inside the node's namespaces). */
export class LocalRunner implements HostRunner {
  constructor(readonly label: string) {}
  run(argv: readonly string[], options?: { input?: string | Buffer; timeoutMs?: number }): Promise<HostRunResult> {
    return spawnBounded(argv, options);
  }
}

/** Writes a file on the node atomically (temp file, then rename), with the given mode. */
export async function writeHostFile(runner: HostRunner, file: string, content: string | Buffer, mode = '0644'): Promise<void> {
  const res = await runner.run(['sh', '-c', 'umask 077 && mkdir -p "$(dirname "$1")" && cat > "$1.cw-tmp" && chmod "$2" "$1.cw-tmp" && mv -f "$1.cw-tmp" "$1"', 'sh', file, mode], { input: content });
  if (res.code !== 0) throw new CwError('REMOTE_FAILED', `Could not write ${file} on ${runner.label}: ${res.stderr.trim() || `exit ${res.code}`}.`);
}

export async function readHostFile(runner: HostRunner, file: string): Promise<string | undefined> {
  const res = await runner.run(['sh', '-c', 'test -f "$1" && cat "$1"', 'sh', file]);
  return res.code === 0 ? res.stdout : undefined;
}

export async function hostFileExists(runner: HostRunner, file: string): Promise<boolean> {
  return (await runner.run(['test', '-e', file])).code === 0;
}

/** Addresses configured on the node's interfaces (for "is this link address local?"). */
export async function hostAddresses(runner: HostRunner): Promise<string[]> {
  const res = await runner.run(['ip', '-o', 'addr', 'show']);
  if (res.code !== 0) throw new CwError('REMOTE_FAILED', `Could not list the addresses of ${runner.label}: ${res.stderr.trim()}`);
  return [...res.stdout.matchAll(/\binet6? ([0-9a-fA-F.:]+)\//g)].map((m) => m[1]!);
}
