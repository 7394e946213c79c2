// What the Proxmox test server tells third-party clients, without a node: /proc parsing, the HA status built as
// pve-ha-manager builds it, storage figures and defaults, and the task list's filters — each reply checked against
// the official schema.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PveApiSchema } from '../api-schema.js';
import { haStatusCurrent, markHaMove, perlLocaltime, verboseServiceState } from './ha-status.js';
import type { HostRunner } from './host.js';
import { registerInfoHandlers, type InfoHandler, type InfoHost, type TaskEntry } from './node-info.js';
import { cpuBetween, parseNodeReading } from './node-status.js';
import { PmxcfsDir } from './pmxcfs.js';
import { storageConfigEntry, storageDefs, storageUsage, withDefaults } from './storage.js';

const schema = new PveApiSchema();
const GiB = 1024 ** 3;
const dirs: string[] = [];

function cfs(): PmxcfsDir {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-pmxcfs-unit-'));
  dirs.push(dir);
  return new PmxcfsDir(dir);
}

function valid(method: string, apiPath: string, data: unknown): void {
  expect(schema.validateResponse(method, apiPath, data).issues).toEqual([]);
}

afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const sep = '@@cw@@\n';
const reading = (statLine: string, uptime = '5000.50 9000.25'): string =>
  [
    `${uptime}\n`,
    // PID 1 started 4000 s after boot (400000 ticks at 100 Hz); its name has a space and a parenthesis.
    '1 (init (x) sh) S 0 1 1 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 400000 1000 10 18446744073709551615\n',
    '100\n',
    '0.52 0.31 0.20 1/123 456\n',
    'MemTotal:       8000000 kB\nMemFree:        2000000 kB\nMemAvailable:   6000000 kB\nSwapTotal:      1000 kB\nSwapFree:       400 kB\n',
    `${statLine}\n`,
    'processor\t: 0\nmodel name\t: Test CPU\nphysical id\t: 0\ncpu cores\t: 2\ncpu MHz\t\t: 2400.000\nflags\t\t: fpu vmx sse\nprocessor\t: 1\nphysical id\t: 0\ncpu cores\t: 2\n',
    'Linux\n6.1.0-test\n#1 SMP\nx86_64\n',
    'Filesystem 1-blocks Used Available Capacity Mounted on\n/dev/root 1000000 400000 500000 45% /\n',
    'legacy-bios\n',
  ].join(sep);

describe("a node's figures read from /proc inside it", () => {
  it("counts uptime from the node's PID 1, memory used as total minus available, and the CPUs as PVE does", () => {
    const r = parseNodeReading(reading('cpu  100 0 100 700 100 0 0 0 0 0'), 1_000);
    expect(r.uptime).toBe(1000);
    expect(r.loadavg).toEqual(['0.52', '0.31', '0.20']);
    expect(r.memory).toEqual({ total: 8_000_000 * 1024, free: 2_000_000 * 1024, available: 6_000_000 * 1024, used: 2_000_000 * 1024 });
    expect(r.swap).toEqual({ total: 1000 * 1024, free: 400 * 1024, used: 600 * 1024 });
    expect(r.cpuinfo).toMatchObject({ model: 'Test CPU', cpus: 2, sockets: 1, cores: 2, hvm: true, user_hz: 100 });
    expect(r.kernel).toEqual({ sysname: 'Linux', release: '6.1.0-test', version: '#1 SMP', machine: 'x86_64' });
    expect(r.rootfs).toEqual({ total: 1_000_000, used: 400_000, avail: 500_000, free: 600_000 });
  });

  it('reports CPU use between two readings, and since boot for the first', () => {
    const first = parseNodeReading(reading('cpu  100 0 100 700 100 0 0 0 0 0'), 1_000);
    const second = parseNodeReading(reading('cpu  250 0 150 800 100 0 0 0 0 0'), 11_000);
    expect(cpuBetween(undefined, first)).toEqual({ cpu: 0.2, wait: 0.1 });
    expect(cpuBetween(first, second)).toEqual({ cpu: 200 / 300, wait: 0 });
  });
});

