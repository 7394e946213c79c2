// The Proxmox inventory's pure mapping: /cluster/resources → canvas VMs, a migrate precheck → verdicts per
// target. Every fixture is first checked against the official API schema's `returns`, so the shapes are real.
import { describe, expect, it } from 'vitest';
import { CwError } from '../../../common/errors.js';
import { workspaceSchema } from '../../../common/workspace/schema.js';
import { MemorySecretStore } from '../../secrets/index.js';
import { PveApiSchema } from './api-schema.js';
import {
  createProxmoxInventory,
  formatIdMap,
  freeVmid,
  haServicesFromStatus,
  imageStoragesByNode,
  migrationTargetsFrom,
  parseEndpoint,
  redactEndpoint,
  remoteEndpointText,
  remoteTargetFrom,
  vmRecordsFromResources,
  vmResourcesFromConfig,
  type PveHaStatusEntry,
  type PveMigratePrecheck,
  type PveResource,
  type RemoteTargetFacts,
} from './inventory.js';
import { mapId, parseIdMap, parseRemoteEndpoint } from './simulator/remote-migrate.js';

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
    expect(vms[0]).toEqual({ id: 'proxmox:homelab:101', stack: 'proxmox', cluster: 'homelab', node: 'a1', name: 'db', status: 'running', memoryMiB: 4096, cpus: 4, haManaged: true, haState: 'started' });
    expect(vms[1]).toMatchObject({ node: 'a2', status: 'stopped', memoryMiB: 512, cpus: 1, haManaged: false });
  });

  it('shows a VM that is being moved as migrating, and one HA ignores as not HA-managed', () => {
    const vms = vmRecordsFromResources('homelab', resources);
    expect(vms.find((v) => v.name === 'web')?.status).toBe('migrating');
    expect(vms.find((v) => v.name === 'spare')?.haManaged).toBe(false);
  });

  it("takes the HA state from the HA manager's status when it could be read, not from the resources", () => {
    const status: PveHaStatusEntry[] = official('GET', '/cluster/ha/status/current', [
      { id: 'quorum', type: 'quorum', node: 'a1', status: 'OK', quorate: true },
      { id: 'master', type: 'master', node: 'a1', status: 'a1 (active, Thu Dec  4 20:41:28 2026)', timestamp: 1796416888 },
      { id: 'lrm:a1', type: 'lrm', node: 'a1', status: 'a1 (active, watchdog active, Thu Dec  4 20:41:28 2026)', timestamp: 1796416888 },
      // 101 is being moved by the HA stack; 102 was put under HA after /cluster/resources was read; ct:200 is a container.
      { id: 'service:vm:101', type: 'service', sid: 'vm:101', node: 'a1', crm_state: 'migrate', state: 'migrate', request_state: 'started', status: 'vm:101 (a1, migrate)' },
      { id: 'service:vm:102', type: 'service', sid: 'vm:102', node: 'a2', state: 'queued', request_state: 'started', status: 'vm:102 (a2, queued)' },
      { id: 'service:vm:104', type: 'service', sid: 'vm:104', node: 'a1', state: 'ignored', request_state: 'ignored', status: 'vm:104 (a1, ignored)' },
      { id: 'service:ct:200', type: 'service', sid: 'ct:200', node: 'a1', crm_state: 'started', state: 'started', request_state: 'started', status: 'ct:200 (a1, started)' },
    ]);
    const ha = haServicesFromStatus(status);
    expect([...ha.keys()]).toEqual([101, 102, 104]);
    const vms = vmRecordsFromResources('homelab', resources, ha);
    expect(vms.map((v) => [v.name, v.haManaged, v.haState])).toEqual([
      ['db', true, 'migrate'],
      ['cache', true, 'queued'],
      ['web', false, undefined],
      ['spare', false, undefined],
    ]);
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
    expect(a2).toEqual({ node: 'a2', allowed: true, reasons: [], kind: 'live', details: { stack: 'proxmox', localDisks: [], targetStorages: ['ceph-vm', 'local-lvm'] } });
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
    expect(blocked).toMatchObject({ allowed: false, kind: 'live', reasons: ['local disk local-lvm:vm-102-disk-0 on local-lvm: choose a target storage'], details: { localDisks: [{ disk: 'local-lvm:vm-102-disk-0', storage: 'local-lvm', sizeGiB: 4 }] } });
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
    expect(err.message).toBe("Proxmox cluster 'homelab' has no API credentials: store root@pam's password (New Proxmox cluster → Cluster API), or give the workspace an API token's id and secret.");
    expect(err.detail).toMatchObject({ field: 'proxmox.clusters[0].api.passwordSecret' });
  });

  it('names the missing secret and the field its id comes from, before anything is sent', async () => {
    const ws = workspaceSchema.parse({ ...base, proxmox: { clusters: [{ ...cluster, api: { endpoint: '127.0.0.1:1', passwordSecret: 'gone', fingerprint: `${'AB:'.repeat(31)}CD` } }] } });
    const err = (await createProxmoxInventory({ secrets: new MemorySecretStore() }).list(ws, 'homelab', signal).catch((e: unknown) => e)) as CwError;
    expect(err.code).toBe('NOT_FOUND');
    expect(err.message).toBe("Proxmox cluster 'homelab': root@pam's password (secret 'gone') is no longer in the secret store. Store root@pam's password again (New Proxmox cluster → Cluster API).");
    expect(err.detail).toMatchObject({ field: 'proxmox.clusters[0].api.passwordSecret' });
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

describe('moving a VM to another Proxmox cluster (remote_migrate)', () => {
  const fp = official('GET', '/nodes/b1/certificates/info', [{ filename: 'pve-ssl.pem', fingerprint: `${'AB:'.repeat(31)}CD` }])[0]!.fingerprint!;
  const secret = '7d1b0c9e-5f7a-4c1e-9d3b-2f1e0a9c8b7d';

  it('builds the target endpoint the source node understands, and a log form that hides only the secret', () => {
    const text = remoteEndpointText({ tokenId: 'migrate@pve!west', secret, host: '198.18.0.1', port: 8007, fingerprint: fp });
    expect(schema.validateRequest('POST', '/nodes/a1/qemu/101/remote_migrate', { 'target-endpoint': text, 'target-storage': 'local-lvm', 'target-bridge': 'vmbr0' }, 'form').ok).toBe(true);
    // What the test server (standing in for the source node) reads back is what went in.
    expect(parseRemoteEndpoint(text)).toEqual({ tokenId: 'migrate@pve!west', secret, host: '198.18.0.1', port: 8007, fingerprint: fp });
    const shown = redactEndpoint(text);
    expect(shown).not.toContain(secret);
    expect(shown).toBe(`apitoken=PVEAPIToken=migrate@pve!west=***,host=198.18.0.1,port=8007,fingerprint=${fp}`);
    expect(redactEndpoint(`refused: ${text} (and again ${text})`).includes(secret)).toBe(false);
  });

  it('refuses to build an endpoint from a token id without a realm and name, or a secret that would break the string', () => {
    expect(() => remoteEndpointText({ tokenId: 'root@pam', secret, host: 'h', port: 8006, fingerprint: fp })).toThrow(/not an API token id/);
    expect(() => remoteEndpointText({ tokenId: 'a@pve!t', secret: 'x,host=evil', host: 'h', port: 8006, fingerprint: fp })).toThrow(/comma or white space/);
  });

  it('writes storage and bridge maps as Proxmox pair lists that map each source where the admin chose', () => {
    const text = formatIdMap({ 'local-lvm': 'local-zfs', 'ceph-vm': 'local-lvm' });
    expect(text).toBe('ceph-vm:local-lvm,local-lvm:local-zfs');
    expect(schema.validateRequest('POST', '/nodes/a1/qemu/101/remote_migrate', { 'target-endpoint': 'apitoken=PVEAPIToken=a@pve!t=x,host=h', 'target-storage': text, 'target-bridge': formatIdMap({ vmbr1: 'vmbr0' }) }, 'form').ok).toBe(true);
    const map = parseIdMap(text, 'storage');
    expect([mapId(map, 'ceph-vm'), mapId(map, 'local-lvm')]).toEqual(['local-lvm', 'local-zfs']);
    expect(formatIdMap({})).toBe('');
  });

  it('reads the storages and bridges a VM uses from its configuration, skipping CD-ROMs and empty drives', () => {
    const conf = official('GET', '/nodes/a1/qemu/101/config', {
      name: 'db',
      scsi0: 'ceph-vm:vm-101-disk-0,size=32G',
      virtio1: 'local-lvm:vm-101-disk-1,size=4G',
      ide2: 'local:iso/debian.iso,media=cdrom',
      sata0: 'none,media=cdrom',
      net0: 'model=virtio,bridge=vmbr1,macaddr=BC:24:11:00:00:01',
      net1: 'model=e1000,bridge=vmbr0',
      lock: 'migrate',
      digest: 'abc',
    });
    expect(vmResourcesFromConfig(conf)).toEqual({ storages: ['ceph-vm', 'local-lvm'], bridges: ['vmbr0', 'vmbr1'], lock: 'migrate' });
  });

  const facts: RemoteTargetFacts = {
    node: 'b1',
    vm: { name: 'db', haManaged: false, vmid: 101 },
    targetCluster: 'west',
    field: 'proxmox.clusters[1].api',
    landingNode: 'b1',
    targetStorages: ['local', 'local-lvm'],
    targetBridges: ['vmbr0', 'vmbr7'],
    usedVmids: [100, 101, 102, 104],
    source: { storages: ['ceph-vm'], bridges: ['vmbr1'] },
  };

  it('blocks until every source storage and bridge has a target that exists there, then allows', () => {
    const blank = remoteTargetFrom({ ...facts, usedVmids: [] });
    expect(blank).toMatchObject({ node: 'b1', kind: 'remote', allowed: false, details: { targetStorages: ['local', 'local-lvm'], remote: { cluster: 'west', sourceStorages: ['ceph-vm'], targetBridges: ['vmbr0', 'vmbr7'], suggestedVmid: 101 } } });
    expect(blank.reasons).toEqual(['disks on storage ceph-vm need a storage on b1: choose one of local, local-lvm', 'network bridge vmbr1 needs a bridge on b1: choose one of vmbr0, vmbr7']);
    const wrong = remoteTargetFrom({ ...facts, usedVmids: [] }, { storageMap: { 'ceph-vm': 'ceph-vm' }, bridgeMap: { vmbr1: 'vmbr0' } });
    expect(wrong.reasons).toEqual(["storage ceph-vm (chosen for ceph-vm) does not exist on b1 in cluster 'west': choose one of local, local-lvm"]);
    expect(remoteTargetFrom({ ...facts, usedVmids: [] }, { storageMap: { 'ceph-vm': 'local-lvm' }, bridgeMap: { vmbr1: 'vmbr0' } })).toMatchObject({ allowed: true, reasons: [] });
  });

  it('says when the VMID is taken on the target cluster and offers the next free one', () => {
    expect(freeVmid(101, [100, 101, 102, 104])).toBe(103);
    expect(freeVmid(50, [])).toBe(100);
    const choices = { storageMap: { 'ceph-vm': 'local-lvm' }, bridgeMap: { vmbr1: 'vmbr0' } };
    const taken = remoteTargetFrom(facts, choices);
    expect(taken).toMatchObject({ allowed: false, details: { remote: { suggestedVmid: 103, usedVmids: [100, 101, 102, 104] } } });
    expect(taken.reasons).toEqual(["VMID 101 is already used in cluster 'west': choose another target VMID (103 is free)"]);
    expect(remoteTargetFrom(facts, { ...choices, targetVmid: 103 }).allowed).toBe(true);
  });

  it('passes on a missing token alone, and refuses HA-managed VMs, locked VMs and a node the endpoint does not land on', () => {
    const noToken = remoteTargetFrom({ ...facts, apiProblem: 'set proxmox.clusters[1].api.tokenId', usedVmids: [] });
    expect(noToken).toMatchObject({ allowed: false, reasons: ['set proxmox.clusters[1].api.tokenId'] });
    const ha = remoteTargetFrom({ ...facts, vm: { ...facts.vm, haManaged: true }, source: { ...facts.source, lock: 'migrate' }, landingNode: 'b2', usedVmids: [] }, { storageMap: { 'ceph-vm': 'local' }, bridgeMap: { vmbr1: 'vmbr7' } });
    expect(ha.reasons).toHaveLength(3);
    expect(ha.reasons[0]).toMatch(/^db is HA-managed, and Proxmox refuses .* remove vm:101 from HA/);
    expect(ha.reasons[1]).toMatch(/^db is locked \(migrate\): it may be the stopped copy/);
    expect(ha.reasons[2]).toMatch(/answers the target endpoint, which is b2, not b1: .* point proxmox\.clusters\[1\]\.api\.endpoint at b1$/);
    const unreadable = remoteTargetFrom({ ...facts, readError: "Proxmox cluster 'west': 401 authentication failure", targetStorages: [], usedVmids: [] });
    expect(unreadable.reasons).toEqual(["cannot read cluster 'west': Proxmox cluster 'west': 401 authentication failure"]);
  });
});
