// Guests, migration and HA of the Proxmox test server: VM records in the simulated /etc/pve, migration
// prechecks and refusals as Proxmox makes them, a transfer timed from memory and the measured link.
import crypto from 'node:crypto';
import type { CorosyncSection } from '../../../../common/stacks/proxmox/corosync-conf.js';
import { corosyncNodes } from '../../../../common/stacks/proxmox/corosync-conf.js';
import type { QuorumStatus } from './corosync.js';
import { haOfGuest, markHaMove } from './ha-status.js';
import type { HostRunner } from './host.js';
import { HttpError } from './http.js';
import type { GuestRecord, HaResource, PmxcfsDir } from './pmxcfs.js';
import { registerRemoteMigrationHandlers } from './remote-migrate.js';

/** What these handlers may use of the server they run in. */
export interface GuestHost {
  nodeName: string;
  release: string;
  runner: HostRunner;
  linkMbit: number;
  migrationTimeScale: number;
  pmxcfs(): PmxcfsDir;
  clusterConf(): CorosyncSection | undefined;
  quorum(): Promise<QuorumStatus>;
  assertQuorate(): Promise<void>;
  assertLocalNode(node: string): void;
  startTask(type: string, id: string, user: string, work: (log: (line: string) => void, signal: AbortSignal) => Promise<void>): string;
}

export type GuestHandler = (ctx: { params: Record<string, string>; user: string }) => Promise<unknown>;

