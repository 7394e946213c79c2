// How a benchmark hands its figures to `npm run bench`'s summary table: one JSON line per row
// {measure, target, figure, met} in the results file scripts/bench.mjs names (CW_BENCH_RESULTS).
//
// Adding a row, from any benchmark (a vitest bench file's afterAll, a *.bench-e2e.ts test, a script):
//
//   benchFigure('validate, 180-node estate: rules only', medianMs, 'ms', { below: 100 });
//   benchFigure('terminal throughput, remote ÷ local', ratio, '', { atLeast: 0.85 });
//   benchRow({ measure: 'fan-out, 14 hosts', target: '≤ 0.5 of pssh', figure: 'pssh not installed', met: null });
//
// A vitest bench() needs nothing at all when its own or its group's name states the target, e.g.
// "… (target < 100 ms)" or "(target ≤ 5 ms)": scripts/bench.mjs reads vitest's JSON report and makes
// the row (figure: the median). For a figure derived from several bench() runs (a ratio), wrap the
// functions with benchTimings().track(…) and write the row in afterAll. Missing a target never fails
// the command; the table says so.
import fs from 'node:fs';
import path from 'node:path';

export interface BenchRow {
  measure: string;
  /** What the figure should be, in words ("< 100 ms", "≤ 0.5", "—" when there is none). */
  target: string;
  /** The figure as measured, with its unit; or why there is none ("skipped: needs root"). */
  figure: string;
  /** Whether the target was met; null when there is no target or no figure. */
  met: boolean | null;
}

/** The file rows are appended to: the runner's, or test-results/bench-results.jsonl when a bench runs alone. */
export function benchResultsFile(env: NodeJS.ProcessEnv = process.env): string {
  return env.CW_BENCH_RESULTS ?? path.resolve('test-results', 'bench-results.jsonl');
}

export function benchRow(row: BenchRow): void {
  const file = benchResultsFile();
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.appendFileSync(file, JSON.stringify(row) + '\n');
}

export type BenchTarget = { below: number } | { atMost: number } | { above: number } | { atLeast: number };

function describeTarget(target: BenchTarget, unit: string): string {
  const u = unit ? ` ${unit}` : '';
  if ('below' in target) return `< ${target.below}${u}`;
  if ('atMost' in target) return `≤ ${target.atMost}${u}`;
  if ('above' in target) return `> ${target.above}${u}`;
  return `≥ ${target.atLeast}${u}`;
}

export function targetMet(value: number, target: BenchTarget): boolean {
  if ('below' in target) return value < target.below;
  if ('atMost' in target) return value <= target.atMost;
  if ('above' in target) return value > target.above;
  return value >= target.atLeast;
}

function formatFigure(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  return String(abs >= 100 ? Math.round(value) : abs >= 10 ? Math.round(value * 10) / 10 : Math.round(value * 1000) / 1000);
}

/** A numeric figure compared with its target (or none); `note` follows the figure ("median of 5"). */
export function benchFigure(measure: string, value: number, unit: string, target?: BenchTarget, note?: string): BenchRow {
  const row: BenchRow = {
    measure,
    target: target ? describeTarget(target, unit) : '—',
    figure: `${formatFigure(value)}${unit ? ` ${unit}` : ''}${note ? ` (${note})` : ''}`,
    met: target && Number.isFinite(value) ? targetMet(value, target) : null,
  };
  benchRow(row);
  return row;
}

/** A row for a benchmark that could not run here, with the reason. */
export function benchSkipped(measure: string, target: string, reason: string): void {
  benchRow({ measure, target, figure: `skipped: ${reason}`, met: null });
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (!sorted.length) return Number.NaN;
  const mid = sorted.length / 2;
  return sorted.length % 2 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Wall times of bench() functions by name, for figures derived from several of them. */
export function benchTimings(): { track<A extends unknown[]>(name: string, fn: (...args: A) => unknown): (...args: A) => Promise<void>; median(name: string): number } {
  const times = new Map<string, number[]>();
  return {
    track: (name, fn) => async (...args) => {
      const started = performance.now();
      await fn(...args);
      const list = times.get(name) ?? [];
      list.push(performance.now() - started);
      times.set(name, list);
    },
    median: (name) => median(times.get(name) ?? []),
  };
}
