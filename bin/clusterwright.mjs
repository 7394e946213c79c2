#!/usr/bin/env node
// The `clusterwright` command: runs the bundled CLI, or says how to build it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const entry = new URL('../dist/node/cli.cjs', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('Clusterwright is not built yet: run `npm run build` (npm start builds it for you).\n');
  process.exit(69);
}
createRequire(import.meta.url)(entry.pathname);