export function registerGuestHandlers(on: (method: string, template: string, handler: GuestHandler) => void, host: GuestHost): void {
  on('GET', '/nodes/{node}/qemu', async ({ params }) => {
    host.assertLocalNode(params.node!);
    const ha = new Map(host.pmxcfs().haResources().map((r) => [r.sid, r]));
    return host.pmxcfs().guests(host.nodeName).map((g) => ({
      vmid: g.vmid,
      name: g.name,
      status: g.running ? 'running' : 'stopped',
      maxmem: g.memoryMiB * 1024 * 1024,
      cpus: g.cores,
      maxdisk: (g.disks[0]?.sizeGiB ?? 0) * 1024 ** 3,
      ...(ha.has(`vm:${g.vmid}`) ? { tags: 'ha-managed' } : {}),
    }));
  });

  on('GET', '/nodes/{node}/qemu/{vmid}/status/current', async ({ params }) => {
    host.assertLocalNode(params.node!);
    const g = localGuest(host, Number(params.vmid));
    return {
      vmid: g.vmid,
      name: g.name,
      status: g.running ? 'running' : 'stopped',
      qmpstatus: g.running ? 'running' : 'stopped',
      cpus: g.cores,
      maxmem: g.memoryMiB * 1024 * 1024,
      maxdisk: (g.disks[0]?.sizeGiB ?? 0) * 1024 ** 3,
      ha: haOfGuest(host.pmxcfs(), g.vmid),
      ...(g.lock ? { lock: g.lock } : {}),
    };
  });

  // No snapshots are simulated: PVE always lists the `current` pseudo-snapshot.
  on('GET', '/nodes/{node}/qemu/{vmid}/snapshot', async ({ params }) => {
    host.assertLocalNode(params.node!);
    const g = localGuest(host, Number(params.vmid));
    return [{ name: 'current', description: 'You are here!', running: g.running ? 1 : 0, digest: crypto.createHash('sha1').update(JSON.stringify(g)).digest('hex') }];
  });

  // The test servers hold VMs only.
  on('GET', '/nodes/{node}/lxc', async ({ params }) => {
    host.assertLocalNode(params.node!);
    return [];
  });

  on('DELETE', '/nodes/{node}/qemu/{vmid}', async ({ params, user }) => destroyGuest(host, params, user));

  on('GET', '/nodes/{node}/qemu/{vmid}/migrate', async ({ params }) => migratePrecheck(host, params));
  on('POST', '/nodes/{node}/qemu/{vmid}/migrate', async ({ params, user }) => migrate(host, params, user));

  on('GET', '/cluster/ha/resources', async () => host.pmxcfs().haResources().map((r) => ({ sid: r.sid, state: r.state, ...(r.group ? { group: r.group } : {}), type: 'vm' })));
  on('POST', '/cluster/ha/resources', async ({ params }) => {
    await host.assertQuorate();
    const sid = params.sid!.includes(':') ? params.sid! : `vm:${params.sid}`;
    const vmid = Number(sid.split(':')[1]);
    if (!host.pmxcfs().findGuest(vmid)) throw new HttpError(500, `unable to find VM ${vmid}`);
    const list = host.pmxcfs().haResources();
    if (list.some((r) => r.sid === sid)) throw new HttpError(500, `resource ID '${sid}' already defined`);
    if (params.group) {
      if (host.release.startsWith('9')) throw new HttpError(400, 'Parameter verification failed.', { group: 'ha groups have been migrated to rules' });
      if (!host.pmxcfs().readJson<Record<string, unknown>>('ha/groups.json', {})[params.group]) throw new HttpError(500, `HA group '${params.group}' does not exist`);
    }
    list.push({ sid, state: params.state ?? 'started', ...(params.group ? { group: params.group } : {}), ...(params.comment ? { comment: params.comment } : {}) });
    host.pmxcfs().writeJson('ha/resources.json', list);
    return null;
  });
  on('GET', '/cluster/ha/groups', async () => {
    if (host.release.startsWith('9')) return [];
    return Object.keys(host.pmxcfs().readJson<Record<string, unknown>>('ha/groups.json', {})).map((group) => ({ group }));
  });
  on('POST', '/cluster/ha/groups', async ({ params }) => {
    if (host.release.startsWith('9')) throw new HttpError(500, 'ha groups have been migrated to rules; create a node-affinity rule instead');
    await host.assertQuorate();
    const groups = host.pmxcfs().readJson<Record<string, { nodes: string; restricted: boolean; nofailback: boolean }>>('ha/groups.json', {});
    if (groups[params.group!]) throw new HttpError(500, `HA group '${params.group}' already defined`);
    groups[params.group!] = { nodes: params.nodes!, restricted: params.restricted === '1', nofailback: params.nofailback === '1' };
    host.pmxcfs().writeJson('ha/groups.json', groups);
    return null;
  });
  on('GET', '/cluster/ha/rules', async () => {
    if (!host.release.startsWith('9')) throw new HttpError(501, "Method 'GET /cluster/ha/rules' not implemented");
    return Object.keys(host.pmxcfs().readJson<Record<string, unknown>>('ha/rules.json', {})).map((rule) => ({ rule }));
  });
  on('POST', '/cluster/ha/rules', async ({ params }) => {
    if (!host.release.startsWith('9')) throw new HttpError(501, "Method 'POST /cluster/ha/rules' not implemented");
    await host.assertQuorate();
    const rules = host.pmxcfs().readJson<Record<string, Record<string, string>>>('ha/rules.json', {});
    if (rules[params.rule!]) throw new HttpError(500, `HA rule '${params.rule}' already defined`);
    if (params.type === 'node-affinity' && !params.nodes) throw new HttpError(400, 'Parameter verification failed.', { nodes: 'property is missing and it is not optional' });
    rules[params.rule!] = { type: params.type!, resources: params.resources!, ...(params.nodes ? { nodes: params.nodes } : {}), strict: params.strict ?? '0' };
    host.pmxcfs().writeJson('ha/rules.json', rules);
    return null;
  });
  on('POST', '/cluster/ha/resources/{sid}/migrate', async ({ params, user }) => {
    await host.assertQuorate();
    const sid = params.sid!.includes(':') ? params.sid! : `vm:${params.sid}`;
    if (!host.pmxcfs().haResources().some((r) => r.sid === sid)) throw new HttpError(500, `service '${sid}' is not managed by the HA stack`);
    const vmid = Number(sid.split(':')[1]);
    const found = host.pmxcfs().findGuest(vmid);
    if (!found) throw new HttpError(500, `unable to find VM ${vmid}`);
    assertHaAllows(host, vmid, params.node!);
    host.startTask('qmigrate', String(vmid), user, (log, signal) => haMove(host, sid, found.node, params.node!, () => moveGuest(host, found.node, params.node!, found.guest, true, log, signal)));
    return { sid, 'requested-node': params.node! };
  });

  // Cross-cluster moves (remote_migrate) and the target side they use.
  registerRemoteMigrationHandlers(on, host);
}

