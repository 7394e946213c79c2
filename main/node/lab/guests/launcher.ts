// Real QEMU guests on lab hosts: each one a qemu-system-x86_64 (TCG) started inside a host's namespaces
// (network, mount, PID; without CAP_SYS_NICE, like every lab process), with its files in the host's private
// /run, recorded by PID; started, paused, stopped, shut down and measured (CPU, RSS) from /proc.
import fs from 'node:fs';
import { CwError } from '../../../common/errors.js';
import type { Lab } from '../lab.js';
import { readLabState } from '../state.js';
import { isRunning, killRecorded, readCmdline, waitFor, whichProgram } from '../system.js';
import { buildPayload, parsePayloadCounters, payloadLoadAddress, payloadOffsets, type PayloadCounters } from './payload.js';
import { QmpClient } from './qmp.js';
import { guestAlive, guestPaths, readGuestRecords, stopLabGuests, writeGuestRecord, type GuestPaths, type GuestRecord } from './registry.js';
import { parseGuestSpec, qemuArgv, type GuestSpec } from './spec.js';

export type GuestState = 'running' | 'paused' | 'stopped';

export interface GuestStatus {
  name: string;
  host: string;
  status: GuestState;
  /** QEMU's run state (`running`, `paused`, `inmigrate`, `postmigrate`, …) while the process lives. */
  qmpStatus?: string;
  pid?: number;
  memoryMiB: number;
  /** CPU time the QEMU process used (user + system), seconds. */
  cpuSeconds: number;
  /** Share of one CPU since the previous status of this guest (or since it started), 0–n. */
  cpu: number;
  /** Resident set size of the QEMU process. */
  rssBytes: number;
  uptimeSeconds: number;
  incoming: boolean;
  disk?: { path: string; sizeMiB: number };
}

export interface StartOptions {
  /** Start as the target of a live migration (`-incoming defer`, paused). */
  incoming?: boolean;
}

/** Programs guests need → the Debian package that provides each. */
export const guestPrograms: Record<string, string> = { 'qemu-system-x86_64': 'qemu-system-x86', 'qemu-img': 'qemu-utils' };

/** Throws MISSING_DEPENDENCY naming the Debian packages when QEMU is not installed. */
export function preflightGuests(searchDirs?: readonly string[]): void {
  const missing = Object.entries(guestPrograms).filter(([program]) => !whichProgram(program, searchDirs));
  if (missing.length) {
    const packages = [...new Set(missing.map(([, pkg]) => pkg))];
    throw new CwError('MISSING_DEPENDENCY', `Lab guests are real QEMU virtual machines; ${missing.map(([p]) => p).join(' and ')} ${missing.length > 1 ? 'are' : 'is'} missing. Install them with \`apt-get install ${packages.join(' ')}\`.`, { packages });
  }
}

/** Linux's USER_HZ on every architecture the lab runs on: /proc/<pid>/stat counts CPU time in 1/100 s. */
const clockTicksPerSecond = 100;

/** The guests of one lab. Several instances (the app, a CLI, a test) can drive the same lab: records are files. */
export class LabGuests {
  private readonly clients = new Map<string, Promise<QmpClient>>();
  private readonly cpuSamples = new Map<string, { at: number; cpuSeconds: number }>();

  constructor(readonly lab: Lab) {}

  /** The host's init PID (target of nsenter; /proc/<it>/root is the host's view of the file system). */
  private initPid(host: string): number {
    this.lab.host(host);
    const pid = readLabState(this.lab.stateDir)?.hosts[host]?.initPid;
    if (!pid || !isRunning(pid)) throw new CwError('UNREACHABLE', `Lab host ${host} is not running; start the lab again with \`clusterwright lab up\`.`);
    return pid;
  }

  /** Where an in-host path of the guest's private directory is in the root namespace. */
  private rootPath(host: string, inHost: string): string {
    return this.lab.hostPath(host, inHost);
  }

  /** The QMP socket as this process reaches it: through the host's root (short enough for a Unix socket path). */
  private qmpSocket(host: string, paths: GuestPaths): string {
    return `/proc/${this.initPid(host)}/root${paths.qmp}`;
  }

