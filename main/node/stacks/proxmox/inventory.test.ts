// The Proxmox inventory's pure mapping: /cluster/resources → canvas VMs, a migrate precheck → verdicts per
// target. Every fixture is first checked against the official API schema's `returns`, so the shapes are real.
import { describe, expect, it } from 'vitest';
import { CwError } from '../../../common/errors.js';
import { workspaceSchema } from '../../../common/workspace/schema.js';
import { MemorySecretStore } from '../../secrets/index.js';
import { PveApiSchema } from './api-schema.js';
import { createProxmoxInventory, imageStoragesByNode, migrationTargetsFrom, parseEndpoint, vmRecordsFromResources, type PveMigratePrecheck, type PveResource } from './inventory.js';

const schema = new PveApiSchema();
const GiB = 1024 ** 3;

function official<T>(method: string, path: string, data: T): T {
  const res = schema.validateResponse(method, path, data);
  expect(res.issues).toEqual([]);
  return data;
}

const resources: PveResource[] = official('GET', '/cluster/resources', [
  { id: 'qemu/101', type: 'qemu', vmid: 101, name: 'db', node: 'a1', status: 'running', maxmem: 4 * GiB, maxcpu: 4, hastate: 'started', template: false },
  { id: 'qemu/102', type: 'qemu', vmid: 102, name: 'cache', node: 'a2', status: 'stopped', maxmem: 512 * 1024 ** 2, maxcpu: 1 },
  { id: 'qemu/103', type: 'qemu', vmid: 103, name: 'web', node: 'a1', status: 'running', lock: 'migrate', maxmem: GiB, maxcpu: 2 },
  { id: 'qemu/104', type: 'qemu', vmid: 104, name: 'spare', node: 'a1', status: 'stopped', hastate: 'ignored' },
  { id: 'qemu/9000', type: 'qemu', vmid: 9000, name: 'debian-tpl', node: 'a1', status: 'stopped', template: true },
  { id: 'lxc/200', type: 'lxc', vmid: 200, name: 'dns', node: 'a1', status: 'running' },
  { id: 'node/a1', type: 'node', node: 'a1', status: 'online' },
  { id: 'storage/a2/local-lvm', type: 'storage', node: 'a2', storage: 'local-lvm', status: 'available', shared: false, content: 'images,rootdir' },
  { id: 'storage/a2/local', type: 'storage', node: 'a2', storage: 'local', status: 'available', shared: false, content: 'iso,vztmpl,backup' },
  { id: 'storage/a2/ceph-vm', type: 'storage', node: 'a2', storage: 'ceph-vm', status: 'available', shared: true, content: 'images' },
  { id: 'storage/b1/ceph-vm', type: 'storage', node: 'b1', storage: 'ceph-vm', status: 'unknown', shared: true, content: 'images' },
]);

describe('VMs on the canvas from /cluster/resources', () => {
  it('reports each QEMU VM with its node, status, size and HA state, and leaves out containers and templates', () => {
    const vms = vmRecordsFromResources('homelab', resources);
    expect(vms.map((v) => v.id)).toEqual(['proxmox:homelab:101', 'proxmox:homelab:102', 'proxmox:homelab:103', 'proxmox:homelab:104']);
    expect(vms[0]).toEqual({ id: 'proxmox:homelab:101', stack: 'proxmox', cluster: 'homelab', node: 'a1', name: 'db', status: 'running', memoryMiB: 4096, cpus: 4, haManaged: true });
    expect(vms[1]).toMatchObject({ node: 'a2', status: 'stopped', memoryMiB: 512, cpus: 1, haManaged: false });
  });

  it('shows a VM that is being moved as migrating, and one HA ignores as not HA-managed', () => {
    const vms = vmRecordsFromResources('homelab', resources);
    expect(vms.find((v) => v.name === 'web')?.status).toBe('migrating');
    expect(vms.find((v) => v.name === 'spare')?.haManaged).toBe(false);
  });

  it('offers as target storages only those that hold disk images and are available on that node', () => {
    const storages = imageStoragesByNode(resources);
    expect(storages.get('a2')).toEqual(['ceph-vm', 'local-lvm']);
    expect(storages.has('b1')).toBe(false);
  });
});

