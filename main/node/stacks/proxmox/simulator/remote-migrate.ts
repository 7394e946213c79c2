// Cross-cluster migration on the Proxmox test server: `remote_migrate` on the source node (the refusals PVE
// makes, then the target contacted over HTTPS with an API token and its pinned certificate), and the target's
// side of it (`mtunnel` checks, VM creation, config, bridges), all through the schema-validated API.
import crypto from 'node:crypto';
import { isCwError } from '../../../../common/errors.js';
import { pveApiSchema, splitList } from '../api-schema.js';
import { PveClient, normalizeFingerprint, probeCertificate } from '../client.js';
import type { GuestHandler, GuestHost } from './guests.js';
import { durationText, pingRtt, simulateTransfer, stamp } from './guests.js';
import { HttpError } from './http.js';
import type { GuestRecord, PmxcfsDir } from './pmxcfs.js';

/** A NIC of a guest record: `net0` on bridge `vmbr0`. Records written before NICs existed have none. */
export interface GuestNic {
  key: string;
  bridge: string;
  macaddr?: string;
}

/** A guest record with its NICs (kept in the same JSON file as the rest of the record). */
export type GuestWithNics = GuestRecord & { nets?: GuestNic[] };

/** PVE's id map (`parse_idmap`): `src:dst` pairs, one bare id for "everything else", or `1` for identity. */
export interface IdMap {
  identity: boolean;
  entries: Record<string, string>;
  default?: string;
}

/** Parses a storage or bridge map the way PVE does; throws with PVE's wording on a malformed one. */
export function parseIdMap(text: string, what: 'storage' | 'bridge'): IdMap {
  const map: IdMap = { identity: false, entries: {} };
  const idRe = what === 'storage' ? /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i : /^[-_.\w\d]+$/;
  for (const item of splitList(text)) {
    if (item === '1') {
      map.identity = true;
      continue;
    }
    const [source, target, ...rest] = item.split(':');
    if (rest.length) throw new Error(`invalid map entry '${item}'`);
    if (target === undefined) {
      if (!idRe.test(source!)) throw new Error(`invalid ${what} ID '${source}'`);
      if (map.default !== undefined) throw new Error('default target ID can only be provided once');
      map.default = source!;
      continue;
    }
    if (!idRe.test(source!) || !idRe.test(target)) throw new Error(`invalid ${what} ID in '${item}'`);
    if (map.entries[source!] !== undefined) throw new Error(`duplicate mapping for source '${source}'`);
    map.entries[source!] = target;
  }
  if (map.identity && (map.default !== undefined || Object.keys(map.entries).length)) throw new Error("identity mapping '1' cannot be combined with other mappings");
  return map;
}

/** PVE's `map_id`: an explicit entry, else the default, else the same id on the target. */
export function mapId(map: IdMap, source: string): string {
  return map.entries[source] ?? map.default ?? source;
}

export interface RemoteEndpoint {
  tokenId: string;
  secret: string;
  host: string;
  port: number;
  fingerprint?: string;
}

/** Parses `apitoken=PVEAPIToken=user@realm!name=SECRET,host=ADDRESS[,port=N][,fingerprint=FP]`. */
export function parseRemoteEndpoint(text: string): RemoteEndpoint {
  const fields: Record<string, string> = {};
  for (const part of text.split(',')) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`invalid property '${part.split('=')[0]}'`);
    const key = part.slice(0, eq).trim();
    if (!['apitoken', 'host', 'port', 'fingerprint'].includes(key)) throw new Error(`invalid key '${key}'`);
    if (fields[key] !== undefined) throw new Error(`duplicate key '${key}'`);
    fields[key] = part.slice(eq + 1);
  }
  if (!fields.apitoken) throw new Error('apitoken: property is missing and it is not optional');
  if (!fields.host) throw new Error('host: property is missing and it is not optional');
  const token = /^PVEAPIToken=([^=\s]+@[^=\s!]+![^=\s]+)=(\S+)$/.exec(fields.apitoken);
  if (!token) throw new Error("apitoken: value does not match 'PVEAPIToken=user@realm!token=SECRET'");
  const port = fields.port === undefined ? 8006 : Number(fields.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`port: invalid port '${fields.port}'`);
  return { tokenId: token[1]!, secret: token[2]!, host: fields.host, port, ...(fields.fingerprint ? { fingerprint: fields.fingerprint } : {}) };
}

