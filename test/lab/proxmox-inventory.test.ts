// The canvas's Proxmox inventory through the app's own core against the Proxmox test servers on a lab cluster:
// VMs per node, the migration precheck in the admin's words, a live move with job events, the VM on its new node.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CwError } from '../../main/common/errors.js';
import { serializeWorkspace } from '../../main/common/workspace/serialize.js';
import { coreSchema, reportCoreSchema } from '../support/proxmox/core-schema.js';
import { createCore, type Core } from '../../main/node/core.js';
import { MemorySecretStore } from '../../main/node/secrets/index.js';
import { PveApiSchema } from '../../main/node/stacks/proxmox/api-schema.js';
import { describeLab, useLab } from '../support/lab.js';
import { pveInventoryLabSpec, startPveInventoryLab, type PveInventoryLab } from '../support/proxmox/inventory-lab.js';

const schema = new PveApiSchema();

describeLab('Proxmox inventory and drag-to-migrate through the core (lab cluster, Proxmox test servers)', () => {
  const handle = useLab(pveInventoryLabSpec, 'cwpi');
  const workspaceDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-pve-inventory-ws-'));
  const workspaceFile = path.join(workspaceDir, 'clusterwright.yaml');
  const events: { name: string; payload: Record<string, unknown> }[] = [];
  let pveLab: PveInventoryLab | undefined;
  let core: Core | undefined;
  const appSchema = coreSchema();
  let secretId = '';
  const timings: string[] = [];

  beforeAll(async () => {
    const started = Date.now();
    pveLab = await startPveInventoryLab(handle.lab, { schema, migrationTimeScale: 0.05 });
    timings.push(`3-node cluster built through the API: ${Date.now() - started} ms`);
    core = createCore({ hostKind: 'test', workspaceDir, nodeCommands: 'local', stackOptions: { proxmox: { schema: appSchema } }, ssh: { secrets: new MemorySecretStore(), sshConfigFile: null, interactive: false } });
    core.events.subscribe((name, payload) => events.push({ name, payload: payload as Record<string, unknown> }));
    ({ id: secretId } = await core.call('secrets.put', { label: 'root@pam on homelab', kind: 'password', value: pveLab.passwordSecretValue }));
  }, 150_000);

  afterAll(async () => {
    const violations = Object.values(pveLab?.pve.servers ?? {}).flatMap((s) => s.violations);
    const served = Object.values(pveLab?.pve.servers ?? {}).reduce((n, s) => n + s.counts.requests, 0);
    console.log(`Proxmox inventory suite: test servers validated ${served} requests and replies against the official schema, ${violations.length} violations\n  ${timings.join('\n  ')}`);
    reportCoreSchema('Proxmox inventory suite', appSchema);
    await core?.close();
    await pveLab?.stop();
    fs.rmSync(workspaceDir, { recursive: true, force: true });
    expect(violations).toEqual([]);
  }, 60_000);

  const openWorkspace = async (text: string) => {
    fs.writeFileSync(workspaceFile, text);
    await core!.call('workspace.open', { path: workspaceDir, remember: false });
  };

  it('asks to confirm the certificate of an endpoint whose fingerprint is not in the workspace, naming it and the field', async () => {
    const workspace = pveLab!.workspace(secretId);
    delete workspace.proxmox!.clusters[0]!.api!.fingerprint;
    const text = serializeWorkspace(workspace);
    expect(text).not.toContain(pveLab!.fingerprint);
    await openWorkspace(text);
    const { vms, sources } = await core!.call('inventory.list', {});
    expect(vms).toEqual([]);
    expect(sources).toEqual([{ stack: 'proxmox', cluster: 'homelab', ok: false, vms: 0, error: expect.stringContaining(pveLab!.fingerprint) }]);
    expect(sources[0]!.error).toMatch(/^Proxmox cluster 'homelab': The Proxmox VE API on .* presented a certificate not seen before .* put it into proxmox\.clusters\[0\]\.api\.fingerprint\.$/);
    expect(sources[0]!.error).not.toContain(pveLab!.passwordSecretValue);
  });

  it('lists both VMs on a1 with their size, status and HA state', async () => {
    await openWorkspace(pveLab!.workspaceText(secretId));
    const t0 = Date.now();
    const { vms, sources } = await core!.call('inventory.list', {});
    timings.push(`inventory.list: ${Date.now() - t0} ms`);
    expect(sources).toEqual([{ stack: 'proxmox', cluster: 'homelab', ok: true, vms: 2 }]);
    expect(vms).toEqual([
      { id: 'proxmox:homelab:102', stack: 'proxmox', cluster: 'homelab', node: 'a1', name: 'cache', status: 'running', memoryMiB: 256, cpus: 1, haManaged: false },
      { id: 'proxmox:homelab:101', stack: 'proxmox', cluster: 'homelab', node: 'a1', name: 'db', status: 'running', memoryMiB: 1024, cpus: 2, haManaged: false },
    ]);
  });

  it('blocks the VM with a local disk until a target storage is chosen, and allows the one on shared storage', async () => {
    const local = await core!.call('vm.migratePrecheck', { vm: 'proxmox:homelab:102', targets: ['a2'] });
    expect(local.targets).toEqual([
      {
        node: 'a2',
        allowed: false,
        kind: 'live',
        reasons: ['local disk local-lvm:vm-102-disk-0 on local-lvm: choose a target storage'],
        // What the Proxmox dialog needs (the disks to place, the storages of the target) is the stack's part of the verdict.
        details: { stack: 'proxmox', localDisks: [{ disk: 'local-lvm:vm-102-disk-0', storage: 'local-lvm', sizeGiB: 4 }], targetStorages: ['ceph-vm', 'local', 'local-lvm'] },
      },
    ]);
    const shared = await core!.call('vm.migratePrecheck', { vm: 'proxmox:homelab:101' });
    expect(shared.targets.map((t) => [t.node, t.allowed, t.kind, t.reasons])).toEqual([
      ['a2', true, 'live', []],
      ['b1', true, 'live', []],
    ]);
    // The gate in front of vm.migrate uses the same precheck: the local-disk VM is refused before Proxmox is asked.
    const refused = (await core!.call('vm.migrate', { vm: 'proxmox:homelab:102', target: 'a2' }).catch((e: unknown) => e)) as CwError;
    expect(refused.code).toBe('CONFLICT');
    expect(refused.message).toBe('cache cannot move to a2: local disk local-lvm:vm-102-disk-0 on local-lvm: choose a target storage.');
  });

  it('moves db live to a2 with the task log as job events, and the inventory shows it there', async () => {
    events.length = 0;
    const t0 = Date.now();
    const result = await core!.call('vm.migrate', { vm: 'proxmox:homelab:101', target: 'a2', online: true });
    timings.push(`vm.migrate db a1 → a2: ${Date.now() - t0} ms`);
    expect(result).toMatchObject({ vm: 'proxmox:homelab:101', from: 'a1', to: 'a2', status: 'succeeded' });
    expect(result.message).toMatch(/^Moved VM db \(101\) from a1 to a2 live in [\d.]+ s\.$/);
    const mine = events.filter((e) => e.payload.runId === result.runId);
    // The move is a plan step: checked (not on a2 yet), started, succeeded.
    expect(mine.filter((e) => e.name === 'job.stepUpdated').map((e) => e.payload.state)).toEqual(['checking', 'started', 'succeeded']);
    const log = mine.filter((e) => e.name === 'job.log').map((e) => String(e.payload.text));
    expect(log.some((l) => /starting migration of VM 101 to node 'a2'/.test(l))).toBe(true);
    expect(log.some((l) => /migration finished successfully/.test(l))).toBe(true);
    expect(log.join('\n')).not.toContain(pveLab!.passwordSecretValue);
    expect(mine.find((e) => e.name === 'job.finished')?.payload).toMatchObject({ status: 'succeeded', changed: 1, failed: 0 });
    expect(events.some((e) => e.name === 'inventory.changed' && e.payload.cluster === 'homelab')).toBe(true);
    const { vms } = await core!.call('inventory.list', {});
    expect(vms.map((v) => [v.name, v.node])).toEqual([
      ['cache', 'a1'],
      ['db', 'a2'],
    ]);
  });
  it('moves db on from a2 to b1 through the endpoint on a1, which forwards the call to a2 as pveproxy does', async () => {
    const result = await core!.call('vm.migrate', { vm: 'proxmox:homelab:101', target: 'b1', online: true });
    expect(result).toMatchObject({ from: 'a2', to: 'b1', status: 'succeeded' });
    const log = events.filter((e) => e.name === 'job.log' && e.payload.runId === result.runId).map((e) => String(e.payload.text));
    // Measured over the man link between the sites, not the LAN.
    const rtt = Number(/measured RTT to b1: ([\d.]+) ms/.exec(log.join('\n'))?.[1]);
    expect(rtt).toBeGreaterThan(1);
    expect((await core!.call('inventory.list', {})).vms.find((v) => v.name === 'db')?.node).toBe('b1');
  });

  it('moves an HA-managed VM through the HA stack and follows it until it runs on the target', async () => {
    await pveLab!.pve.client('a1').post('/cluster/ha/resources', { sid: 'vm:101', state: 'started' });
    const before = (await core!.call('inventory.list', {})).vms.find((v) => v.name === 'db');
    expect(before).toMatchObject({ node: 'b1', haManaged: true, haState: 'started' });
    events.length = 0;
    const result = await core!.call('vm.migrate', { vm: 'proxmox:homelab:101', target: 'a1', online: true });
    expect(result).toMatchObject({ from: 'b1', to: 'a1', status: 'succeeded' });
    expect(result.message).toMatch(/^Moved VM db \(101\) from b1 to a1 through the HA stack in [\d.]+ s\.$/);
    const log = events.filter((e) => e.name === 'job.log' && e.payload.runId === result.runId).map((e) => String(e.payload.text));
    expect(log[0]).toMatch(/db is HA-managed: asking the HA stack on cluster 'homelab' .* to migrate vm:101 to a1/);
    // Followed through the HA manager's status (/cluster/ha/status/current), as `ha-manager status` shows it.
    expect(log).toContain('vm:101 is on b1 (HA migrate)');
    expect(log.at(-1)).toBe('vm:101 is on a1 (HA started)');
    expect((await core!.call('inventory.list', {})).vms.find((v) => v.name === 'db')?.node).toBe('a1');
  });
});