/** An HA move: the CRM shows the service in `migrate` until the guest is on the target. */
async function haMove(host: GuestHost, sid: string, from: string, to: string, move: () => Promise<void>): Promise<void> {
  markHaMove(host.pmxcfs(), sid, { from, to });
  try {
    await move();
  } finally {
    markHaMove(host.pmxcfs(), sid, undefined);
  }
}

/** Disks on storages that are not shared: they must travel with the VM. */
export function localDisks(host: GuestHost, guest: GuestRecord): { volid: string; size: number; cdrom: number; is_unused: number }[] {
  const storages = host.pmxcfs().storages();
  return guest.disks
    .filter((d) => !storages[d.storage]?.shared)
    .map((d) => ({ volid: `${d.storage}:vm-${guest.vmid}-disk-${d.key.replace(/\D/g, '')}`, size: d.sizeGiB * 1024 ** 3, cdrom: 0, is_unused: 0 }));
}

/** A guest on this node, or PVE's answer for a missing configuration file. */
function localGuest(host: GuestHost, vmid: number): GuestRecord {
  const guest = host.pmxcfs().guests(host.nodeName).find((g) => g.vmid === vmid);
  if (!guest) throw new HttpError(500, `Configuration file 'nodes/${host.nodeName}/qemu-server/${vmid}.conf' does not exist`);
  return guest;
}

/** GET …/migrate: allowed and blocked targets, local disks, as PVE reports them. */
async function migratePrecheck(host: GuestHost, params: Record<string, string>): Promise<unknown> {
  host.assertLocalNode(params.node!);
  const vmid = Number(params.vmid);
  const guest = host.pmxcfs().guests(host.nodeName).find((g) => g.vmid === vmid);
  if (!guest) throw new HttpError(500, `Configuration file 'nodes/${host.nodeName}/qemu-server/${vmid}.conf' does not exist`);
  const conf = host.clusterConf();
  const q = conf ? await host.quorum() : undefined;
  const others = conf ? corosyncNodes(conf).filter((n) => n.name !== host.nodeName) : [];
  const allowed: string[] = [];
  const notAllowed: Record<string, unknown> = {};
  for (const n of others) {
    if (!q?.members.has(n.nodeid)) notAllowed[n.name] = { unavailable_storages: [] };
    else allowed.push(n.name);
  }
  return {
    running: guest.running ? 1 : 0,
    allowed_nodes: allowed,
    not_allowed_nodes: notAllowed,
    local_disks: localDisks(host, guest),
    local_resources: [],
    'mapped-resources': [],
    'mapped-resource-info': {},
    'has-dbus-vmstate': 0,
  };
}

/** DELETE …/qemu/{vmid}: PVE's refusals (running, locked without skiplock, skiplock by anyone but root, still in HA without purge), then the qmdestroy task. */
function destroyGuest(host: GuestHost, params: Record<string, string>, user: string): string {
  host.assertLocalNode(params.node!);
  const vmid = Number(params.vmid);
  const guest = localGuest(host, vmid);
  const skiplock = params.skiplock === '1';
  if (skiplock && user !== 'root@pam') throw new HttpError(500, 'Only root may use this option.');
  if (guest.lock && !skiplock) throw new HttpError(500, `VM is locked (${guest.lock})`);
  if (guest.running) throw new HttpError(500, `VM ${vmid} is running - destroy failed`);
  const sid = `vm:${vmid}`;
  if (host.pmxcfs().haResources().some((r) => r.sid === sid) && params.purge !== '1') throw new HttpError(500, `unable to remove VM ${vmid} - used in HA resources and purge parameter not set.`);
  return host.startTask('qmdestroy', String(vmid), user, async (log) => {
    const cfs = host.pmxcfs();
    for (const d of guest.disks) log(`Removing image: ${d.storage}:vm-${vmid}-disk-${d.key.replace(/\D/g, '')} (100% complete)`);
    if (params.purge === '1') cfs.writeJson('ha/resources.json', cfs.haResources().filter((r) => r.sid !== sid));
    cfs.remove(cfs.guestFile(host.nodeName, vmid));
    log(`destroyed VM ${vmid} on '${host.nodeName}'`);
  });
}