/** Bridges a test node offers (its /etc/network/interfaces): `nodes/<node>/cw-bridges.json`, default vmbr0. */
export function nodeBridges(cfs: PmxcfsDir, node: string): string[] {
  return cfs.readJson<string[]>(`nodes/${node}/cw-bridges.json`, ['vmbr0']);
}

export function setNodeBridges(cfs: PmxcfsDir, node: string, bridges: string[]): void {
  cfs.writeJson(`nodes/${node}/cw-bridges.json`, bridges);
}

const diskKeyRe = /^(scsi|virtio|sata|ide)\d+$/;
const netKeyRe = /^net\d+$/;

function macFor(vmid: number, key: string): string {
  const h = crypto.createHash('sha256').update(`${vmid}/${key}`).digest('hex');
  return `BC:24:11:${h.slice(0, 2)}:${h.slice(2, 4)}:${h.slice(4, 6)}`.toUpperCase();
}

/** `model=virtio,bridge=vmbr0,macaddr=…` → its bridge. */
function bridgeOf(netConf: string): string | undefined {
  return /(?:^|,)bridge=([^,]+)/.exec(netConf)?.[1];
}

function assertTargetNode(host: GuestHost, node: string): void {
  if (node !== 'localhost' && node !== host.nodeName) throw new HttpError(400, 'Parameter verification failed.', { node: `node needs to be 'localhost' or local hostname '${host.nodeName}'` });
}

