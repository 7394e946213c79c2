// Storage as the Proxmox test server reports it: storage.cfg for /storage, and one node's view for
// /nodes/{node}/storage (a dir storage measured with df inside the host, backends the lab lacks from the guests' disks).
import crypto from 'node:crypto';
import type { HostRunner } from './host.js';
import { defaultStorages, type PmxcfsDir, type StorageDef } from './pmxcfs.js';

/** Proxmox's default content per storage type (PVE::Storage::*Plugin plugindata), used where storage.json has none. */
const typeDefaults: Record<string, { content: string; formats: { supported: string[]; default: string } }> = {
  dir: { content: 'images,rootdir', formats: { supported: ['qcow2', 'raw', 'subvol', 'vmdk'], default: 'raw' } },
  lvmthin: { content: 'images,rootdir', formats: { supported: ['raw', 'subvol'], default: 'raw' } },
  lvm: { content: 'images,rootdir', formats: { supported: ['raw', 'subvol'], default: 'raw' } },
  rbd: { content: 'images', formats: { supported: ['raw'], default: 'raw' } },
  zfspool: { content: 'images,rootdir', formats: { supported: ['raw', 'subvol'], default: 'raw' } },
};
const fallbackDefaults = { content: 'images', formats: { supported: ['raw'], default: 'raw' } };
const defaultSimulatedGiB = 100;

/** Storage types whose content every node reaches (PVE marks them shared whatever storage.cfg says). */
const sharedTypes = new Set(['rbd', 'cephfs', 'nfs', 'cifs', 'glusterfs', 'iscsi', 'iscsidirect', 'pbs']);

/** A storage.json entry with Proxmox's defaults filled in (older labs wrote only type and shared). */
export function withDefaults(id: string, def: StorageDef): Required<Pick<StorageDef, 'type' | 'shared' | 'content'>> & StorageDef {
  const known = defaultStorages[id]?.type === def.type ? defaultStorages[id] : undefined;
  const merged = { ...known, ...def };
  return {
    ...merged,
    shared: merged.shared || sharedTypes.has(def.type),
    content: merged.content ?? (typeDefaults[def.type] ?? fallbackDefaults).content,
    ...(def.type === 'dir' ? { path: merged.path ?? `/mnt/pve/${id}` } : {}),
  };
}

/** The storages of this /etc/pve with their defaults, in storage.cfg order (sorted by id, as `pvesm` prints them). */
export function storageDefs(cfs: PmxcfsDir): [string, ReturnType<typeof withDefaults>][] {
  return Object.entries(cfs.storages())
    .map(([id, def]) => [id, withDefaults(id, def)] as [string, ReturnType<typeof withDefaults>])
    .sort(([a], [b]) => a.localeCompare(b));
}

/** storage.cfg's digest as PVE reports it (sha1 of the file). */
export function storageDigest(cfs: PmxcfsDir): string {
  return crypto.createHash('sha1').update(cfs.read('storage.json') ?? JSON.stringify(defaultStorages)).digest('hex');
}

/** GET /storage and /storage/{storage}: the configuration entry, with lists encoded as PVE encodes them. */
export function storageConfigEntry(id: string, def: ReturnType<typeof withDefaults>, digest: string): Record<string, unknown> {
  const out: Record<string, unknown> = { storage: id, type: def.type, content: def.content, digest };
  if (def.path) out.path = def.path;
  if (def.shared) out.shared = 1;
  if (def.nodes) out.nodes = def.nodes;
  return out;
}

/** Whether the storage may be used on `node` (storage.cfg `nodes`). */
export function storageOnNode(def: StorageDef, node: string): boolean {
  return !def.nodes || def.nodes.split(/[,;\s]+/).includes(node);
}

export interface StorageUsage {
  total: number;
  used: number;
  avail: number;
  active: boolean;
}

/** Reads a dir storage's filesystem inside the host: df of the path, or of its nearest existing parent (where PVE would create it). */
async function dirUsage(runner: HostRunner, dir: string): Promise<StorageUsage> {
  const res = await runner.run(['sh', '-c', 'p=$1; while [ ! -e "$p" ]; do p=$(dirname -- "$p"); done; exec df -P -B1 -- "$p"', 'sh', dir], { timeoutMs: 10_000 });
  const fields = res.stdout.trim().split('\n')[1]?.trim().split(/\s+/) ?? [];
  const [total, used, avail] = [Number(fields[1]), Number(fields[2]), Number(fields[3])];
  if (res.code !== 0 || ![total, used, avail].every(Number.isFinite)) return { total: 0, used: 0, avail: 0, active: false };
  return { total, used, avail, active: true };
}

/**
 * What one storage holds as seen from `node`: dir storages from df inside the host; backends the lab does not
 * have (LVM-thin, Ceph, …) report their declared capacity and, as used, the disks of the guests on them
 * (the node's own guests, or every node's for a shared storage).
 */
export async function storageUsage(runner: HostRunner, cfs: PmxcfsDir, node: string, id: string, def: ReturnType<typeof withDefaults>): Promise<StorageUsage> {
  if (def.type === 'dir') return dirUsage(runner, def.path!);
  const nodes = def.shared ? cfs.nodeNames() : [node];
  let usedGiB = 0;
  for (const n of nodes) for (const g of cfs.guests(n)) for (const d of g.disks) if (d.storage === id) usedGiB += d.sizeGiB;
  const total = (def.simulatedSizeGiB ?? defaultSimulatedGiB) * 1024 ** 3;
  const used = Math.min(usedGiB * 1024 ** 3, total);
  return { total, used, avail: total - used, active: true };
}

/** The formats a storage type offers (GET /nodes/{node}/storage?format=1). */
export function storageFormats(type: string): { supported: string[]; default: string } {
  return (typeDefaults[type] ?? fallbackDefaults).formats;
}