/** HA placement rules PVE enforces: restricted groups (PVE 8) and strict node-affinity rules (PVE 9). */
function assertHaAllows(host: GuestHost, vmid: number, target: string): void {
  const sid = `vm:${vmid}`;
  const res: HaResource | undefined = host.pmxcfs().haResources().find((r) => r.sid === sid);
  if (!res) return;
  if (res.group) {
    const group = host.pmxcfs().readJson<Record<string, { nodes: string; restricted: boolean }>>('ha/groups.json', {})[res.group];
    const members = (group?.nodes ?? '').split(/[,;\s]+/).map((n) => n.split(':')[0]);
    if (group?.restricted && !members.includes(target)) throw new HttpError(500, `service '${sid}' is in restricted group '${res.group}', which does not contain node '${target}'`);
  }
  const rules = host.pmxcfs().readJson<Record<string, Record<string, string>>>('ha/rules.json', {});
  for (const [name, rule] of Object.entries(rules)) {
    if (rule.type !== 'node-affinity' || rule.strict !== '1') continue;
    if (!rule.resources!.split(',').includes(sid)) continue;
    const members = (rule.nodes ?? '').split(',').map((n) => n.split(':')[0]);
    if (!members.includes(target)) throw new HttpError(500, `service '${sid}' is bound by strict node-affinity rule '${name}', which does not contain node '${target}'`);
  }
}

/** POST …/migrate: refusals as PVE makes them; an HA-managed VM goes to the HA stack. */
function migrate(host: GuestHost, params: Record<string, string>, user: string): string {
  host.assertLocalNode(params.node!);
  const vmid = Number(params.vmid);
  const target = params.target!;
  const guest = host.pmxcfs().guests(host.nodeName).find((g) => g.vmid === vmid);
  if (!guest) throw new HttpError(500, `Configuration file 'nodes/${host.nodeName}/qemu-server/${vmid}.conf' does not exist`);
  if (target === host.nodeName) throw new HttpError(400, 'Parameter verification failed.', { target: 'target is local node.' });
  const conf = host.clusterConf();
  const targetNode = conf ? corosyncNodes(conf).find((n) => n.name === target) : undefined;
  if (!targetNode) throw new HttpError(500, `no such cluster node '${target}'`);
  if (guest.lock) throw new HttpError(500, `VM is locked (${guest.lock})`);
  const ha = host.pmxcfs().haResources().some((r) => r.sid === `vm:${vmid}`);
  if (ha) {
    // PVE hands an HA-managed guest to the HA stack instead of migrating it itself.
    assertHaAllows(host, vmid, target);
    return host.startTask('hamigrate', String(vmid), user, async (log, signal) => {
      await host.assertQuorate();
      log(`Requesting HA migration for VM ${vmid} to node ${target}`);
      await haMove(host, `vm:${vmid}`, host.nodeName, target, () => moveGuest(host, host.nodeName, target, guest, params.online === '1', log, signal));
    });
  }
  return host.startTask('qmigrate', String(vmid), user, async (log, signal) => {
    await host.assertQuorate();
    const q = await host.quorum();
    if (!q.members.has(targetNode.nodeid)) throw new Error(`target node '${target}' is not online`);
    const disks = localDisks(host, guest);
    if (guest.running && params.online !== '1') throw new Error(`can't migrate running VM without --online`);
    if (guest.running && disks.length && params['with-local-disks'] !== '1') {
      for (const d of disks) log(`found local disk '${d.volid}' (attached)`);
      throw new Error("can't live migrate attached local disks without with-local-disks option");
    }
    await moveGuest(host, host.nodeName, target, guest, params.online === '1', log, signal);
  });
}

/** Task log time stamps as PVE writes them (`2025-01-01 12:00:00`). */
export function stamp(): string {
  return new Date().toISOString().replace('T', ' ').slice(0, 19);
}