export function registerRemoteMigrationHandlers(on: (method: string, template: string, handler: GuestHandler) => void, host: GuestHost): void {
  on('GET', '/nodes/{node}/network', async ({ params }) => {
    host.assertLocalNode(params.node!);
    const type = params.type;
    if (type && !['bridge', 'any_bridge', 'any_local_bridge'].includes(type)) return [];
    return nodeBridges(host.pmxcfs(), host.nodeName).map((iface, i) => ({ iface, type: 'bridge', active: 1, autostart: 1, method: 'manual', method6: 'manual', families: ['inet'], priority: 3 + i, bridge_ports: 'none' }));
  });

  on('GET', '/nodes/{node}/qemu/{vmid}/config', async ({ params }) => {
    host.assertLocalNode(params.node!);
    const vmid = Number(params.vmid);
    const guest = host.pmxcfs().guests(host.nodeName).find((g) => g.vmid === vmid) as GuestWithNics | undefined;
    if (!guest) throw new HttpError(500, `Configuration file 'nodes/${host.nodeName}/qemu-server/${vmid}.conf' does not exist`);
    const conf: Record<string, unknown> = { name: guest.name, memory: String(guest.memoryMiB), cores: guest.cores };
    for (const d of guest.disks) conf[d.key] = `${d.storage}:vm-${vmid}-disk-${d.key.replace(/\D/g, '')},size=${d.sizeGiB}G`;
    for (const n of guest.nets ?? []) conf[n.key] = `model=virtio,bridge=${n.bridge},macaddr=${n.macaddr ?? macFor(vmid, n.key)}`;
    if (guest.lock) conf.lock = guest.lock;
    conf.digest = crypto.createHash('sha1').update(JSON.stringify(guest)).digest('hex');
    return conf;
  });

  // The target's side: PVE checks the storages and bridges the move will use and that the VMID is free.
  on('POST', '/nodes/{node}/qemu/{vmid}/mtunnel', async ({ params, user }) => {
    assertTargetNode(host, params.node!);
    const vmid = Number(params.vmid);
    const storages = host.pmxcfs().storages();
    for (const id of splitList(params.storages ?? '')) if (!storages[id]) throw new HttpError(500, `storage '${id}' does not exist`);
    const bridges = nodeBridges(host.pmxcfs(), host.nodeName);
    for (const b of splitList(params.bridges ?? '')) if (!bridges.includes(b)) throw new HttpError(500, `bridge '${b}' does not exist`);
    await host.assertQuorate();
    const existing = host.pmxcfs().findGuest(vmid);
    if (existing) throw new HttpError(400, 'Parameter verification failed.', { vmid: `unable to create empty VM config - VM ${vmid} already exists on node '${existing.node}'` });
    const upid = host.startTask('qmtunnel', String(vmid), user, async (log) => {
      log('mtunnel started');
      log('mtunnel exited');
    });
    return { upid, ticket: crypto.randomBytes(16).toString('hex'), socket: `/run/qemu-server/${vmid}.mtunnel` };
  });

  on('POST', '/nodes/{node}/qemu', async ({ params, user }) => {
    host.assertLocalNode(params.node!);
    const vmid = Number(params.vmid);
    const existing = host.pmxcfs().findGuest(vmid);
    if (existing) throw new HttpError(500, `unable to create VM ${vmid} - VM ${vmid} already exists on node '${existing.node}'`);
    const storages = host.pmxcfs().storages();
    const bridges = nodeBridges(host.pmxcfs(), host.nodeName);
    const guest: GuestWithNics = { vmid, name: params.name ?? `VM ${vmid}`, memoryMiB: Number(params.memory ?? 512), cores: Number(params.cores ?? 1), running: false, disks: [], nets: [] };
    for (const [key, value] of Object.entries(params)) {
      if (diskKeyRe.test(key)) {
        const m = /^([^:,]+):(\d+(?:\.\d+)?)(?:,|$)/.exec(value);
        if (!m) throw new HttpError(400, 'Parameter verification failed.', { [key]: 'expected STORAGE:SIZE_IN_GiB to allocate a new volume' });
        if (!storages[m[1]!]) throw new HttpError(500, `storage '${m[1]}' does not exist`);
        guest.disks.push({ key, storage: m[1]!, sizeGiB: Number(m[2]) });
      } else if (netKeyRe.test(key)) {
        const bridge = bridgeOf(value);
        if (bridge && !bridges.includes(bridge)) throw new HttpError(500, `bridge '${bridge}' does not exist`);
        if (bridge) guest.nets!.push({ key, bridge, ...(/macaddr=([^,]+)/.exec(value) ? { macaddr: /macaddr=([^,]+)/.exec(value)![1]! } : {}) });
      }
    }
    await host.assertQuorate();
    host.pmxcfs().putGuest(host.nodeName, guest);
    return host.startTask('qmcreate', String(vmid), user, async (log) => {
      for (const d of guest.disks) log(`${d.key}: successfully created disk '${d.storage}:vm-${vmid}-disk-${d.key.replace(/\D/g, '')},size=${d.sizeGiB}G'`);
      if (params.start === '1') {
        const now = host.pmxcfs().readJson<GuestWithNics | undefined>(host.pmxcfs().guestFile(host.nodeName, vmid), undefined);
        if (now) host.pmxcfs().putGuest(host.nodeName, { ...now, running: true });
        log(`start VM ${vmid}: UPID queued`);
      }
    });
  });

  on('POST', '/nodes/{node}/qemu/{vmid}/remote_migrate', async ({ params, user }) => remoteMigrate(host, params, user));
}

/** Short reason from a client error: status and PVE's message, without the client's advice. */
function remoteError(err: unknown, endpoint: RemoteEndpoint): string {
  if (isCwError(err) && err.code === 'HOST_KEY_CHANGED') {
    const seen = (err.detail as { fingerprint?: string } | undefined)?.fingerprint ?? 'unknown';
    return `error connecting to remote '${endpoint.host}': fingerprint '${seen}' not verified, abort!`;
  }
  const text = (err as Error).message.split(endpoint.secret).join('***');
  const m = /failed: (\d{3} [^.]*(?:\.[^.]*\))?)/.exec(text);
  return m ? m[1]! : text.split('. ')[0]!;
}