  record(host: string, name: string): GuestRecord | undefined {
    const file = this.rootPath(host, guestPaths({ name }).record);
    try {
      return JSON.parse(fs.readFileSync(file, 'utf8')) as GuestRecord;
    } catch {
      return undefined;
    }
  }

  /** Rewrites a guest's record (a migration target that now runs the guest). */
  updateRecord(host: string, record: GuestRecord): void {
    writeGuestRecord(this.rootPath(host, guestPaths(record.spec).record), record);
  }

  /** Every guest this lab has a record of, running or not. */
  list(): GuestRecord[] {
    return readGuestRecords(this.lab.stateDir).map((r) => r.record);
  }

  private requireRecord(host: string, name: string): GuestRecord {
    const record = this.record(host, name);
    if (!record) throw new CwError('NOT_FOUND', `Lab host ${host} has no guest "${name}".`);
    return record;
  }

  /**
   * Starts a guest on a host: writes its payload, creates its qcow2 disk when it has none yet, runs QEMU in the
   * host's namespaces and records it. Refuses when a guest of that name already runs there.
   */
  async start(host: string, rawSpec: GuestSpec, options: StartOptions = {}): Promise<GuestRecord> {
    const spec = parseGuestSpec(rawSpec);
    preflightGuests();
    this.initPid(host);
    const existing = this.record(host, spec.name);
    if (existing && guestAlive(existing)) throw new CwError('CONFLICT', `Guest ${spec.name} already runs on lab host ${host} (PID ${existing.pid}).`);
    this.forget(host, spec.name);
    const paths = guestPaths(spec);
    const dir = this.rootPath(host, paths.dir);
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    for (const stale of [paths.qmp, paths.pidFile]) fs.rmSync(this.rootPath(host, stale), { force: true });
    fs.writeFileSync(this.rootPath(host, paths.kernel), buildPayload({ ...(spec.seed !== undefined ? { seed: spec.seed } : {}), ...(spec.dirtyBytesPerSecond !== undefined ? { dirtyBytesPerSecond: spec.dirtyBytesPerSecond } : {}), ...(spec.tickHz !== undefined ? { tickHz: spec.tickHz } : {}) }).bytes);
    if (spec.disk && paths.disk) await this.ensureDisk(host, paths.disk, spec.disk.sizeMiB);
    const argv = qemuArgv(spec, paths, { incoming: options.incoming ?? false });
    const result = await this.lab.exec(host, argv, { timeoutMs: 30_000 });
    if (result.timedOut || result.code !== 0) {
      throw new CwError('REMOTE_FAILED', `QEMU did not start guest ${spec.name} on lab host ${host}: ${(result.stderr || result.stdout).trim().slice(-800) || `exit ${result.code ?? result.signal}`}`, { host, guest: spec.name });
    }
    const nsPid = Number(fs.readFileSync(this.rootPath(host, paths.pidFile), 'utf8').trim());
    const pid = rootPidOf(this.initPid(host), nsPid);
    const cmdline = pid ? readCmdline(pid) : undefined;
    if (!pid || !cmdline) throw new CwError('REMOTE_FAILED', `QEMU of guest ${spec.name} on lab host ${host} wrote PID ${nsPid} to its pid file, but no such process runs in the host.`);
    const record: GuestRecord = { name: spec.name, host, spec, incoming: Boolean(options.incoming), pid, cmdline, nsPid, startedAt: new Date().toISOString() };
    writeGuestRecord(this.rootPath(host, paths.record), record);
    this.cpuSamples.delete(key(host, spec.name));
    return record;
  }

  private async ensureDisk(host: string, diskPath: string, sizeMiB: number): Promise<void> {
    const parent = diskPath.slice(0, diskPath.lastIndexOf('/')) || '/';
    const exists = await this.lab.exec(host, ['test', '-e', diskPath], { timeoutMs: 5_000 });
    if (exists.code === 0) return;
    await this.lab.execOk(host, ['mkdir', '-p', '--', parent], { timeoutMs: 5_000 });
    await this.lab.execOk(host, ['qemu-img', 'create', '-q', '-f', 'qcow2', '--', diskPath, `${sizeMiB}M`], { timeoutMs: 20_000 });
  }