describe('the HA status as pve-ha-manager reports it', () => {
  const members = [
    { name: 'a1', nodeid: 1, online: true },
    { name: 'a2', nodeid: 2, online: true },
    { name: 'b1', nodeid: 3, online: false },
  ];
  const now = 1_800_000_000;
  const input = { nodeName: 'a2', release: '9.1', quorate: true, members, lrmTimestamp: (n: string) => (n === 'b1' ? now - 300 : now - 5), now };

  it('shows only quorum and fencing on standby while nothing is HA-managed', () => {
    const out = haStatusCurrent(cfs(), input);
    valid('GET', '/cluster/ha/status/current', out);
    expect(out).toEqual([
      { id: 'quorum', type: 'quorum', node: 'a2', status: 'OK', quorate: 1 },
      { id: 'fencing', type: 'fencing', node: 'a2', status: 'standby (CRM watchdog standby)', 'armed-state': 'standby' },
    ]);
  });

  it('shows the master, each LRM, and every service with its state: a move in progress, a stopped guest, an ignored one', () => {
    const dir = cfs();
    dir.putGuest('a1', { vmid: 101, name: 'db', memoryMiB: 1024, cores: 2, running: true, disks: [] });
    dir.putGuest('a2', { vmid: 102, name: 'cache', memoryMiB: 256, cores: 1, running: false, disks: [] });
    dir.putGuest('a2', { vmid: 103, name: 'web', memoryMiB: 256, cores: 1, running: true, disks: [] });
    dir.writeJson('ha/resources.json', [
      { sid: 'vm:101', state: 'started' },
      { sid: 'vm:102', state: 'started', group: 'site-a' },
      { sid: 'vm:103', state: 'ignored' },
    ]);
    markHaMove(dir, 'vm:101', { from: 'a1', to: 'a2' });
    const out = haStatusCurrent(dir, input);
    valid('GET', '/cluster/ha/status/current', out);
    const byId = Object.fromEntries(out.map((e) => [e.id, e]));
    expect(byId.master).toEqual({ id: 'master', type: 'master', node: 'a1', status: `a1 (active, ${perlLocaltime(now)})`, timestamp: now });
    expect(byId.fencing).toMatchObject({ 'armed-state': 'armed', status: 'armed (CRM watchdog active)' });
    expect(byId['lrm:a1']!.status).toBe(`a1 (active, watchdog active, ${perlLocaltime(now - 5)})`);
    expect(byId['lrm:b1']!.status).toBe(`b1 (old timestamp - dead?, watchdog standby, ${perlLocaltime(now - 300)})`);
    expect(byId['service:vm:101']).toMatchObject({ node: 'a1', crm_state: 'migrate', state: 'migrate', status: 'vm:101 (a1, migrate)' });
    // Requested started but not running: the LRM would be starting it.
    expect(byId['service:vm:102']).toMatchObject({ node: 'a2', crm_state: 'started', state: 'starting', group: 'site-a', max_restart: 1, max_relocate: 1, failback: 1 });
    expect(byId['service:vm:103']).toMatchObject({ node: 'a2', state: 'ignored', request_state: 'ignored' });
    expect(byId['service:vm:103']!.crm_state).toBeUndefined();
    markHaMove(dir, 'vm:101', undefined);
    expect(haStatusCurrent(dir, input).find((e) => e.id === 'service:vm:101')).toMatchObject({ node: 'a1', state: 'started' });
  });

  it('has no master without quorum, and says so for the quorum entry', () => {
    const dir = cfs();
    dir.putGuest('a1', { vmid: 101, name: 'db', memoryMiB: 1024, cores: 2, running: true, disks: [] });
    dir.writeJson('ha/resources.json', [{ sid: 'vm:101', state: 'started' }]);
    const out = haStatusCurrent(dir, { ...input, quorate: false });
    valid('GET', '/cluster/ha/status/current', out);
    expect(out[0]).toEqual({ id: 'quorum', type: 'quorum', node: 'a2', status: "No quorum on node 'a2'!", quorate: 0 });
    expect(out.some((e) => e.type === 'master' || e.type === 'lrm')).toBe(false);
  });

  it('words service states as get_verbose_service_state does', () => {
    expect(verboseServiceState(undefined, undefined, true)).toBe('deleting');
    expect(verboseServiceState(undefined, 'started', false)).toBe('not found');
    expect(verboseServiceState(undefined, 'started', true)).toBe('queued');
    expect(verboseServiceState({ state: 'stopped', node: 'a1', running: false }, 'disabled', true)).toBe('disabled');
    expect(verboseServiceState({ state: 'started', node: 'a1', running: true }, 'stopped', true)).toBe('stopping');
    expect(verboseServiceState({ state: 'error', node: 'a1', running: false }, 'disabled', true)).toBe('clearing error flag');
  });
});

