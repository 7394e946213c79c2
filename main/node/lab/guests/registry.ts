// Where a lab keeps its guests' records (one JSON file per guest, inside the host's private /run), and the
// one function that stops every guest of a lab by its recorded PID — what `lab down` and test teardowns call.
import fs from 'node:fs';
import path from 'node:path';
import { isRunning, killRecorded, readCmdline, waitFor, type RecordedProcess } from '../system.js';
import type { GuestSpec } from './spec.js';

/** The guests' directory inside each host (its private /run). */
export const guestRunDir = '/run/cw-guests';

/** What the lab remembers of a guest it started. */
export interface GuestRecord {
  name: string;
  host: string;
  spec: GuestSpec;
  /** Started with `-incoming defer` as a migration target (paused until the migration completes). */
  incoming: boolean;
  /** PID in the root PID namespace and the command line it had when started (checked before any signal). */
  pid: number;
  cmdline: string;
  /** PID inside the host's PID namespace (what QEMU wrote to its pid file). */
  nsPid: number;
  startedAt: string;
}

/** Paths of a guest's files as the host sees them. */
export interface GuestPaths {
  dir: string;
  qmp: string;
  pidFile: string;
  kernel: string;
  record: string;
  disk?: string;
}

export function guestPaths(spec: Pick<GuestSpec, 'name' | 'disk'>): GuestPaths {
  const dir = `${guestRunDir}/${spec.name}`;
  return {
    dir,
    qmp: `${dir}/qmp.sock`,
    pidFile: `${dir}/qemu.pid`,
    kernel: `${dir}/guest.bin`,
    record: `${dir}/guest.json`,
    ...(spec.disk ? { disk: spec.disk.path ?? `${dir}/disk-0.qcow2` } : {}),
  };
}

/** Every guest record found under a lab's state directory (hosts/<host>/fs/run/cw-guests/<name>/guest.json). */
export function readGuestRecords(stateDir: string): { file: string; record: GuestRecord }[] {
  const out: { file: string; record: GuestRecord }[] = [];
  const hostsDir = path.join(stateDir, 'hosts');
  let hosts: string[] = [];
  try {
    hosts = fs.readdirSync(hostsDir);
  } catch {
    return out;
  }
  for (const host of hosts) {
    const dir = path.join(hostsDir, host, 'fs', guestRunDir.replace(/^\//, ''));
    let names: string[] = [];
    try {
      names = fs.readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const file = path.join(dir, name, 'guest.json');
      try {
        out.push({ file, record: JSON.parse(fs.readFileSync(file, 'utf8')) as GuestRecord });
      } catch {
        /* no record (yet), or one caught mid-write: nothing recorded to stop */
      }
    }
  }
  return out;
}

export function writeGuestRecord(file: string, record: GuestRecord): void {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, JSON.stringify(record, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(temp, file);
}

/** A recorded guest process that is still the QEMU it was (same PID and command line) and not a zombie. */
export function guestAlive(record: Pick<GuestRecord, 'pid' | 'cmdline'>): boolean {
  return record.pid > 0 && readCmdline(record.pid) === record.cmdline && isRunning(record.pid);
}

/**
 * Kills every guest QEMU a lab recorded (SIGKILL, each checked against its recorded command line), waits
 * until they are gone and returns how many it stopped. Records stay (their disks too): a stopped guest.
 */
export async function stopLabGuests(stateDir: string, timeoutMs = 5_000): Promise<number> {
  const live: RecordedProcess[] = readGuestRecords(stateDir)
    .map(({ record }) => record)
    .filter(guestAlive)
    .map((r) => ({ pid: r.pid, cmdline: r.cmdline, role: `guest ${r.name} on ${r.host}` }));
  const signalled = live.filter((p) => killRecorded(p, 'SIGKILL'));
  await waitFor(() => signalled.every((p) => !isRunning(p.pid)), timeoutMs, 25);
  return signalled.length;
}
