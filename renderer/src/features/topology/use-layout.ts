// Where the canvas's nodes go. Saved positions win; the rest come from the force layout, which on a
// large estate runs in a worker (layout-worker.ts) so the page never stalls on it: until it answers,
// the canvas shows a provisional placement in the same site boxes, then settles. An answer for a
// structure the canvas has since left (nodes, sites or links changed meanwhile) is dropped.
import { startTransition, useEffect, useMemo, useState } from 'react';
import type { TopologyGraph } from './graph.js';
import { allPlaced, computeLayout, layoutInput, provisionalLayout, type Point } from './layout.js';
import type { LayoutAnswer, LayoutRequest } from './layout-worker.js';

/** Up to this many nodes the layout runs at once on the main thread (a few milliseconds: cheaper than the round trip). */
export const SYNC_LAYOUT_MAX_NODES = 150;

/** settled: the positions are final; provisional: the worker's answer is awaited. */
export type LayoutState = 'settled' | 'provisional';
/** Who placed the nodes: the admin (every node saved), the page itself, or the worker. */
export type LayoutSource = 'saved' | 'main' | 'worker';

export interface CanvasLayout {
  positions: Map<string, Point>;
  state: LayoutState;
  source: LayoutSource;
}

/** The key of what a layout depends on: sites, nodes with their site and saved position, links. */
export function structureKeyOf(graph: TopologyGraph | null): string {
  if (!graph) return '';
  return JSON.stringify([graph.sites.map((s) => s.id), graph.nodes.map((n) => [n.id, n.siteId, n.x, n.y]), graph.links.map((l) => `${l.source}\u0000${l.target}`)]);
}

type Listener = (answer: LayoutAnswer) => void;
let worker: Worker | null = null;
let workerBroken = false;
const listeners = new Set<Listener>();
let lastRequest = 0;

/** The one layout worker, started on first use; null where workers cannot start (then the page lays out itself). */
function layoutWorker(): Worker | null {
  if (worker || workerBroken) return worker;
  try {
    worker = new Worker(new URL('./layout-worker.ts', import.meta.url), { type: 'module', name: 'canvas-layout' });
  } catch (error) {
    workerBroken = true;
    console.warn('The canvas layout worker could not start; laying out on the page instead.', error);
    return null;
  }
  worker.onmessage = (event: MessageEvent<LayoutAnswer>) => {
    for (const listener of listeners) listener(event.data);
  };
  worker.onerror = (event) => {
    event.preventDefault();
    console.warn('The canvas layout worker failed; laying out on the page instead.', event.message);
    workerBroken = true;
    worker?.terminate();
    worker = null;
    for (const listener of listeners) listener({ id: -1, positions: [], ticks: 0, ms: 0 });
  };
  return worker;
}

interface Computed {
  key: string;
  positions: Map<string, Point>;
  source: LayoutSource;
  /** How many nodes (in the answer's order) have moved to their computed place so far. */
  applied: number;
}

/** Nodes moved to their computed place per frame when the worker answers (one commit for all would be a long task). */
const SETTLE_PER_FRAME = 250;

export function useCanvasLayout(graph: TopologyGraph | null): CanvasLayout {
  const key = useMemo(() => structureKeyOf(graph), [graph]);
  // What can be shown at once for this structure, and whether the worker is needed.
  const immediate = useMemo((): { positions: Map<string, Point>; state: LayoutState; source: LayoutSource } => {
    if (!graph) return { positions: new Map(), state: 'settled', source: 'main' };
    if (allPlaced(graph)) return { positions: provisionalLayout(graph), state: 'settled', source: 'saved' };
    if (graph.nodes.length <= SYNC_LAYOUT_MAX_NODES || !layoutWorker()) return { positions: computeLayout(graph).positions, state: 'settled', source: 'main' };
    return { positions: provisionalLayout(graph), state: 'provisional', source: 'main' };
    // The structure key stands for everything the layout reads of the graph.
  }, [key]);
  const [computed, setComputed] = useState<Computed | null>(null);

  useEffect(() => {
    if (!graph || immediate.state !== 'provisional') return;
    const target = layoutWorker();
    const id = ++lastRequest;
    const forKey = key;
    const listener: Listener = (answer) => {
      if (answer.id === -1) {
        // The worker is gone: lay out here, once, after this frame.
        listeners.delete(listener);
        setTimeout(() => setComputed({ key: forKey, positions: computeLayout(graph).positions, source: 'main', applied: Infinity }), 0);
        return;
      }
      // Only the latest request's answer counts: an older one is for a structure the canvas has left.
      if (answer.id !== id || id !== lastRequest) return;
      listeners.delete(listener);
      // A transition: moving thousands of elements renders in small steps.
      const positions = new Map(answer.positions.map(([node, x, y]) => [node, { x, y }]));
      startTransition(() => setComputed({ key: forKey, positions, source: 'worker', applied: SETTLE_PER_FRAME }));
    };
    listeners.add(listener);
    if (target) target.postMessage({ id, graph: layoutInput(graph) } satisfies LayoutRequest);
    else listener({ id: -1, positions: [], ticks: 0, ms: 0 });
    return () => void listeners.delete(listener);
  }, [key]);

  // The computed places are taken a slice per frame; the layout is settled once every node has its own.
  const settling = computed !== null && computed.key === key && computed.applied < computed.positions.size;
  useEffect(() => {
    if (!settling) return;
    let done = false;
    const next = () => {
      if (done) return;
      done = true;
      startTransition(() => setComputed((c) => (c ? { ...c, applied: c.applied + SETTLE_PER_FRAME } : c)));
    };
    // The next frame; a timer too, since a hidden page gets no frames.
    const frame = requestAnimationFrame(next);
    const timer = setTimeout(next, 100);
    return () => {
      done = true;
      cancelAnimationFrame(frame);
      clearTimeout(timer);
    };
  }, [settling, computed]);
  const positions = useMemo(() => {
    if (!computed || computed.key !== key || computed.applied >= computed.positions.size) return null;
    const merged = new Map(immediate.positions);
    let moved = 0;
    for (const [node, p] of computed.positions) {
      if (moved++ >= computed.applied) break;
      merged.set(node, p);
    }
    return merged;
  }, [computed, key, immediate]);
  if (computed && computed.key === key) return positions ? { positions, state: 'provisional', source: 'main' } : { positions: computed.positions, state: 'settled', source: computed.source };
  return immediate;
}
