// Builds everything `npm start` and the tests need: the renderer (Vite) and the Node/Electron
// bundles (esbuild). `--node-only` skips the renderer (the lab and CLI do not need it).
import { build as esbuild } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nodeOnly = process.argv.includes('--node-only');
const started = Date.now();

// Node bundles are CommonJS: several dependencies (ssh2…) are CommonJS packages whose named exports
// Node's ESM loader cannot see. import.meta.url is mapped to the bundle's own file URL.
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  packages: 'external',
  logLevel: 'warning',
  absWorkingDir: root,
  format: 'cjs',
  define: { 'import.meta.url': '__cwImportMetaUrl' },
  banner: { js: 'const __cwImportMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
};

// The CLI bundles zod and yaml in: tree-shaken, they start in a fraction of the time the packages take
// (zod's package entry alone loads every locale). `clusterwright validate` as a script calls it pays this.
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const bundledInCli = new Set(['zod', 'yaml']);
const cliExternal = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies, ...pkg.optionalDependencies })
  .filter((name) => !bundledInCli.has(name))
  .flatMap((name) => [name, `${name}/*`]);

await Promise.all([
  esbuild({ ...common, packages: undefined, external: cliExternal, entryPoints: ['main/node/cli/main.ts'], outfile: 'dist/node/cli.cjs' }),
  esbuild({ ...common, entryPoints: ['main/electron/main.ts'], outfile: 'dist/electron/main.cjs', external: ['electron'] }),
  esbuild({ ...common, entryPoints: ['main/node/utility-entry.ts'], outfile: 'dist/electron/services.cjs' }),
  // Sandboxed preloads cannot require packages: bundle everything but electron into one file.
  esbuild({ ...common, packages: undefined, define: undefined, banner: undefined, entryPoints: ['preload/preload.ts'], outfile: 'dist/preload/preload.cjs', platform: 'browser', external: ['electron'] }),
]);

if (!nodeOnly) {
  const vite = spawnSync(process.execPath, [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
  if (vite.status !== 0) {
    console.error('The renderer build failed.');
    process.exit(vite.status ?? 1);
  }
}
console.log(`Built ${nodeOnly ? 'the Node bundles' : 'the renderer and the Node bundles'} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
