// VMware vSAN on the I/O side: one vCenter session per endpoint shared by the vsan.* methods, the inventory
// (VMs per ESXi host), vMotion moves and the executor of the stretched-cluster build plan; the lab's vCenter
// simulator (simulator/) for a lab whose description says `vsan: true`.
import { vsanStack } from '../../../common/stacks/vsan/definition.js';
import type { StackModule } from '../types.js';
import { VsanConnections } from './connections.js';
import { vsanLab } from './lab.js';
import { monitorVsan } from './monitor.js';
import { createVsanExecutor } from './plan.js';
import { createVsanInventory, createVsanMigration, createVsanStorageHealth, vsanHandlers } from './services.js';

/** What `createCore({ stackOptions: { vsan: … } })` may set. */
export interface VsanOptions {
  /** How long a vMotion may run before the app stops waiting (ms). */
  moveTimeoutMs?: number;
  /** Sees each vCenter request body with secrets masked (the WSDL order check of the tests). */
  onRequest?: (method: string, body: string) => void;
}

export const vsanModule: StackModule = {
  definition: vsanStack,
  lab: vsanLab,
  create(deps) {
    const options = deps.options as VsanOptions;
    const connections = new VsanConnections(deps.secrets, undefined, options.onRequest);
    const service = { workspaces: deps.workspaces, secrets: deps.secrets, connections, ...(options.moveTimeoutMs ? { moveTimeoutMs: options.moveTimeoutMs } : {}) };
    return {
      handlers: vsanHandlers(service),
      inventory: createVsanInventory(service),
      migration: createVsanMigration(service),
      executor: createVsanExecutor({ connections, secrets: deps.secrets }),
      discovery: { monitor: (workspace) => monitorVsan(workspace, connections) },
      close: () => connections.close(),
      storageHealth: createVsanStorageHealth(service),
    };
  },
};