/** `00:01:05` since `started`, as PVE's "duration" in migration logs. */
export function durationText(started: number): string {
  const d = Math.round((Date.now() - started) / 1000);
  return `${String(Math.floor(d / 3600)).padStart(2, '0')}:${String(Math.floor((d % 3600) / 60)).padStart(2, '0')}:${String(d % 60).padStart(2, '0')}`;
}

/**
 * Waits as long as moving `bytes` over the link would take (RTT setup plus bytes at the link speed, or a
 * lower bandwidth limit), scaled for tests, logging progress in four steps.
 */
export async function simulateTransfer(host: GuestHost, transfer: { to: string; rttMs: number; bytes: number; limitMbit?: number }, log: (l: string) => void, signal?: AbortSignal): Promise<void> {
  const { rttMs, bytes } = transfer;
  const mbit = Math.min(host.linkMbit, transfer.limitMbit ?? Infinity);
  const seconds = (3 * rttMs) / 1000 + (bytes * 8 * 1.1) / (mbit * 1e6);
  log(`${stamp()} measured RTT to ${transfer.to}: ${rttMs.toFixed(2)} ms; link ${Math.round(mbit)} Mbit/s; ${(bytes / 1024 ** 2).toFixed(0)} MiB to transfer → ${seconds.toFixed(1)} s`);
  const scaled = seconds * 1000 * host.migrationTimeScale;
  const steps = 4;
  for (let i = 1; i <= steps; i++) {
    await new Promise((r) => setTimeout(r, scaled / steps));
    // A stopped task ends the transfer before the switch-over: the VM stays where it was.
    if (signal?.aborted) throw new Error('migration aborted: the task was stopped');
    log(`${stamp()} migration active, transferred ${((bytes * i) / steps / 1024 ** 2).toFixed(1)} MiB of ${(bytes / 1024 ** 2).toFixed(1)} MiB`);
  }
}

/**
 * Simulated transfer: time from memory (and local disks) over the measured link, then the record moves. The
 * VM is locked (migrate) while it moves, as PVE locks it; a stopped task unlocks it where it was.
 */
async function moveGuest(host: GuestHost, from: string, to: string, guest: GuestRecord, online: boolean, log: (l: string) => void, signal?: AbortSignal): Promise<void> {
  const started = Date.now();
  const cfs = host.pmxcfs();
  const { lock: _previous, ...unlocked } = guest;
  log(`${stamp()} starting migration of VM ${guest.vmid} to node '${to}'`);
  cfs.putGuest(from, { ...unlocked, lock: 'migrate' });
  try {
    const rttMs = await measureRtt(host, to);
    const bytes = (online && guest.running ? guest.memoryMiB * 1024 ** 2 : 0) + localDisks(host, guest).reduce((s, d) => s + d.size, 0);
    await simulateTransfer(host, { to, rttMs, bytes }, log, signal);
  } catch (err) {
    cfs.putGuest(from, unlocked);
    log(`${stamp()} ERROR: migration aborted (duration ${durationText(started)}): ${(err as Error).message}`);
    throw err;
  }
  cfs.putGuest(from, unlocked);
  cfs.moveGuest(guest.vmid, from, to);
  log(`${stamp()} migration finished successfully (duration ${durationText(started)})`);
}

/** Mean RTT from this node to another, measured with ping over link0. */
async function measureRtt(host: GuestHost, node: string): Promise<number> {
  const conf = host.clusterConf();
  const addr = conf ? corosyncNodes(conf).find((n) => n.name === node)?.links[0] : undefined;
  return addr ? pingRtt(host, addr) : 0;
}

/** Mean RTT from this node to an address, measured with ping (0 when nothing answers). */
export async function pingRtt(host: GuestHost, addr: string): Promise<number> {
  const res = await host.runner.run(['ping', '-c', '3', '-i', '0.2', '-W', '1', '-q', addr], { timeoutMs: 5000 });
  const m = /= [\d.]+\/([\d.]+)\//.exec(res.stdout);
  return m ? Number(m[1]) : 0;
}
