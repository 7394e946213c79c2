// stopLabGuests kills the guests a lab recorded — only processes that still run the recorded command line —
// and says how many.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readCmdline } from '../system.js';
import { guestAlive, readGuestRecords, stopLabGuests, writeGuestRecord, type GuestRecord } from './registry.js';

describe('guest records', () => {
  const dirs: string[] = [];
  const children: number[] = [];
  afterEach(() => {
    for (const pid of children.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  const record = (stateDir: string, host: string, r: Omit<GuestRecord, 'host' | 'spec' | 'incoming' | 'nsPid' | 'startedAt'>) => {
    const dir = path.join(stateDir, 'hosts', host, 'fs', 'run', 'cw-guests', r.name);
    fs.mkdirSync(dir, { recursive: true });
    const full: GuestRecord = { ...r, host, spec: { name: r.name, memoryMiB: 64 }, incoming: false, nsPid: 1, startedAt: new Date().toISOString() };
    writeGuestRecord(path.join(dir, 'guest.json'), full);
    return full;
  };

  it('finds every host’s records and stops only the processes that still are the recorded ones', async () => {
    const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-guests-'));
    dirs.push(stateDir);
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    children.push(child.pid!);
    await new Promise((r) => setTimeout(r, 50));
    const live = record(stateDir, 'a1', { name: 'vm100', pid: child.pid!, cmdline: readCmdline(child.pid!)! });
    // A record whose PID now belongs to another program (this test process) must not be signalled.
    const reused = record(stateDir, 'b1', { name: 'vm101', pid: process.pid, cmdline: 'qemu-system-x86_64 -name vm101' });
    const gone = record(stateDir, 'b1', { name: 'vm102', pid: 0, cmdline: '' });
    expect(readGuestRecords(stateDir).map((r) => r.record.name).sort()).toEqual(['vm100', 'vm101', 'vm102']);
    expect([live, reused, gone].map(guestAlive)).toEqual([true, false, false]);
    const exited = new Promise((r) => child.once('exit', (_code, signal) => r(signal)));
    expect(await stopLabGuests(stateDir)).toBe(1);
    expect(await exited).toBe('SIGKILL');
    expect(await stopLabGuests(stateDir)).toBe(0);
    expect(readGuestRecords(path.join(stateDir, 'nowhere'))).toEqual([]);
  });
});
