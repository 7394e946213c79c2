// The seam every stack plugs its inventory into: VMs per node for the canvas and the migration
// precheck behind drag-to-migrate. A stack without a client registers nothing and shows nothing.
import type { Workspace } from '../../common/workspace/schema.js';
import type { IdMapChoice, MigrationTarget, VmRecord } from '../../common/contract/inventory.js';
import { createHash, randomUUID } from 'node:crypto';
import type { EventBus } from '../events.js';
import { CwError } from '../../common/errors.js';

export interface InventoryProvider {
  stack: VmRecord['stack'];
  /** Clusters (or regions) of the workspace this provider can read. */
  clusters(workspace: Workspace): string[];
  list(workspace: Workspace, cluster: string, signal: AbortSignal): Promise<VmRecord[]>;
  /** `choices`: with a storage chosen on the target (or maps for a cross-cluster move), what they cover no longer blocks. */
  migratePrecheck?(workspace: Workspace, vm: VmRecord, targets: string[], signal: AbortSignal, choices?: MigrationChoices): Promise<MigrationTarget[]>;
  /**
   * Moves the VM; reports progress through `job` (step updates and log lines) and resolves when it ended.
   * `changedClusters`: other clusters whose inventory changed too (the target of a cross-cluster move).
   */
  migrate?(workspace: Workspace, vm: VmRecord, request: MigrationRequest, job: MigrationJob, signal: AbortSignal): Promise<{ status: 'succeeded' | 'failed' | 'cancelled'; message: string; changedClusters?: string[] }>;
}

/** What the admin chose in the dialog, checked by the precheck. */
export interface MigrationChoices {
  targetStorage?: string;
  /** Cross-cluster: source storage → target storage, source bridge → target bridge, VMID on the target. */
  storageMap?: IdMapChoice;
  bridgeMap?: IdMapChoice;
  targetVmid?: number;
}

export interface MigrationRequest extends MigrationChoices {
  target: string;
  online: boolean;
  /** Cross-cluster: remove the source VM after a successful move (Proxmox keeps it stopped and locked otherwise). */
  deleteSource?: boolean;
}

/** The choices inside a request (what the precheck in front of the move must see). */
export function choicesOf(request: MigrationChoices): MigrationChoices {
  return {
    ...(request.targetStorage ? { targetStorage: request.targetStorage } : {}),
    ...(request.storageMap ? { storageMap: request.storageMap } : {}),
    ...(request.bridgeMap ? { bridgeMap: request.bridgeMap } : {}),
    ...(request.targetVmid !== undefined ? { targetVmid: request.targetVmid } : {}),
  };
}

/** What a provider reports while a VM moves; the service turns it into job events. */
export interface MigrationJob {
  step(state: 'started' | 'succeeded' | 'failed', message?: string): void;
  log(text: string, stream?: 'stdout' | 'stderr' | 'info'): void;
}

export interface InventorySourceReport {
  stack: VmRecord['stack'];
  cluster: string;
  ok: boolean;
  vms: number;
  error?: string;
}

export class InventoryRegistry {
  private readonly providers: InventoryProvider[] = [];

  constructor(private readonly events?: EventBus) {}

  register(provider: InventoryProvider): void {
    this.providers.push(provider);
  }

  /** Reads every provider's clusters; one cluster failing never hides the others. */
  async list(workspace: Workspace, signal: AbortSignal): Promise<{ vms: VmRecord[]; sources: InventorySourceReport[] }> {
    const vms: VmRecord[] = [];
    const sources: InventorySourceReport[] = [];
    const jobs = this.providers.flatMap((provider) => provider.clusters(workspace).map((cluster) => ({ provider, cluster })));
    await Promise.all(
      jobs.map(async ({ provider, cluster }) => {
        try {
          const found = await provider.list(workspace, cluster, signal);
          vms.push(...found);
          sources.push({ stack: provider.stack, cluster, ok: true, vms: found.length });
        } catch (error) {
          sources.push({ stack: provider.stack, cluster, ok: false, vms: 0, error: error instanceof Error ? error.message : String(error) });
        }
      }),
    );
    vms.sort((a, b) => a.node.localeCompare(b.node) || a.name.localeCompare(b.name));
    return { vms, sources };
  }