describe('storage as /storage and /nodes/{node}/storage report it', () => {
  it("fills Proxmox's defaults into storage entries older labs wrote with only type and shared", () => {
    expect(withDefaults('local-lvm', { type: 'lvmthin', shared: false })).toMatchObject({ content: 'rootdir,images', simulatedSizeGiB: 100 });
    expect(withDefaults('nfs-iso', { type: 'nfs', shared: false })).toMatchObject({ shared: true, content: 'images' });
    expect(withDefaults('backup', { type: 'dir', shared: false })).toMatchObject({ path: '/mnt/pve/backup', content: 'images,rootdir' });
    const dir = cfs();
    const entries = storageDefs(dir).map(([id, def]) => storageConfigEntry(id, def, 'abc'));
    valid('GET', '/storage', entries);
    expect(entries.map((e) => e.storage)).toEqual(['ceph-vm', 'local', 'local-lvm']);
  });

  it("counts the guests' disks on a simulated backend: the node's own on local storage, every node's on shared storage", async () => {
    const dir = cfs();
    dir.putGuest('a1', { vmid: 101, name: 'db', memoryMiB: 1024, cores: 2, running: true, disks: [{ key: 'scsi0', storage: 'ceph-vm', sizeGiB: 32 }, { key: 'scsi1', storage: 'local-lvm', sizeGiB: 8 }] });
    dir.putGuest('a2', { vmid: 102, name: 'cache', memoryMiB: 256, cores: 1, running: true, disks: [{ key: 'scsi0', storage: 'local-lvm', sizeGiB: 4 }, { key: 'scsi1', storage: 'ceph-vm', sizeGiB: 2 }] });
    const noRunner: HostRunner = { label: 'none', run: () => Promise.reject(new Error('not used for simulated backends')) };
    const defs = Object.fromEntries(storageDefs(dir));
    expect(await storageUsage(noRunner, dir, 'a2', 'local-lvm', defs['local-lvm']!)).toEqual({ total: 100 * GiB, used: 4 * GiB, avail: 96 * GiB, active: true });
    expect(await storageUsage(noRunner, dir, 'a2', 'ceph-vm', defs['ceph-vm']!)).toEqual({ total: 1024 * GiB, used: 34 * GiB, avail: 990 * GiB, active: true });
  });
});

describe("a node's task list", () => {
  const task = (n: number, over: Partial<TaskEntry>): TaskEntry => ({
    upid: `UPID:a1:0000${1000 + n}:00001000:${(1_800_000_000 + n).toString(16).toUpperCase()}:${over.type ?? 'qmigrate'}:${over.id ?? '101'}:${over.user ?? 'root@pam'}:`,
    type: 'qmigrate',
    id: '101',
    user: 'root@pam',
    starttime: 1_800_000_000 + n,
    pid: 1000 + n,
    pstart: 4096,
    status: 'stopped',
    exitstatus: 'OK',
    endtime: 1_800_000_010 + n,
    ...over,
  });
  const tasks = [
    task(1, { type: 'clustercreate', id: 'homelab' }),
    task(2, {}),
    task(3, { exitstatus: "can't migrate running VM without --online" }),
    task(4, { user: 'admin@pve', id: '102' }),
    task(5, { status: 'running', exitstatus: undefined, endtime: undefined }),
  ];
  const handlers = new Map<string, InfoHandler>();
  registerInfoHandlers((method, template, handler) => handlers.set(`${method} ${template}`, handler), {
    nodeName: 'a1',
    tasks: () => tasks,
    assertLocalNode: () => undefined,
  } as unknown as InfoHost);
  const list = async (params: Record<string, string>, user = 'root@pam', audit = true): Promise<{ upid: string; status?: string; starttime: number }[]> => {
    const out = (await handlers.get('GET /nodes/{node}/tasks')!({ params: { node: 'a1', ...params }, user, can: () => audit })) as { upid: string; status?: string; starttime: number }[];
    valid('GET', '/nodes/a1/tasks', out);
    return out;
  };
  const ids = (l: { starttime: number }[]): number[] => l.map((t) => t.starttime - 1_800_000_000);

  it('lists finished tasks newest first with their exit status, running ones only when asked', async () => {
    const archive = await list({});
    expect(ids(archive)).toEqual([4, 3, 2, 1]);
    expect(archive[1]!.status).toBe("can't migrate running VM without --online");
    expect(ids(await list({ source: 'active' }))).toEqual([5]);
    expect((await list({ source: 'all' }))[0]).toMatchObject({ status: 'RUNNING' });
  });

  it('filters by errors, type, VM, user, time and pages with start and limit, as PVE does', async () => {
    expect(ids(await list({ errors: '1' }))).toEqual([3]);
    expect(ids(await list({ statusfilter: 'ok' }))).toEqual([4, 2, 1]);
    expect(ids(await list({ typefilter: 'clustercreate' }))).toEqual([1]);
    expect(ids(await list({ vmid: '102' }))).toEqual([4]);
    expect(ids(await list({ userfilter: 'admin' }))).toEqual([4]);
    expect(ids(await list({ since: String(1_800_000_002), until: String(1_800_000_003) }))).toEqual([3, 2]);
    expect(ids(await list({ start: '1', limit: '2' }))).toEqual([3, 2]);
  });

  it("shows a user without Sys.Audit on the node only that user's own tasks", async () => {
    expect(ids(await list({}, 'admin@pve', false))).toEqual([4]);
  });
});
