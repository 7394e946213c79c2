// The lab's Proxmox API as third-party clients see it: Debian's Ansible (community.general proxmox info modules and
// the community.general.proxmox inventory plugin) and a python3-proxmoxer script, run as programs against a lab cluster
// built through the test servers, plus a standalone node answered as Proxmox answers it, and the app's HA reading.
// The root password reaches the programs only through their environment, never a command line or a file; they check
// the servers' certificates against the cluster's CA (/etc/pve/pve-root-ca.pem), given to Python's requests as
// REQUESTS_CA_BUNDLE (which requests lets override even validate_certs: false, so it is always set here).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { MemorySecretStore } from '../../main/node/secrets/index.js';
import { PveApiSchema } from '../../main/node/stacks/proxmox/api-schema.js';
import { createProxmoxInventory } from '../../main/node/stacks/proxmox/inventory.js';
import { describeLab, useLab } from '../support/lab.js';
import { waitFor } from '../support/proxmox/cluster.js';
import { startPveInventoryLab, type PveInventoryLab } from '../support/proxmox/inventory-lab.js';

// a1, a2, b1 form cluster `homelab` (db 101 on shared Ceph, cache 102 with a local disk, both on a1); a3 stays standalone.
const spec = `
name: pve-clients
sites:
  - name: a
    hosts: [a1, a2, a3]
  - name: b
    hosts: [b1]
    link: man
`;
const members = ['a1', 'a2', 'b1'];
const schema = new PveApiSchema();
const timings: string[] = [];
const proxmoxerScript = path.join(path.dirname(fileURLToPath(import.meta.url)), '../support/proxmox/proxmoxer-list.py');

// The clients come from Debian's packages (ansible, python3-proxmoxer, python3-requests; .ci/run installs them).
const clientFiles = ['/usr/bin/ansible-playbook', '/usr/bin/ansible-inventory', '/usr/lib/python3/dist-packages/ansible_collections/community/general/plugins/modules/proxmox_kvm.py', '/usr/lib/python3/dist-packages/proxmoxer', '/usr/lib/python3/dist-packages/requests'];
const missingClients = clientFiles.filter((f) => !fs.existsSync(f));
const missingReason = missingClients.length ? `missing ${missingClients.join(', ')}: install the Debian packages ansible python3-proxmoxer python3-requests` : undefined;

interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a program (argv, no shell) with extra environment, bounded in time; a program that cannot start is exit 127. */
function runTool(argv: string[], env: Record<string, string>, cwd: string, timeoutMs = 120_000): Promise<ToolRun> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      resolve({ code: 127, stdout, stderr: `${stderr}${err.message}`, ms: Date.now() - started });
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: Date.now() - started });
    });
  });
}

interface UpidParts {
  node: string;
  starttime: number;
  type: string;
  id: string;
  user: string;
}

