// clusterwright overlay: listing a workspace's overlays and previewing the keys plan work offline (nothing
// runs on a node); usage mistakes are exit 64 with the reason, an unknown overlay names the existing ones.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { estate } from '../../../common/overlay/test-estate.js';
import { serializeWorkspace } from '../../../common/workspace/serialize.js';
import { runCli } from '../index.js';
import type { CliIO } from '../types.js';

let tmp: string;
let file: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-cli-overlay-'));
  vi.stubEnv('CLUSTERWRIGHT_HOME', tmp);
  file = path.join(tmp, 'estate.yaml');
  const ws = estate({ behindNat: ['pve3'] });
  // Loopback addresses: nothing here may leave this machine (and nothing does: list and the keys preview read nothing remote).
  ws.networks = ws.networks.map((n) => (n.name === 'wan' ? { ...n, cidr: '127.0.6.0/24' } : n));
  ws.nodes = ws.nodes.map((n, i) => ({ ...n, addresses: { ...n.addresses, wan: `127.0.6.${11 + i}` } }));
  fs.writeFileSync(file, serializeWorkspace(ws));
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

describe('clusterwright overlay', () => {
  it('lists the overlays with their members, overlay addresses and tunnels (not read yet)', async () => {
    const r = await cli('overlay', 'list', file);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^sites: WireGuard mesh on cw-sites, 3 members/m);
    expect(r.out).toMatch(/pve3 +cloud +10\.99\.0\.\d+\/24, 10\.98\.0\.\d+\/24 \(behind NAT\)/);
    expect(r.out).toMatch(/pve1 ↔ pve3 +unknown/);
    const json = JSON.parse((await cli('overlay', 'list', file, '--json')).out);
    expect(json[0].tunnels).toHaveLength(3);
  });

  it('previews the keys plan: a tools check and a key pair generated on each member, nothing else', async () => {
    const r = await cli('overlay', 'plan', file, 'sites', '--json');
    expect(r.code, r.err).toBe(0);
    const { plan, preview } = JSON.parse(r.out);
    expect(plan.steps.map((s: { id: string }) => s.id)).toEqual(['tools-pve1', 'keys-pve1', 'tools-pve2', 'keys-pve2', 'tools-pve3', 'keys-pve3']);
    expect(preview.destructiveSteps).toEqual([]);
    expect(plan.nodes.pve3).toMatchObject({ address: '127.0.6.13', user: 'root' });
  });

  it('says what is wrong: no verb, no name, an unknown overlay', async () => {
    expect((await cli('overlay')).code).toBe(64);
    const noName = await cli('overlay', 'apply', file);
    expect(noName.code).toBe(64);
    expect(noName.err).toMatch(/needs the overlay's name/);
    const unknown = await cli('overlay', 'status', file, 'nope');
    expect(unknown.code).toBe(64);
    expect(unknown.err).toMatch(/no overlay named nope; its overlays are sites/);
    expect((await cli('overlay', 'status', file, 'sites', '--throughput', '99')).code).toBe(64);
  });
});