/** POST …/remote_migrate on the source node: PVE's synchronous refusals, then the qmigrate task. */
async function remoteMigrate(host: GuestHost, params: Record<string, string>, user: string): Promise<string> {
  host.assertLocalNode(params.node!);
  const vmid = Number(params.vmid);
  const targetVmid = params['target-vmid'] ? Number(params['target-vmid']) : vmid;
  const online = params.online === '1';
  const deleteSource = params.delete === '1';
  await host.assertQuorate();
  const guest = host.pmxcfs().guests(host.nodeName).find((g) => g.vmid === vmid) as GuestWithNics | undefined;
  if (!guest) throw new HttpError(500, `Configuration file 'nodes/${host.nodeName}/qemu-server/${vmid}.conf' does not exist`);
  if (guest.lock) throw new HttpError(500, `VM is locked (${guest.lock})`);
  if (host.pmxcfs().haResources().some((r) => r.sid === `vm:${vmid}`)) throw new HttpError(400, 'Parameter verification failed.', { vmid: 'cannot remote-migrate VM that is configured for HA' });
  let endpoint: RemoteEndpoint;
  try {
    endpoint = parseRemoteEndpoint(params['target-endpoint']!);
  } catch (err) {
    throw new HttpError(400, 'Parameter verification failed.', { 'target-endpoint': `invalid format - ${(err as Error).message}` });
  }
  if (guest.running && !online) throw new HttpError(500, "can't migrate running VM without --online");
  let storageMap: IdMap;
  let bridgeMap: IdMap;
  try {
    storageMap = parseIdMap(params['target-storage']!, 'storage');
  } catch (err) {
    throw new HttpError(400, 'Parameter verification failed.', { 'target-storage': `failed to parse storage map: ${(err as Error).message}` });
  }
  try {
    bridgeMap = parseIdMap(params['target-bridge']!, 'bridge');
  } catch (err) {
    throw new HttpError(400, 'Parameter verification failed.', { 'target-bridge': `failed to parse bridge map: ${(err as Error).message}` });
  }
  if (storageMap.identity) throw new HttpError(500, 'remote migration requires explicit storage mapping!');

  // PVE fetches the certificate fingerprint itself when none is given; with one, it pins it.
  let fingerprint: string;
  try {
    fingerprint = endpoint.fingerprint ? normalizeFingerprint(endpoint.fingerprint) : (await probeCertificate({ host: endpoint.host, port: endpoint.port })).fingerprint;
  } catch (err) {
    throw new HttpError(500, `error connecting to remote '${endpoint.host}': ${(err as Error).message}`);
  }
  const client = new PveClient({ endpoint: { host: endpoint.host, port: endpoint.port, fingerprint }, credentials: { kind: 'token', tokenId: endpoint.tokenId, secret: endpoint.secret }, schema: pveApiSchema(), validateResponses: true, timeoutMs: 15_000 });
  let status: { type: string; name: string; local?: number; ip?: string }[];
  try {
    status = await client.get('/cluster/status');
  } catch (err) {
    throw new HttpError(500, remoteError(err, endpoint));
  }
  const local = status.find((e) => e.type === 'node' && e.local);
  if (!local) throw new HttpError(500, "couldn't determine endpoint's node name");
  const targetNode = local.name;

  return host.startTask('qmigrate', String(vmid), user, async (log) => {
    const started = Date.now();
    const cfs = host.pmxcfs();
    const write = (g: GuestWithNics) => cfs.putGuest(host.nodeName, g);
    if (online && !guest.running) log("VM isn't running. Doing offline migration instead.");
    log(`${stamp()} starting migration of VM ${vmid} to node '${targetNode}' (${endpoint.host})`);
    write({ ...guest, lock: 'migrate' });
    const fail = (err: unknown): never => {
      log(`${stamp()} aborting phase 1 - cleanup resources`);
      const now = cfs.readJson<GuestWithNics | undefined>(cfs.guestFile(host.nodeName, vmid), undefined);
      if (now) {
        const { lock: _lock, ...unlocked } = now;
        write(unlocked);
      }
      log(`${stamp()} ERROR: migration aborted (duration ${durationText(started)}): ${(err as Error).message.split(endpoint.secret).join('***')}`);
      throw new Error('migration aborted');
    };
    try {
      // Every disk travels (shared storage on the source is not shared with another cluster).
      const disks = guest.disks.map((d) => ({ ...d, volid: `${d.storage}:vm-${vmid}-disk-${d.key.replace(/\D/g, '')}`, target: mapId(storageMap, d.storage) }));
      for (const d of disks) log(`${stamp()} found local disk '${d.volid}' (attached)`);
      const nets = (guest.nets ?? []).map((n) => ({ ...n, target: mapId(bridgeMap, n.bridge) }));
      let tunnel: { upid?: string };
      try {
        tunnel = await client.post(`/nodes/${encodeURIComponent(targetNode)}/qemu/${targetVmid}/mtunnel`, {
          storages: [...new Set(disks.map((d) => d.target))].join(','),
          bridges: [...new Set(nets.map((n) => n.target))].join(','),
        });
      } catch (err) {
        throw new Error(`failed to start tunnel on '${targetNode}': ${remoteError(err, endpoint)}`);
      }
      if (tunnel.upid) log(`${stamp()} remote tunnel task ${tunnel.upid}`);
      for (const n of nets) log(`${stamp()} mapped: ${n.key} from ${n.bridge} to ${n.target}`);
      for (const d of disks) {
        log(`${stamp()} Allocating volume for drive '${d.key}' on remote storage '${d.target}'..`);
        log(`${stamp()} volume '${d.volid}' is '${d.target}:vm-${targetVmid}-disk-${d.key.replace(/\D/g, '')}' on the target`);
      }
      const live = online && guest.running;
      if (live) log(`${stamp()} starting VM ${targetVmid} on remote node '${targetNode}'`);
      const bytes = (live ? guest.memoryMiB * 1024 ** 2 : 0) + guest.disks.reduce((s, d) => s + d.sizeGiB * 1024 ** 3, 0);
      const rttMs = local.ip ? await pingRtt(host, local.ip) : 0;
      const limitMbit = params.bwlimit && Number(params.bwlimit) > 0 ? (Number(params.bwlimit) * 1024 * 8) / 1e6 : undefined;
      if (limitMbit) log(`${stamp()} migration speed limit: ${(Number(params.bwlimit) / 1024).toFixed(1)} MiB/s`);
      await simulateTransfer(host, { to: `${targetNode} (remote)`, rttMs, bytes, ...(limitMbit ? { limitMbit } : {}) }, log);
      // Switch-over: the VM's configuration is written on the target, started there when it ran here.
      const create: Record<string, string | number> = { vmid: targetVmid, name: guest.name, memory: guest.memoryMiB, cores: guest.cores };
      for (const d of disks) create[d.key] = `${d.target}:${d.sizeGiB}`;
      for (const n of nets) create[n.key] = `model=virtio,bridge=${n.target},macaddr=${n.macaddr ?? macFor(vmid, n.key)}`;
      if (live) create.start = 1;
      try {
        const upid = await client.post<string>(`/nodes/${encodeURIComponent(targetNode)}/qemu`, create);
        await client.followTask(upid, { pollMs: 100, timeoutMs: 60_000 });
      } catch (err) {
        throw new Error(`writing the configuration on '${targetNode}' failed: ${remoteError(err, endpoint)}`);
      }
    } catch (err) {
      fail(err);
    }
    // PVE keeps the source stopped and locked (migrate) unless asked to delete it.
    if (deleteSource) {
      cfs.remove(cfs.guestFile(host.nodeName, vmid));
      log(`${stamp()} removed source VM ${vmid} and its ${guest.disks.length} volume(s) on '${host.nodeName}'`);
    } else {
      write({ ...guest, running: false, lock: 'migrate' });
      log(`${stamp()} source VM ${vmid} is kept on '${host.nodeName}', stopped and locked (migrate)`);
    }
    log(`${stamp()} migration finished successfully (duration ${durationText(started)})`);
  });
}
