// The Proxmox wizard's backend through the app's core, as the wizard drives it: `lab up` on the
// proxmox-three-nodes example (test servers, cluster "homelab" in the workspace), planCluster, apply, quorate.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCore, type Core } from '../../main/node/core.js';
import { MemorySecretStore } from '../../main/node/secrets/index.js';
import { describeLab } from '../support/lab.js';

const prefix = 'cwpw';
const timings: string[] = [];

describeLab('Proxmox wizard backend: lab up → planCluster → apply → clusterStatus (core, lab, test servers)', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-pve-wizard-'));
  const stateDir = fs.mkdtempSync(`/tmp/${prefix}-`);
  const secrets = new MemorySecretStore();
  let core: Core | undefined;
  let workspacePath = '';
  const events: unknown[] = [];

  beforeAll(async () => {
    core = createCore({
      hostKind: 'test',
      workspaceDir: path.join(tmp, 'workspace'),
      lab: { stateDir, prefix },
      ssh: { secrets, sshConfigFile: null, interactive: false, engine: { acceptNewHostKeys: true, pinnedHostKeysFile: path.join(tmp, 'pinned-host-keys.json') } },
    });
    core.events.subscribe((name, payload) => events.push({ name, payload }));
  });

  afterAll(async () => {
    try {
      if ((await core?.call('lab.status', {}))?.running) await core?.call('lab.down', {});
    } finally {
      await core?.close();
      fs.rmSync(stateDir, { recursive: true, force: true });
      fs.rmSync(tmp, { recursive: true, force: true });
      console.log(`Proxmox wizard backend:\n  ${timings.join('\n  ')}`);
    }
  }, 60_000);

  it('starts the example with Proxmox test servers and writes cluster homelab with its api block', async () => {
    const t0 = Date.now();
    const up = await core!.call('lab.up', { example: 'proxmox-three-nodes', replace: true });
    timings.push(`lab.up with test servers: ${Date.now() - t0} ms`);
    expect(up).toMatchObject({ name: 'proxmox-three-nodes', hosts: 3, proxmoxTestServers: true });
    workspacePath = up.workspacePath;
    expect((await core!.call('lab.status', {})).proxmoxTestServers).toBe(true);
    const text = fs.readFileSync(workspacePath, 'utf8');
    const [secret] = await secrets.list();
    expect(secret).toBeDefined();
    // The workspace names the password by id; the password itself is nowhere in the file.
    expect(text).toContain(`passwordSecret: ${secret!.id}`);
    expect(text).not.toContain(await secrets.get(secret!.id));
    const state = await core!.call('workspace.open', { path: path.dirname(workspacePath), remember: false });
    const cluster = state.workspace?.proxmox?.clusters[0];
    expect(cluster).toMatchObject({ name: 'homelab', nodes: ['a1', 'a2', 'b1'], links: [{ link: 0, network: 'management' }, { link: 1, network: 'corosync-link1' }], api: { user: 'root@pam', passwordSecret: secret!.id } });
    expect(cluster?.api?.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
  }, 60_000);

  it('plans the cluster from the workspace, applies it, and the cluster API reports it quorate with 3 nodes online', async () => {
    const before = await core!.call('proxmox.clusterStatus', { cluster: 'homelab' });
    expect(before.quorate).toBe(false);

    const planned = await core!.call('proxmox.planCluster', { cluster: 'homelab' });
    expect(planned.blocking).toBe(false);
    expect(planned.tuning).toBeUndefined();
    expect(planned.plan.steps.map((s) => s.id)).toEqual(['check-a1', 'check-a2', 'check-b1', 'create', 'join-a2', 'join-b1', 'quorate', 'membership-stable']);
    expect(planned.notes[0]).toMatch(/^Create cluster homelab on a1/);
    const [secret] = await secrets.list();
    expect(JSON.stringify(planned)).not.toContain(await secrets.get(secret!.id));

    const destructive = planned.plan.steps.filter((s) => s.destructive).map((s) => s.id);
    if (destructive.length) await core!.call('plan.approve', { plan: planned.plan, acknowledgeDestructive: destructive });
    const t0 = Date.now();
    const applied = await core!.call('plan.apply', { plan: planned.plan, wait: true });
    const applyMs = Date.now() - t0;
    expect(applied.result?.status, JSON.stringify(applied.result?.failure)).toBe('succeeded');
    // The journal and everything else the app stored name the password only by its secret id.
    const password = await secrets.get(secret!.id);
    const stored = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? stored(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    expect(stored(tmp).filter((f) => fs.readFileSync(f, 'utf8').includes(password))).toEqual([]);
    expect(JSON.stringify(events)).not.toContain(password);

    const t1 = Date.now();
    const status = await core!.call('proxmox.clusterStatus', { cluster: 'homelab' });
    timings.push(`plan.apply (checks, create, 2 joins, quorum wait, stability check): ${applyMs} ms; clusterStatus: ${Date.now() - t1} ms`);
    expect(status).toMatchObject({ quorate: true, clusterName: 'homelab', totalVotes: 3, expectedVotes: 3 });
    expect(status.nodes.map((n) => [n.name, n.online]).sort()).toEqual([
      ['a1', true],
      ['a2', true],
      ['b1', true],
    ]);
  }, 90_000);

  it('stops the test servers with the lab', async () => {
    const down = await core!.call('lab.down', {});
    expect(down.namespaces).toBeGreaterThan(0);
    const status = await core!.call('lab.status', {});
    expect(status.running).toBe(false);
    expect(status.proxmoxTestServers).toBe(false);
    expect(await secrets.list()).toEqual([]);
  }, 60_000);
});
