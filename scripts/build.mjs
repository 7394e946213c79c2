// Builds everything `npm start` and the tests need: the renderer (Vite) and the Node/Electron
// bundles (esbuild). `--node-only` skips the renderer (the lab and CLI do not need it).
import { build as esbuild } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

// The CLI is several bundles, so a command loads only its own code: cli.cjs (the entry: arguments, the
// help from the catalogue, --version), one cli-<command>.cjs per command file, loaded when that command
// runs, one cli-lazy-<name>.cjs per file in main/node/cli/lazy/ (what a command needs only on some of
// its paths, or later than its start, imported dynamically; loaded through the code cache too), one
// cli-early-<name>.cjs per file in main/node/cli/early/ (what the entry runs for one command before
// loading it, such as exec's first connections; small, loaded with a plain require), and cli-shared.cjs with the error classes all of them must share
// (instanceof across bundles). A dynamic import of any other of our modules in a command would make
// esbuild wrap each module it reaches in a lazy initialiser, which defeats tree-shaking for all of them:
// the build refuses it. zod and yaml are bundled in, tree-shaken (`import * as z from 'zod'`: the `z`
// export of zod's entry would keep every locale).
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const bundledInCli = new Set(['zod', 'yaml']);
const cliExternal = Object.keys({ ...pkg.dependencies, ...pkg.devDependencies, ...pkg.optionalDependencies })
  .filter((name) => !bundledInCli.has(name))
  .flatMap((name) => [name, `${name}/*`]);
const cliShared = ['main/common/errors.ts', 'main/node/cli/types.ts'].map((file) => path.join(root, file));
const tsFilesIn = (dir, skip = []) => readdirSync(dir)
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts') && !skip.includes(file))
  .map((file) => path.join(dir, file));
const cliCommandFiles = tsFilesIn(path.join(root, 'main/node/cli/commands'), ['index.ts', 'catalogue.ts']);
const cliLazyFiles = tsFilesIn(path.join(root, 'main/node/cli/lazy'));
const cliEarlyFiles = tsFilesIn(path.join(root, 'main/node/cli/early'));
const codeCacheLoader = path.join(root, 'main/node/cli/code-cache.ts');
/**
 * Rewrites imports of the shared modules, and dynamic imports of the command and lazy files, to the bundles that
 * hold them. The entry loads a command's bundle, and a command its lazy ones, through code-cache.ts (V8's compiled
 * code kept between runs).
 */
const cliSplit = (entry, { shared = true } = {}) => ({
  name: 'cli-split',
  setup(build) {
    // What the entry runs before any command loads (main/node/cli/early/): small, so a plain require, without the code cache's checks.
    build.onLoad({ filter: /.*/, namespace: 'cli-early' }, (args) => ({
      contents: `module.exports = require(require("node:path").join(__dirname, ${JSON.stringify(`cli-${args.path}.cjs`)}));\n`,
      loader: 'js',
      resolveDir: root,
    }));
    build.onLoad({ filter: /.*/, namespace: 'cli-command' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(codeCacheLoader)}).requireBundle(require("node:path").join(__dirname, ${JSON.stringify(`cli-${args.path}.cjs`)}));\n`,
      loader: 'js',
      resolveDir: root,
    }));
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const resolved = path.resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
      if (shared && cliShared.includes(resolved)) return { path: './cli-shared.cjs', external: true };
      if (args.kind !== 'dynamic-import') return undefined;
      if (entry && cliCommandFiles.includes(resolved)) return { path: path.basename(resolved, '.ts'), namespace: 'cli-command' };
      if (entry && cliEarlyFiles.includes(resolved)) return { path: `early-${path.basename(resolved, '.ts')}`, namespace: 'cli-early' };
      if (cliLazyFiles.includes(resolved)) return { path: `lazy-${path.basename(resolved, '.ts')}`, namespace: 'cli-command' };
      if (entry) return undefined;
      return { errors: [{ text: `${path.relative(root, args.importer)} imports ${args.path} dynamically: move what it needs lazily into main/node/cli/lazy/ (its own bundle).` }] };
    });
  },
});
// A default or namespace import of a Node built-in (`import fs from 'node:fs'`) is bundled as
// __toESM(require("node:fs")), which copies every export of the module onto a new object: across the
// entry's modules that is about a millisecond of every CLI start. The CLI bundles use __cwESM instead
// (same length, so the source maps stay right): an object whose prototype is the module itself, with
// the module as `default`. Reads of named exports go to the module; nothing is copied.
const cli = {
  ...common,
  packages: undefined,
  external: cliExternal,
  banner: { js: `${common.banner.js}\nconst __cwESM = (m) => Object.create(m, { default: { value: m, enumerable: true } });` },
  write: false,
};
/** Writes a CLI build's files with the built-ins' imports going through __cwESM (see above). */
function writeCli(result) {
  for (const file of result.outputFiles) {
    mkdirSync(path.dirname(file.path), { recursive: true });
    writeFileSync(file.path, file.path.endsWith('.cjs') ? file.text.replace(/__toESM\(require\("node:/g, '__cwESM(require("node:') : file.contents);
  }
}

await Promise.all([
  // require(), not import(): Node's ESM loader would scan each CommonJS bundle for its exports first.
  esbuild({ ...cli, entryPoints: ['main/node/cli/main.ts'], outfile: 'dist/node/cli.cjs', plugins: [cliSplit(true)], supported: { 'dynamic-import': false } }).then(writeCli),
  esbuild({ ...cli, entryPoints: cliCommandFiles, outdir: 'dist/node', entryNames: 'cli-[name]', outExtension: { '.js': '.cjs' }, plugins: [cliSplit(false)], supported: { 'dynamic-import': false } }).then(writeCli),
  // An early bundle keeps its own copy of the error classes (one file fewer to load before exec's first connection):
  // nothing it throws leaves it (first-look.ts), so no instanceof across bundles depends on them.
  esbuild({ ...cli, entryPoints: cliEarlyFiles, outdir: 'dist/node', entryNames: 'cli-early-[name]', outExtension: { '.js': '.cjs' }, plugins: [cliSplit(false, { shared: false })], supported: { 'dynamic-import': false } }).then(writeCli),
  esbuild({ ...cli, entryPoints: cliLazyFiles, outdir: 'dist/node', entryNames: 'cli-lazy-[name]', outExtension: { '.js': '.cjs' }, plugins: [cliSplit(false)], supported: { 'dynamic-import': false } }).then(writeCli),
  esbuild({ ...cli, stdin: { contents: "export * from './main/common/errors.ts';\nexport * from './main/node/cli/types.ts';\n", resolveDir: root, sourcefile: 'cli-shared.ts', loader: 'ts' }, outfile: 'dist/node/cli-shared.cjs' }).then(writeCli),
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
