// npm run bench's summary: every vitest bench() becomes a row with its median and the target its name
// states; benchmarks write their own rows (figure, target, met) as JSON lines; the table says which
// targets were met, and a benchmark that could not run says why instead of showing a figure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { formatSummary, parseTarget, rowsFromVitestReport } from '../../scripts/bench-summary.mjs';
import { benchFigure, benchSkipped, benchTimings, type BenchRow } from '../bench/results.js';

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-bench-rows-'));
  vi.stubEnv('CW_BENCH_RESULTS', path.join(tmp, 'rows.jsonl'));
});
afterEach(() => {
  vi.unstubAllEnvs();
  fs.rmSync(tmp, { recursive: true, force: true });
});

const written = (): BenchRow[] =>
  fs
    .readFileSync(path.join(tmp, 'rows.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as BenchRow);

describe('rows a benchmark writes', () => {
  it('compare the figure with its target and say whether it was met', () => {
    benchFigure('validate', 6.3, 'ms', { below: 100 });
    benchFigure('terminal ratio', 0.7, '', { atLeast: 0.85 }, '12 vs 17 MiB/s');
    benchFigure('engine share', 5, '%', { atMost: 5 });
    benchFigure('first render', 812.4, 'ms');
    benchSkipped('fan-out, 14 hosts', '≤ 0.5', 'needs root');
    expect(written()).toEqual([
      { measure: 'validate', target: '< 100 ms', figure: '6.3 ms', met: true },
      { measure: 'terminal ratio', target: '≥ 0.85', figure: '0.7 (12 vs 17 MiB/s)', met: false },
      { measure: 'engine share', target: '≤ 5 %', figure: '5 %', met: true },
      { measure: 'first render', target: '—', figure: '812 ms', met: null },
      { measure: 'fan-out, 14 hosts', target: '≤ 0.5', figure: 'skipped: needs root', met: null },
    ]);
  });

  it('time bench() functions by name for derived figures', async () => {
    const timings = benchTimings();
    const slow = timings.track('slow', () => new Promise((r) => setTimeout(r, 20)));
    for (let i = 0; i < 3; i++) await slow();
    expect(timings.median('slow')).toBeGreaterThanOrEqual(15);
    expect(timings.median('never ran')).toBeNaN();
  });
});

describe('rows from vitest\'s bench report', () => {
  const report = {
    files: [
      {
        filepath: '/x/test/bench/validate.bench.ts',
        groups: [
          { fullName: 'test/bench/validate.bench.ts > validate a large estate (target < 100 ms)', benchmarks: [{ name: 'rules only', median: 6.2, mean: 8.7, sampleCount: 58 }, { name: 'with parsing', median: 123.4, mean: 130, sampleCount: 20 }] },
          { fullName: 'test/bench/ssh.bench.ts > exec round trip', benchmarks: [{ name: 'TCP_NODELAY on (target ≤ 5 ms)', median: 2.61, sampleCount: 25 }, { name: 'Nagle', median: 44.1, sampleCount: 66 }] },
          { fullName: 'test/bench/engine-lab.bench.ts > 30 steps on 3 lab hosts — skipped: needs root', benchmarks: [{ name: 'engine, parallel', median: 0.001, sampleCount: 5 }] },
        ],
      },
    ],
  };

  it('read the target from the bench\'s or its group\'s name, use the median, and keep skips as skips', () => {
    expect(rowsFromVitestReport(report)).toEqual([
      { measure: 'validate a large estate (target < 100 ms) › rules only', target: '< 100 ms', figure: '6.2 ms (median of 58)', met: true },
      { measure: 'validate a large estate (target < 100 ms) › with parsing', target: '< 100 ms', figure: '123 ms (median of 20)', met: false },
      { measure: 'exec round trip › TCP_NODELAY on (target ≤ 5 ms)', target: '≤ 5 ms', figure: '2.61 ms (median of 25)', met: true },
      { measure: 'exec round trip › Nagle', target: '—', figure: '44.1 ms (median of 66)', met: null },
      { measure: '30 steps on 3 lab hosts › engine, parallel', target: '—', figure: 'skipped: needs root', met: null },
    ]);
  });

  it('parse the ways a target is written', () => {
    expect(parseTarget('x (target < 100 ms)')).toEqual({ op: '<', value: 100, unit: 'ms' });
    expect(parseTarget('target <= 5ms')).toEqual({ op: '≤', value: 5, unit: 'ms' });
    expect(parseTarget('target ≥ 0.85')).toEqual({ op: '≥', value: 0.85, unit: '' });
    expect(parseTarget('no target here')).toBeUndefined();
  });
});

describe('the summary table', () => {
  it('has one line per row with measure, target, figure and met, and counts the targets met', () => {
    const text = formatSummary([
      { measure: 'validate', target: '< 100 ms', figure: '6.2 ms', met: true },
      { measure: 'terminal ratio', target: '≥ 0.85', figure: '0.7', met: false },
      { measure: 'first render', target: '—', figure: '812 ms', met: null },
    ]);
    const lines = text.split('\n').filter((l) => l.startsWith('| '));
    expect(lines[0]).toMatch(/^\| measure\s+\| target\s+\| figure\s+\| met\s+\|$/);
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^\| validate .*\| met\s+\|$/), expect.stringMatching(/^\| terminal ratio .*\| NOT MET \|$/), expect.stringMatching(/^\| first render .*\| —\s+\|$/)]);
    expect(text).toContain('1 of 2 targets met; 1 rows without a target or a figure.');
  });
});
