// The lock around `lab up`: concurrent starts run one after the other; a lock whose owner died is taken over.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { withLabLock } from './lock.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-lablock-'));
const lockFile = path.join(dir, 'lab.lock');
afterEach(() => fs.rmSync(lockFile, { force: true }));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('lab start lock', () => {
  it('runs two starts one after the other, never both at once', async () => {
    let inside = 0;
    let maxInside = 0;
    const order: string[] = [];
    const work = (name: string) =>
      withLabLock(async () => {
        inside += 1;
        maxInside = Math.max(maxInside, inside);
        order.push(`${name} in`);
        await new Promise((r) => setTimeout(r, 150));
        order.push(`${name} out`);
        inside -= 1;
      }, { path: lockFile });
    await Promise.all([work('a'), work('b')]);
    expect(maxInside).toBe(1);
    expect(order).toEqual(['a in', 'a out', 'b in', 'b out']);
    expect(fs.existsSync(lockFile)).toBe(false);
  });

  it('takes over a lock left by a process that is gone, and releases on failure', async () => {
    fs.writeFileSync(lockFile, '999999999 deadbeef');
    await expect(withLabLock(async () => {
      expect(fs.readFileSync(lockFile, 'utf8')).toMatch(new RegExp(`^${process.pid} `));
      throw new Error('build failed');
    }, { path: lockFile })).rejects.toThrow('build failed');
    expect(fs.existsSync(lockFile)).toBe(false);
  });

  it('gives up with a clear message when a live process holds the lock too long', async () => {
    fs.writeFileSync(lockFile, `${process.ppid} someone-else`);
    await expect(withLabLock(async () => undefined, { path: lockFile, timeoutMs: 300 })).rejects.toThrow(/Another lab is being started/);
  });
});
