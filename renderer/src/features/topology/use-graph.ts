// The canvas graph of the open workspace with this session's reach (facts, cluster readings, open
// terminals), shared by the canvas, the navbar tree and the inspector so they colour alike.
import { useDeferredValue, useMemo } from 'react';
import { useAppState } from '../../store/context.js';
import type { Workspace } from '../../../../main/common/workspace/schema.js';
import type { Facts } from '../../../../main/common/workspace/facts.js';
import type { Finding } from '../../../../main/common/workspace/rules/types.js';
import { buildGraph } from './from-workspace.js';
import { reachEvidence, type ClusterReading } from './element-state.js';
import type { TopologyGraph } from './graph.js';

type Inputs = [Workspace, Facts, Finding[], Record<string, ClusterReading>, string];
/** The last graph built and what it was built from: every user of the hook gets that one graph, built once. */
let last: { inputs: Inputs; graph: TopologyGraph } | null = null;

function sharedGraph(inputs: Inputs): TopologyGraph {
  if (last && last.inputs.every((value, i) => value === inputs[i])) return last.graph;
  const [workspace, facts, findings, clusters, openTerminals] = inputs;
  const terminals = openTerminals ? openTerminals.split('\n').map((node) => ({ node, state: 'open' })) : [];
  const graph = buildGraph(workspace, facts, findings, reachEvidence({ facts, clusters, terminals }));
  last = { inputs, graph };
  return graph;
}

export function useTopologyGraph(): TopologyGraph | null {
  // Deferred: a new reading or finding on a large estate redraws in the background, in small steps,
  // while the page keeps answering (the store's own updates render all at once). On mount too: the
  // first render has no graph, and the graph follows in a background render.
  const workspace = useDeferredValue(useAppState((s) => s.workspace), null);
  const facts = useDeferredValue(useAppState((s) => s.facts));
  const findings = useDeferredValue(useAppState((s) => s.findings));
  const clusters = useDeferredValue(useAppState((s) => s.clusterStatuses));
  // Only the set of nodes with an open terminal matters here, not every tab update.
  const openTerminals = useDeferredValue(useAppState((s) => s.tabs.filter((t) => t.state === 'open').map((t) => t.node).sort().join('\n')));
  return useMemo(() => (workspace ? sharedGraph([workspace, facts, findings, clusters, openTerminals]) : null), [workspace, facts, findings, clusters, openTerminals]);
}
