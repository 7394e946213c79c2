// Running programs with bounded time, the lab's preflight (root, Linux, Debian packages) and process bookkeeping.
import net from 'node:net';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CwError } from '../../common/errors.js';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface RunOptions {
  timeoutMs?: number;
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Runs argv (no shell) in its own process group; on timeout the whole group gets SIGKILL.
 * Never rejects: the caller decides what a non-zero exit means.
 */
export function run(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  return new Promise((resolve) => {
    const [cmd, ...args] = argv;
    const child = spawn(cmd!, args, { detached: true, stdio: ['pipe', 'pipe', 'pipe'], env: options.env ?? process.env, cwd: options.cwd });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ code: 127, signal: null, stdout: '', stderr: error.message, timedOut: false });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Runs argv and throws a CwError naming the command, where it ran and its stderr when it fails. */
export async function runOk(argv: readonly string[], what: string, options: RunOptions = {}): Promise<RunResult> {
  const result = await run(argv, options);
  if (result.timedOut) throw new CwError('TIMEOUT', `${what}: \`${argv.join(' ')}\` did not finish within ${(options.timeoutMs ?? 30_000) / 1000} s.`);
  if (result.code !== 0) {
    throw new CwError('REMOTE_FAILED', `${what}: \`${argv.join(' ')}\` exited with ${result.code ?? result.signal}: ${(result.stderr || result.stdout).trim().slice(-600)}`);
  }
  return result;
}

/** Program → Debian package that provides it, for every program the lab runs. */
export const requiredPrograms: Record<string, string> = {
  ip: 'iproute2',
  nsenter: 'util-linux',
  unshare: 'util-linux',
  setpriv: 'util-linux',
  mount: 'mount',
  bash: 'bash',
  vde_switch: 'vde2',
  wirefilter: 'vde2',
  sshd: 'openssh-server',
  'ssh-keygen': 'openssh-client',
  ping: 'iputils-ping',
  corosync: 'corosync',
  'corosync-quorumtool': 'corosync',
  'corosync-qdevice': 'corosync-qdevice',
  'corosync-qnetd': 'corosync-qnetd',
};

/** Programs only labs with `internet` links need (their WireGuard overlay; wireguard-go where the kernel has no module). */
export const overlayPrograms: Record<string, string> = { wg: 'wireguard-tools', 'wg-quick': 'wireguard-tools', 'wireguard-go': 'wireguard-go' };

const searchPath = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export function whichProgram(name: string, dirs: readonly string[] = searchPath): string | undefined {
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** Throws a clear error when the lab cannot run on this machine: not Linux, not root, a package missing. */
export function preflight(programs: readonly string[] = Object.keys(requiredPrograms), options: { platform?: string; searchDirs?: readonly string[] } = {}): void {
  const platform = options.platform ?? process.platform;
  if (platform !== 'linux') {
    throw new CwError('UNSUPPORTED', `The lab needs Linux network, mount and PID namespaces; this is ${platform}. Run it on a Linux machine (Debian 12 is tested).`);
  }
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new CwError('FORBIDDEN', 'The lab creates network namespaces and interfaces, which needs root. Run it as root (e.g. `sudo npm run lab -- up …`).');
  }
  const missing = new Map<string, string[]>();
  for (const program of programs) {
    if (!whichProgram(program, options.searchDirs)) {
      const pkg = requiredPrograms[program] ?? overlayPrograms[program] ?? program;
      missing.set(pkg, [...(missing.get(pkg) ?? []), program]);
    }
  }
  if (missing.size) {
    const list = [...missing].map(([pkg, progs]) => `${pkg} (for ${progs.join(', ')})`).join(', ');
    throw new CwError('MISSING_DEPENDENCY', `The lab needs Debian packages that are not installed: ${list}. Install them with \`apt-get install ${[...missing.keys()].join(' ')}\`.`, { packages: [...missing.keys()] });
  }
  if (!fs.existsSync('/dev/net/tun')) {
    throw new CwError('MISSING_DEPENDENCY', 'The lab needs /dev/net/tun for its vde taps; load the tun module (`modprobe tun`).');
  }
}

/** A recorded process: its PID and the command line it had when it was started, to check before killing it. */
export interface RecordedProcess {
  pid: number;
  cmdline: string;
  role: string;
}

export function readCmdline(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean).join(' ');
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie. */
export function isRunning(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** Kills a recorded process only if it still runs the command line it was recorded with. Returns whether it sent a signal. */
export function killRecorded(proc: RecordedProcess, signal: NodeJS.Signals = 'SIGKILL'): boolean {
  const now = readCmdline(proc.pid);
  if (!now || now !== proc.cmdline || !isRunning(proc.pid)) return false;
  try {
    process.kill(proc.pid, signal);
    return true;
  } catch {
    return false;
  }
}

export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, intervalMs = 50): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(intervalMs);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Programs a lab starts outside its hosts' PID namespaces; only these are candidates for leftover cleanup. */
const labPrograms = new Set(['vde_switch', 'wirefilter', 'unshare', 'nsenter', 'setpriv']);

/**
 * Lab programs whose command line contains `needle` (a crashed lab's state directory): vde_switch,
 * wirefilter, the namespace holders and host inits — never, say, an editor that has a file open there.
 */
export function findProcessesMentioning(needle: string): RecordedProcess[] {
  const found: RecordedProcess[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const cmdline = readCmdline(pid);
    if (!cmdline || !cmdline.includes(needle)) continue;
    const program = path.basename(cmdline.split(' ')[0] ?? '');
    const isInit = (program === 'bash' || program === '/bin/bash') && /\/hosts\/[^/]+\/init\.sh$/.test(cmdline);
    if (labPrograms.has(program) || isInit) found.push({ pid, cmdline, role: 'leftover' });
  }
  return found;
}

/** Runs async tasks with at most `limit` at once; rejects with the first failure after all settle. */
export async function inParallel<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const errors: unknown[] = [];
  const workers = Array.from({ length: Math.min(limit, queue.length) }, async () => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      try {
        await task(item);
      } catch (error) {
        errors.push(error);
      }
    }
  });
  await Promise.all(workers);
  if (errors.length) throw errors[0];
}

/** Whether a TCP connection to host:port opens within the timeout (the socket is closed again at once). */
export function tcpOpen(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

export { freePort } from './ports.js';
