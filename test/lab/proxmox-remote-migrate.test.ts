// Moving a VM between two Proxmox clusters (remote_migrate) through the app's core, against two test-server
// clusters on the lab: "east" on a1 and "west" on b1. The precheck, the refusals Proxmox makes, the move with
// storage and bridge maps, the source kept or deleted, and the API token never leaving main.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { CwError } from '../../main/common/errors.js';
import { coreSchema, reportCoreSchema } from '../support/proxmox/core-schema.js';
import { createCore, type Core } from '../../main/node/core.js';
import { MemorySecretStore } from '../../main/node/secrets/index.js';
import { PveApiSchema } from '../../main/node/stacks/proxmox/api-schema.js';
import type { PveClient } from '../../main/node/stacks/proxmox/client.js';
import { remoteEndpointText } from '../../main/node/stacks/proxmox/inventory.js';
import { describeLab, useLab } from '../support/lab.js';
import { remoteMigrateLabSpec, startRemoteMigrateLab, westTokenId, type RemoteMigrateLab } from '../support/proxmox/remote-migrate-lab.js';

const schema = new PveApiSchema();

describeLab('Proxmox cross-cluster move (remote_migrate) through the core (two lab clusters, Proxmox test servers)', () => {
  const handle = useLab(remoteMigrateLabSpec, 'cwrm');
  const workspaceDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-pve-remote-migrate-ws-'));
  const workspaceFile = path.join(workspaceDir, 'clusterwright.yaml');
  const events: { name: string; payload: Record<string, unknown> }[] = [];
  /** Everything the renderer could see: answers and errors of core calls. */
  const answers: unknown[] = [];
  let rm: RemoteMigrateLab | undefined;
  let core: Core | undefined;
  const appSchema = coreSchema();
  let eastClient: PveClient | undefined;
  let ids = { eastPassword: '', westToken: '' };
  const timings: string[] = [];

  const call = async <T,>(promise: Promise<T>): Promise<T> => {
    try {
      const out = await promise;
      answers.push(out);
      return out;
    } catch (err) {
      answers.push({ message: (err as Error).message, detail: (err as CwError).detail });
      throw err;
    }
  };

  beforeAll(async () => {
    const started = Date.now();
    rm = await startRemoteMigrateLab(handle.lab, { schema });
    timings.push(`two single-node clusters built through the API: ${Date.now() - started} ms`);
    core = createCore({ hostKind: 'test', workspaceDir, nodeCommands: 'local', stackOptions: { proxmox: { schema: appSchema } }, ssh: { secrets: new MemorySecretStore(), sshConfigFile: null, interactive: false } });
    core.events.subscribe((name, payload) => events.push({ name, payload: payload as Record<string, unknown> }));
    const east = await core.call('secrets.put', { label: 'root@pam on east', kind: 'password', value: rm.rootPassword });
    const token = await core.call('secrets.put', { label: `${westTokenId} on west`, kind: 'token', value: rm.tokenSecret });
    ids = { eastPassword: east.id, westToken: token.id };
    eastClient = rm.pve.client('a1');
  }, 150_000);

  afterAll(async () => {
    const servers = [rm?.east, rm?.west].filter((s) => s !== undefined);
    const violations = servers.flatMap((s) => s.violations);
    const served = servers.reduce((n, s) => n + s.counts.requests, 0);
    const replies = servers.reduce((n, s) => n + s.counts.responses, 0);
    const sentByTest = (rm?.pve.clients ?? []).reduce((n, c) => n + c.requestCount, 0);
    console.log(
      `Proxmox remote-migrate suite: test servers validated ${served} requests and ${replies} replies against the official schema (${sentByTest} of them sent by the test's own schema-checking clients, the rest by the core and by east's remote_migrate client to west), ${violations.length} violations\n  ${timings.join('\n  ')}`,
    );
    reportCoreSchema('Proxmox remote-migrate suite', appSchema);
    await core?.close();
    await rm?.stop();
    fs.rmSync(workspaceDir, { recursive: true, force: true });
    expect(violations).toEqual([]);
  }, 60_000);

  const openWorkspace = async (text: string) => {
    fs.writeFileSync(workspaceFile, text);
    await core!.call('workspace.open', { path: workspaceDir, remember: false });
  };
  const jobLog = (runId: string) => events.filter((e) => e.name === 'job.log' && e.payload.runId === runId).map((e) => String(e.payload.text));
  const upidDone = async (upid: string) => {
    const server = upid.startsWith('UPID:a1:') ? rm!.east : rm!.west;
    return server.waitTask(upid);
  };
  const endpointTo = (secret: string, fingerprint?: string) => {
    const e = rm!.endpoint('west');
    return remoteEndpointText({ tokenId: westTokenId, secret, host: e.host, port: e.port, fingerprint: fingerprint ?? e.fingerprint });
  };

  it('refuses a node of a cluster whose api has no token, naming the fields to set', async () => {
    await openWorkspace(rm!.workspaceText({ eastPassword: ids.eastPassword, westPassword: ids.eastPassword }));
    const { vms, sources } = await call(core!.call('inventory.list', {}));
    expect(sources.map((s) => [s.cluster, s.ok, s.vms]).sort()).toEqual([
      ['east', true, 3],
      ['west', true, 0],
    ]);
    expect(vms.map((v) => v.id)).toEqual(['proxmox:east:102', 'proxmox:east:101', 'proxmox:east:103']);
    const pre = await call(core!.call('vm.migratePrecheck', { vm: 'proxmox:east:101', targets: ['b1'] }));
    expect(pre.targets).toHaveLength(1);
    expect(pre.targets[0]).toMatchObject({ node: 'b1', kind: 'remote', allowed: false });
    expect(pre.targets[0]!.reasons).toEqual([expect.stringMatching(/^Moving a VM to cluster 'west' needs an API token .* set proxmox\.clusters\[1\]\.api\.tokenId \(USER@REALM!NAME\) and proxmox\.clusters\[1\]\.api\.tokenSecret/)]);
    const refused = (await call(core!.call('vm.migrate', { vm: 'proxmox:east:101', target: 'b1', choices: { stack: 'proxmox', storageMap: { 'ceph-vm': 'local-lvm' }, bridgeMap: { vmbr1: 'vmbr0' } } })).catch((e: unknown) => e)) as CwError;
    expect(refused.code).toBe('CONFLICT');
    expect(refused.message).toMatch(/^db cannot move to b1: Moving a VM to cluster 'west' needs an API token/);
  });

  it("lists west's storages and bridges, and blocks until the maps cover what db uses and exist on b1", async () => {
    await openWorkspace(rm!.workspaceText(ids));
    const t0 = Date.now();
    const pre = await call(core!.call('vm.migratePrecheck', { vm: 'proxmox:east:101' }));
    timings.push(`precheck east → west: ${Date.now() - t0} ms`);
    expect(pre.targets).toEqual([
      {
        node: 'b1',
        kind: 'remote',
        allowed: false,
        reasons: ['disks on storage ceph-vm need a storage on b1: choose one of local, local-lvm', 'network bridge vmbr1 needs a bridge on b1: choose one of vmbr0, vmbr7'],
        details: {
          stack: 'proxmox',
          localDisks: [],
          targetStorages: ['local', 'local-lvm'],
          remote: { cluster: 'west', sourceStorages: ['ceph-vm'], sourceBridges: ['vmbr1'], targetBridges: ['vmbr0', 'vmbr7'], suggestedVmid: 101, usedVmids: [] },
        },
      },
    ]);
    const unmapped = await call(core!.call('vm.migratePrecheck', { vm: 'proxmox:east:101', targets: ['b1'], choices: { stack: 'proxmox', storageMap: { 'ceph-vm': 'ceph-vm' }, bridgeMap: { vmbr1: 'vmbr7' } } }));
    expect(unmapped.targets[0]!.reasons).toEqual(["storage ceph-vm (chosen for ceph-vm) does not exist on b1 in cluster 'west': choose one of local, local-lvm"]);
    const ok = await call(core!.call('vm.migratePrecheck', { vm: 'proxmox:east:101', targets: ['b1'], choices: { stack: 'proxmox', storageMap: { 'ceph-vm': 'local-lvm' }, bridgeMap: { vmbr1: 'vmbr7' } } }));
    expect(ok.targets[0]).toMatchObject({ allowed: true, reasons: [] });
  });

  it('refuses on the source node what Proxmox refuses: a running VM without online, an HA-managed VM, a wrong fingerprint, a refused token', async () => {
    const base = { 'target-storage': 'ceph-vm:local-lvm', 'target-bridge': 'vmbr7' };
    const noOnline = (await eastClient!.post('/nodes/a1/qemu/101/remote_migrate', { ...base, 'target-endpoint': endpointTo(rm!.tokenSecret) }).catch((e: unknown) => e)) as CwError;
    expect(noOnline.message).toMatch(/500 can't migrate running VM without --online/);
    await eastClient!.post('/cluster/ha/resources', { sid: 'vm:103', state: 'started' });
    const ha = (await eastClient!.post('/nodes/a1/qemu/103/remote_migrate', { ...base, online: true, 'target-endpoint': endpointTo(rm!.tokenSecret) }).catch((e: unknown) => e)) as CwError;
    expect(ha.message).toMatch(/400 Parameter verification failed\. \(vmid: cannot remote-migrate VM that is configured for HA\)/);
    const eastFp = rm!.endpoint('east').fingerprint;
    const pinned = (await eastClient!.post('/nodes/a1/qemu/101/remote_migrate', { ...base, online: true, 'target-endpoint': endpointTo(rm!.tokenSecret, eastFp) }).catch((e: unknown) => e)) as CwError;
    expect(pinned.message).toContain(`error connecting to remote '${rm!.endpoint('west').host}': fingerprint '${rm!.endpoint('west').fingerprint}' not verified, abort!`);
    const badToken = (await eastClient!.post('/nodes/a1/qemu/101/remote_migrate', { ...base, online: true, 'target-endpoint': endpointTo('0000-wrong-secret') }).catch((e: unknown) => e)) as CwError;
    expect(badToken.message).toMatch(/500 401 authentication failure/);
    expect(badToken.message).not.toContain('0000-wrong-secret');
    const identity = (await eastClient!.post('/nodes/a1/qemu/101/remote_migrate', { 'target-storage': '1', 'target-bridge': '1', online: true, 'target-endpoint': endpointTo(rm!.tokenSecret) }).catch((e: unknown) => e)) as CwError;
    expect(identity.message).toMatch(/remote migration requires explicit storage mapping!/);
    // Nothing was started or locked by any of these.
    const conf = await eastClient!.get<Record<string, unknown>>('/nodes/a1/qemu/101/config');
    expect(conf.lock).toBeUndefined();
    // The app's precheck says the same about the HA-managed VM before Proxmox is asked.
    const pre = await call(core!.call('vm.migratePrecheck', { vm: 'proxmox:east:103', targets: ['b1'], choices: { stack: 'proxmox', storageMap: { 'local-lvm': 'local-lvm' }, bridgeMap: { vmbr0: 'vmbr0' } } }));
    expect(pre.targets[0]!.reasons).toEqual([expect.stringMatching(/^web is HA-managed, and Proxmox refuses to move an HA-managed VM to another cluster/)]);
  });

  it('aborts in the task when the target lacks an unmapped storage or the VMID is taken there, and unlocks the source', async () => {
    // ceph-vm is not in the map: Proxmox keeps the same id on the target, which west does not have.
    const upid = await eastClient!.post<string>('/nodes/a1/qemu/101/remote_migrate', { 'target-storage': 'local:local', 'target-bridge': 'vmbr7', online: true, 'target-endpoint': endpointTo(rm!.tokenSecret) });
    const task = await upidDone(upid);
    expect(task.exitstatus).toBe('migration aborted');
    expect(task.log.find((l) => l.includes('ERROR:'))).toMatch(/ERROR: migration aborted \(duration 00:00:\d\d\): failed to start tunnel on 'b1': 500 storage 'ceph-vm' does not exist/);
    expect((await eastClient!.get<Record<string, unknown>>('/nodes/a1/qemu/101/config')).lock).toBeUndefined();

    rm!.west.addGuest({ vmid: 150, name: 'squatter', memoryMiB: 128, cores: 1, running: false, disks: [] });
    const taken = await upidDone(await eastClient!.post<string>('/nodes/a1/qemu/101/remote_migrate', { 'target-storage': 'local-lvm', 'target-bridge': 'vmbr7', 'target-vmid': 150, online: true, 'target-endpoint': endpointTo(rm!.tokenSecret) }));
    expect(taken.log.find((l) => l.includes('ERROR:'))).toMatch(/unable to create empty VM config - VM 150 already exists on node 'b1'/);
    expect(task.log.join('\n')).not.toContain(rm!.tokenSecret);

    // Through the app: the precheck already knows the VMID is taken and says which one is free.
    const refused = (await call(core!.call('vm.migrate', { vm: 'proxmox:east:101', target: 'b1', choices: { stack: 'proxmox', storageMap: { 'ceph-vm': 'local-lvm' }, bridgeMap: { vmbr1: 'vmbr7' }, targetVmid: 150 } })).catch((e: unknown) => e)) as CwError;
    expect(refused.code).toBe('CONFLICT');
    expect(refused.message).toBe("db cannot move to b1: VMID 150 is already used in cluster 'west': choose another target VMID (101 is free).");
  });

  it('moves db live to west as VMID 201 with the maps, keeps the source stopped and locked, and refreshes both clusters', async () => {
    events.length = 0;
    const t0 = Date.now();
    const result = await call(core!.call('vm.migrate', { vm: 'proxmox:east:101', target: 'b1', online: true, choices: { stack: 'proxmox', storageMap: { 'ceph-vm': 'local-lvm' }, bridgeMap: { vmbr1: 'vmbr7' }, targetVmid: 201 } }));
    timings.push(`vm.migrate db east → west (8 GiB disk + 1 GiB memory, time scale 0.01): ${Date.now() - t0} ms`);
    expect(result).toMatchObject({ vm: 'proxmox:east:101', from: 'a1', to: 'b1', status: 'succeeded' });
    expect(result.message).toMatch(/^Moved VM db \(101\) from a1 \(cluster east\) to b1 \(cluster west\) as VMID 201 in [\d.]+ s; the source VM stays on a1, stopped and locked \(migrate\)/);
    const log = jobLog(result.runId);
    expect(log[0]).toMatch(/remote_migrate with target-endpoint apitoken=PVEAPIToken=migrate@pve!east=\*\*\*,host=[\d.]+,port=\d+,fingerprint=[0-9A-F:]{95}, target-storage ceph-vm:local-lvm, target-bridge vmbr1:vmbr7/);
    expect(log.some((l) => /starting migration of VM 101 to node 'b1' \([\d.]+\)/.test(l))).toBe(true);
    expect(log.some((l) => /mapped: net0 from vmbr1 to vmbr7/.test(l))).toBe(true);
    expect(log.some((l) => /volume 'ceph-vm:vm-101-disk-0' is 'local-lvm:vm-201-disk-0' on the target/.test(l))).toBe(true);
    expect(log.some((l) => /migration finished successfully/.test(l))).toBe(true);
    // Measured between the sites (a1 → b1's address), not over the app link.
    expect(Number(/measured RTT to b1 \(remote\): ([\d.]+) ms/.exec(log.join('\n'))?.[1])).toBeGreaterThan(1);
    const changed = events.filter((e) => e.name === 'inventory.changed').map((e) => e.payload.cluster);
    expect(changed.sort()).toEqual(['east', 'west']);
    const { vms } = await call(core!.call('inventory.list', {}));
    expect(vms.find((v) => v.id === 'proxmox:west:201')).toMatchObject({ cluster: 'west', node: 'b1', name: 'db', status: 'running', memoryMiB: 1024 });
    expect(vms.find((v) => v.id === 'proxmox:east:101')).toMatchObject({ node: 'a1', status: 'migrating' });
    const westConf = await rm!.pve.client('b1').get<Record<string, unknown>>('/nodes/b1/qemu/201/config');
    expect(westConf).toMatchObject({ scsi0: expect.stringMatching(/^local-lvm:vm-201-disk-0,size=8G$/), net0: expect.stringMatching(/bridge=vmbr7/) });
    expect(westConf.lock).toBeUndefined();
    expect(await eastClient!.get<Record<string, unknown>>('/nodes/a1/qemu/101/config')).toMatchObject({ lock: 'migrate' });
    // The kept source is locked: the app says so instead of offering another move.
    const again = await call(core!.call('vm.migratePrecheck', { vm: 'proxmox:east:101', targets: ['b1'], choices: { stack: 'proxmox', storageMap: { 'ceph-vm': 'local-lvm' }, bridgeMap: { vmbr1: 'vmbr7' }, targetVmid: 202 } }));
    expect(again.targets[0]!.reasons).toEqual([expect.stringMatching(/^db is locked \(migrate\): it may be the stopped copy/)]);
  });

  it('moves the stopped cache offline with delete, and the source is gone from east', async () => {
    const move = { vm: 'proxmox:east:102', target: 'b1', online: false, choices: { stack: 'proxmox' as const, storageMap: { 'local-lvm': 'local' }, bridgeMap: { vmbr0: 'vmbr0' } }, deleteSource: true };
    // Destroying the source needs the VM's name as explicit approval: without it nothing starts.
    await expect(core!.call('vm.migrate', move)).rejects.toThrow(/destroys VM cache and its disks on cluster 'east'. Confirm it by giving the VM's name \(cache\)/);
    await expect(core!.call('vm.migrate', { ...move, confirmDeleteSource: 'db' })).rejects.toThrow(/Confirm it/);
    expect((await call(core!.call('inventory.list', {}))).vms.some((v) => v.id === 'proxmox:east:102')).toBe(true);
    const result = await call(core!.call('vm.migrate', { ...move, confirmDeleteSource: 'cache' }));
    expect(result).toMatchObject({ status: 'succeeded', to: 'b1' });
    expect(result.message).toMatch(/as VMID 102 in [\d.]+ s; the source VM was removed\.$/);
    expect(jobLog(result.runId).some((l) => /removed source VM 102/.test(l))).toBe(true);
    const { vms } = await call(core!.call('inventory.list', {}));
    expect(vms.some((v) => v.id === 'proxmox:east:102')).toBe(false);
    expect(vms.find((v) => v.id === 'proxmox:west:102')).toMatchObject({ node: 'b1', status: 'stopped', name: 'cache' });
  });

  it('never let the token secret out of main: no event, job log line or answer carried it', () => {
    // Each test above left its events and answers here (events were cleared before the two moves, which are last).
    expect(events.filter((e) => e.name === 'job.log').length).toBeGreaterThan(10);
    expect(answers.length).toBeGreaterThan(10);
    expect(JSON.stringify(events)).not.toContain(rm!.tokenSecret);
    expect(JSON.stringify(answers)).not.toContain(rm!.tokenSecret);
  });
});
