// What one drag-to-migrate costs the clusters: the calls the canvas makes for drag → drop → confirm of one
// in-cluster move (a quick precheck while dragging, the dialog's precheck, the move, the refresh the move's
// inventory.changed asks for), counted on the Proxmox test servers per API route. A second cluster in the same
// workspace must not be read at all; Proxmox's migrate precheck is asked at most twice.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serializeWorkspace } from '../../main/common/workspace/serialize.js';
import { createCore, type Core } from '../../main/node/core.js';
import { MemorySecretStore } from '../../main/node/secrets/index.js';
import { PveApiSchema } from '../../main/node/stacks/proxmox/api-schema.js';
import { movePlan } from '../../main/node/stacks/proxmox/migration.js';
import { parseWorkspace } from '../../main/common/workspace/parse.js';
import { describeLab, useLab } from '../support/lab.js';
import { pveInventoryLabSpec, startPveInventoryLab, type PveInventoryLab } from '../support/proxmox/inventory-lab.js';

const schema = new PveApiSchema();

describeLab('the cost of one drag-to-migrate (Proxmox test servers: cluster homelab on a1, a2; cluster solo on b1)', () => {
  const handle = useLab(pveInventoryLabSpec, 'cwmv');
  const workspaceDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-move-count-'));
  const events: { name: string; payload: Record<string, unknown> }[] = [];
  let pveLab: PveInventoryLab | undefined;
  let core: Core | undefined;

  beforeAll(async () => {
    pveLab = await startPveInventoryLab(handle.lab, { schema, hosts: ['a1', 'a2'], standalone: ['b1'], migrationTimeScale: 0.3 });
    core = createCore({ hostKind: 'test', workspaceDir, nodeCommands: 'local', stackOptions: { proxmox: { schema } }, ssh: { secrets: new MemorySecretStore(), sshConfigFile: null, interactive: false } });
    core.events.subscribe((name, payload) => events.push({ name, payload: payload as Record<string, unknown> }));
    const { id } = await core.call('secrets.put', { label: 'root@pam', kind: 'password', value: pveLab.passwordSecretValue });
    const workspace = pveLab.workspace(id);
    const b1 = pveLab.pve.servers.b1!;
    workspace.proxmox!.clusters.push({ ...workspace.proxmox!.clusters[0]!, name: 'solo', nodes: ['b1'], api: { endpoint: `${pveLab.pve.listen.b1}:${b1.port}`, user: 'root@pam', passwordSecret: id, fingerprint: b1.certificateFingerprint } });
    fs.writeFileSync(path.join(workspaceDir, 'clusterwright.yaml'), serializeWorkspace(workspace));
    await core.call('workspace.open', { path: workspaceDir, remember: false });
  }, 150_000);

  afterAll(async () => {
    await core?.close();
    await pveLab?.stop();
    fs.rmSync(workspaceDir, { recursive: true, force: true });
  }, 60_000);

  it('drag → drop → confirm: migrate prechecks ≤ 2, the other cluster never read, one refresh of the touched cluster', async () => {
    // The canvas as it stands: both clusters read once.
    const before = await core!.call('inventory.list', {});
    expect(before.sources.map((s) => [s.cluster, s.ok])).toEqual(expect.arrayContaining([['homelab', true], ['solo', true]]));
    const servers = pveLab!.pve.servers;
    for (const s of Object.values(servers)) s.answered.clear();
    events.length = 0;

    // Drag: which nodes light up (what the VM's own cluster knows).
    await core!.call('vm.migratePrecheck', { vm: 'proxmox:homelab:101', quick: true });
    // Drop on a2: the dialog's verdict.
    const dialog = await core!.call('vm.migratePrecheck', { vm: 'proxmox:homelab:101', targets: ['a2'] });
    expect(dialog.targets).toMatchObject([{ node: 'a2', allowed: true }]);
    // Confirm: the move, with the dialog's verdict.
    const result = await core!.call('vm.migrate', { vm: 'proxmox:homelab:101', target: 'a2', online: true });
    expect(result).toMatchObject({ status: 'succeeded', from: 'a1', to: 'a2' });
    // The canvas reads again what the move says it touched (inventory.changed), and only that.
    const touched = events.filter((e) => e.name === 'inventory.changed').map((e) => ({ stack: e.payload.stack as 'proxmox', cluster: String(e.payload.cluster) }));
    expect(touched).toEqual([{ stack: 'proxmox', cluster: 'homelab' }]);
    const after = await core!.call('inventory.list', { clusters: touched });
    expect(after.vms.find((v) => v.name === 'db')?.node).toBe('a2');

    const count = (route: RegExp, hosts = Object.keys(servers)) => hosts.reduce((n, h) => n + [...servers[h]!.answered].filter(([r]) => route.test(r)).reduce((m, [, c]) => m + c, 0), 0);
    const all = Object.fromEntries(Object.entries(servers).map(([h, s]) => [h, Object.fromEntries(s.answered)]));
    console.log(`One drag-to-migrate, API calls answered per server and route:\n${JSON.stringify(all, null, 2)}`);
    expect(count(/^GET \/nodes\/\{node\}\/qemu\/\{vmid\}\/migrate$/)).toBeGreaterThanOrEqual(1);
    expect(count(/^GET \/nodes\/\{node\}\/qemu\/\{vmid\}\/migrate$/)).toBeLessThanOrEqual(2);
    expect(count(/^POST \/nodes\/\{node\}\/qemu\/\{vmid\}\/migrate$/)).toBe(1);
    // The other cluster's server answered nothing: no inventory read, no precheck.
    expect(all.b1).toEqual({});
    // Where the VM is, in the touched cluster only (one /cluster/resources each): the two prechecks' look-up by id,
    // the move step's precheck and verify, following the task, and the canvas's refresh. Measured: 7.
    expect(count(/^GET \/cluster\/resources$/, ['a1', 'a2'])).toBeLessThanOrEqual(7);
    // The move is in the journal and the audit log.
    const journal = fs.readFileSync(path.join(workspaceDir, 'runs', result.runId, 'journal.jsonl'), 'utf8');
    expect(journal).toContain('"type":"finished"');
    expect(fs.readFileSync(path.join(workspaceDir, 'audit.log'), 'utf8')).toContain(result.runId);
  }, 60_000);

  it('a move whose app died mid-migration is followed when its plan runs again, never started a second time', async () => {
    const servers = pveLab!.pve.servers;
    for (const s of Object.values(servers)) s.answered.clear();
    const a1 = pveLab!.pve.client('a1');
    // What a crashed run left behind: Proxmox is moving db from a2 back to a1, nobody is watching.
    const upid = await a1.post<string>('/nodes/a2/qemu/101/migrate', { target: 'a1', online: 1 });
    expect(upid).toMatch(/^UPID:a2:.*:qmigrate:101:/);
    // The same move's plan runs again (what `resume` does with the journalled plan): its step finds the task and follows it.
    const workspace = parseWorkspace(fs.readFileSync(path.join(workspaceDir, 'clusterwright.yaml'), 'utf8')).workspace!;
    const vm = { id: 'proxmox:homelab:101', stack: 'proxmox' as const, cluster: 'homelab', node: 'a2', name: 'db', status: 'running' as const };
    const { plan } = movePlan(workspace, vm, { target: 'a1', online: true }, { node: 'a1', allowed: true, reasons: [], kind: 'live', details: { stack: 'proxmox', localDisks: [], targetStorages: [] } });
    events.length = 0;
    const run = await core!.call('plan.apply', { plan: plan as never, wait: true });
    expect(run.result).toMatchObject({ status: 'succeeded' });
    const log = events.filter((e) => e.name === 'job.log' && e.payload.runId === run.runId).map((e) => String(e.payload.text));
    expect(log.some((l) => l.includes(`already running on a2 (task ${upid}): following it instead of starting another`))).toBe(true);
    const posts = Object.values(servers).reduce((n, s) => n + (s.answered.get('POST /nodes/{node}/qemu/{vmid}/migrate') ?? 0), 0);
    expect(posts).toBe(1);
    expect((await core!.call('inventory.list', { clusters: [{ stack: 'proxmox', cluster: 'homelab' }] })).vms.find((v) => v.name === 'db')?.node).toBe('a1');
  }, 60_000);
});
