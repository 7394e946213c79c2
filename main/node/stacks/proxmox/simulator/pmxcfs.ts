// A stand-in for pmxcfs (/etc/pve): a directory shared by the lab's Proxmox test servers, one per
// cluster, holding corosync.conf, the cluster CA, node certificates, guest records and HA config.
import fs from 'node:fs';
import path from 'node:path';
import { CwError } from '../../../../common/errors.js';

export interface GuestDisk {
  /** `scsi0`, `virtio1`, … */
  key: string;
  storage: string;
  sizeGiB: number;
}

/** A VM as the test server keeps it: a record, not a running QEMU. */
export interface GuestRecord {
  vmid: number;
  name: string;
  memoryMiB: number;
  cores: number;
  running: boolean;
  disks: GuestDisk[];
  lock?: string;
}

/** One storage.cfg entry. `path` and `content` may be absent from older labs: storage.ts fills Proxmox's defaults. */
export interface StorageDef {
  type: string;
  shared: boolean;
  /** Content types (`images,rootdir`, `iso,vztmpl,backup`, …). */
  content?: string;
  /** Where a `dir` storage keeps its files (its size is read with df on the host). */
  path?: string;
  /** Nodes the storage is limited to (comma list); all when absent. */
  nodes?: string;
  /** For backends the lab does not have (LVM-thin, Ceph RBD): the capacity the test server reports. */
  simulatedSizeGiB?: number;
}

export interface HaResource {
  sid: string;
  state: string;
  group?: string;
  comment?: string;
  maxRestart?: number;
  maxRelocate?: number;
}

/**
 * A Proxmox VE install's `local` (here also allowed to hold disk images, as labs often configure it) and
 * `local-lvm`, plus a shared Ceph pool for live migration.
 */
export const defaultStorages: Record<string, StorageDef> = {
  local: { type: 'dir', shared: false, path: '/var/lib/vz', content: 'images,rootdir,iso,vztmpl,backup' },
  'local-lvm': { type: 'lvmthin', shared: false, content: 'rootdir,images', simulatedSizeGiB: 100 },
  'ceph-vm': { type: 'rbd', shared: true, content: 'images', simulatedSizeGiB: 1024 },
};

/** One cluster's (or one standalone node's) /etc/pve. Writes are atomic (temp file + rename). */
export class PmxcfsDir {
  constructor(readonly dir: string) {}

  file(rel: string): string {
    const full = path.resolve(this.dir, rel);
    if (!full.startsWith(path.resolve(this.dir) + path.sep)) throw new CwError('INVALID_INPUT', `'${rel}' is outside /etc/pve.`);
    return full;
  }

  read(rel: string): string | undefined {
    try {
      return fs.readFileSync(this.file(rel), 'utf8');
    } catch {
      return undefined;
    }
  }

  readJson<T>(rel: string, fallback: T): T {
    const text = this.read(rel);
    return text === undefined ? fallback : (JSON.parse(text) as T);
  }

  write(rel: string, content: string, mode = 0o640): void {
    const full = this.file(rel);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    const tmp = `${full}.tmp.${process.pid}`;
    fs.writeFileSync(tmp, content, { mode });
    fs.renameSync(tmp, full);
  }

  writeJson(rel: string, value: unknown): void {
    this.write(rel, `${JSON.stringify(value, null, 2)}\n`);
  }

  exists(rel: string): boolean {
    return fs.existsSync(this.file(rel));
  }

  remove(rel: string): void {
    fs.rmSync(this.file(rel), { force: true, recursive: true });
  }

  nodeNames(): string[] {
    try {
      return fs.readdirSync(this.file('nodes')).sort();
    } catch {
      return [];
    }
  }

  guestFile(node: string, vmid: number): string {
    return `nodes/${node}/qemu-server/${vmid}.json`;
  }

  guests(node: string): GuestRecord[] {
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.file(`nodes/${node}/qemu-server`));
    } catch {
      return [];
    }
    return names
      .filter((n) => /^\d+\.json$/.test(n))
      .map((n) => this.readJson<GuestRecord>(`nodes/${node}/qemu-server/${n}`, undefined as unknown as GuestRecord))
      .filter(Boolean)
      .sort((a, b) => a.vmid - b.vmid);
  }

  /** Finds a guest anywhere in the cluster: the node whose directory holds it. */
  findGuest(vmid: number): { node: string; guest: GuestRecord } | undefined {
    for (const node of this.nodeNames()) {
      const guest = this.readJson<GuestRecord | undefined>(this.guestFile(node, vmid), undefined);
      if (guest) return { node, guest };
    }
    return undefined;
  }

  putGuest(node: string, guest: GuestRecord): void {
    this.writeJson(this.guestFile(node, guest.vmid), guest);
  }

  /** Moves a guest's record to another node, as PVE does at the end of a migration (one rename). */
  moveGuest(vmid: number, from: string, to: string): void {
    const src = this.file(this.guestFile(from, vmid));
    const dst = this.file(this.guestFile(to, vmid));
    fs.mkdirSync(path.dirname(dst), { recursive: true });
    fs.renameSync(src, dst);
  }

  storages(): Record<string, StorageDef> {
    return this.readJson('storage.json', defaultStorages);
  }

  haResources(): HaResource[] {
    return this.readJson<HaResource[]>('ha/resources.json', []);
  }
}
