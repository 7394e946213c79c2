// proxmox.planCluster through the core's dispatcher on a workspace file with stored latency facts: a 30 ms
// corosync link blocks the plan until the admin accepts the WAN layout, which is saved (comments kept) and tunes totem.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { estateOf, type Facts } from '../../../common/workspace/facts.js';
import { parseWorkspace } from '../../../common/workspace/parse.js';
import { createCore, type Core } from '../../core.js';
import { MemorySecretStore } from '../../secrets/index.js';
import { factsPathFor } from '../../workspace/facts-file.js';

const fp = 'AB:'.repeat(31) + 'CD';
const workspaceText = `# The office cluster, with a node across town.
version: 1
name: office
sites:
  - name: a
    kind: lan
  - name: b
    kind: wan
networks:
  - name: mgmt
    roles: [management, corosync]
nodes:
  - name: a1
    site: a
    addresses: { mgmt: 10.0.0.11 }
  - name: a2
    site: a
    addresses: { mgmt: 10.0.0.12 }
  - name: b1 # the far one
    site: b
    addresses: { mgmt: 10.0.0.13 }
proxmox:
  clusters:
    - name: homelab
      nodes: [a1, a2, b1]
      links:
        - link: 0
          network: mgmt
      api:
        endpoint: 127.0.0.1:9
        user: root@pam
        passwordSecret: pve-root
        fingerprint: ${fp}
`;

function slowFacts(): Facts {
  const rtt = (x: string, y: string) => ([x, y].includes('b1') ? 30 : 0.3);
  const workspace = parseWorkspace(workspaceText).workspace!;
  const address = (name: string) => workspace.nodes.find((n) => n.name === name)!.addresses.mgmt!;
  const nodes = ['a1', 'a2', 'b1'];
  const samples = nodes.flatMap((from) =>
    nodes.filter((to) => to !== from).map((to) => ({ network: 'mgmt', from, to, toAddress: address(to), sent: 10, received: 10, lossPercent: 0, minMs: rtt(from, to), avgMs: rtt(from, to), medianMs: rtt(from, to), maxMs: rtt(from, to), mdevMs: 1, measuredAt: '2026-11-25T00:00:00Z' })),
  );
  return { latency: { version: 1, measuredAt: '2026-11-25T00:00:00Z', runner: 'ssh', count: 10, intervalS: 0.2, samples, estate: estateOf(workspace) } };
}

let tmp: string;
let core: Core;
let file: string;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-pvesvc-'));
  vi.stubEnv('CLUSTERWRIGHT_HOME', path.join(tmp, 'data'));
  core = createCore({ hostKind: 'test', workspaceDir: path.join(tmp, 'default'), nodeCommands: 'local', ssh: { secrets: new MemorySecretStore(), sshConfigFile: null, interactive: false } });
  const dir = path.join(tmp, 'office');
  fs.mkdirSync(dir);
  file = path.join(dir, 'clusterwright.yaml');
  fs.writeFileSync(file, workspaceText);
  fs.writeFileSync(factsPathFor(file), JSON.stringify(slowFacts()));
  await core.call('workspace.open', { path: dir, remember: false });
});
afterAll(async () => {
  await core.close();
  vi.unstubAllEnvs();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('proxmox.planCluster', () => {
  it('blocks on a 30 ms corosync link, shows the tuning it would write, and writes none', async () => {
    const planned = await core.call('proxmox.planCluster', { cluster: 'homelab' });
    expect(planned.blocking).toBe(true);
    expect(planned.findings.some((f) => f.ruleId === 'proxmox.corosync-latency' && f.severity === 'error' && !f.accepted)).toBe(true);
    expect(planned.tuning?.verdict).toBe('wan-tuned');
    expect(planned.plan.steps.some((s) => s.id === 'wan-tuning')).toBe(false);
    expect(planned.notes.join('\n')).toMatch(/accept the WAN layout/);
    expect(fs.readFileSync(file, 'utf8')).toBe(workspaceText);
  });

  it('records the acceptance in the workspace (keeping its comments), unblocks, and tunes totem before the joins', async () => {
    const planned = await core.call('proxmox.planCluster', { cluster: 'homelab', acceptWan: true });
    expect(planned.blocking).toBe(false);
    expect(planned.wanTuning).toMatchObject({ accepted: true, tokenMs: expect.any(Number) });
    const ids = planned.plan.steps.map((s) => s.id);
    expect(ids.indexOf('wan-tuning')).toBeGreaterThan(ids.indexOf('create'));
    expect(ids.indexOf('wan-tuning')).toBeLessThan(ids.indexOf('join-a2'));
    const text = fs.readFileSync(file, 'utf8');
    expect(text).toContain('# The office cluster, with a node across town.');
    expect(text).toContain('# the far one');
    expect(text).toMatch(/\n {6}wanTuning:[^\n]*accepted: true/);
    const state = await core.call('workspace.current', {});
    expect(state.workspace?.proxmox?.clusters[0]?.wanTuning?.accepted).toBe(true);
    // Planned again without the flag, the saved acceptance stands.
    expect((await core.call('proxmox.planCluster', { cluster: 'homelab' })).plan.steps.some((s) => s.id === 'wan-tuning')).toBe(true);
    expect((await core.call('proxmox.planCluster', { cluster: 'homelab', acceptWan: false })).blocking).toBe(true);
  });

  it('refers to the root password only by its secret id', async () => {
    const planned = await core.call('proxmox.planCluster', { cluster: 'homelab' });
    const join = planned.plan.steps.find((s) => s.id === 'join-b1')!;
    expect(JSON.stringify(join.action)).toContain('"secretRef":"pve-root"');
  });

  it('says the cluster API cannot be reached when asked for its status', async () => {
    await expect(core.call('proxmox.clusterStatus', { cluster: 'homelab' })).rejects.toThrow(/homelab/);
  });
});
