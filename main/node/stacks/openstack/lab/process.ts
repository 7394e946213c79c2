// Service processes of the OpenStack lab: started in their own process group with a bounded start,
// checked to really own their port, and stopped by the group id the start returned — never by name.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CwError } from '../../../../common/errors.js';
import { maskSecrets } from '../../../../common/secrets/mask.js';
import { freePort } from '../../../lab/system.js';

export const python = '/usr/bin/python3';

/** Writes a file only its owner can read (service configs carry lab passwords). */
export function writePrivateFile(file: string, content: string): void {
  fs.writeFileSync(file, content, { mode: 0o600 });
  fs.chmodSync(file, 0o600);
}

/** A port nobody listens on right now (the service that gets it is then checked to own it). */
export { freePort };

interface Listener {
  address: string;
  port: number;
  inode: string;
}

/** TCP sockets in LISTEN state from /proc/net/tcp{,6}. */
export function tcpListeners(): Listener[] {
  const out: Listener[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A') continue;
      const [addr, port] = cols[1]!.split(':');
      out.push({ address: addr!, port: parseInt(port!, 16), inode: cols[9]! });
    }
  }
  return out;
}

/** Live pids (zombies left out) whose process group is `pgid`. */
export function groupMembers(pgid: number): number[] {
  const pids: number[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') pids.push(Number(entry));
    } catch {
      /* exited meanwhile */
    }
  }
  return pids;
}

function socketInodes(pids: number[]): Set<string> {
  const inodes = new Set<string>();
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = fs.readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
        if (m) inodes.add(m[1]!);
      } catch {
        /* closed meanwhile */
      }
    }
  }
  return inodes;
}

/**
 * Whether `port` is listened on by the process group `pgid` alone. eventlet sets SO_REUSEPORT, so a second
 * server can bind a port another one holds without an error and take half of its connections.
 */
export function portOwnership(port: number, pgid: number): { owned: boolean; listeners: number; foreign: number } {
  const listeners = tcpListeners().filter((l) => l.port === port);
  const ours = socketInodes(groupMembers(pgid));
  const foreign = listeners.filter((l) => !ours.has(l.inode)).length;
  return { owned: listeners.length > 0 && foreign === 0, listeners: listeners.length, foreign };
}

export interface ServiceStartOptions {
  /** Human name for messages: "Keystone", "nova-api of RegionTwo". */
  name: string;
  argv: string[];
  cwd: string;
  /** Written to stdin, then stdin is closed (settings with secrets travel here, never in argv). */
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** stdout and stderr go here. */
  logFile: string;
  /** Secrets that must never appear in an error message taken from the log. */
  secrets?: string[];
}

export function logTail(file: string, secrets?: string[], lines = 15): string {
  try {
    const text = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    return maskSecrets(text.slice(-lines).join('\n'), secrets ?? []);
  } catch {
    return '(no log)';
  }
}

