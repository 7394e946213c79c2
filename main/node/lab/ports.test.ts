import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { ephemeralRange, freePort, pickRanges, pruneReservations, reservationDir, reservationMs, reserve } from './ports.js';

const dirs: string[] = [];
function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-ports-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('lab ports', () => {
  it('picks outside the kernel range for automatic ports, and falls back to a wide range when there is no room', () => {
    expect(pickRanges([32_768, 60_999])).toEqual([
      [20_000, 32_767],
      [61_000, 65_535],
    ]);
    expect(pickRanges([1_024, 65_535])).toEqual([[1_024, 65_535]]);
    expect(pickRanges([20_500, 65_000])).toEqual([
      [20_000, 20_499],
      [65_001, 65_535],
    ]);
    expect(pickRanges([20_300, 65_200])).toEqual([[20_000, 65_535]]);
    const f = path.join(tmp(), 'range');
    fs.writeFileSync(f, '40000\t50000\n');
    expect(ephemeralRange(f)).toEqual([40_000, 50_000]);
    fs.writeFileSync(f, 'nonsense');
    expect(ephemeralRange(f)).toEqual([32_768, 60_999]);
  });

  it('hands out ports nobody holds, outside the automatic range, never the same twice in one process', async () => {
    const [low, high] = ephemeralRange();
    const held = net.createServer();
    await new Promise<void>((r) => held.listen(0, '127.0.0.1', r));
    const heldPort = (held.address() as net.AddressInfo).port;
    try {
      const ports = await Promise.all(Array.from({ length: 60 }, () => freePort()));
      expect(new Set(ports).size).toBe(60);
      for (const p of ports) {
        expect(p).not.toBe(heldPort);
        expect(p >= low && p <= high).toBe(false);
      }
    } finally {
      held.close();
    }
  });

  it('does not hand a port another live process of this tool reserved, and reclaims one whose process is gone or too old', () => {
    const dir = tmp();
    fs.chmodSync(dir, 0o700);
    // A live holder: the parent of this test process.
    fs.writeFileSync(path.join(dir, '25001'), `${process.ppid} ${Date.now()}\n`);
    expect(reserve(dir, 25_001)).toBe(false);
    // Too old, though alive.
    fs.writeFileSync(path.join(dir, '25002'), `${process.ppid} ${Date.now() - reservationMs - 1_000}\n`);
    expect(reserve(dir, 25_002)).toBe(true);
    // A process that has exited.
    const gone = spawn(process.execPath, ['-e', '0']);
    const pid = gone.pid!;
    return new Promise<void>((resolve) => gone.once('exit', resolve)).then(() => {
      fs.writeFileSync(path.join(dir, '25003'), `${pid} ${Date.now()}\n`);
      expect(reserve(dir, 25_003)).toBe(true);
      expect(fs.readFileSync(path.join(dir, '25003'), 'utf8')).toMatch(new RegExp(`^${process.pid} `));
      // Garbage in the file is not a live reservation.
      fs.writeFileSync(path.join(dir, '25004'), 'x y');
      expect(reserve(dir, 25_004)).toBe(true);
      // Ours now: a second pick of the same port is refused.
      expect(reserve(dir, 25_004)).toBe(false);
    });
  });

  it('prunes the reservations no live pick holds (a process killed by a signal leaves its files), keeping live ones and other files', async () => {
    const dir = tmp();
    fs.chmodSync(dir, 0o700);
    const gone = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => gone.once('exit', r));
    fs.writeFileSync(path.join(dir, '26001'), `${gone.pid} ${Date.now()}\n`); // its process has exited
    fs.writeFileSync(path.join(dir, '26002'), `${process.ppid} ${Date.now() - reservationMs - 1_000}\n`); // too old
    fs.writeFileSync(path.join(dir, '26003'), 'garbage');
    fs.writeFileSync(path.join(dir, '26004'), `${process.ppid} ${Date.now()}\n`); // live
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a reservation');
    expect(reserve(dir, 26_005)).toBe(true); // ours
    expect(pruneReservations(dir)).toBe(3);
    expect(fs.readdirSync(dir).sort()).toEqual(['26004', '26005', 'notes.txt']);
  });

  it('two processes picking at once never get the same port', async () => {
    const out = path.join(tmp(), 'ports.mjs');
    await build({ entryPoints: [path.join(import.meta.dirname, 'ports.ts')], bundle: true, platform: 'node', format: 'esm', outfile: out, logLevel: 'silent' });
    const script = `import(${JSON.stringify(out)}).then(async (m) => { const out = []; for (let i = 0; i < 40; i++) out.push(await m.freePort()); process.stdout.write(JSON.stringify(out)); });`;
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let text = '';
    child.stdout.on('data', (c: Buffer) => (text += c.toString()));
    const mine: number[] = [];
    for (let i = 0; i < 40; i++) mine.push(await freePort());
    await new Promise((r) => child.once('exit', r));
    const theirs = JSON.parse(text) as number[];
    expect(theirs).toHaveLength(40);
    expect(mine.filter((p) => theirs.includes(p))).toEqual([]);
  });

  it('uses no reservation folder that another user could write into or that is not a folder', () => {
    const base = tmp();
    const own = reservationDir(base);
    expect(own).toBeDefined();
    expect(fs.statSync(own!).mode & 0o777).toBe(0o700);
    fs.chmodSync(own!, 0o777);
    expect(reservationDir(base)).toBeUndefined();
    fs.rmSync(own!, { recursive: true });
    fs.symlinkSync(base, own!);
    expect(reservationDir(base)).toBeUndefined();
  });
});
