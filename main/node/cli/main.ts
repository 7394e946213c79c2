// Entry of the bundled CLI (dist/node/cli.mjs), started by bin/clusterwright.mjs.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './index.js';

const distDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const code = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text + '\n'),
  err: (text) => process.stderr.write(text + '\n'),
  isTTY: Boolean(process.stdout.isTTY),
  distDir,
  env: process.env,
});
// Long-running commands (serve, start) resolve only when they are done.
process.exitCode = code;