  async migratePrecheck(workspace: Workspace, vmId: string, targets: string[] | undefined, signal: AbortSignal, choices: MigrationChoices = {}): Promise<{ vm: VmRecord; targets: MigrationTarget[] }> {
    const { vms } = await this.list(workspace, signal);
    const vm = vms.find((v) => v.id === vmId);
    if (!vm) throw new CwError('NOT_FOUND', `No VM ${vmId} in the inventory: refresh the canvas, it may have moved or been removed.`);
    const provider = this.providers.find((p) => p.stack === vm.stack && p.migratePrecheck);
    if (!provider?.migratePrecheck) throw new CwError('UNSUPPORTED', `Moving VMs is not available for ${vm.stack} yet.`);
    // The witness host of a vSAN cluster is never a drop target.
    const witnesses = new Set((workspace.vsan?.clusters ?? []).map((c) => c.witness.host));
    const candidates = (targets ?? workspace.nodes.map((n) => n.name)).filter((n) => n !== vm.node);
    const results = await provider.migratePrecheck(workspace, vm, candidates.filter((n) => !witnesses.has(n)), signal, choices);
    for (const w of candidates.filter((n) => witnesses.has(n))) {
      results.push({ node: w, allowed: false, reasons: ['This is the vSAN witness host: it stores witness components only and never runs VMs.'], kind: 'live', localDisks: [], targetStorages: [] });
    }
    return { vm, targets: results };
  }

  /** Moves a VM to another node after the provider's precheck allows it; progress as job events. */
  async migrate(workspace: Workspace, vmId: string, request: MigrationRequest, signal: AbortSignal): Promise<{ runId: string; vm: string; from: string; to: string; status: 'succeeded' | 'failed' | 'cancelled'; message: string; durationMs: number }> {
    const { vm, targets } = await this.migratePrecheck(workspace, vmId, [request.target], signal, choicesOf(request));
    const verdict = targets.find((t) => t.node === request.target);
    if (!verdict) throw new CwError('NOT_FOUND', `${request.target} is not a node this VM can be moved to.`);
    if (!verdict.allowed) throw new CwError('CONFLICT', `${vm.name} cannot move to ${request.target}: ${verdict.reasons.join('; ') || 'the precheck refused it'}.`, { reasons: verdict.reasons });
    const provider = this.providers.find((p) => p.stack === vm.stack && p.migrate);
    if (!provider?.migrate) throw new CwError('UNSUPPORTED', `Moving VMs is not available for ${vm.stack} yet.`);
    const runId = `migrate-${randomUUID().slice(0, 8)}`;
    const stepId = 'migrate';
    const remoteCluster = verdict.kind === 'remote' ? verdict.remote?.cluster : undefined;
    const title = `Move ${vm.name} (${vm.id}) from ${vm.node} to ${request.target}${remoteCluster ? ` in cluster ${remoteCluster}` : ''}${request.online ? ' (live)' : ''}`;
    const started = Date.now();
    const at = () => new Date().toISOString();
    const job: MigrationJob = {
      step: (state, message) => this.events?.emit('job.stepUpdated', { runId, stepId, title, target: vm.node, state, attempt: 1, at: at(), ...(message ? { message } : {}) }),
      log: (text, stream = 'info') => this.events?.emit('job.log', { runId, stepId, stream, text }),
    };
    job.step('started');
    let outcome: { status: 'succeeded' | 'failed' | 'cancelled'; message: string; changedClusters?: string[] };
    try {
      outcome = await provider.migrate(workspace, vm, request, job, signal);
    } catch (error) {
      outcome = { status: signal.aborted ? 'cancelled' : 'failed', message: error instanceof Error ? error.message : String(error) };
    }
    job.step(outcome.status === 'succeeded' ? 'succeeded' : 'failed', outcome.message);
    const durationMs = Date.now() - started;
    this.events?.emit('job.finished', {
      runId,
      planId: 'vm-migrate',
      planHash: createHash('sha256').update(JSON.stringify({ vm: vm.id, ...request })).digest('hex'),
      status: outcome.status,
      changed: outcome.status === 'succeeded' ? 1 : 0,
      skipped: 0,
      failed: outcome.status === 'failed' ? 1 : 0,
      notRun: 0,
      nothingChanged: false,
      message: outcome.message,
      ...(outcome.status === 'failed' ? { failure: { stepId, target: vm.node, code: 'REMOTE_FAILED', message: outcome.message } } : {}),
      durationMs,
    });
    if (outcome.status === 'succeeded') {
      for (const cluster of new Set([vm.cluster, ...(outcome.changedClusters ?? [])])) this.events?.emit('inventory.changed', { stack: vm.stack, cluster, at: at() });
    }
    return { runId, vm: vm.id, from: vm.node, to: request.target, status: outcome.status, message: outcome.message, durationMs };
  }
}
