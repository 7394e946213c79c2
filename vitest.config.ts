import { defineConfig } from 'vitest/config';

// Projects: fast unit/integration tests in parallel, lab tests (root, network namespaces) one file
// at a time, browser e2e one file at a time against the real web host, and benchmarks (npm run bench only).
// Lab and browser tests run real daemons, shaped links and Chromium on a small shared machine: a test that
// fails gets one more try, and `npm test` (scripts/test.mjs) lists every test that passed only on its second
// try with its first failure, so a flaky test is reported, never hidden; one that fails twice fails the run.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['main/**/*.test.ts', 'renderer/src/**/*.test.{ts,tsx}', 'test/integration/**/*.test.ts', 'test/stacks/**/*.test.ts'],
          benchmark: { include: ['test/bench/**/*.bench.ts'], exclude: ['test/bench/**/*-lab.bench.ts'] },
          environment: 'node',
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'lab',
          include: ['test/lab/**/*.test.ts'],
          benchmark: { include: ['test/bench/**/*-lab.bench.ts'] },
          environment: 'node',
          fileParallelism: false,
          retry: 1,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.spec.ts'],
          benchmark: { include: [] },
          environment: 'node',
          fileParallelism: false,
          retry: 1,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        test: {
          name: 'bench',
          include: ['test/bench/**/*.bench-e2e.ts'],
          benchmark: { include: [] },
          environment: 'node',
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