  /** A QMP connection to a running guest (one per guest and LabGuests, reopened after it closed). */
  async qmp(host: string, name: string): Promise<QmpClient> {
    const k = key(host, name);
    const cached = this.clients.get(k);
    if (cached) {
      const client = await cached.catch(() => undefined);
      if (client && !client.closed) return client;
      this.clients.delete(k);
    }
    const record = this.requireRecord(host, name);
    if (!guestAlive(record)) throw new CwError('CONFLICT', `Guest ${name} on lab host ${host} is not running.`);
    const opening = QmpClient.connect(this.qmpSocket(host, guestPaths(record.spec)), { label: `guest ${name} on lab host ${host}`, timeoutMs: 10_000 });
    this.clients.set(k, opening);
    opening.catch(() => this.clients.delete(k));
    return opening;
  }

  /** Running (QEMU runs the guest), paused (stopped by QMP, or migrating in/out), or stopped (no process). */
  async status(host: string, name: string): Promise<GuestStatus> {
    const record = this.requireRecord(host, name);
    const base = { name, host, memoryMiB: record.spec.memoryMiB, incoming: record.incoming, ...(record.spec.disk ? { disk: { path: guestPaths(record.spec).disk!, sizeMiB: record.spec.disk.sizeMiB } } : {}) };
    if (!guestAlive(record)) return { ...base, status: 'stopped', cpuSeconds: 0, cpu: 0, rssBytes: 0, uptimeSeconds: 0 };
    const figures = processFigures(record.pid);
    const k = key(host, name);
    const previous = this.cpuSamples.get(k);
    const now = Date.now();
    const cpu = previous && now > previous.at ? (figures.cpuSeconds - previous.cpuSeconds) / ((now - previous.at) / 1000) : figures.uptimeSeconds > 0 ? figures.cpuSeconds / figures.uptimeSeconds : 0;
    this.cpuSamples.set(k, { at: now, cpuSeconds: figures.cpuSeconds });
    let qmpStatus: string | undefined;
    try {
      qmpStatus = (await (await this.qmp(host, name)).execute<{ status: string }>('query-status', undefined, { timeoutMs: 5_000 })).status;
    } catch {
      if (!guestAlive(record)) return { ...base, status: 'stopped', cpuSeconds: 0, cpu: 0, rssBytes: 0, uptimeSeconds: 0 };
    }
    // A QEMU whose monitor does not answer still runs the guest as far as anyone can tell (as a hypervisor's API reports it).
    return { ...base, status: qmpStatus === undefined || qmpStatus === 'running' ? 'running' : 'paused', ...(qmpStatus ? { qmpStatus } : {}), pid: record.pid, cpuSeconds: figures.cpuSeconds, cpu: Math.max(0, cpu), rssBytes: figures.rssBytes, uptimeSeconds: figures.uptimeSeconds };
  }

  /** The payload's counters (ticks, pages dirtied, whether RAM is filled), read from guest memory. */
  async counters(host: string, name: string): Promise<PayloadCounters> {
    const client = await this.qmp(host, name);
    const out = await client.execute<string>('human-monitor-command', { 'command-line': `xp /8wx 0x${(payloadLoadAddress + payloadOffsets.seed).toString(16)}` }, { timeoutMs: 5_000 });
    return parsePayloadCounters(out);
  }

  /** Pauses the guest's CPU (QMP stop); its process stays. */
  async pause(host: string, name: string): Promise<void> {
    await (await this.qmp(host, name)).execute('stop');
  }

  /** Continues a paused guest (QMP cont). */
  async resume(host: string, name: string): Promise<void> {
    await (await this.qmp(host, name)).execute('cont');
  }

  /**
   * Stops the guest at once as a hard power-off: QMP `quit`, then SIGKILL if QEMU is still there after
   * `timeoutMs`. Its disk and record stay. Returns whether a process was running.
   */
  async stop(host: string, name: string, timeoutMs = 5_000): Promise<boolean> {
    const record = this.requireRecord(host, name);
    if (!guestAlive(record)) return false;
    try {
      const client = await this.qmp(host, name);
      await client.execute('quit', undefined, { timeoutMs: 2_000 }).catch(() => undefined);
    } catch {
      /* no monitor: the signal below ends it */
    }
    const gone = await waitFor(() => !guestAlive(record), timeoutMs, 25);
    if (!gone) {
      killRecorded({ pid: record.pid, cmdline: record.cmdline, role: `guest ${name}` }, 'SIGKILL');
      await waitFor(() => !isRunning(record.pid), 5_000, 25);
    }
    this.forget(host, name);
    return true;
  }

