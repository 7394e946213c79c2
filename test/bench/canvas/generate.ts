// A large synthetic estate for the canvas benchmark and the large-workspace test.
import type { TopologyGraph } from '../../../renderer/src/features/topology/graph.js';

export function largeEstate(nodeCount: number, linkCount: number, siteCount = 20): TopologyGraph {
  const graph: TopologyGraph = { sites: [], nodes: [], links: [] };
  const kinds = ['lan', 'man', 'wan', 'internet'] as const;
  for (let s = 0; s < siteCount; s++) graph.sites.push({ id: `site${s}`, name: `site-${s}`, kind: kinds[s % 4]! });
  for (let n = 0; n < nodeCount; n++) {
    graph.nodes.push({ id: `node${n}`, name: `pve-${String(n).padStart(4, '0')}`, siteId: `site${n % siteCount}`, roles: ['pve'], stack: 'proxmox', state: 'ok' });
  }
  // Deterministic pseudo-random pairs: mostly within a site, some across.
  let seed = 12345;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const roles = ['corosync', 'management', 'storage', 'vm-data'] as const;
  for (let l = 0; l < linkCount; l++) {
    const a = Math.floor(rand() * nodeCount);
    const sameSite = rand() < 0.85;
    let b = sameSite ? (a + siteCount * (1 + Math.floor(rand() * 5))) % nodeCount : Math.floor(rand() * nodeCount);
    if (b === a) b = (a + 1) % nodeCount;
    const role = roles[l % roles.length]!;
    graph.links.push({
      id: `link${l}`,
      source: `node${a}`,
      target: `node${b}`,
      role,
      ...(role === 'corosync' ? { linkNumber: l % 2 } : {}),
      network: role,
      state: 'ok',
      metric: { rttMs: 0.2 + rand() * 4, jitterMs: rand(), lossPct: 0 },
    });
  }
  return graph;
}
