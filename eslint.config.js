// Lint: typescript-eslint's recommended rules plus the layering rules from the style guide.
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const nodeOnlyPackages = ['ssh2', 'ssh-config', 'ws', 'electron'];

const layer = (group, message) => ({ group, message });

export default tseslint.config(
  { ignores: ['dist/**', 'release/**', 'node_modules/**', 'test-results/**', '.tsbuild/**', 'bin/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-imports': ['error', { patterns: [layer(['electron'], 'Only main/electron and preload may import electron.')] }],
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
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'main/node and main/server are plain Node: only main/electron and preload import electron.' }],
          patterns: [layer(['**/main/electron/**', '**/electron/**', '**/renderer/**', '**/preload/**'], 'Services do not depend on a host or the renderer.')],
        },
      ],
    },
  },
  {
    files: ['main/electron/**/*.ts', 'preload/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [layer(['**/renderer/**'], 'Hosts do not import the renderer.')] }] },
  },
);
