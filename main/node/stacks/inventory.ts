// The seam every stack plugs its inventory into: VMs per node for the canvas and the migration
// precheck behind drag-to-migrate. A stack without a client registers nothing and shows nothing.
import type { Workspace } from '../../common/workspace/schema.js';
import type { MigrationTarget, VmRecord } from '../../common/contract/inventory.js';
import { CwError } from '../../common/errors.js';

export interface InventoryProvider {
  stack: VmRecord['stack'];
  /** Clusters (or regions) of the workspace this provider can read. */
  clusters(workspace: Workspace): string[];
  list(workspace: Workspace, cluster: string, signal: AbortSignal): Promise<VmRecord[]>;
  migratePrecheck?(workspace: Workspace, vm: VmRecord, targets: string[], signal: AbortSignal): Promise<MigrationTarget[]>;
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

  async migratePrecheck(workspace: Workspace, vmId: string, targets: string[] | undefined, signal: AbortSignal): Promise<{ vm: VmRecord; targets: MigrationTarget[] }> {
    const { vms } = await this.list(workspace, signal);
    const vm = vms.find((v) => v.id === vmId);
    if (!vm) throw new CwError('NOT_FOUND', `No VM ${vmId} in the inventory: refresh the canvas, it may have moved or been removed.`);
    const provider = this.providers.find((p) => p.stack === vm.stack && p.migratePrecheck);
    if (!provider?.migratePrecheck) throw new CwError('UNSUPPORTED', `Moving VMs is not available for ${vm.stack} yet.`);
    // The witness host of a vSAN cluster is never a drop target.
    const witnesses = new Set((workspace.vsan?.clusters ?? []).map((c) => c.witness.host));
    const candidates = (targets ?? workspace.nodes.map((n) => n.name)).filter((n) => n !== vm.node);
    const results = await provider.migratePrecheck(workspace, vm, candidates.filter((n) => !witnesses.has(n)), signal);
    for (const w of candidates.filter((n) => witnesses.has(n))) {
      results.push({ node: w, allowed: false, reasons: ['This is the vSAN witness host: it stores witness components only and never runs VMs.'], kind: 'live', localDisks: [], targetStorages: [] });
    }
    return { vm, targets: results };
  }
}
