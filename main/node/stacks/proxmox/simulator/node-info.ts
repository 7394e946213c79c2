// What third-party clients (Ansible's proxmox modules and inventory, proxmoxer scripts) read from the Proxmox test
// server: the node list, a node's status, storages and tasks, storage.cfg, pools and the HA status, each built from the
// node's real state (corosync membership, /proc inside the node, df) or the simulator's records, as PVE builds it.
import { HttpError } from './http.js';
import { haStatusCurrent } from './ha-status.js';
import type { HostRunner } from './host.js';
import { cpuBetween, readNode, type NodeReading, type NodeRrd } from './node-status.js';
import type { PmxcfsDir } from './pmxcfs.js';
import { storageConfigEntry, storageDefs, storageDigest, storageFormats, storageOnNode, storageUsage } from './storage.js';

/** A task as the server keeps it (the fields /nodes/{node}/tasks lists). */
export interface TaskEntry {
  upid: string;
  type: string;
  id: string;
  user: string;
  starttime: number;
  pid: number;
  pstart: number;
  status: 'running' | 'stopped';
  exitstatus?: string;
  endtime?: number;
}

export interface Member {
  name: string;
  nodeid: number;
  online: boolean;
}

/** What these handlers may use of the server they run in. */
export interface InfoHost {
  nodeName: string;
  release: string;
  runner: HostRunner;
  pmxcfs(): PmxcfsDir;
  /** Cluster members with corosync's view of them (just this node, online, when standalone), and quorum. */
  membership(): Promise<{ clustered: boolean; quorate: boolean; members: Member[] }>;
  assertLocalNode(node: string): void;
  tasks(): TaskEntry[];
  /** The certificate fingerprint of a node (from /etc/pve), if it has one. */
  fingerprintOf(node: string): string | undefined;
  /** The node's last published reading (see NodeRrd), if any. */
  rrd(node: string): NodeRrd | undefined;
  /** This node's previous reading (for CPU use between two readings). */
  lastReading: { value?: NodeReading };
}

export type InfoHandler = (ctx: { params: Record<string, string>; user: string; tokenId?: string; can(aclPath: string, privs: string[]): boolean }) => Promise<unknown>;

const flag = (v: string | undefined): boolean => v === '1' || v === 'true';

/** PVE::UPID::normalize_status_type. */
function statusType(status: string | undefined): 'ok' | 'warning' | 'error' | 'unknown' {
  if (!status || status === 'unexpected status') return 'unknown';
  if (status === 'OK') return 'ok';
  if (/^WARNINGS: \d+$/.test(status)) return 'warning';
  return 'error';
}

/** PVE::API2Tools::extract_node_stats: stats only while the node is online (or standalone) and the caller may audit it. */
export function nodeStats(host: InfoHost, m: Member, clustered: boolean, canAudit: boolean): Record<string, unknown> {
  const entry: Record<string, unknown> = { id: `node/${m.name}`, node: m.name, type: 'node', status: 'unknown' };
  const d = host.rrd(m.name);
  if (d) {
    if (!clustered || m.online) {
      if (canAudit) Object.assign(entry, { uptime: d.uptime, cpu: d.cpu, mem: d.mem, disk: d.disk });
      entry.status = 'online';
    }
    entry.level = '';
    if (canAudit) Object.assign(entry, { maxcpu: d.maxcpu, maxmem: d.maxmem, maxdisk: d.maxdisk });
  }
  if (clustered && !m.online) entry.status = 'offline';
  return entry;
}

