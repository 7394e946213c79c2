// Proxmox VE on the I/O side: one API client per workspace cluster shared by its contract methods (proxmox.*),
// the inventory, the moves and their executor; corosync's knet view read after a latency run; the lab's
// Proxmox VE API simulators.
import { proxmoxStack } from '../../../common/stacks/proxmox/definition.js';
import type { KnetLinkStats } from '../../../common/workspace/facts.js';
import { recordEstate } from '../../workspace/measure.js';
import type { StackModule } from '../types.js';
import type { PveApiSchema } from './api-schema.js';
import { createProxmoxApi } from './cluster-api.js';
import { proxmoxHandlers } from './handlers.js';
import { createProxmoxFailover } from './failover.js';
import { createProxmoxInventory } from './inventory.js';
import { readKnetStats } from './knet.js';
import { monitorProxmox } from './monitor.js';
import type { HaStatusEntry } from '../../../common/stacks/proxmox/monitor.js';
import { proxmoxLab } from './lab.js';
import { proxmoxStorageHealth } from './storage-health.js';
import { createProxmoxMoves } from './migration.js';
import { createProxmoxRehearsal } from './rehearsal.js';

/** What `createCore({ stackOptions: { proxmox: … } })` may set. */
export interface ProxmoxOptions {
  /** The official API schema: when given, every request the core's clients send is checked before it leaves (tests). */
  schema?: PveApiSchema;
  /** Poll interval of task status and HA moves (ms). */
  pollMs?: number;
  /** How long a move may run before the app stops waiting (ms). */
  migrateTimeoutMs?: number;
}

export const proxmoxModule: StackModule = {
  definition: proxmoxStack,
  lab: proxmoxLab,
  create(deps) {
    const options = deps.options as ProxmoxOptions;
    const api = createProxmoxApi({ secrets: deps.secrets, ...(options.schema ? { schema: options.schema } : {}) });
    const { migration, executor } = createProxmoxMoves({
      api,
      workspaces: deps.workspaces,
      ...(options.pollMs !== undefined ? { pollMs: options.pollMs } : {}),
      ...(options.migrateTimeoutMs !== undefined ? { migrateTimeoutMs: options.migrateTimeoutMs } : {}),
    });
    return {
      handlers: proxmoxHandlers({ workspaces: deps.workspaces, api, ...(deps.nodeRunner ? { nodeRunner: deps.nodeRunner } : {}) }),
      inventory: createProxmoxInventory({ secrets: deps.secrets, api }),
      storageHealth: (workspace, cluster) => proxmoxStorageHealth(api, workspace, cluster),
      migration,
      executor,
      failover: createProxmoxFailover({ api, ...(deps.nodeRunner ? { nodeRunner: deps.nodeRunner } : {}) }),
      rehearsal: createProxmoxRehearsal({ api, ...(deps.nodeRunner ? { nodeRunner: deps.nodeRunner } : {}) }),
      discovery: {
        // corosync's own view of every cluster's links, read on each member where the latency run reached it.
        async afterLatency(workspace, runner, { signal, file }) {
          const knet = [];
          for (const cluster of workspace.proxmox?.clusters ?? []) {
            const links: KnetLinkStats[] = [];
            for (const node of cluster.nodes) links.push(...(await readKnetStats(runner, node, { signal }).catch(() => [])));
            const estate = await recordEstate(workspace, runner, new Set(links.map((l) => l.local)), file);
            knet.push({ cluster: cluster.name, readAt: new Date().toISOString(), links, estate });
          }
          return { knet };
        },
        monitor: (workspace, runner, context) =>
          monitorProxmox(workspace, runner, context, {
            // The HA manager's status through the cluster's API, for clusters that have an api block.
            haStatus(ws, name) {
              if (!ws.proxmox?.clusters.find((c) => c.name === name)?.api) return undefined;
              const c = api.resolve(ws, name);
              return api.inContext(c, () => api.client(c).get<HaStatusEntry[]>('/cluster/ha/status/current'));
            },
          }),
      },
    };
  },
};
