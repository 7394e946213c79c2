#!/usr/bin/env node
// The `clusterwright` command: runs the bundled CLI, or says how to build it.
// Node's built-in modules are taken with process.getBuiltinModule rather than imported: an ES module import of a
// built-in builds its module facade (node:fs's reads every export, loading Node's stream code), a few milliseconds
// of every start.
const { existsSync } = process.getBuiltinModule('node:fs');
const { createRequire } = process.getBuiltinModule('node:module');

const entry = new URL('../dist/node/cli.cjs', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('Clusterwright is not built yet: run `npm run build` (npm start builds it for you).\n');
  process.exit(69);
}
createRequire(import.meta.url)(entry.pathname);