describe('migration verdicts from GET …/migrate', () => {
  const ctx = { cluster: 'homelab', members: ['a1', 'a2', 'b1'], source: 'a1', storages: imageStoragesByNode(resources) };

  it('allows a running VM on shared storage to move live to an online member', () => {
    const answer: PveMigratePrecheck = official('GET', '/nodes/a1/qemu/101/migrate', { running: true, allowed_nodes: ['a2', 'b1'], not_allowed_nodes: {}, local_disks: [], local_resources: [], 'mapped-resources': [], 'mapped-resource-info': {}, 'has-dbus-vmstate': false });
    const [a2] = migrationTargetsFrom(answer, ['a2'], ctx);
    expect(a2).toEqual({ node: 'a2', allowed: true, reasons: [], kind: 'live', localDisks: [], targetStorages: ['ceph-vm', 'local-lvm'] });
  });

  it('blocks a VM with a local disk until a target storage is chosen, naming the disk and its storage', () => {
    const answer: PveMigratePrecheck = official('GET', '/nodes/a1/qemu/102/migrate', {
      running: true,
      allowed_nodes: ['a2'],
      not_allowed_nodes: {},
      local_disks: [{ volid: 'local-lvm:vm-102-disk-0', size: 4 * GiB, cdrom: false, is_unused: false }],
      local_resources: [],
      'mapped-resources': [], 'mapped-resource-info': {}, 'has-dbus-vmstate': false,
    });
    const [blocked] = migrationTargetsFrom(answer, ['a2'], ctx);
    expect(blocked).toMatchObject({ allowed: false, kind: 'live', reasons: ['local disk local-lvm:vm-102-disk-0 on local-lvm: choose a target storage'], localDisks: [{ disk: 'local-lvm:vm-102-disk-0', storage: 'local-lvm', sizeGiB: 4 }] });
    expect(migrationTargetsFrom(answer, ['a2'], { ...ctx, targetStorage: 'local-lvm' })[0]).toMatchObject({ allowed: true, reasons: [] });
    expect(migrationTargetsFrom(answer, ['a2'], { ...ctx, targetStorage: 'nfs-slow' })[0]!.reasons[0]).toMatch(/target storage nfs-slow for local disk .* is not available on a2: choose one of ceph-vm, local-lvm/);
  });

  it('explains why Proxmox refuses a node, a device passthrough, and a node outside the cluster', () => {
    const answer: PveMigratePrecheck = official('GET', '/nodes/a1/qemu/101/migrate', {
      running: false,
      allowed_nodes: [],
      not_allowed_nodes: { b1: { unavailable_storages: ['ceph-vm'] } } as PveMigratePrecheck['not_allowed_nodes'],
      local_disks: [],
      local_resources: ['hostpci0'],
      'mapped-resources': [], 'mapped-resource-info': {}, 'has-dbus-vmstate': false,
    });
    const [b1, a2, c9] = migrationTargetsFrom(answer, ['b1', 'a2', 'c9'], ctx);
    expect(b1).toMatchObject({ allowed: false, kind: 'offline' });
    expect(b1!.reasons).toEqual([
      'storage ceph-vm that the VM uses is not available on b1: add it to b1 or move the disk to shared storage first',
      'local resource hostpci0 (passthrough device) ties the VM to a1: remove it or use a mapped device',
    ]);
    expect(a2!.reasons[0]).toMatch(/^a2 is not online in cluster 'homelab'/);
    expect(c9).toMatchObject({ allowed: false, kind: 'remote' });
    expect(c9!.reasons[0]).toMatch(/c9 is not a member of Proxmox cluster 'homelab'/);
  });
});

describe('reaching a cluster', () => {
  const base = { version: 1, name: 'w', sites: [{ name: 'a', kind: 'lan' }], nodes: [{ name: 'a1', site: 'a', addresses: { mgmt: '198.18.0.11' } }] };
  const cluster = { name: 'homelab', nodes: ['a1'], links: [{ link: 0, network: 'mgmt' }] };
  const signal = new AbortController().signal;

  it('reads host and host:port endpoints, port 8006 by default', () => {
    expect(parseEndpoint('pve1.example')).toEqual({ host: 'pve1.example', port: 8006 });
    expect(parseEndpoint('198.18.0.1:8007')).toEqual({ host: '198.18.0.1', port: 8007 });
    expect(parseEndpoint('[fd00::1]:8443')).toEqual({ host: 'fd00::1', port: 8443 });
  });

  it('lists only clusters with an api block', () => {
    const ws = workspaceSchema.parse({ ...base, proxmox: { clusters: [cluster, { ...cluster, name: 'other', api: {} }] } });
    expect(createProxmoxInventory({ secrets: new MemorySecretStore() }).clusters(ws)).toEqual(['other']);
  });

  it('says which field to fill when the cluster has no credentials', async () => {
    const ws = workspaceSchema.parse({ ...base, proxmox: { clusters: [{ ...cluster, api: {} }] } });
    const err = (await createProxmoxInventory({ secrets: new MemorySecretStore() }).list(ws, 'homelab', signal).catch((e: unknown) => e)) as CwError;
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toBe(
      "Proxmox cluster 'homelab' has no API credentials: store root@pam's password with secrets.put and put its id in proxmox.clusters[0].api.passwordSecret (or set proxmox.clusters[0].api.tokenId and proxmox.clusters[0].api.tokenSecret for an API token).",
    );
  });

  it('names the missing secret and the field its id comes from, before anything is sent', async () => {
    const ws = workspaceSchema.parse({ ...base, proxmox: { clusters: [{ ...cluster, api: { endpoint: '127.0.0.1:1', passwordSecret: 'gone', fingerprint: `${'AB:'.repeat(31)}CD` } }] } });
    const err = (await createProxmoxInventory({ secrets: new MemorySecretStore() }).list(ws, 'homelab', signal).catch((e: unknown) => e)) as CwError;
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toBe("Proxmox cluster 'homelab': the secret 'gone' named by proxmox.clusters[0].api.passwordSecret is not in the secret store. Store it again with secrets.put and put the new id in proxmox.clusters[0].api.passwordSecret.");
  });

  it('says which cluster an unreachable endpoint belongs to', async () => {
    const secrets = new MemorySecretStore();
    const id = await secrets.put('s3cret-pw', { label: 'root@pam', kind: 'password' });
    const ws = workspaceSchema.parse({ ...base, proxmox: { clusters: [{ ...cluster, api: { endpoint: '127.0.0.1:1', passwordSecret: id, fingerprint: `${'AB:'.repeat(31)}CD` } }] } });
    const err = (await createProxmoxInventory({ secrets }).list(ws, 'homelab', signal).catch((e: unknown) => e)) as CwError;
    // Port 1 on loopback: nothing listens.
    expect(err.code).toBe('UNREACHABLE');
    expect(err.message).toMatch(/^Proxmox cluster 'homelab': Cannot reach the Proxmox VE API on 127\.0\.0\.1:1/);
    expect(err.message).not.toContain('s3cret-pw');
  });
});
