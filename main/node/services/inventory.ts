// inventory.* and vm.* methods: VMs per node from every stack with an inventory, the migration precheck behind
// drag-to-migrate, and the move itself — a plan the stack builds and the engine runs (journalled, audited,
// cancellable, resumable; the source's deletion a destructive step approved with the plan's hash). One precheck
// per user action: the dialog's verdict is kept for the move it leads to (unless the choices changed); a VM is
// found by its id (which names its stack and cluster), and only the clusters a move touched are read again.
import type { MigrationChoices, MigrationTarget, VmRecord } from '../../common/contract/inventory.js';
import type { RunResult } from '../../common/contract/plan.js';
import { CwError } from '../../common/errors.js';
import { parsePlan } from '../../common/plan/dag.js';
import { noVmHostsOf, type StackList } from '../../common/stacks/compose.js';
import type { Workspace } from '../../common/workspace/schema.js';
import type { Handlers } from '../dispatcher.js';
import { AuditLog } from '../engine/audit.js';
import { destructiveStepIds } from '../engine/approvals.js';
import type { PlanEngine } from '../engine/engine.js';
import { planHash } from '../engine/hash.js';
import type { EventBus } from '../events.js';
import type { StackInventory, StackMigration } from '../stacks/types.js';

/** What the service needs of each stack: its id, and its inventory and migration when it has them. */
export interface InventoryStack {
  id: string;
  inventory?: StackInventory;
  migration?: StackMigration;
}

export interface InventoryServiceDeps {
  stacks: readonly InventoryStack[];
  /** The pure definitions of the same stacks (hosts that never run VMs). */
  definitions: StackList;
  events: EventBus;
  currentWorkspace(): Promise<Workspace>;
  /** The engine that runs the move plans (the same one plan.* methods use). */
  engine: PlanEngine;
  /** How long the dialog's verdict is reused for the move (ms). */
  verdictTtlMs?: number;
}

export interface InventorySourceReport {
  stack: string;
  cluster: string;
  ok: boolean;
  vms: number;
  error?: string;
}

type InventoryMethods = 'inventory.list' | 'vm.migratePrecheck' | 'vm.migrate';

/** The stack id a VM id names ("<stack>:<cluster>:<id>" → <stack>). */
export function stackOfVmId(vmId: string): string {
  const i = vmId.indexOf(':');
  return i > 0 ? vmId.slice(0, i) : '';
}

function choicesKey(choices: MigrationChoices | undefined): string {
  if (!choices) return '';
  const sorted = (v: unknown): unknown => (v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sorted(x)])) : v);
  return JSON.stringify(sorted(choices));
}

