// The cluster badge's reading is kept with the workspace's facts, so it is there again after a reload.
import { describe, expect, it } from 'vitest';
import type { Facts } from '../../../common/workspace/facts.js';
import { workspaceSchema } from '../../../common/workspace/schema.js';
import type { CallContext } from '../../context.js';
import type { ClusterApi, ProxmoxApi } from './cluster-api.js';
import { proxmoxHandlers } from './handlers.js';

const workspace = workspaceSchema.parse({
  version: 1,
  name: 'estate',
  sites: [{ name: 'a', kind: 'lan' }],
  networks: [{ name: 'mgmt', roles: ['management', 'corosync'] }],
  nodes: ['pve1', 'pve2'].map((name, i) => ({ name, site: 'a', addresses: { mgmt: `10.0.0.${i + 1}` } })),
  proxmox: { clusters: [{ name: 'homelab', nodes: ['pve1', 'pve2'], links: [{ link: 0, network: 'mgmt' }] }] },
});

describe('proxmox.clusterStatus', () => {
  it('stores the quorum it read with the facts, beside other clusters’ readings', async () => {
    let facts: Facts = { quorum: [{ cluster: 'other', status: { quorate: false, nodes: [], checkedAt: '2026-01-01T00:00:00Z' } }] };
    const api = {
      resolve: () => ({}) as ClusterApi,
      client: () => ({ get: async () => [{ type: 'cluster', name: 'homelab', quorate: 1, nodes: 2 }, { type: 'node', name: 'pve1', online: 1, nodeid: 1 }, { type: 'node', name: 'pve2', online: 1, nodeid: 2 }] }),
      inContext: (_api: ClusterApi, work: () => Promise<unknown>) => work(),
    } as unknown as ProxmoxApi;
    const handlers = proxmoxHandlers({
      api,
      workspaces: {
        current: async () => ({ workspace, facts, path: '/w/clusterwright.yaml' }),
        save: async () => undefined as never,
        storeFacts: async (update) => {
          facts = typeof update === 'function' ? update(facts) : { ...facts, ...update };
          return '/w/clusterwright.latency.json';
        },
      },
    });
    const ctx = { signal: new AbortController().signal, session: { openStream: () => 0 } } as CallContext;
    const status = await handlers['proxmox.clusterStatus']({ cluster: 'homelab' }, ctx);
    expect(status.quorate).toBe(true);
    expect(facts.quorum?.map((q) => q.cluster).sort()).toEqual(['homelab', 'other']);
    expect(facts.quorum?.find((q) => q.cluster === 'homelab')?.status).toEqual(status);
  });
});
