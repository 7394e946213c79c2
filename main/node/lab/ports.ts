// Ports for lab services on 127.0.0.1. A port found free is handed to a server that binds it seconds later
// (Python services import for a while first), so two things must not take it in between:
// - the kernel's own choices (bind to port 0, the source port of an outgoing connection) come from
//   net.ipv4.ip_local_port_range, so ports are picked outside that range where there is room;
// - another lab or test process of this tool picks with the same function, so each pick is reserved
//   with a file made exclusively in a folder only this user can write, until the picker exits or ten
//   minutes pass (a lab service binds within its start bound, far below that).
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pidAlive } from '../pid.js';

/** How long a reservation holds when its process is still alive. */
export const reservationMs = 10 * 60_000;
const lowestPort = 20_000;

/** The kernel's range for automatic ports (`[32768, 60999]` where it cannot be read). */
export function ephemeralRange(file = '/proc/sys/net/ipv4/ip_local_port_range'): [number, number] {
  try {
    const [low, high] = fs.readFileSync(file, 'utf8').trim().split(/\s+/).map(Number);
    if (Number.isInteger(low) && Number.isInteger(high) && low! >= 1 && high! <= 65_535 && low! <= high!) return [low!, high!];
  } catch {
    /* not Linux, or hidden */
  }
  return [32_768, 60_999];
}

/** The ranges picks come from: outside the automatic range where that leaves at least 1,000 ports. */
export function pickRanges(range: [number, number]): [number, number][] {
  const [low, high] = range;
  const outside: [number, number][] = [];
  if (low - 1 >= lowestPort) outside.push([lowestPort, low - 1]);
  if (high + 1 <= 65_535) outside.push([Math.max(high + 1, lowestPort), 65_535]);
  const size = outside.reduce((n, [a, b]) => n + b - a + 1, 0);
  return size >= 1_000 ? outside : [[Math.max(1_024, Math.min(low, lowestPort)), 65_535]];
}

function randomPort(ranges: [number, number][]): number {
  const size = ranges.reduce((n, [a, b]) => n + b - a + 1, 0);
  let i = Math.floor(Math.random() * size);
  for (const [a, b] of ranges) {
    if (i <= b - a) return a + i;
    i -= b - a + 1;
  }
  return ranges[0]![0];
}

/** The reservation folder when it is a real folder of this user that nobody else can write; otherwise none. */
export function reservationDir(base = os.tmpdir()): string | undefined {
  const dir = path.join(base, `clusterwright-ports-${process.getuid?.() ?? 'user'}`);
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
  }
  try {
    const st = fs.lstatSync(dir);
    if (!st.isDirectory() || (process.getuid && st.uid !== process.getuid()) || (st.mode & 0o022) !== 0) return undefined;
    return dir;
  } catch {
    return undefined;
  }
}

const mine = new Set<string>();
let exitHook = false;
let pruned = false;

/** Whether a reservation file's holder still counts: a live process that made it less than ten minutes ago. */
function held(file: string, now: number): boolean {
  try {
    const [pid, at] = fs.readFileSync(file, 'utf8').trim().split(' ').map(Number);
    return Number.isInteger(pid) && Number.isFinite(at) && now - at! <= reservationMs && now >= at! - 60_000 && pidAlive(pid!);
  } catch {
    return false;
  }
}

/**
 * Removes the reservations no live pick holds any more (a process killed by a signal leaves its files), so the
 * folder holds only what is reserved now. Once per process, before its first pick.
 */
export function pruneReservations(dir: string, now = Date.now()): number {
  let removed = 0;
  let names: string[] = [];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of names) {
    if (!/^\d{1,5}$/.test(name)) continue;
    const file = path.join(dir, name);
    if (mine.has(file) || held(file, now)) continue;
    fs.rmSync(file, { force: true });
    removed++;
  }
  return removed;
}

/** Reserves `port` for this process; false when a live reservation of another pick holds it. */
export function reserve(dir: string, port: number, now = Date.now()): boolean {
  const file = path.join(dir, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, `${process.pid} ${now}\n`, { flag: 'wx', mode: 0o600 });
      mine.add(file);
      if (!exitHook) {
        exitHook = true;
        process.once('exit', () => {
          for (const f of mine) fs.rmSync(f, { force: true });
        });
      }
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
    }
    if (held(file, now)) return false;
    fs.rmSync(file, { force: true });
  }
  return false;
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function kernelPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as net.AddressInfo).port;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A port on 127.0.0.1 nobody listens on right now, reserved against this tool's other picks and outside
 * the kernel's automatic range (whoever takes it should still check it got it alone).
 */
export async function freePort(): Promise<number> {
  const dir = reservationDir();
  if (dir && !pruned) {
    pruned = true;
    pruneReservations(dir);
  }
  const ranges = pickRanges(ephemeralRange());
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = randomPort(ranges);
    if (dir && !reserve(dir, port)) continue;
    if (await bindable(port)) return port;
  }
  return kernelPort();
}
