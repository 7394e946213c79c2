// Entry of the bundled CLI (dist/node/cli.cjs), started by bin/clusterwright.mjs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './index.js';

const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Long-running commands (serve, start) resolve only when they are done.
void runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
  isTTY: Boolean(process.stdout.isTTY),
  distDir,
  env: process.env,
}).then((code) => {
  process.exitCode = code;
});
