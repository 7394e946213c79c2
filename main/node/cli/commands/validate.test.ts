// clusterwright validate and latency: output and the exit codes scripts rely on
// (validate: 0 clean, 1 warnings only, 2 errors, 64 no such file; latency: 0 all reached).
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { estateOf, parseWorkspace, type Facts } from '../../../common/workspace/index.js';
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

function sshString(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

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
    // Notes only: links not measured yet, and its VPN interconnect without the details the app would need to build it.
    expect(r.out).toMatch(/0 errors, 0 warnings, 4 notes/);
    expect(r.out).toContain('[openstack.vpn-interconnect-details] VPN interconnect 1 (RegionEast–RegionWest) cannot be built by the app yet: openstack.interconnects[0].vpn is missing.');
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

  it('counts the file\'s own errors in --json, and reports unknown names with them', async () => {
    const file = path.join(tmp, 'schema-and-reference.yaml');
    fs.writeFileSync(file, 'version: 1\nname: x\nsites: [{ name: home, kind: lann }]\nnodes: [{ name: pve1, site: cellar }]\n');
    const r = await cli('validate', file, '--json');
    expect(r.code).toBe(2);
    const json = JSON.parse(r.out);
    expect(json.issues.map((i: { code: string; path: string }) => `${i.code} ${i.path}`)).toEqual(['schema sites[0].kind', 'reference nodes[0].site']);
    expect(json.counts).toMatchObject({ error: 2, warning: 0 });
    expect((await cli('validate', file)).out).toMatch(/: 2 errors, 0 warnings, 0 notes/);
  });

  it('says what to do in words, names the button and the field, and links the source', async () => {
    const r = await cli('validate', path.join(fixtures, 'errors.yaml'));
    expect(r.out).toContain('what to do: Add a third node, or a QDevice');
    expect(r.out).toContain('(in the app: "Add a QDevice host")');
    expect(r.out).toContain('in the file: proxmox.clusters[0].nodes');
    expect(r.out).toContain('<https://pve.proxmox.com/pve-docs/chapter-pvecm.html#pvecm_cluster_requirements>');
  });

  it('exits 64 when there is no such file, and on wrong usage', async () => {
    expect((await cli('validate', path.join(tmp, 'missing.yaml'))).code).toBe(64);
    expect((await cli('validate')).code).toBe(64);
  });

  it('sets aside stored figures of a node whose host key this machine now trusts differently (known_hosts)', async () => {
    const dir = path.join(tmp, 'measured');
    fs.mkdirSync(dir);
    const text = fs.readFileSync(path.join(fixtures, 'example.yaml'), 'utf8');
    fs.writeFileSync(path.join(dir, 'clusterwright.yaml'), text);
    const estate = estateOf(parseWorkspace(text).workspace!);
    estate.nodes.pve3!.hostKey = { type: 'ssh-ed25519', fingerprint: 'SHA256:pve3-when-measured' };
    const facts: Facts = {
      latency: {
        version: 1,
        measuredAt: '2026-01-01T00:00:00Z',
        runner: 'ssh',
        count: 10,
        warmupProbes: 1,
        intervalS: 0.2,
        samples: [{ network: 'ring0', from: 'pve1', to: 'pve3', toAddress: '10.10.0.13', sent: 10, received: 10, lossPercent: 0, avgMs: 14.3, medianMs: 14.2, minMs: 14, p95Ms: 14.9, measuredAt: '2026-01-01T00:00:00Z' }],
        estate,
      },
    };
    fs.writeFileSync(path.join(dir, 'clusterwright.latency.json'), JSON.stringify(facts));
    const home = path.join(tmp, 'home');
    fs.mkdirSync(path.join(home, '.ssh'), { recursive: true });
    vi.stubEnv('HOME', home);
    const measuredPairs = (out: string) => (JSON.parse(out) as { findings: { message: string }[] }).findings.filter((f) => /ring0/.test(f.message) && /not measured/.test(f.message));
    const trusted = await cli('validate', dir, '--json');
    // Another ed25519 key is trusted for pve3 (the name the app connects to) now: the figures taken on the old machine no longer count.
    const blob = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(crypto.generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32))]);
    fs.writeFileSync(path.join(home, '.ssh', 'known_hosts'), `pve3 ssh-ed25519 ${blob.toString('base64')}\n`);
    const changed = await cli('validate', dir, '--json');
    vi.stubEnv('HOME', process.env.HOME);
    expect(measuredPairs(changed.out)[0]?.message).toMatch(/3 pairs of nodes not measured yet/);
    expect(measuredPairs(trusted.out)[0]?.message).toMatch(/2 pairs of nodes not measured yet/);
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
