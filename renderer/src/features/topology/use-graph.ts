// The canvas graph of the open workspace with this session's reach (facts, cluster readings, open
// terminals), shared by the canvas, the navbar tree and the inspector so they colour alike.
import { useMemo } from 'react';
import { useAppState } from '../../store/context.js';
import { buildGraph } from './from-workspace.js';
import { reachEvidence } from './element-state.js';
import type { TopologyGraph } from './graph.js';

export function useTopologyGraph(): TopologyGraph | null {
  const workspace = useAppState((s) => s.workspace);
  const facts = useAppState((s) => s.facts);
  const findings = useAppState((s) => s.findings);
  const clusters = useAppState((s) => s.clusterStatuses);
  // Only the set of nodes with an open terminal matters here, not every tab update.
  const openTerminals = useAppState((s) => s.tabs.filter((t) => t.state === 'open').map((t) => t.node).sort().join('\n'));
  return useMemo(() => {
    if (!workspace) return null;
    const terminals = openTerminals ? openTerminals.split('\n').map((node) => ({ node, state: 'open' })) : [];
    return buildGraph(workspace, facts, findings, reachEvidence({ facts, clusters, terminals }));
  }, [workspace, facts, findings, clusters, openTerminals]);
}
