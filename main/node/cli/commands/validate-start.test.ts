// What validate loads: the workspace store and the rules, and the SSH service (for comparing the host keys
// recorded with measurements against this machine's trust) only when measurements lie beside the file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../index.js';
import type { CliIO } from '../types.js';

const loaded: string[] = [];
vi.mock('../lazy/host-key-check.js', async (importOriginal) => {
  loaded.push('host-key-check');
  return importOriginal();
});

const fixtures = path.resolve(__dirname, '../../../../test/fixtures/workspaces');
let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-validate-start-'));
  vi.stubEnv('CLUSTERWRIGHT_HOME', tmp);
  vi.stubEnv('HOME', tmp);
});
afterAll(() => {
  vi.unstubAllEnvs();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function validate(target: string): Promise<{ code: number; out: string }> {
  let out = '';
  const io: CliIO = { out: (t) => (out += t + '\n'), err: (t) => (out += t + '\n'), isTTY: false, distDir: tmp, env: process.env };
  return { code: await runCli(['validate', target], io), out };
}

describe('clusterwright validate start', () => {
  it('checks a file with no measurements beside it without loading the SSH service', async () => {
    const r = await validate(path.join(fixtures, 'example.yaml'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/0 errors, 0 warnings/);
    expect(loaded).toEqual([]);
  });

  it('loads the host-key check when measurements lie beside the file, with the same verdict', async () => {
    const dir = path.join(tmp, 'measured');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(fixtures, 'example.yaml'), path.join(dir, 'clusterwright.yaml'));
    fs.writeFileSync(path.join(dir, 'clusterwright.latency.json'), '{}');
    const r = await validate(dir);
    expect(loaded).toEqual(['host-key-check']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/0 errors, 0 warnings/);
  });
});
