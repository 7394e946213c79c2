// Real guests behind the Proxmox test servers: a VM record of the simulated /etc/pve is a qemu-system-x86_64
// process on its node's lab host (TCG, QMP, RAM filled with real data that keeps changing), started, stopped,
// measured and live-migrated through main/node/lab/guests; the task log of a migration is QEMU's progress.
import { CwError } from '../../../../common/errors.js';
import { migrationLogLines } from '../../../../common/stacks/proxmox/qemu-migration-log.js';
import type { LabGuests } from '../../../lab/guests/launcher.js';
import { liveMigrate, type LiveMigrationResult } from '../../../lab/guests/migrate.js';
import type { GuestSpec } from '../../../lab/guests/spec.js';
import type { GuestRecord, StorageDef } from './pmxcfs.js';

/** What a guest's process shows: run state and the figures /cluster/resources and status/current report. */
export interface GuestProcessStatus {
  running: boolean;
  /** QEMU's own run state (`running`, `paused`, `inmigrate`, `postmigrate`, …). */
  qmpstatus: string;
  pid?: number;
  /** Share of one CPU, 0–1 per vCPU. */
  cpu: number;
  /** Resident memory of the QEMU process (bytes). */
  mem: number;
  uptime: number;
}

/** The guest name (QEMU process `cw-vm<vmid>`, directory /run/cw-guests/vm<vmid>) of a VM id. */
export function guestNameOf(vmid: number): string {
  return `vm${vmid}`;
}

/** The largest guest the lab runs (TCG, shared machine): Proxmox records with more memory are refused, not shrunk. */
export const maxLabGuestMiB = 1024;

/**
 * What QEMU runs for a VM record: its memory and, when its first disk is on storage that is not shared, that
 * disk as a local qcow2 file (which a migration mirrors over NBD, as `with-local-disks`). Disks on shared
 * storage are not materialized: every node would see the same volume, so a migration moves RAM only.
 */
export function guestSpecOf(guest: GuestRecord, storages: Record<string, StorageDef>): GuestSpec {
  if (guest.memoryMiB > maxLabGuestMiB || guest.memoryMiB < 16) {
    throw new CwError('INVALID_INPUT', `VM ${guest.vmid} has ${guest.memoryMiB} MiB of memory; lab guests run with 16–${maxLabGuestMiB} MiB (QEMU with TCG on a shared machine).`);
  }
  const local = guest.disks.find((d) => !storages[d.storage]?.shared);
  return {
    name: guestNameOf(guest.vmid),
    memoryMiB: guest.memoryMiB,
    seed: guest.vmid,
    ...(local ? { disk: { sizeMiB: Math.max(1, Math.round(local.sizeGiB * 1024)) } } : {}),
  };
}

export interface SimulatorQemuOptions {
  guests: LabGuests;
  /** The lab host a Proxmox node runs on (the same name in the lab). */
  hostOf?: (node: string) => string;
}

/** The test servers' access to real guests. One per lab; every server of the lab shares it. */
export class SimulatorQemu {
  readonly guests: LabGuests;
  private readonly hostOf: (node: string) => string;
  /** Migrations in progress by VM id (an HA recovery must not start a guest that is being moved). */
  readonly moving = new Set<number>();

  constructor(options: SimulatorQemuOptions) {
    this.guests = options.guests;
    this.hostOf = options.hostOf ?? ((n) => n);
  }

  async status(node: string, vmid: number): Promise<GuestProcessStatus> {
    const host = this.hostOf(node);
    const name = guestNameOf(vmid);
    if (!this.guests.record(host, name)) return { running: false, qmpstatus: 'stopped', cpu: 0, mem: 0, uptime: 0 };
    const s = await this.guests.status(host, name);
    if (s.status === 'stopped') return { running: false, qmpstatus: 'stopped', cpu: 0, mem: 0, uptime: 0 };
    // An incoming migration target is not the VM yet: Proxmox lists the VM where its configuration is.
    return { running: !s.incoming || s.qmpStatus === 'running', qmpstatus: s.qmpStatus ?? 'running', ...(s.pid ? { pid: s.pid } : {}), cpu: s.cpu, mem: s.rssBytes, uptime: Math.round(s.uptimeSeconds) };
  }

  /** Starts the VM's QEMU on its node (refused when it already runs there). */
  async start(node: string, guest: GuestRecord, storages: Record<string, StorageDef>): Promise<number> {
    const record = await this.guests.start(this.hostOf(node), guestSpecOf(guest, storages));
    return record.pid;
  }

  /** Hard stop (`qm stop`): QMP quit, SIGKILL after 5 s. Returns whether a process ran. */
  stop(node: string, vmid: number, timeoutMs?: number): Promise<boolean> {
    const host = this.hostOf(node);
    const name = guestNameOf(vmid);
    if (!this.guests.record(host, name)) return Promise.resolve(false);
    return this.guests.stop(host, name, timeoutMs);
  }

  /** `qm shutdown`: ACPI power button, hard stop after the timeout when `forceStop`. */
  async shutdown(node: string, vmid: number, options: { timeoutMs: number; force: boolean }): Promise<void> {
    const host = this.hostOf(node);
    const name = guestNameOf(vmid);
    if (!this.guests.record(host, name)) return;
    await this.guests.shutdown(host, name, options);
  }

  /** Removes the VM's process, directory and local disk from its node. */
  async destroy(node: string, vmid: number): Promise<void> {
    await this.guests.destroy(this.hostOf(node), guestNameOf(vmid));
  }

  /**
   * QEMU's live migration of a running VM from one node to another over `targetAddress` (the target's address on
   * the migration network), its events written to the task log as Proxmox writes them. Aborting `signal` cancels
   * the migration; the VM keeps running on the source.
   */
  async migrate(input: { vmid: number; from: string; to: string; targetAddress: string; signal?: AbortSignal; log: (line: string) => void }): Promise<LiveMigrationResult> {
    const { vmid, from, to, targetAddress } = input;
    this.moving.add(vmid);
    try {
      return await liveMigrate(this.guests, {
        name: guestNameOf(vmid),
        from: this.hostOf(from),
        to: this.hostOf(to),
        targetAddress,
        ...(input.signal ? { signal: input.signal } : {}),
        onEvent: (event) => {
          for (const line of migrationLogLines(event, { vmid, node: to, nodeIp: targetAddress, source: from })) input.log(line);
        },
      });
    } finally {
      this.moving.delete(vmid);
    }
  }

  /** Kills every guest process on a node at once (a node that resets: self-fence or power loss). Returns the VM ids. */
  async killNode(node: string): Promise<number[]> {
    const host = this.hostOf(node);
    const killed: number[] = [];
    for (const r of this.guests.list().filter((g) => g.host === host)) {
      const vmid = Number(/^vm(\d+)$/.exec(r.name)?.[1]);
      if (await this.guests.stop(host, r.name, 0).catch(() => false)) if (Number.isFinite(vmid)) killed.push(vmid);
    }
    return killed;
  }
}
