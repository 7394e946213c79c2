// Builds the lab's vCenter simulator (or finds it in the cache) and prints where it is and how long it took.
// .ci/run calls it once per run, so the tests that start the simulator find it built.
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Bundled inside the repository so that its packages and the Go sources beside build.ts are found.
fs.mkdirSync(path.join(root, 'node_modules', '.cache'), { recursive: true });
const out = path.join(fs.mkdtempSync(path.join(root, 'node_modules', '.cache', 'cw-vcsim-build-')), 'build.mjs');
try {
  await build({ absWorkingDir: root, entryPoints: ['main/node/stacks/vsan/simulator/build.ts'], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: out, logLevel: 'warning' });
  const { ensureSimulator } = await import(pathToFileURL(out).href);
  const started = Date.now();
  const result = await ensureSimulator({ log: (line) => console.log(line) });
  console.log(`vCenter simulator ${result.cached ? 'found in the cache' : 'built'}: ${result.binary} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
} finally {
  fs.rmSync(path.dirname(out), { recursive: true, force: true });
}
