// Contract of the inventory domain: the VMs each stack reports per node, for the canvas, and the
// migration precheck a drag onto another node asks for. Stacks without a client report nothing.
import { z } from 'zod';
import { defineMethod } from './define.js';

export const stackIds = ['proxmox', 'openstack', 'vsphere'] as const;

export const vmSchema = z.object({
  /** Unique across stacks, e.g. "proxmox:homelab:101". */
  id: z.string(),
  stack: z.enum(stackIds),
  /** Proxmox cluster, OpenStack region or vSAN cluster name from the workspace. */
  cluster: z.string(),
  /** Workspace node the VM runs on now. */
  node: z.string(),
  name: z.string(),
  status: z.enum(['running', 'stopped', 'paused', 'migrating', 'unknown']),
  memoryMiB: z.number().optional(),
  cpus: z.number().optional(),
  /** Managed by the stack's HA (moves go through the HA path). */
  haManaged: z.boolean().optional(),
  /** The HA manager's state of an HA-managed VM in the stack's words (Proxmox: started, migrate, error, fence, …). */
  haState: z.string().optional(),
});
export type VmRecord = z.infer<typeof vmSchema>;

export const inventorySourceSchema = z.object({
  stack: z.enum(stackIds),
  cluster: z.string(),
  ok: z.boolean(),
  vms: z.number().int(),
  error: z.string().optional(),
});

/** Proxmox storage or bridge ids: letters, digits, `-`, `_`, `.`. */
const pveIdSchema = z.string().regex(/^[A-Za-z0-9][-_.A-Za-z0-9]*$/, 'expected a Proxmox storage or bridge id');
/** Source id → target id (e.g. `{ "ceph-vm": "local-lvm" }`). */
export const idMapSchema = z.record(pveIdSchema, pveIdSchema);
export type IdMapChoice = z.infer<typeof idMapSchema>;
const vmidSchema = z.number().int().min(100).max(999_999_999);

export const migrationTargetSchema = z.object({
  node: z.string(),
  allowed: z.boolean(),
  /** Why not, in the admin's words (e.g. "local disk on local-lvm: choose a target storage"). */
  reasons: z.array(z.string()),
  /** "live" inside a cluster, "remote" between Proxmox clusters, "cold" between OpenStack regions. */
  kind: z.enum(['live', 'offline', 'remote', 'cold']),
  /** Disks on local storage that need a target storage on the destination. */
  localDisks: z.array(z.object({ disk: z.string(), storage: z.string(), sizeGiB: z.number().optional() })).default([]),
  targetStorages: z.array(z.string()).default([]),
  /** Only for kind "remote": what the storage and bridge maps must cover, and where the VM lands. */
  remote: z
    .object({
      /** The workspace's Proxmox cluster the target node belongs to. */
      cluster: z.string(),
      /** Storages and bridges the VM uses on the source (each needs a target). */
      sourceStorages: z.array(z.string()),
      sourceBridges: z.array(z.string()),
      /** Bridges on the target node (targetStorages lists its storages). */
      targetBridges: z.array(z.string()),
      /** The VMID the VM gets on the target unless another is chosen (its own, when free there). */
      suggestedVmid: z.number().int(),
      /** VMIDs already used on the target cluster, so the dialog can say so before asking. */
      usedVmids: z.array(z.number().int()),
    })
    .optional(),
});
export type MigrationTarget = z.infer<typeof migrationTargetSchema>;

export const migrationResultSchema = z.object({
  /** The job id its events (job.stepUpdated, job.log, job.finished) carry. */
  runId: z.string(),
  vm: z.string(),
  from: z.string(),
  to: z.string(),
  status: z.enum(['succeeded', 'failed', 'cancelled']),
  message: z.string(),
  durationMs: z.number(),
});

export const inventoryMethods = {
  'inventory.list': defineMethod(z.object({}).strict(), z.object({ vms: z.array(vmSchema), sources: z.array(inventorySourceSchema) })),
  'vm.migratePrecheck': defineMethod(
    z
      .object({
        vm: z.string(),
        targets: z.array(z.string()).optional(),
        /** The admin's choices so far, checked too: the storage for local disks, and the maps of a cross-cluster move. */
        targetStorage: pveIdSchema.optional(),
        storageMap: idMapSchema.optional(),
        bridgeMap: idMapSchema.optional(),
        targetVmid: vmidSchema.optional(),
      })
      .strict(),
    z.object({ vm: vmSchema, targets: z.array(migrationTargetSchema) }),
  ),
  /** Moves a VM (live by default); progress arrives as job events; answers when the move has ended. */
  'vm.migrate': defineMethod(
    z
      .object({
        vm: z.string(),
        target: z.string(),
        online: z.boolean().default(true),
        /** Storage on the target for disks on local storage (Proxmox `targetstorage`): one id, never a map. */
        targetStorage: pveIdSchema.optional(),
        /** Cross-cluster only: source storage → storage on the target cluster (every disk moves). */
        storageMap: idMapSchema.optional(),
        /** Cross-cluster only: source bridge → bridge on the target node. */
        bridgeMap: idMapSchema.optional(),
        /** Cross-cluster only: the VMID on the target cluster (default: the VM's own). */
        targetVmid: vmidSchema.optional(),
        /** Cross-cluster only: remove the source VM after a successful move (default: keep it stopped and locked). */
        deleteSource: z.boolean().optional(),
        /** With deleteSource: the VM's name, typed by the admin — destroying the source is approved explicitly. */
        confirmDeleteSource: z.string().optional(),
      })
      .strict(),
    migrationResultSchema,
  ),
};

export const inventoryEvents = {
  'inventory.changed': z.object({ stack: z.enum(stackIds), cluster: z.string(), at: z.string() }),
};