/** One service process (and its children) in its own process group. */
export class ServiceProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  private readonly child: ChildProcess;
  private readonly secrets: string[];
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;
  private readyLine: Record<string, unknown> | undefined;
  private readonly readyWaiters: ((v: Record<string, unknown>) => void)[] = [];

  private constructor(options: ServiceStartOptions, child: ChildProcess) {
    this.name = options.name;
    this.child = child;
    this.pid = child.pid!;
    this.logFile = options.logFile;
    this.secrets = options.secrets ?? [];
    const log = fs.openSync(options.logFile, 'a', 0o600);
    let pending = '';
    const onData = (chunk: Buffer): void => {
      fs.writeSync(log, chunk);
      pending += chunk.toString('utf8');
      let nl: number;
      while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.startsWith('CW-READY ') && !this.readyLine) {
          try {
            this.readyLine = JSON.parse(line.slice('CW-READY '.length)) as Record<string, unknown>;
            for (const w of this.readyWaiters.splice(0)) w(this.readyLine);
          } catch {
            /* not ours */
          }
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (chunk: Buffer) => fs.writeSync(log, chunk));
    this.exited = new Promise((resolve) => {
      child.once('close', (code, signal) => {
        this.exitInfo = { code, signal };
        fs.closeSync(log);
        resolve();
      });
    });
  }

  static start(options: ServiceStartOptions): ServiceProcess {
    fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
    const child = spawn(options.argv[0]!, options.argv.slice(1), {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    if (!child.pid) throw new CwError('MISSING_DEPENDENCY', `Could not start ${options.name}: ${options.argv[0]} did not run.`);
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(options.input ?? '');
    return new ServiceProcess(options, child);
  }

  get running(): boolean {
    return this.exitInfo === undefined;
  }

  private failure(what: string): CwError {
    const how = this.exitInfo ? ` (exit ${this.exitInfo.code ?? this.exitInfo.signal})` : '';
    return new CwError('REMOTE_FAILED', `${this.name} ${what}${how}. Last lines of ${this.logFile}:\n${logTail(this.logFile, this.secrets)}`);
  }

  /** Waits for the process's `CW-READY {json}` line. */
  async ready(timeoutMs: number): Promise<Record<string, unknown>> {
    if (this.readyLine) return this.readyLine;
    let timer: NodeJS.Timeout | undefined;
    const line = await Promise.race([
      new Promise<Record<string, unknown>>((resolve) => this.readyWaiters.push(resolve)),
      this.exited.then(() => undefined),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (line === 'timeout') throw new CwError('TIMEOUT', `${this.name} did not report ready within ${Math.round(timeoutMs / 1000)} s. Last lines of ${this.logFile}:\n${logTail(this.logFile, this.secrets)}`);
    if (!line) throw this.failure('stopped before it was ready');
    return line;
  }

  /** Waits for the process to exit on its own (one-shot setup steps); fails unless it exits 0. */
  async finished(timeoutMs: number): Promise<Record<string, unknown> | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const done = await Promise.race([this.exited.then(() => true), new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)))]);
    clearTimeout(timer);
    if (!done) {
      await this.stop();
      throw new CwError('TIMEOUT', `${this.name} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped. Last lines of ${this.logFile}:\n${logTail(this.logFile, this.secrets)}`);
    }
    if (this.exitInfo?.code !== 0) throw this.failure('failed');
    return this.readyLine;
  }

  /**
   * Waits until `port` answers and is held by this process group alone. A port another process also holds
   * (SO_REUSEPORT, or a leftover server) fails the start instead of serving half the requests from elsewhere.
   */
  async listening(port: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw this.failure(`stopped before it listened on 127.0.0.1:${port}`);
      const own = portOwnership(port, this.pid);
      if (own.foreign > 0) {
        throw new CwError('CONFLICT', `Port 127.0.0.1:${port} of ${this.name} is also held by ${own.foreign} socket(s) of another process; requests would be shared with it. Stop that process or let the lab pick another port.`);
      }
      if (own.owned) return;
      if (Date.now() > deadline) throw new CwError('TIMEOUT', `${this.name} did not listen on 127.0.0.1:${port} within ${Math.round(timeoutMs / 1000)} s. Last lines of ${this.logFile}:\n${logTail(this.logFile, this.secrets)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** SIGTERM to the process group, SIGKILL after `graceMs`; resolves when the leader has exited and the group is empty. */
  async stop(graceMs = 5_000): Promise<void> {
    const signalGroup = (signal: NodeJS.Signals): void => {
      try {
        process.kill(-this.pid, signal);
      } catch {
        /* group already gone */
      }
    };
    if (this.running || groupMembers(this.pid).length > 0) signalGroup('SIGTERM');
    const deadline = Date.now() + graceMs;
    while ((this.running || groupMembers(this.pid).length > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (this.running || groupMembers(this.pid).length > 0) {
      signalGroup('SIGKILL');
      const hard = Date.now() + 5_000;
      while ((this.running || groupMembers(this.pid).length > 0) && Date.now() < hard) await new Promise((r) => setTimeout(r, 50));
    }
    await Promise.race([this.exited, new Promise((r) => setTimeout(r, 1_000))]);
  }
}

/** Runs a one-shot step to completion with a bound; returns its CW-READY values. */
export async function runStep(options: ServiceStartOptions, timeoutMs: number): Promise<Record<string, unknown>> {
  const step = ServiceProcess.start(options);
  const values = await step.finished(timeoutMs);
  if (!values) throw new CwError('REMOTE_FAILED', `${options.name} exited without reporting its result. Last lines of ${options.logFile}:\n${logTail(options.logFile, options.secrets)}`);
  return values;
}