/** PVE::UPID::decode. */
function decodeUpid(upid: string): UpidParts | undefined {
  const m = /^UPID:([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$/.exec(upid);
  return m ? { node: m[1]!, starttime: parseInt(m[5]!, 16), type: m[6]!, id: m[7]!, user: m[8]! } : undefined;
}

const suiteName = 'Third-party Proxmox clients against the lab: Ansible community.general, the proxmox inventory plugin, proxmoxer';
// Without the clients the suite is skipped with the reason, unless CW_REQUIRE_LAB=1 makes that a failure.
describeLab(suiteName, () => {
  const handle = useLab(spec, 'cwtpc');
  let pveLab: PveInventoryLab | undefined;
  let tmp = '';
  let env: Record<string, string> = {};
  let migrateUpid = '';
  let labStartedAt = 0;

  beforeAll(async () => {
    labStartedAt = Date.now();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-pve-clients-'));
    fs.chmodSync(tmp, 0o700);
    const started = Date.now();
    pveLab = await startPveInventoryLab(handle.lab, { hosts: members, standalone: ['a3'], schema, migrationTimeScale: 0.05 });
    timings.push(`cluster homelab (a1, a2, b1) built through the API, a3 standalone: ${Date.now() - started} ms`);
    const caFile = path.join(tmp, 'pve-root-ca.pem');
    fs.writeFileSync(caFile, pveLab.pve.servers.a1!.pmxcfs.read('pve-root-ca.pem')!);
    env = {
      REQUESTS_CA_BUNDLE: caFile,
      CURL_CA_BUNDLE: caFile,
      PROXMOX_HOST: pveLab.endpoint,
      PROXMOX_USER: 'root@pam',
      PROXMOX_PASSWORD: pveLab.passwordSecretValue,
      // Ansible keeps its own files in the test's folder, not in ~/.ansible.
      ANSIBLE_HOME: path.join(tmp, 'ansible-home'),
      ANSIBLE_LOCAL_TEMP: path.join(tmp, 'ansible-tmp'),
      ANSIBLE_NOCOLOR: '1',
      ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
      ANSIBLE_RETRY_FILES_ENABLED: '0',
    };
  }, 180_000);

  afterAll(async () => {
    const servers = Object.values(pveLab?.pve.servers ?? {});
    const violations = servers.flatMap((s) => s.violations);
    const served = servers.reduce((n, s) => n + s.counts.requests, 0);
    console.log(`Third-party clients suite: the test servers validated ${served} requests and their replies against the official schema, ${violations.length} violations\n  ${timings.join('\n  ')}`);
    await pveLab?.stop();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    expect(violations).toEqual([]);
  }, 60_000);

  it('answers a standalone node as Proxmox does: no corosync nodelist, itself in /nodes with its own uptime and memory, HA status with quorum only', async () => {
    const a3 = pveLab!.pve.client('a3');
    expect(await a3.get('/cluster/config/nodes')).toEqual([]);
    const nodes = await a3.get<Record<string, unknown>[]>('/nodes');
    expect(nodes).toEqual([expect.objectContaining({ node: 'a3', type: 'node', status: 'online', ssl_fingerprint: pveLab!.pve.servers.a3!.certificateFingerprint })]);
    const status = await a3.get<{ uptime: number; memory: { total: number }; cpuinfo: { cpus: number }; loadavg: string[]; 'current-kernel': { release: string } }>('/nodes/a3/status');
    // The host's own uptime (since its PID 1 started with the lab), not the build machine's: procps says the same.
    const init = await handle.lab.exec('a3', ['ps', '-o', 'etimes=', '-p', '1']);
    expect(Math.abs(status.uptime - Number(init.stdout.trim()))).toBeLessThanOrEqual(2);
    expect(status.uptime).toBeLessThanOrEqual((Date.now() - labStartedAt) / 1000 + 120);
    const meminfo = await handle.lab.exec('a3', ['cat', '/proc/meminfo']);
    expect(status.memory.total).toBe(Number(/^MemTotal:\s+(\d+) kB/m.exec(meminfo.stdout)![1]) * 1024);
    expect(status['current-kernel'].release).toBe(os.release());
    expect(status.cpuinfo.cpus).toBeGreaterThan(0);
    expect(nodes[0]).toMatchObject({ maxmem: status.memory.total, maxcpu: status.cpuinfo.cpus });
    const ha = await a3.get<Record<string, unknown>[]>('/cluster/ha/status/current');
    expect(ha).toEqual([
      { id: 'quorum', type: 'quorum', node: 'a3', status: 'OK', quorate: 1 },
      { id: 'fencing', type: 'fencing', node: 'a3', status: 'standby (CRM watchdog standby)', 'armed-state': 'standby' },
    ]);
  });

  it('puts db under HA and moves cache to a2 with its local disk, so the cluster has HA state and a migration task to report', async () => {
    const a1 = pveLab!.pve.client('a1');
    // Right after the joins every member is online with its figures (each joiner publishes them as it joins).
    const nodes = await a1.get<{ node: string; status: string; maxmem?: number }[]>('/nodes');
    expect(nodes.map((n) => [n.node, n.status, (n.maxmem ?? 0) > 0])).toEqual(members.map((m) => [m, 'online', true]));
    await a1.post('/cluster/ha/resources', { sid: 'vm:101', state: 'started' });
    migrateUpid = await a1.post<string>('/nodes/a1/qemu/102/migrate', { target: 'a2', online: true, 'with-local-disks': true, targetstorage: 'local-lvm' });
    await a1.followTask(migrateUpid, { pollMs: 200, timeoutMs: 60_000 });
    const ha = await a1.get<Record<string, unknown>[]>('/cluster/ha/status/current');
    expect(ha.find((e) => e.id === 'service:vm:101')).toMatchObject({ type: 'service', sid: 'vm:101', node: 'a1', state: 'started', crm_state: 'started', request_state: 'started' });
    expect(ha.find((e) => e.id === 'master')).toMatchObject({ node: 'a1', status: expect.stringMatching(/^a1 \(active, /) });
    expect(ha.filter((e) => e.type === 'lrm').map((e) => e.status)).toEqual([
      expect.stringMatching(/^a1 \(active, watchdog active, /),
      expect.stringMatching(/^a2 \(idle, watchdog standby, /),
      expect.stringMatching(/^b1 \(idle, watchdog standby, /),
    ]);
  });

  it('the app reads HA state from the HA manager status (/cluster/ha/status/current)', async () => {
    const secrets = new MemorySecretStore();
    const id = await secrets.put(pveLab!.passwordSecretValue, { label: 'root@pam', kind: 'password' });
    const requests: string[] = [];
    const inventory = createProxmoxInventory({ secrets, schema, log: (line) => requests.push(line) });
    const vms = await inventory.list(pveLab!.workspace(id), 'homelab', new AbortController().signal);
    expect(vms.map((v) => [v.name, v.node, v.haManaged, v.haState])).toEqual(
      expect.arrayContaining([
        ['db', 'a1', true, 'started'],
        ['cache', 'a2', false, undefined],
      ]),
    );
    expect(requests.some((l) => l.includes('GET /cluster/ha/status/current'))).toBe(true);
    expect(requests.join('\n')).not.toContain(pveLab!.passwordSecretValue);
  });

  it('runs ansible-playbook with the community.general proxmox info modules: storages, tasks, and VMs through proxmox_kvm', async () => {
    const playbook = path.join(tmp, 'info.yml');
    const vars = path.join(tmp, 'vars.json');
    // The UPID the server returned is data: it travels in a JSON vars file, not in the playbook text.
    fs.writeFileSync(vars, JSON.stringify({ migrate_upid: migrateUpid }), { mode: 0o600 });
    fs.writeFileSync(
      playbook,
      `- hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    community.general.proxmox_storage_info: { validate_certs: true }
    community.general.proxmox_tasks_info: { validate_certs: true }
    community.general.proxmox_kvm: { validate_certs: true }
  tasks:
    - name: all storages
      community.general.proxmox_storage_info: {}
    - name: one storage
      community.general.proxmox_storage_info: { storage: ceph-vm }
    - name: storages of a type
      community.general.proxmox_storage_info: { type: lvmthin }
    - name: tasks of a1
      community.general.proxmox_tasks_info: { node: a1 }
    - name: the migration task
      community.general.proxmox_tasks_info: { node: a1, task: "{{ migrate_upid }}" }
    - name: db by vmid
      community.general.proxmox_kvm: { vmid: 101, state: current }
    - name: cache by name
      community.general.proxmox_kvm: { name: cache, state: current }
    - name: a VM that does not exist
      community.general.proxmox_kvm: { vmid: 999, state: current }
      ignore_errors: true
`,
      { mode: 0o600 },
    );
    const run = await runTool(['ansible-playbook', '-i', 'localhost,', '-e', `@${vars}`, playbook], { ...env, ANSIBLE_STDOUT_CALLBACK: 'json' }, tmp);
    timings.push(`ansible-playbook (8 tasks, 7 module runs against the API): ${run.ms} ms`);
    fs.rmSync(vars);
    expect(run.stdout + run.stderr).not.toContain(pveLab!.passwordSecretValue);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { plays: { tasks: { task: { name: string }; hosts: { localhost: Record<string, unknown> } }[] }[]; stats: { localhost: { failures: number; ok: number; ignored?: number } } };
    const result = (name: string): Record<string, unknown> => report.plays[0]!.tasks.find((t) => t.task.name === name)!.hosts.localhost;
    expect(report.stats.localhost).toMatchObject({ failures: 0, ignored: 1 });

    const storages = result('all storages').proxmox_storages as Record<string, unknown>[];
    expect(storages.map((s) => s.storage)).toEqual(['ceph-vm', 'local', 'local-lvm']);
    expect(storages.find((s) => s.storage === 'local')).toMatchObject({ type: 'dir', path: '/var/lib/vz', content: ['images', 'rootdir', 'iso', 'vztmpl', 'backup'] });
    expect(storages.find((s) => s.storage === 'ceph-vm')).toMatchObject({ type: 'rbd', shared: true, content: ['images'] });
    expect((result('one storage').proxmox_storages as Record<string, unknown>[]).map((s) => s.storage)).toEqual(['ceph-vm']);
    expect((result('storages of a type').proxmox_storages as Record<string, unknown>[]).map((s) => s.storage)).toEqual(['local-lvm']);

    const tasks = result('tasks of a1').proxmox_tasks as Record<string, unknown>[];
    expect(tasks.map((t) => t.type)).toEqual(expect.arrayContaining(['clustercreate', 'qmigrate']));
    for (const t of tasks) {
      expect(t.status).toBe('OK');
      expect(t.failed).toBeUndefined();
      expect(decodeUpid(String(t.upid))).toMatchObject({ node: 'a1', type: t.type, starttime: t.starttime, user: 'root@pam' });
    }
    expect(result('the migration task').proxmox_tasks).toEqual([expect.objectContaining({ upid: migrateUpid, type: 'qmigrate', id: '102', status: 'OK' })]);

    expect(result('db by vmid')).toMatchObject({ changed: false, vmid: 101, status: 'running', msg: 'VM db with vmid = 101 is running' });
    expect(result('cache by name')).toMatchObject({ changed: false, vmid: 102, status: 'running' });
    expect(result('a VM that does not exist')).toMatchObject({ failed: true, msg: 'VM with vmid 999 does not exist in cluster' });
  });

  it('lists the cluster with ansible-inventory and the community.general.proxmox inventory plugin: nodes, VMs per node, status and config facts', async () => {
    const [host, port] = pveLab!.endpoint.split(':');
    const inventoryFile = path.join(tmp, 'proxmox.yml');
    fs.writeFileSync(inventoryFile, `plugin: community.general.proxmox\nurl: https://${host}:${port}\nuser: root@pam\nvalidate_certs: true\nwant_facts: true\n`, { mode: 0o600 });
    // Without this, a plugin that fails is only a warning and the inventory comes out empty.
    const run = await runTool(['ansible-inventory', '-i', inventoryFile, '--list'], { ...env, ANSIBLE_INVENTORY_ANY_UNPARSED_IS_FAILED: '1' }, tmp);
    timings.push(`ansible-inventory --list (proxmox plugin, want_facts): ${run.ms} ms`);
    expect(run.stdout + run.stderr).not.toContain(pveLab!.passwordSecretValue);
    expect(run.code, run.stderr).toBe(0);
    const inv = JSON.parse(run.stdout) as Record<string, { hosts?: string[]; children?: string[] }> & { _meta: { hostvars: Record<string, Record<string, unknown>> } };
    expect([...(inv.proxmox_nodes?.hosts ?? [])].sort()).toEqual(members);
    expect([...(inv.proxmox_all_qemu?.hosts ?? [])].sort()).toEqual(['cache', 'db']);
    expect(inv.proxmox_a1_qemu?.hosts).toEqual(['db']);
    expect(inv.proxmox_a2_qemu?.hosts).toEqual(['cache']);
    expect(inv.proxmox_b1_qemu?.hosts ?? []).toEqual([]);
    expect([...(inv.proxmox_all_running?.hosts ?? [])].sort()).toEqual(['cache', 'db']);
    const db = inv._meta.hostvars.db!;
    expect(db).toMatchObject({ proxmox_vmid: 101, proxmox_node: 'a1', proxmox_vmtype: 'qemu', proxmox_status: 'running', proxmox_qmpstatus: 'running', proxmox_name: 'db', proxmox_cores: 2, proxmox_memory: '1024', proxmox_snapshots: [] });
    expect(db.proxmox_scsi0).toEqual({ disk_image: 'ceph-vm:vm-101-disk-0', size: '32G' });
    expect(inv._meta.hostvars.cache).toMatchObject({ proxmox_vmid: 102, proxmox_node: 'a2' });
  });

  it('lists nodes, their status, storages and tasks with a python3-proxmoxer script', async () => {
    const run = await runTool(['/usr/bin/python3', proxmoxerScript], env, tmp);
    timings.push(`proxmoxer script (nodes, status, storage, tasks, qemu per node, storage.cfg, HA): ${run.ms} ms`);
    expect(run.stdout + run.stderr).not.toContain(pveLab!.passwordSecretValue);
    expect(run.code, run.stderr).toBe(0);
    const out = JSON.parse(run.stdout) as {
      nodes: { node: string; listed: Record<string, unknown>; status: { uptime: number; memory: { total: number }; rootfs: { total: number } }; storage: Record<string, unknown>[]; tasks: { upid: string; type: string }[]; qemu: { name: string }[] }[];
      storage: { storage: string }[];
      ha: { id: string }[];
    };
    expect(out.nodes.map((n) => [n.node, n.listed.status])).toEqual(members.map((m) => [m, 'online']));
    for (const n of out.nodes) {
      expect(n.status.memory.total).toBeGreaterThan(0);
      expect(n.status.uptime).toBeLessThanOrEqual((Date.now() - labStartedAt) / 1000 + 120);
      expect(n.storage.map((s) => s.storage)).toEqual(['ceph-vm', 'local', 'local-lvm']);
      expect(n.storage.every((s) => s.active === 1 && Number(s.total) > 0)).toBe(true);
      // Every node ran a cluster task: a1 created the cluster, a2 and b1 joined it.
      expect(n.tasks.map((t) => t.type)).toContain(n.node === 'a1' ? 'clustercreate' : 'clusterjoin');
      expect(n.tasks.every((t) => decodeUpid(t.upid)?.node === n.node)).toBe(true);
    }
    // local-lvm on a2 holds cache's 4 GiB disk (moved there); the shared Ceph pool holds db's 32 GiB from every node.
    const a2 = out.nodes.find((n) => n.node === 'a2')!;
    expect(a2.storage.find((s) => s.storage === 'local-lvm')).toMatchObject({ used: 4 * 1024 ** 3, shared: 0 });
    expect(a2.storage.find((s) => s.storage === 'ceph-vm')).toMatchObject({ used: 32 * 1024 ** 3, shared: 1 });
    expect(out.nodes.find((n) => n.node === 'b1')!.qemu).toEqual([]);
    expect(out.storage.map((s) => s.storage)).toEqual(['ceph-vm', 'local', 'local-lvm']);
    expect(out.ha.map((e) => e.id)).toEqual(['quorum', 'master', 'fencing', 'lrm:a1', 'lrm:a2', 'lrm:b1', 'service:vm:101']);
  });

  it("reports a member whose corosync stopped as offline in /nodes and the HA status, from corosync's own membership", async () => {
    const a1 = pveLab!.pve.client('a1');
    const stop = await handle.lab.exec('b1', ['systemctl', 'stop', 'corosync'], { timeoutMs: 20_000 });
    expect(stop.code, stop.stderr).toBe(0);
    const t0 = Date.now();
    const nodes = await waitFor(
      'b1 offline in /nodes on a1',
      async () => {
        const list = await a1.get<{ node: string; status: string; uptime?: number }[]>('/nodes');
        return list.find((n) => n.node === 'b1')?.status === 'offline' ? list : undefined;
      },
      30_000,
    );
    timings.push(`b1's corosync stopped → offline in /nodes: ${Date.now() - t0} ms`);
    expect(nodes.map((n) => [n.node, n.status])).toEqual([
      ['a1', 'online'],
      ['a2', 'online'],
      ['b1', 'offline'],
    ]);
    // An offline node shows no figures, as Proxmox shows none for it.
    expect(nodes.find((n) => n.node === 'b1')!.uptime).toBeUndefined();
    const ha = await a1.get<{ id: string; status: string; quorate?: number }[]>('/cluster/ha/status/current');
    expect(ha[0]).toMatchObject({ id: 'quorum', status: 'OK', quorate: 1 });
    expect(ha.find((e) => e.id === 'lrm:b1')?.status).toMatch(/^b1 \(old timestamp - dead\?, watchdog standby, /);
  });
}, { unless: () => missingReason });
