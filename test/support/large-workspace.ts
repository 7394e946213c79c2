// A large synthetic workspace for the canvas's large-estate test and its long-task benchmark:
// 1,000 nodes in 20 sites with 3,000 measured management links (deterministic).
import fs from 'node:fs';
import path from 'node:path';
import { serializeWorkspace } from '../../main/common/workspace/serialize.js';
import type { Workspace } from '../../main/common/workspace/schema.js';
import { estateOf, type Facts } from '../../main/common/workspace/facts.js';

export const LARGE = { nodes: 1000, links: 3000, sites: 20 } as const;

export function largeWorkspace(nodes: number = LARGE.nodes, links: number = LARGE.links, sites: number = LARGE.sites): { workspace: Workspace; facts: Facts } {
  const workspace = {
    version: 1,
    name: 'Large estate',
    sites: Array.from({ length: sites }, (_, i) => ({ name: `site-${i}`, kind: (['lan', 'man', 'wan', 'internet'] as const)[i % 4]! })),
    networks: [{ name: 'mgmt', roles: ['management'], cidr: '198.18.0.0/16' }],
    nodes: Array.from({ length: nodes }, (_, i) => ({ name: `node-${i}`, site: `site-${i % sites}`, addresses: { mgmt: `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}` } })),
  } as unknown as Workspace;
  const samples: NonNullable<Facts['latency']>['samples'] = [];
  const seen = new Set<string>();
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  while (samples.length < links) {
    const a = Math.floor(rand() * nodes);
    const b = rand() < 0.8 ? (a + sites * (1 + Math.floor(rand() * 4))) % nodes : Math.floor(rand() * nodes);
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    if (a === b || seen.has(key)) continue;
    seen.add(key);
    const rtt = 0.2 + rand() * 3;
    const toAddress = workspace.nodes[b]!.addresses.mgmt!;
    samples.push({ network: 'mgmt', from: `node-${a}`, to: `node-${b}`, toAddress, sent: 5, received: 5, lossPercent: 0, minMs: rtt, avgMs: rtt, medianMs: rtt, p95Ms: rtt, maxMs: rtt, mdevMs: 0.05, measuredAt: new Date(0).toISOString() });
  }
  // Measured on this estate (facts of another one would be set aside, and the canvas would draw no figure).
  return { workspace, facts: { latency: { version: 1, measuredAt: new Date(0).toISOString(), runner: 'ssh', count: 5, warmupProbes: 1, intervalS: 0.2, samples, estate: estateOf(workspace) } } };
}

/** Writes the large workspace and its latency facts into a workspace folder. */
export function writeLargeWorkspace(workspaceDir: string, workspace: Workspace, facts: Facts): void {
  fs.writeFileSync(path.join(workspaceDir, 'clusterwright.yaml'), serializeWorkspace(workspace));
  fs.writeFileSync(path.join(workspaceDir, 'clusterwright.latency.json'), JSON.stringify(facts));
}
