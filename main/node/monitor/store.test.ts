import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { MonitorSample } from '../../common/monitor/model.js';
import { MonitorStore } from './store.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-monstore-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});
const sample = (t: number): MonitorSample => ({ t, links: [{ network: 'ring0', a: 'a1', b: 'b1', rttMs: 1 + (t % 7), lossPercent: 0, source: 'ping' }], clusters: [] });

describe('the monitoring store', () => {
  it('keeps its rounds across a restart, skipping a torn last line', async () => {
    const dir = tempDir();
    const store = new MonitorStore({ dir, now: () => 10_000 });
    for (let t = 1000; t <= 5000; t += 1000) await store.append(sample(t));
    const [file] = fs.readdirSync(dir);
    fs.appendFileSync(path.join(dir, file!), '{"t": 6000, "links": [');
    const reopened = new MonitorStore({ dir, now: () => 10_000 });
    expect(reopened.query().map((r) => r.t)).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(reopened.skippedLines).toBe(1);
    expect(reopened.query(3000).map((r) => r.t)).toEqual([3000, 4000, 5000]);
  });

  it('stays within its size bound on disk and its round bound in memory', async () => {
    const dir = tempDir();
    const store = new MonitorStore({ dir, maxBytes: 4000, segmentBytes: 1000, memoryRounds: 50, now: () => 1e6 });
    for (let t = 1; t <= 400; t++) await store.append(sample(t));
    expect(store.diskBytes()).toBeLessThanOrEqual(4000 + 1000);
    expect(store.query()).toHaveLength(50);
    expect(store.latest()!.t).toBe(400);
    const reopened = new MonitorStore({ dir, maxBytes: 4000, segmentBytes: 1000, memoryRounds: 50, now: () => 1e6 });
    expect(reopened.latest()!.t).toBe(400);
    expect(reopened.query().length).toBeGreaterThan(10);
  });

  it('drops rounds past the retention', async () => {
    const dir = tempDir();
    let now = 0;
    const store = new MonitorStore({ dir, retentionMs: 10_000, segmentMs: 2_000, now: () => now });
    for (let t = 0; t <= 30_000; t += 1000) {
      now = t;
      await store.append(sample(t));
    }
    expect(store.query()[0]!.t).toBeGreaterThanOrEqual(20_000);
    const reopened = new MonitorStore({ dir, retentionMs: 10_000, segmentMs: 2_000, now: () => now });
    expect(reopened.query()[0]!.t).toBeGreaterThanOrEqual(20_000);
    // Old segments are gone from the disk, not only from memory.
    expect(fs.readdirSync(dir).map((f) => Number(f.slice(0, 13))).every((s) => s >= 16_000)).toBe(true);
  });
});