export function registerInfoHandlers(on: (method: string, template: string, handler: InfoHandler) => void, host: InfoHost): void {
  on('GET', '/nodes', async ({ can }) => {
    const { clustered, members } = await host.membership();
    return [...members].sort((a, b) => a.name.localeCompare(b.name)).map((m) => {
      const entry = nodeStats(host, m, clustered, can(`/nodes/${m.name}`, ['Sys.Audit']));
      const fp = host.fingerprintOf(m.name);
      if (fp) entry.ssl_fingerprint = fp;
      return entry;
    });
  });

  on('GET', '/nodes/{node}/status', async ({ params }) => {
    host.assertLocalNode(params.node!);
    const r = await readNode(host.runner);
    const { cpu, wait } = cpuBetween(host.lastReading.value, r);
    host.lastReading.value = r;
    const kversion = `${r.kernel.sysname} ${r.kernel.release} ${r.kernel.version}`;
    return {
      uptime: r.uptime,
      idle: r.idle,
      loadavg: r.loadavg,
      kversion,
      'current-kernel': r.kernel,
      'boot-info': { mode: r.bootMode },
      cpuinfo: r.cpuinfo,
      cpu,
      wait,
      memory: r.memory,
      swap: r.swap,
      ksm: { shared: 0 },
      pveversion: `pve-manager/${host.release}.${host.release.startsWith('8') ? '4' : '3'}/c0ffee42`,
      rootfs: r.rootfs,
    };
  });

  on('GET', '/nodes/{node}/storage', async ({ params, can }) => {
    host.assertLocalNode(params.node!);
    const cfs = host.pmxcfs();
    const defs = storageDefs(cfs);
    const wanted = (params.content ?? '').split(/[,;\s]+/).filter(Boolean);
    if (params.storage && !defs.some(([id]) => id === params.storage)) throw new HttpError(400, 'Parameter verification failed.', { storage: 'No such storage.' });
    const target = params.target && params.target !== host.nodeName && params.target !== 'localhost' ? params.target : undefined;
    const out: Record<string, unknown>[] = [];
    for (const [id, def] of defs) {
      const enabled = storageOnNode(def, host.nodeName);
      if (wanted.length && (!enabled || !wanted.some((c) => def.content.split(',').includes(c)))) continue;
      if (!can(`/storage/${id}`, ['Datastore.Audit', 'Datastore.AllocateSpace'])) continue;
      if (params.storage && params.storage !== id) continue;
      if (flag(params.enabled) && !enabled) continue;
      if (target && (!def.shared || !storageOnNode(def, target))) continue;
      const entry: Record<string, unknown> = { storage: id, type: def.type, content: def.content, shared: def.shared ? 1 : 0, enabled: enabled ? 1 : 0, active: 0, total: 0, used: 0, avail: 0 };
      if (enabled) {
        if (flag(params.format)) entry.formats = storageFormats(def.type);
        const usage = await storageUsage(host.runner, cfs, host.nodeName, id, def);
        if (usage.active) Object.assign(entry, { active: 1, total: usage.total, used: usage.used, avail: usage.avail });
      }
      if ((entry.total as number) > 0) entry.used_fraction = (entry.used as number) / (entry.total as number);
      out.push(entry);
    }
    return out;
  });

  on('GET', '/nodes/{node}/tasks', async ({ params, user, tokenId, can }) => {
    host.assertLocalNode(params.node!);
    const start = Number(params.start ?? 0);
    let limit = Number(params.limit ?? 50);
    const source = params.source ?? 'archive';
    let statuses = new Set(['ok', 'warning', 'error', 'unknown']);
    if (params.statusfilter !== undefined && !flag(params.errors)) statuses = new Set(params.statusfilter.split(/[,;\s]+/).filter(Boolean).map((s) => s.toLowerCase()));
    else if (flag(params.errors)) statuses.delete('ok');
    const auditor = can(`/nodes/${host.nodeName}`, ['Sys.Audit']);
    const owner = tokenId ?? user;
    let count = 0;
    const out: Record<string, unknown>[] = [];
    const take = (t: TaskEntry, status: string | undefined): void => {
      if (params.userfilter && !t.user.toLowerCase().includes(params.userfilter.toLowerCase())) return;
      if (!auditor && t.user !== owner && t.user !== user) return;
      if (params.typefilter && t.type !== params.typefilter) return;
      if (params.vmid && t.id !== params.vmid) return;
      if (params.since !== undefined && t.starttime < Number(params.since)) return;
      if (params.until !== undefined && t.starttime > Number(params.until)) return;
      if (!statuses.has(statusType(status))) return;
      if (count++ < start || limit <= 0) return;
      limit--;
      out.push({ upid: t.upid, node: host.nodeName, pid: t.pid, pstart: t.pstart, starttime: t.starttime, type: t.type, id: t.id, user: t.user, ...(t.endtime !== undefined ? { endtime: t.endtime } : {}), ...(status ? { status } : {}) });
    };
    // Newest first, as PVE reads its task index backwards; running tasks only with source=active|all.
    const tasks = [...host.tasks()].sort((a, b) => b.starttime - a.starttime);
    if (source === 'active' || source === 'all') for (const t of tasks.filter((x) => x.status === 'running')) take(t, 'RUNNING');
    if (source !== 'active') for (const t of tasks.filter((x) => x.status === 'stopped')) take(t, t.exitstatus);
    return out;
  });

  on('GET', '/storage', async ({ params, can }) => {
    const cfs = host.pmxcfs();
    const digest = storageDigest(cfs);
    return storageDefs(cfs)
      .filter(([id, def]) => (!params.type || def.type === params.type) && can(`/storage/${id}`, ['Datastore.Audit', 'Datastore.AllocateSpace']))
      .map(([id, def]) => storageConfigEntry(id, def, digest));
  });

  on('GET', '/storage/{storage}', async ({ params }) => {
    const cfs = host.pmxcfs();
    const found = storageDefs(cfs).find(([id]) => id === params.storage);
    if (!found) throw new HttpError(500, `storage '${params.storage}' does not exist`);
    return storageConfigEntry(found[0], found[1], storageDigest(cfs));
  });

  // The simulator has no resource pools.
  on('GET', '/pools', async () => []);
  on('GET', '/pools/{poolid}', async ({ params }) => {
    throw new HttpError(500, `pool '${params.poolid}' does not exist`);
  });

  on('GET', '/cluster/ha/status/current', async () => {
    const { quorate, members } = await host.membership();
    return haStatusCurrent(host.pmxcfs(), {
      nodeName: host.nodeName,
      release: host.release,
      quorate,
      members,
      lrmTimestamp: (node) => host.rrd(node)?.time,
      now: Math.floor(Date.now() / 1000),
    });
  });
}
