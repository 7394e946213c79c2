// `npm run bench`: builds, then runs the vitest benchmarks (*.bench.ts, the lab ones too) and the
// browser/lab benchmarks (*.bench-e2e.ts), each printing its own table, and ends with one summary
// table: measure, target, figure, met or not. A missed target never fails the command (speed is
// reported here, not enforced by tests); a benchmark that could not run at all does.
//
// Where the rows come from (see test/bench/results.ts for how a benchmark adds one):
//   - every vitest bench(): its median, from vitest's JSON report; the target is read from the bench's
//     or its group's name ("… (target < 100 ms)", "target ≤ 5 ms", "target ≥ 0.85");
//   - rows the benchmarks write themselves (benchFigure / benchRow) as JSON lines into
//     test-results/bench-results.jsonl (CW_BENCH_RESULTS).
// Both are written together to test-results/bench-summary.json.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatSummary, rowsFromVitestReport } from './bench-summary.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const vitest = path.join(root, 'node_modules', '.bin', 'vitest');
const filters = process.argv.slice(2);
const resultsDir = path.join(root, 'test-results');
const rowsFile = path.join(resultsDir, 'bench-results.jsonl');
const summaryFile = path.join(resultsDir, 'bench-summary.json');
fs.mkdirSync(resultsDir, { recursive: true });
fs.rmSync(rowsFile, { force: true });

const env = { ...process.env, CW_BENCH_RESULTS: rowsFile };
const run = (args) => spawnSync(vitest, [...args, ...filters], { cwd: root, stdio: 'inherit', env }).status ?? 1;

const failed = [];
if ((spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' }).status ?? 1) !== 0) {
  console.error('npm run bench: the build failed; nothing was measured.');
  process.exit(1);
}
const reports = [];
for (const project of ['unit', 'lab']) {
  // Lab benchmarks need root (network namespaces); they report why when they cannot run.
  const report = path.join(resultsDir, `bench-${project}.json`);
  fs.rmSync(report, { force: true });
  if (run(['bench', '--run', '--project', project, '--passWithNoTests', '--outputJson', report]) !== 0) failed.push(`vitest bench (${project})`);
  reports.push(report);
}
if (run(['run', '--project', 'bench', '--passWithNoTests']) !== 0) failed.push('browser and lab benchmarks');

const rows = [];
for (const report of reports) {
  if (!fs.existsSync(report)) continue;
  try {
    rows.push(...rowsFromVitestReport(JSON.parse(fs.readFileSync(report, 'utf8'))));
  } catch (error) {
    failed.push(`reading ${path.relative(root, report)} (${error.message})`);
  }
}
if (fs.existsSync(rowsFile)) {
  for (const line of fs.readFileSync(rowsFile, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      rows.push(JSON.parse(line));
    } catch {
      failed.push(`a row in ${path.relative(root, rowsFile)} is not JSON: ${line.slice(0, 80)}`);
    }
  }
}
fs.writeFileSync(summaryFile, JSON.stringify({ measuredAt: new Date().toISOString(), rows }, null, 2) + '\n');

console.log(formatSummary(rows, path.relative(root, summaryFile)));
if (failed.length) console.log(`Could not run: ${failed.join('; ')}`);
process.exit(failed.length ? 1 : 0);
