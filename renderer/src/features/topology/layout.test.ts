import { describe, expect, it } from 'vitest';
import type { TopologyGraph } from './graph.js';
import { computeLayout, siteRegions } from './layout.js';

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

const dist = (a: { x: number; y: number }, b: { x: number; y: number }) => Math.hypot(a.x - b.x, a.y - b.y);

describe('topology layout', () => {
  it('keeps a site\'s nodes together and apart from other sites', () => {
    const graph = estate(3, 4);
    const { positions } = computeLayout(graph);
    const p = (id: string) => positions.get(id)!;
    const within = dist(p('s0n0'), p('s0n3'));
    const across = dist(p('s0n0'), p('s1n0'));
    expect(within).toBeLessThan(across);
    const regions = siteRegions(graph, positions);
    const [r0, r1] = regions;
    const overlap = !(r0!.x + r0!.width < r1!.x || r1!.x + r1!.width < r0!.x || r0!.y + r0!.height < r1!.y || r1!.y + r1!.height < r0!.y);
    expect(overlap).toBe(false);
  });

  it('leaves nodes the admin placed where they are', () => {
    const graph = estate(2, 3);
    graph.nodes[0]!.x = 1234;
    graph.nodes[0]!.y = -77;
    const { positions } = computeLayout(graph);
    expect(positions.get('s0n0')).toEqual({ x: 1234, y: -77 });
  });

  it('is deterministic for the same estate', () => {
    const a = computeLayout(estate(2, 5)).positions;
    const b = computeLayout(estate(2, 5)).positions;
    expect([...a.entries()]).toEqual([...b.entries()]);
  });

  it('spreads cards so that they do not sit on top of each other', () => {
    const { positions } = computeLayout(estate(1, 12));
    const points = [...positions.values()];
    let closest = Infinity;
    for (let i = 0; i < points.length; i++) for (let j = i + 1; j < points.length; j++) closest = Math.min(closest, dist(points[i]!, points[j]!));
    expect(closest).toBeGreaterThan(40);
  });
});
