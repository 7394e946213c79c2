// The canvas layout off the main thread: a dedicated worker (its own file, served from the app's own
// origin as the CSP's script-src 'self' requires) runs the force layout and answers with every node's
// position. Each answer carries its request's id: the page drops answers for a workspace it has left.
import { computeLayout, type LayoutGraph } from './layout.js';

export interface LayoutRequest {
  id: number;
  graph: LayoutGraph;
}

export interface LayoutAnswer {
  id: number;
  /** [node id, x, y] for every node. */
  positions: [string, number, number][];
  ticks: number;
  /** Milliseconds the worker spent on it. */
  ms: number;
}

const scope = self as unknown as { onmessage: ((event: MessageEvent<LayoutRequest>) => void) | null; postMessage(answer: LayoutAnswer): void };

scope.onmessage = (event) => {
  const started = performance.now();
  const { id, graph } = event.data;
  const { positions, ticks } = computeLayout(graph);
  scope.postMessage({ id, positions: [...positions].map(([node, p]) => [node, p.x, p.y]), ticks, ms: performance.now() - started });
};