  /**
   * Asks the guest to power off (ACPI power button; the payload answers it as an OS would) and waits until QEMU
   * has exited. After `timeoutMs` it throws TIMEOUT, or hard-stops the guest when `force` is set.
   */
  async shutdown(host: string, name: string, options: { timeoutMs?: number; force?: boolean } = {}): Promise<void> {
    const record = this.requireRecord(host, name);
    if (!guestAlive(record)) return;
    const timeoutMs = options.timeoutMs ?? 60_000;
    await (await this.qmp(host, name)).execute('system_powerdown');
    if (await waitFor(() => !guestAlive(record), timeoutMs, 50)) {
      this.forget(host, name);
      return;
    }
    if (options.force) {
      await this.stop(host, name);
      return;
    }
    throw new CwError('TIMEOUT', `Guest ${name} on lab host ${host} did not shut down within ${timeoutMs / 1000} s; stop it instead.`);
  }

  /** Stops the guest and removes its directory (payload, record and, when it lives there, its disk). */
  async destroy(host: string, name: string): Promise<void> {
    const record = this.record(host, name);
    if (!record) return;
    await this.stop(host, name);
    const paths = guestPaths(record.spec);
    if (paths.disk && !paths.disk.startsWith(`${paths.dir}/`)) await this.lab.exec(host, ['rm', '-f', '--', paths.disk], { timeoutMs: 10_000 });
    fs.rmSync(this.rootPath(host, paths.dir), { recursive: true, force: true });
  }

  /** Kills every guest of the lab (by recorded PID) and says how many were running. */
  async stopAll(): Promise<number> {
    this.close();
    return stopLabGuests(this.lab.stateDir);
  }

  /** Closes the QMP connections this instance opened (the guests keep running). */
  close(): void {
    for (const [k, opening] of this.clients) {
      void opening.then((c) => c.close()).catch(() => undefined);
      this.clients.delete(k);
    }
  }

  /** Where the guest's record, socket and payload are inside the host. */
  paths(host: string, name: string): GuestPaths {
    return guestPaths(this.requireRecord(host, name).spec);
  }

  /** Drops a cached connection (after the guest stopped or moved). */
  forget(host: string, name: string): void {
    const k = key(host, name);
    const opening = this.clients.get(k);
    if (opening) void opening.then((c) => c.close()).catch(() => undefined);
    this.clients.delete(k);
    this.cpuSamples.delete(k);
  }
}

function key(host: string, name: string): string {
  return `${host}\u0000${name}`;
}

/**
 * The root-namespace PID of the process that is `nsPid` in the PID namespace of `initPid` (from the NSpid line
 * of /proc/<pid>/status, whose last field is the PID in the innermost namespace).
 */
export function rootPidOf(initPid: number, nsPid: number): number | undefined {
  let namespace: string;
  try {
    namespace = fs.readlinkSync(`/proc/${initPid}/ns/pid`);
  } catch {
    return undefined;
  }
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (fs.readlinkSync(`/proc/${entry}/ns/pid`) !== namespace) continue;
      const line = /^NSpid:\s+(.+)$/m.exec(fs.readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      const ids = line?.trim().split(/\s+/).map(Number) ?? [];
      if (ids.length > 1 && ids[ids.length - 1] === nsPid) return Number(entry);
    } catch {
      /* exited meanwhile */
    }
  }
  return undefined;
}

/** CPU time, resident memory and age of a process, from /proc. */
export function processFigures(pid: number): { cpuSeconds: number; rssBytes: number; uptimeSeconds: number } {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces): state is field 3, utime 14, stime 15, starttime 22.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(rest[11]);
    const stime = Number(rest[12]);
    const startTicks = Number(rest[19]);
    const uptime = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
    const rssKiB = Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    return { cpuSeconds: (utime + stime) / clockTicksPerSecond, rssBytes: rssKiB * 1024, uptimeSeconds: Math.max(0, uptime - startTicks / clockTicksPerSecond) };
  } catch {
    return { cpuSeconds: 0, rssBytes: 0, uptimeSeconds: 0 };
  }
}
