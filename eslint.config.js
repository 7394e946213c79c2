// Lint: typescript-eslint's recommended rules plus the layering rules from the style guide.
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const nodeOnlyPackages = ['ssh2', 'ssh-config', 'ws', 'electron'];

const layer = (group, message) => ({ group, message });

// The stacks: one folder each under main/common/stacks, main/node/stacks and renderer/src/stacks. Outside its
// folders nothing reaches a stack except through the registries (registry.ts), and no stack reaches another.
const stackIds = [...new Set(['main/common/stacks', 'main/node/stacks', 'renderer/src/stacks'].flatMap((d) => fs.readdirSync(d, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name)))];
const stackFolders = (ids) => ids.flatMap((id) => [`**/stacks/${id}`, `**/stacks/${id}/**`]);
/** From inside a stack's folder a sibling stack is also `../<id>/…`. */
const otherStacks = (id) => stackIds.filter((other) => other !== id).flatMap((other) => [`**/${other}`, `**/${other}/**`]);
const registries = ['main/common/stacks/registry.ts', 'main/node/stacks/registry.ts', 'renderer/src/stacks/registry.ts'];
const viaRegistry = layer(stackFolders(stackIds), 'Reach a stack only through its registry (stacks/registry.ts) and the interfaces in stacks/types.ts.');
const tests = ['**/*.test.ts', '**/*.test.tsx'];

// What main/node and main/server may never import (a later block for the same files repeats it: flat config replaces a rule's options).
const nodePaths = [{ name: 'electron', message: 'main/node and main/server are plain Node: only main/electron and preload import electron.' }];
const nodeLayer = layer(['**/main/electron/**', '**/electron/**', '**/renderer/**', '**/preload/**'], 'Services do not depend on a host or the renderer.');
const nodeHosts = layer(['**/main/server', '**/main/server/**', '**/server/**'], 'main/node never imports a host (main/server, main/electron): hosts import the core.');
const restrict = (patterns, paths = nodePaths) => ({ 'no-restricted-imports': ['error', { paths, patterns }] });

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-results/**', '.tsbuild/**', 'bin/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [layer(['electron'], 'Only main/electron and preload may import electron.')] }],
      // zod's `z` export is its whole namespace object: bundled, it keeps every locale and the JSON-schema code.
      'no-restricted-syntax': ['error', { selector: "ImportDeclaration[source.value='zod'][importKind='value'] > ImportSpecifier[imported.name='z'][importKind='value']", message: "Use `import * as z from 'zod'`: the `z` export keeps all of zod in the CLI's bundles (every locale)." }],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: ['renderer/**/*.test.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.concat(nodeOnlyPackages).map((name) => ({ name, message: 'The renderer runs in a browser sandbox: no Node or Electron modules.' })),
          patterns: [
            layer(['**/main/node', '**/main/node/**', '**/main/server', '**/main/server/**', '**/main/electron', '**/main/electron/**', '**/preload', '**/preload/**'], 'The renderer imports only main/common; reach the services through the transport.'),
          ],
        },
      ],
    },
  },
  {
    files: ['main/common/**/*.ts'],
    ignores: ['main/common/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.concat(nodeOnlyPackages).map((name) => ({ name, message: 'main/common is pure: no Node, Electron or DOM.' })),
          patterns: [
            layer(['**/main/node', '**/main/node/**', '**/node/**', '**/server/**', '**/electron/**', '**/renderer/**', '**/preload/**', 'react', 'react-dom'], 'main/common imports nothing outside itself (zod is fine).'),
          ],
        },
      ],
    },
  },
  {
    files: ['main/node/**/*.ts', 'main/server/**/*.ts'],
    rules: restrict([nodeLayer]),
  },
  {
    // main/node outside the stacks: no host, and stacks only through the registry.
    files: ['main/node/**/*.ts'],
    ignores: [...tests, 'main/node/stacks/**', 'main/node/cli/**'],
    rules: restrict([nodeLayer, nodeHosts, viaRegistry]),
  },
  {
    // The CLI (a host that still lives in main/node): stacks only through the registry.
    files: ['main/node/cli/**/*.ts'],
    ignores: tests,
    rules: restrict([nodeLayer, viaRegistry]),
  },
  {
    // The engine runs plans: it knows no lab, no stack (their executors are looked up by id) and no service.
    files: ['main/node/engine/**/*.ts'],
    ignores: tests,
    rules: restrict([nodeLayer, nodeHosts, viaRegistry, layer(['**/lab', '**/lab/**', '**/stacks', '**/stacks/**', '**/services/**', '**/core.js'], 'The engine never imports the lab, a stack or a service.')]),
  },
  {
    // SSH is transport: it never reads or writes the workspace store.
    files: ['main/node/ssh/**/*.ts'],
    ignores: tests,
    rules: restrict([nodeLayer, nodeHosts, viaRegistry, layer(['**/workspace/store*', '**/services/**'], 'SSH never imports the workspace store or a service.')]),
  },
  ...stackIds.map((id) => ({
    // A stack: never a service, a host or another stack.
    files: [`main/node/stacks/${id}/**/*.ts`],
    ignores: tests,
    rules: restrict([
      nodeLayer,
      nodeHosts,
      layer(['**/services', '**/services/**', '**/core.js', '**/cli/**'], 'A stack never imports the services, the core or a host: it gets what it needs through StackDeps.'),
      layer(otherStacks(id), 'A stack never imports another stack.'),
    ]),
  })),
  ...stackIds.map((id) => ({
    files: [`main/common/stacks/${id}/**/*.ts`],
    ignores: tests,
    rules: restrict(
      [
        layer(['**/main/node', '**/main/node/**', '**/node/**', '**/server/**', '**/electron/**', '**/renderer/**', '**/preload/**', 'react', 'react-dom'], 'main/common imports nothing outside itself (zod is fine).'),
        layer(otherStacks(id), 'A stack never imports another stack.'),
      ],
      nodeBuiltins.concat(nodeOnlyPackages).map((name) => ({ name, message: 'main/common is pure: no Node, Electron or DOM.' })),
    ),
  })),
  {
    // main/common outside the stacks: stacks only through the registry.
    files: ['main/common/**/*.ts'],
    ignores: [...tests, 'main/common/stacks/**', ...registries],
    rules: restrict(
      [layer(['**/main/node', '**/main/node/**', '**/node/**', '**/server/**', '**/electron/**', '**/renderer/**', '**/preload/**', 'react', 'react-dom'], 'main/common imports nothing outside itself (zod is fine).'), viaRegistry],
      nodeBuiltins.concat(nodeOnlyPackages).map((name) => ({ name, message: 'main/common is pure: no Node, Electron or DOM.' })),
    ),
  },
  {
    // The renderer outside its stack folders: stacks only through renderer/src/stacks/registry.ts.
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: ['renderer/**/*.test.{ts,tsx}', 'renderer/src/stacks/**'],
    rules: restrict(
      [
        layer(['**/main/node', '**/main/node/**', '**/main/server', '**/main/server/**', '**/main/electron', '**/main/electron/**', '**/preload', '**/preload/**'], 'The renderer imports only main/common; reach the services through the transport.'),
        viaRegistry,
      ],
      nodeBuiltins.concat(nodeOnlyPackages).map((name) => ({ name, message: 'The renderer runs in a browser sandbox: no Node or Electron modules.' })),
    ),
  },
  {
    files: ['main/electron/**/*.ts', 'preload/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [layer(['**/renderer/**'], 'Hosts do not import the renderer.')] }] },
  },
);
