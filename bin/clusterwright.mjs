#!/usr/bin/env node
// The `clusterwright` command: runs the bundled CLI, or says how to build it.
// Node's built-in modules are taken with process.getBuiltinModule rather than imported: an ES module import of a
// built-in builds its module facade (node:fs's reads every export, loading Node's stream code), a few milliseconds
// of every start.
const { existsSync } = process.getBuiltinModule('node:fs');
const { createRequire } = process.getBuiltinModule('node:module');
const { fileURLToPath } = process.getBuiltinModule('node:url');

const entry = new URL('../dist/node/cli.cjs', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('Clusterwright is not built yet: run `npm run build` (npm start builds it for you).\n');
  process.exit(69);
}
const require = createRequire(import.meta.url);
// `clusterwright exec`: its first TCP connections (TCP only; nothing is sent before the workspace has been read in
// full) open before the rest of the CLI loads; the CLI takes them from the same module. A failure here only means
// none open early.
if (process.argv[2] === 'exec') {
  try {
    const firstLook = require(fileURLToPath(new URL('../dist/node/cli-early-first-look.cjs', import.meta.url)));
    const opened = firstLook.firstConnections(process.argv.slice(2), process.env);
    if (opened?.length) await firstLook.attemptsUnderWay(opened);
  } catch {
    // the CLI runs exec as it would have without it
  }
}
require(fileURLToPath(entry));