export function createInventoryService(deps: InventoryServiceDeps): { handlers: Pick<Handlers, InventoryMethods> } {
  const ttl = deps.verdictTtlMs ?? 2 * 60_000;
  /** The last single-target verdict per VM, target and choices: the move the dialog confirms uses it. */
  const verdicts = new Map<string, { vm: VmRecord; verdict: MigrationTarget; at: number }>();

  const stackOf = (vmId: string): InventoryStack => {
    const id = stackOfVmId(vmId);
    const stack = deps.stacks.find((s) => s.id === id && s.inventory);
    if (!stack?.inventory) throw new CwError('NOT_FOUND', `No VM ${vmId} in the inventory: no stack with an inventory is called "${id}".`);
    return stack;
  };

  const find = async (workspace: Workspace, vmId: string, signal: AbortSignal): Promise<{ vm: VmRecord; stack: InventoryStack }> => {
    const stack = stackOf(vmId);
    const vm = await stack.inventory!.find(workspace, vmId, signal);
    if (!vm) throw new CwError('NOT_FOUND', `No VM ${vmId} in the inventory: refresh the canvas, it may have moved or been removed.`);
    return { vm, stack };
  };

  const precheck = async (workspace: Workspace, vmId: string, targets: string[] | undefined, signal: AbortSignal, options: { choices?: MigrationChoices; quick?: boolean }): Promise<{ vm: VmRecord; targets: MigrationTarget[] }> => {
    const { vm, stack } = await find(workspace, vmId, signal);
    if (!stack.migration) throw new CwError('UNSUPPORTED', `Moving VMs is not available for ${vm.stack} yet.`);
    // Hosts that never run VMs (a stretched cluster's witness) are never drop targets, whatever stack the VM belongs to.
    const noVm = new Map(noVmHostsOf(workspace, deps.definitions).map((h) => [h.node, h.reason]));
    const candidates = (targets ?? workspace.nodes.map((n) => n.name)).filter((n) => n !== vm.node);
    const results = await stack.migration.precheck(workspace, vm, candidates.filter((n) => !noVm.has(n)), signal, options);
    for (const node of candidates.filter((n) => noVm.has(n))) results.push({ node, allowed: false, reasons: [noVm.get(node)!], kind: 'live' });
    if (!options.quick && candidates.length === 1 && results[0]) verdicts.set(`${vmId}|${candidates[0]}|${choicesKey(options.choices)}`, { vm, verdict: results[0], at: Date.now() });
    return { vm, targets: results };
  };

  return {
    handlers: {
      'inventory.list': async (input, ctx) => {
        const workspace = await deps.currentWorkspace();
        const wanted = input.clusters ? new Set(input.clusters.map((c) => `${c.stack}\u0000${c.cluster}`)) : undefined;
        const jobs = deps.stacks.flatMap((s) => (s.inventory ? s.inventory.clusters(workspace).filter((cluster) => !wanted || wanted.has(`${s.id}\u0000${cluster}`)).map((cluster) => ({ stack: s, cluster })) : []));
        const vms: VmRecord[] = [];
        const sources: InventorySourceReport[] = [];
        // One cluster failing never hides the others.
        await Promise.all(
          jobs.map(async ({ stack, cluster }) => {
            try {
              const found = await stack.inventory!.list(workspace, cluster, ctx.signal);
              vms.push(...found);
              sources.push({ stack: stack.id, cluster, ok: true, vms: found.length });
            } catch (error) {
              sources.push({ stack: stack.id, cluster, ok: false, vms: 0, error: error instanceof Error ? error.message : String(error) });
            }
          }),
        );
        vms.sort((a, b) => a.node.localeCompare(b.node) || a.name.localeCompare(b.name));
        return { vms, sources } as never;
      },

      'vm.migratePrecheck': async (input, ctx) => {
        const workspace = await deps.currentWorkspace();
        return (await precheck(workspace, input.vm, input.targets, ctx.signal, { ...(input.choices ? { choices: input.choices } : {}), ...(input.quick ? { quick: true } : {}) })) as never;
      },

      'vm.migrate': async (input, ctx) => {
        const workspace = await deps.currentWorkspace();
        const key = `${input.vm}|${input.target}|${choicesKey(input.choices)}`;
        const kept = verdicts.get(key);
        verdicts.delete(key);
        let vm: VmRecord;
        let verdict: MigrationTarget | undefined;
        if (kept && Date.now() - kept.at < ttl) ({ vm, verdict } = kept);
        else vm = (await find(workspace, input.vm, ctx.signal)).vm;
        if (input.deleteSource && input.confirmDeleteSource !== vm.name) {
          // Destroying the source VM and its disks is a destructive step: the admin approves it by typing the VM's name.
          throw new CwError('INVALID_INPUT', `Deleting the source after the move destroys VM ${vm.name} and its disks on cluster '${vm.cluster}'. Confirm it by giving the VM's name (${vm.name}) as confirmDeleteSource, or keep the source (the stack leaves it stopped).`, { field: 'confirmDeleteSource' });
        }
        verdict ??= (await precheck(workspace, input.vm, [input.target], ctx.signal, input.choices ? { choices: input.choices } : {})).targets.find((t) => t.node === input.target);
        // The verdict the dialog showed is used once; the next move asks again.
        verdicts.delete(key);
        if (!verdict) throw new CwError('NOT_FOUND', `${input.target} is not a node this VM can be moved to.`);
        if (!verdict.allowed) throw new CwError('CONFLICT', `${vm.name} cannot move to ${input.target}: ${verdict.reasons.join('; ') || 'the precheck refused it'}.`, { reasons: verdict.reasons });
        const stack = stackOf(vm.id);
        const move = stack.migration!.plan(workspace, vm, { target: input.target, online: input.online, ...(input.choices ? { choices: input.choices } : {}), ...(input.deleteSource ? { deleteSource: true } : {}) }, verdict);
        const plan = parsePlan(move.plan);
        const hash = planHash(plan);
        const destructive = destructiveStepIds(plan);
        let approval = null;
        if (destructive.length) {
          if (!input.deleteSource) throw new CwError('INTERNAL', `The move plan of ${vm.name} has destructive steps (${destructive.join(', ')}) nobody asked for.`);
          // The typed name is the approval of this exact plan's destructive steps, kept with the others and audited.
          approval = deps.engine.approvals.approve(plan, destructive, hash);
          new AuditLog(deps.engine.auditFile).append({ at: new Date().toISOString(), target: `cluster ${vm.cluster}`, operation: 'approve', purpose: 'admin', what: `plan ${plan.id} (${hash.slice(0, 12)}…): ${destructive.join(', ')} — the VM's name ${vm.name} typed to confirm`, outcome: 'approved' });
        }
        const handle = deps.engine.apply(plan, approval);
        const onAbort = () => deps.engine.cancel(handle.runId);
        ctx.signal.addEventListener('abort', onAbort, { once: true });
        let result: RunResult;
        try {
          result = await handle.done;
        } finally {
          // The canvas follows whatever happened: the plan names the clusters it touches, and the plan service
          // announces them (inventory.changed) when the run ends — only those are read again.
          ctx.signal.removeEventListener('abort', onAbort);
        }
        const status = result.status === 'succeeded' || result.status === 'cancelled' ? result.status : 'failed';
        return { runId: handle.runId, vm: vm.id, from: vm.node, to: input.target, status, message: move.summary(result), durationMs: result.durationMs };
      },
    },
  };
}
