import { describe, expect, it } from 'vitest';
import type { TopologyGraph } from './graph.js';
import { CARD, allPlaced, computeLayout, layoutInput, provisionalLayout, siteRegions } from './layout.js';
import { structureKeyOf } from './use-layout.js';

function estate(sites: number, perSite: number): TopologyGraph {
  const graph: TopologyGraph = { sites: [], nodes: [], links: [] };
  for (let s = 0; s < sites; s++) {
    graph.sites.push({ id: `s${s}`, name: `site ${s}`, kind: 'lan' });
    for (let n = 0; n < perSite; n++) graph.nodes.push({ id: `s${s}n${n}`, name: `n${n}`, siteId: `s${s}`, roles: [], state: 'unmeasured' });
  }
  for (let i = 0; i + 1 < graph.nodes.length; i++) {
    graph.links.push({ id: `l${i}`, source: graph.nodes[i]!.id, target: graph.nodes[i + 1]!.id, role: 'corosync', linkNumber: 0, network: 'ring0', state: 'ok' });
  }
  return graph;
}


describe('topology layout', () => {
  it('puts every node inside its own site\'s region and no other', () => {
    const graph = estate(3, 4);
    const { positions } = computeLayout(graph);
    const regions = siteRegions(graph, positions);
    const inside = (p: { x: number; y: number }, r: { x: number; y: number; width: number; height: number }) => p.x > r.x && p.x < r.x + r.width && p.y > r.y && p.y < r.y + r.height;
    for (const node of graph.nodes) {
      const p = positions.get(node.id)!;
      for (const r of regions) expect(inside(p, r), `${node.id} vs region ${r.id}`).toBe(r.id === node.siteId);
    }
  });

  it('leaves nodes the admin placed where they are', () => {
    const graph = estate(2, 3);
    graph.nodes[0]!.x = 1234;
    graph.nodes[0]!.y = -77;
    const { positions } = computeLayout(graph);
    expect(positions.get('s0n0')).toEqual({ x: 1234, y: -77 });
  });

  it('keeps the other cards clear of a card the admin placed by hand', () => {
    const graph = estate(2, 6);
    const { positions: free } = computeLayout(graph);
    // Pin one node exactly onto where another one would go.
    const target = free.get('s0n3')!;
    graph.nodes[0]!.x = target.x;
    graph.nodes[0]!.y = target.y;
    const { positions } = computeLayout(graph);
    expect(positions.get('s0n0')).toEqual(target);
    for (const [id, p] of positions) {
      if (id === 's0n0') continue;
      expect(Math.abs(p.x - target.x) >= CARD.width || Math.abs(p.y - target.y) >= CARD.height, `${id} sits under the pinned card`).toBe(true);
    }
  });

  it('is deterministic for the same estate', () => {
    const a = computeLayout(estate(2, 5)).positions;
    const b = computeLayout(estate(2, 5)).positions;
    expect([...a.entries()]).toEqual([...b.entries()]);
  });

  it('never lets node cards or site regions overlap', () => {
    for (const [sites, perSite] of [[1, 12], [5, 3], [7, 9], [3, 40]] as const) {
      const graph = estate(sites, perSite);
      const { positions } = computeLayout(graph);
      const points = [...positions.values()];
      for (let i = 0; i < points.length; i++) {
        for (let j = i + 1; j < points.length; j++) {
          const a = points[i]!;
          const b = points[j]!;
          const apart = Math.abs(a.x - b.x) >= CARD.width || Math.abs(a.y - b.y) >= CARD.height;
          expect(apart, `cards ${i} and ${j} overlap in ${sites}×${perSite}`).toBe(true);
        }
      }
      const regions = siteRegions(graph, positions);
      for (let i = 0; i < regions.length; i++) {
        for (let j = i + 1; j < regions.length; j++) {
          const r = regions[i]!;
          const q = regions[j]!;
          const disjoint = r.x + r.width <= q.x || q.x + q.width <= r.x || r.y + r.height <= q.y || q.y + q.height <= r.y;
          expect(disjoint, `sites ${r.id} and ${q.id} overlap`).toBe(true);
        }
      }
    }
  });

  it('places provisionally on the same grid slots the computed layout fills, so the fitted view stays fitted', () => {
    const graph = estate(4, 9);
    graph.nodes[5]!.x = 3000;
    graph.nodes[5]!.y = -400;
    const computed = computeLayout(graph).positions;
    const provisional = provisionalLayout(graph);
    expect(provisional.size).toBe(graph.nodes.length);
    const spots = (m: Map<string, { x: number; y: number }>) => [...m.values()].map((p) => `${p.x},${p.y}`).sort();
    expect(spots(provisional)).toEqual(spots(computed));
    // Each node in its own site's region, the placed one where the admin put it.
    const regions = siteRegions(graph, provisional);
    for (const node of graph.nodes) {
      const p = provisional.get(node.id)!;
      const r = regions.find((q) => q.id === node.siteId)!;
      expect(p.x > r.x && p.x < r.x + r.width && p.y > r.y && p.y < r.y + r.height, node.id).toBe(true);
    }
    expect(provisional.get(graph.nodes[5]!.id)).toEqual({ x: 3000, y: -400 });
  });

  it('computes the same layout from the cut-down input the worker is sent', () => {
    const graph = estate(3, 7);
    graph.nodes[2]!.x = 10;
    graph.nodes[2]!.y = 20;
    const input = structuredClone(layoutInput(graph));
    expect([...computeLayout(input).positions.entries()]).toEqual([...computeLayout(graph).positions.entries()]);
  });

  it('needs no layout when every node is placed, and keys the layout on structure only', () => {
    const graph = estate(2, 2);
    expect(allPlaced(graph)).toBe(false);
    const key = structureKeyOf(graph);
    // A new measurement changes a link's state, not the structure.
    graph.links[0]!.state = 'error';
    expect(structureKeyOf(graph)).toBe(key);
    graph.nodes.forEach((n, i) => Object.assign(n, { x: i * 200, y: 0 }));
    expect(allPlaced(graph)).toBe(true);
    expect(structureKeyOf(graph)).not.toBe(key);
  });
});
