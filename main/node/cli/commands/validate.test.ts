// clusterwright validate and latency: output and the exit codes scripts rely on
// (validate: 0 clean, 1 warnings only, 2 errors, 64 no such file; latency: 0 all reached).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../index.js';
import type { CliIO } from '../types.js';

const fixtures = path.resolve(__dirname, '../../../../test/fixtures/workspaces');
let tmp: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-cli-'));
  vi.stubEnv('CLUSTERWRIGHT_HOME', tmp);
});
afterAll(() => {
  vi.unstubAllEnvs();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => (out += t + '\n'), err: (t) => (err += t + '\n'), isTTY: false, distDir: tmp, env: process.env };
  const code = await runCli(argv, io);
  return { code, out, err };
}

describe('clusterwright validate', () => {
  it('prints each cluster\'s best-practice scorecard with what to do', async () => {
    const r = await cli('validate', path.join(fixtures, 'example.yaml'));
    expect(r.out).toMatch(/scorecard: Proxmox VE \S+/);
    expect(r.out).toMatch(/(PASS|WARN|FAIL|UNKNOWN) +Redundant cluster links: /);
    expect(r.out).toMatch(/WARN +Failover tested: No drill recorded\.\n +what to do: Run a failover drill/);
    const json = JSON.parse((await cli('validate', '--json', path.join(fixtures, 'example.yaml'))).out);
    expect(json.scorecards.length).toBeGreaterThan(1);
  });

  it('exits 0 on a clean workspace', async () => {
    const r = await cli('validate', path.join(fixtures, 'example.yaml'));
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/0 errors, 0 warnings, 3 notes/);
  });

  it('exits 1 with warnings only, showing line and column', async () => {
    const r = await cli('validate', path.join(fixtures, 'warnings.yaml'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('line 7, column 5: sites[0].locaton is not a key');
    expect(r.out).toContain('[general.separate-networks] Network lan carries management, VM traffic');
  });

  it('exits 2 on errors, with remedy and source', async () => {
    const r = await cli('validate', path.join(fixtures, 'errors.yaml'));
    expect(r.code).toBe(2);
    expect(r.out).toContain('[proxmox.quorum-votes] Cluster my-first-cluster1 has 2 votes');
    expect(r.out).toContain('has 17 characters');
    expect(r.out).toContain('source: Proxmox VE Administration Guide');
  });

  it('prints JSON with the exit code when asked', async () => {
    const r = await cli('validate', path.join(fixtures, 'errors.yaml'), '--json');
    const json = JSON.parse(r.out);
    expect(json).toMatchObject({ exitCode: 2, ok: false });
    expect(json.findings.length).toBeGreaterThan(0);
  });

  it('exits 64 when there is no such file, and on wrong usage', async () => {
    expect((await cli('validate', path.join(tmp, 'missing.yaml'))).code).toBe(64);
    expect((await cli('validate')).code).toBe(64);
  });
});

describe('clusterwright latency', () => {
  it('measures a loopback workspace, saves the matrix beside it and says where ping ran', async () => {
    const dir = path.join(tmp, 'lab');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(fixtures, 'loopback.yaml'), path.join(dir, 'clusterwright.yaml'));
    const r = await cli('latency', dir, '--local', '--count', '2', '--network', 'lo-b');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toContain('ping ran on this machine');
    expect(r.out).toMatch(/lo-b\s+n1 → n2\s+[\d.]+ ms median \(mean [\d.]+ ±[\d.]+, min [\d.]+, p95 [\d.]+\), 0 % loss/);
    expect(fs.existsSync(path.join(dir, 'clusterwright.latency.json'))).toBe(true);
    expect(fs.existsSync(path.join(tmp, 'recent-workspaces.json'))).toBe(false);
  });

  it('rejects a bad count', async () => {
    expect((await cli('latency', tmp, '--count', 'ten')).code).toBe(64);
  });
});
