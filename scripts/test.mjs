// `npm test`: typecheck, lint, build, then every vitest project (unit + integration, lab, e2e).
// Prints each stage's wall time and ends with one "N passed, N failed" line; non-zero on any failure.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const resultsDir = path.join(root, 'test-results');
fs.mkdirSync(resultsDir, { recursive: true });

const stages = [
  { name: 'typecheck', cmd: bin('tsc'), args: ['-b'] },
  { name: 'lint', cmd: bin('eslint'), args: ['--max-warnings', '0', '.'] },
  { name: 'build', cmd: process.execPath, args: ['scripts/build.mjs'] },
  ...['unit', 'lab', 'e2e'].map((project) => ({
    name: `vitest:${project}`,
    cmd: bin('vitest'),
    args: ['run', '--project', project, '--passWithNoTests', '--reporter=default', '--reporter=json', `--outputFile.json=${path.join(resultsDir, `vitest-${project}.json`)}`],
    report: path.join(resultsDir, `vitest-${project}.json`),
  })),
];

const only = process.argv.slice(2);
let passed = 0;
let failed = 0;
let skipped = 0;
/** Tests that passed only on their second try (lab and e2e retry once): listed at the end, with the first failure. */
const flaky = [];
let stageFailures = [];
const timings = [];
const started = Date.now();

for (const stage of stages) {
  if (only.length && !only.some((o) => stage.name.includes(o))) continue;
  if (stage.report) fs.rmSync(stage.report, { force: true });
  const t0 = Date.now();
  console.log(`\n── ${stage.name} ──`);
  const run = spawnSync(stage.cmd, stage.args, { cwd: root, stdio: 'inherit', env: { ...process.env, FORCE_COLOR: process.stdout.isTTY ? '1' : '0' } });
  const seconds = (Date.now() - t0) / 1000;
  let requiredButSkipped = false;
  if (stage.report && fs.existsSync(stage.report)) {
    const report = JSON.parse(fs.readFileSync(stage.report, 'utf8'));
    passed += report.numPassedTests ?? 0;
    for (const file of report.testResults ?? []) {
      for (const t of file.assertionResults ?? []) {
        if (t.status === 'passed' && (t.failureMessages ?? []).length) flaky.push({ stage: stage.name, file: path.relative(root, file.name), title: t.fullName ?? t.title, first: String(t.failureMessages[0]).split('\n')[0] });
      }
    }
    failed += report.numFailedTests ?? 0;
    const stageSkipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
    skipped += stageSkipped;
    // CW_REQUIRE_LAB=1 (CI): a lab test that skipped, or a lab run with no test at all, is a failure.
    if (stage.name === 'vitest:lab' && process.env.CW_REQUIRE_LAB === '1' && (stageSkipped > 0 || (report.numTotalTests ?? 0) === 0)) {
      console.log(`CW_REQUIRE_LAB=1, but the lab tests ran ${report.numTotalTests ?? 0} tests and skipped ${stageSkipped}: every lab test must run here.`);
      requiredButSkipped = true;
    }
  }
  timings.push([stage.name, seconds, run.status === 0 && !requiredButSkipped ? 'ok' : 'FAILED']);
  if (run.status !== 0 || requiredButSkipped) stageFailures.push(stage.name);
}

console.log('\nStage            Seconds  Result');
for (const [name, seconds, result] of timings) console.log(`${name.padEnd(16)} ${seconds.toFixed(1).padStart(7)}  ${result}`);
console.log(`Total wall time: ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (stageFailures.length) console.log(`Failed stages: ${stageFailures.join(', ')}`);
if (flaky.length) {
  console.log(`\nPassed only on a second try (flaky: each is a bug to find, in the product or the test):`);
  for (const f of flaky) console.log(`  ${f.stage}  ${f.file} > ${f.title}\n      first try: ${f.first.slice(0, 300)}`);
}
console.log(`${passed} passed${flaky.length ? ` (${flaky.length} only on a second try)` : ''}, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
process.exit(stageFailures.length || failed ? 1 : 0);
