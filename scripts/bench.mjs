// `npm run bench`: builds, then runs the vitest benchmarks (*.bench.ts) and the browser/lab
// benchmarks (*.bench-e2e.ts), each printing its own table. Speed targets live here, not in tests.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const vitest = path.join(root, 'node_modules', '.bin', 'vitest');
const filters = process.argv.slice(2);
const run = (args) => spawnSync(vitest, [...args, ...filters], { cwd: root, stdio: 'inherit' }).status ?? 1;

let status = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' }).status ?? 1;
if (status === 0) status = run(['bench', '--run', '--project', 'unit']) || status;
// Lab benchmarks need root (network namespaces); they report why when they cannot run.
if (status === 0) status = run(['bench', '--run', '--project', 'lab']) || status;
if (status === 0) status = run(['run', '--project', 'bench', '--passWithNoTests']) || status;
process.exit(status);
