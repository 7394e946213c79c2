// Contract of the inventory domain: the VMs each stack reports per node, for the canvas, the migration
// precheck a drag onto another node asks for, and the move itself (run as a plan by the engine). Built
// from the stack list: the VM's stack is one of theirs, and the admin's choices are a discriminated union
// of each stack's own choices. Stacks without a client report nothing.
import * as z from 'zod';
import { stacks } from '../stacks/registry.js';
import type { AnyStackDefinition } from '../stacks/types.js';
import { defineMethod } from './define.js';

type Ids<L extends readonly AnyStackDefinition[]> = L[number]['id'];
type MigrationOf<L extends readonly AnyStackDefinition[]> = NonNullable<L[number]['migration']>;

/** How a move happens: live or offline inside a cluster, to another cluster (remote), a cold copy to another region. */
export const migrationKinds = ['live', 'offline', 'remote', 'cold'] as const;

/** The inventory contract for a list of stacks (the registry's, or a test's own). */
export function inventoryContractFor<const L extends readonly AnyStackDefinition[]>(list: L) {
  const ids = list.map((s) => s.id) as [Ids<L>, ...Ids<L>[]];
  const stackSchema = z.enum(ids);
  const movable = list.flatMap((s) => (s.migration ? [s.migration] : [])) as MigrationOf<L>[];
  // A list with no stack that moves VMs accepts no choices at all.
  const choicesSchema = movable.length ? z.discriminatedUnion('stack', movable.map((m) => m.choices) as [MigrationOf<L>['choices'], ...MigrationOf<L>['choices'][]]) : z.never();
  const detailsSchema = movable.length ? z.discriminatedUnion('stack', movable.map((m) => m.details) as [MigrationOf<L>['details'], ...MigrationOf<L>['details'][]]) : z.never();

  const vmSchema = z.object({
    /** Names the stack and its cluster: "<stack>:<cluster>:<id in the stack>" (e.g. <stack>:homelab:101). */
    id: z.string(),
    stack: stackSchema,
    /** Cluster or region name from the workspace. */
    cluster: z.string(),
    /** Workspace node the VM runs on now. */
    node: z.string(),
    name: z.string(),
    status: z.enum(['running', 'stopped', 'paused', 'migrating', 'unknown']),
    memoryMiB: z.number().optional(),
    cpus: z.number().optional(),
    /** Managed by the stack's HA (moves go through the HA path). */
    haManaged: z.boolean().optional(),
    /** The HA manager's state of an HA-managed VM in the stack's words (started, migrate, error, fence, …). */
    haState: z.string().optional(),
  });

  const sourceSchema = z.object({ stack: stackSchema, cluster: z.string(), ok: z.boolean(), vms: z.number().int(), error: z.string().optional() });
  const clusterRefSchema = z.object({ stack: stackSchema, cluster: z.string() }).strict();

  const targetSchema = z.object({
    node: z.string(),
    allowed: z.boolean(),
    /** Why not, in the admin's words (e.g. "local disk on local-lvm: choose a target storage"). */
    reasons: z.array(z.string()),
    kind: z.enum(migrationKinds),
    /** What the stack adds: disks, storages, what a cross-cluster move must map. */
    details: detailsSchema.optional(),
  });

  const resultSchema = z.object({
    /** The engine run of the move: its journal is under runs/, its job events carry this id. */
    runId: z.string(),
    vm: z.string(),
    from: z.string(),
    to: z.string(),
    status: z.enum(['succeeded', 'failed', 'cancelled']),
    message: z.string(),
    durationMs: z.number(),
  });

  const methods = {
    /** VMs of every cluster (or only of `clusters`: a refresh after a move reads the clusters it touched). */
    'inventory.list': defineMethod(z.object({ clusters: z.array(clusterRefSchema).optional() }).strict(), z.object({ vms: z.array(vmSchema), sources: z.array(sourceSchema) })),
    'vm.migratePrecheck': defineMethod(
      z
        .object({
          vm: z.string(),
          targets: z.array(z.string()).optional(),
          /** The admin's choices so far, checked too (the storage for local disks, the maps of a cross-cluster move). */
          choices: choicesSchema.optional(),
          /** While a VM is dragged: verdicts from what the VM's own cluster knows; targets elsewhere are read when dropped there. */
          quick: z.boolean().optional(),
        })
        .strict(),
      z.object({ vm: vmSchema, targets: z.array(targetSchema) }),
    ),
    /** Moves a VM as an engine plan (live by default); progress arrives as job events; answers when the move has ended. */
    'vm.migrate': defineMethod(
      z
        .object({
          vm: z.string(),
          target: z.string(),
          online: z.boolean().default(true),
          choices: choicesSchema.optional(),
          /** Cross-cluster only: remove the source VM after a successful move (a destructive step of the plan). */
          deleteSource: z.boolean().optional(),
          /** With deleteSource: the VM's name, typed by the admin — the approval of the plan's destructive step. */
          confirmDeleteSource: z.string().optional(),
        })
        .strict(),
      resultSchema,
    ),
  };

  const events = {
    'inventory.changed': z.object({ stack: stackSchema, cluster: z.string(), at: z.string() }),
  };

  return { methods, events, schemas: { vm: vmSchema, source: sourceSchema, target: targetSchema, choices: choicesSchema, details: detailsSchema, result: resultSchema } };
}

const registered = inventoryContractFor(stacks);

export const stackIds = stacks.map((s) => s.id) as [(typeof stacks)[number]['id'], ...(typeof stacks)[number]['id'][]];
export const vmSchema = registered.schemas.vm;
export const inventorySourceSchema = registered.schemas.source;
export const migrationTargetSchema = registered.schemas.target;
export const migrationChoicesSchema = registered.schemas.choices;
export const migrationResultSchema = registered.schemas.result;
export const inventoryMethods = registered.methods;
export const inventoryEvents = registered.events;

export type VmRecord = z.infer<typeof vmSchema>;
export type MigrationTarget = z.infer<typeof migrationTargetSchema>;
export type MigrationChoices = z.infer<typeof migrationChoicesSchema>;
export type MigrationResult = z.infer<typeof migrationResultSchema>;
