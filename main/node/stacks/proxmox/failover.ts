// Proxmox VE's part of the failover drill: the prediction (corosync's detection from the cluster's totem, then
// the HA model on the cluster's HA resources and rules) and a reading of each node's quorum (corosync-quorumtool
// on the node, as `pvecm status` reads it) and of the HA services (the API's /cluster/ha/status/current).
import { CwError, isCwError } from '../../../common/errors.js';
import type { DrillReading } from '../../../common/drill/model.js';
import { predictProxmoxDrill } from '../../../common/stacks/proxmox/drill-predict.js';
import { proxmoxHaTimings, type HaClusterConfig, type HaGroup, type HaNodeAffinityRule, type HaRequestState } from '../../../common/stacks/proxmox/ha-model.js';
import { parseQuorumtoolStatus } from '../../../common/stacks/proxmox/quorumtool.js';
import type { Workspace } from '../../../common/workspace/schema.js';
import type { RemoteRunner } from '../../workspace/runner.js';
import type { StackFailover } from '../types.js';
import type { ProxmoxApi } from './cluster-api.js';
import { labHaTimings } from './simulator/ha-runtime.js';

type Entry = Record<string, unknown>;

/** `work`, or a TIMEOUT after `ms` (the work itself is left to finish or fail on its own). */
function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CwError('TIMEOUT', `no answer within ${ms} ms`)), ms);
  });
  work.catch(() => undefined);
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

function priorities(list: string): { node: string; priority?: number }[] {
  return list
    .split(/[,;\s]+/)
    .filter(Boolean)
    .map((e) => {
      const [node, priority] = e.split(':');
      return { node: node!, ...(priority ? { priority: Number(priority) } : {}) };
    });
}

export function createProxmoxFailover(deps: { api: ProxmoxApi; nodeRunner?: (workspace: Workspace) => RemoteRunner }): StackFailover {
  const { api } = deps;
  const get = async <T>(workspace: Workspace, cluster: string, path: string, params: Record<string, string> = {}): Promise<T> => {
    const c = api.resolve(workspace, cluster);
    return api.inContext(c, () => api.client(c).get<T>(path, params));
  };
  return {
    clusters: (workspace) => (workspace.proxmox?.clusters ?? []).filter((c) => c.api).map((c) => c.name),

    async predict(workspace, cluster, input) {
      const nodes = workspace.proxmox?.clusters.find((c) => c.name === cluster)?.nodes ?? [];
      const [resources, vms, totem] = await Promise.all([
        get<Entry[]>(workspace, cluster, '/cluster/ha/resources'),
        get<Entry[]>(workspace, cluster, '/cluster/resources', { type: 'vm' }),
        get<Entry>(workspace, cluster, '/cluster/config/totem').catch(() => ({}) as Entry),
      ]);
      let rules: HaNodeAffinityRule[] = [];
      let groups: HaGroup[] = [];
      try {
        const list = await get<Entry[]>(workspace, cluster, '/cluster/ha/rules');
        rules = list
          .filter((r) => r.type === 'node-affinity' && typeof r.resources === 'string' && typeof r.nodes === 'string')
          .map((r) => ({ name: String(r.rule), resources: String(r.resources).split(','), nodes: priorities(String(r.nodes)), strict: r.strict === 1 || r.strict === '1' }));
      } catch {
        const list = await get<Entry[]>(workspace, cluster, '/cluster/ha/groups').catch(() => [] as Entry[]);
        groups = list.filter((g) => typeof g.nodes === 'string').map((g) => ({ name: String(g.group), nodes: priorities(String(g.nodes)), restricted: g.restricted === 1, nofailback: g.nofailback === 1 }));
      }
      const where = new Map(vms.map((v) => [`vm:${String(v.vmid)}`, String(v.node)]));
      const ha: HaClusterConfig['resources'] = resources.flatMap((r) => {
        const sid = String(r.sid);
        const node = where.get(sid);
        if (!node || !nodes.includes(node) || r.state === 'ignored') return [];
        const state: HaRequestState = r.state === 'stopped' ? 'stopped' : r.state === 'disabled' ? 'disabled' : 'started';
        return [{ sid, node, state, ...(typeof r.group === 'string' ? { group: r.group } : {}) }];
      });
      const num = (v: unknown) => (v === undefined || v === null || v === '' ? undefined : Number(v));
      const token = num(totem.token);
      const coefficient = num(totem.token_coefficient);
      const consensus = num(totem.consensus);
      return predictProxmoxDrill({
        cluster,
        groups: input.groups,
        ha: { nodes, resources: ha, rules, groups },
        timings: input.lab ? labHaTimings : proxmoxHaTimings,
        totem: { ...(token !== undefined ? { token } : {}), ...(coefficient !== undefined ? { tokenCoefficient: coefficient } : {}), ...(consensus !== undefined ? { consensus } : {}) },
      });
    },

    async read(workspace, cluster, signal) {
      const at = Date.now();
      const nodes = workspace.proxmox?.clusters.find((c) => c.name === cluster)?.nodes ?? [];
      const status = await within(5_000, get<Entry[]>(workspace, cluster, '/cluster/status')).catch(() => [] as Entry[]);
      const byId = new Map(status.filter((e) => e.type === 'node').map((e) => [Number(e.nodeid), String(e.name)]));
      const runner = deps.nodeRunner?.(workspace);
      const readings = await Promise.all(
        nodes.map(async (name) => {
          if (!runner) return { name, reachable: false };
          try {
            // A node that does not answer within 3 s is unreadable for this reading (a reading every few seconds at most).
            const r = await within(3_000, runner.exec(name, ['corosync-quorumtool', '-s'], { timeoutMs: 3_000, signal }));
            if (!/Quorate:/.test(r.stdout)) return { name, reachable: false };
            const q = parseQuorumtoolStatus(r.stdout);
            return { name, reachable: true, quorate: q.quorate, members: q.members.map((m) => byId.get(m.nodeId) ?? m.name) };
          } catch (err) {
            if (isCwError(err) && err.code === 'CANCELLED') throw err;
            return { name, reachable: false };
          }
        }),
      );
      let services: DrillReading['services'] = [];
      try {
        const [ha, vms] = await within(5_000, Promise.all([get<Entry[]>(workspace, cluster, '/cluster/ha/status/current'), get<Entry[]>(workspace, cluster, '/cluster/resources', { type: 'vm' })]));
        const running = new Map(vms.map((v) => [`vm:${String(v.vmid)}`, { node: String(v.node), running: v.status === 'running' }]));
        services = ha
          .filter((e) => e.type === 'service')
          .map((e) => {
            const sid = String(e.sid);
            const vm = running.get(sid);
            return { sid, node: vm?.node ?? String(e.node), state: String(e.crm_state ?? e.state), running: vm?.running ?? false };
          });
      } catch {
        /* the API's node may be the one cut off: the next reading tries again */
      }
      return { at, nodes: readings, services };
    },
  };
}
