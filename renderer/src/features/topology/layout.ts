// Force layout with site grouping: nodes are pulled towards their site's centre, sites sit on a
// ring, and saved positions stay where the admin put them. Pure computation on plain objects.
import { forceCollide, forceLink, forceManyBody, forceSimulation, forceX, forceY, type SimulationLinkDatum, type SimulationNodeDatum } from 'd3';
import type { TopologyGraph } from './graph.js';

export interface Point {
  x: number;
  y: number;
}

export interface LayoutResult {
  positions: Map<string, Point>;
  ticks: number;
}

interface SimNode extends SimulationNodeDatum {
  id: string;
  siteId: string;
}

/** Centre of each site: on a ring sized for the number of nodes. */
export function siteCentres(graph: TopologyGraph): Map<string, Point> {
  const centres = new Map<string, Point>();
  const count = graph.sites.length;
  const perSite = new Map<string, number>();
  for (const node of graph.nodes) perSite.set(node.siteId, (perSite.get(node.siteId) ?? 0) + 1);
  const largest = Math.max(1, ...perSite.values());
  const siteRadius = 60 + Math.sqrt(largest) * 45;
  const ring = count <= 1 ? 0 : Math.max(siteRadius * 1.4, (siteRadius * 2.3 * count) / (2 * Math.PI));
  graph.sites.forEach((site, i) => {
    const angle = (2 * Math.PI * i) / Math.max(1, count) - Math.PI / 2;
    centres.set(site.id, { x: ring * Math.cos(angle), y: ring * Math.sin(angle) });
  });
  return centres;
}

export function computeLayout(graph: TopologyGraph, options: { maxTicks?: number } = {}): LayoutResult {
  const centres = siteCentres(graph);
  const nodes: SimNode[] = graph.nodes.map((n, i) => {
    const centre = centres.get(n.siteId) ?? { x: 0, y: 0 };
    const fixed = n.x !== undefined && n.y !== undefined;
    // Deterministic start: a small spiral around the site centre (no Math.random: same input, same picture).
    const angle = i * 2.399963;
    const radius = 8 * Math.sqrt(i % 400);
    return {
      id: n.id,
      siteId: n.siteId,
      x: fixed ? n.x : centre.x + radius * Math.cos(angle),
      y: fixed ? n.y : centre.y + radius * Math.sin(angle),
      ...(fixed ? { fx: n.x, fy: n.y } : {}),
    };
  });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const links: SimulationLinkDatum<SimNode>[] = graph.links
    .filter((l) => byId.has(l.source) && byId.has(l.target) && l.source !== l.target)
    .map((l) => ({ source: l.source, target: l.target }));

  const sameSite = (l: SimulationLinkDatum<SimNode>) => (l.source as SimNode).siteId === (l.target as SimNode).siteId;
  const large = nodes.length > 300;
  const simulation = forceSimulation(nodes)
    .stop()
    .alphaDecay(large ? 0.06 : 0.0228)
    .force('charge', forceManyBody<SimNode>().strength(-140).distanceMax(large ? 160 : 400).theta(large ? 1.2 : 0.9))
    .force(
      'link',
      forceLink<SimNode, SimulationLinkDatum<SimNode>>(links)
        .id((d) => d.id)
        .distance((l) => (sameSite(l) ? 90 : 220))
        .strength((l) => (sameSite(l) ? 0.3 : 0.01)),
    )
    .force('collide', forceCollide<SimNode>(48).iterations(large ? 1 : 2))
    .force('siteX', forceX<SimNode>((d) => centres.get(d.siteId)?.x ?? 0).strength(0.25))
    .force('siteY', forceY<SimNode>((d) => centres.get(d.siteId)?.y ?? 0).strength(0.25));

  const maxTicks = options.maxTicks ?? 300;
  let ticks = 0;
  while (ticks < maxTicks && simulation.alpha() > simulation.alphaMin()) {
    simulation.tick();
    ticks++;
  }
  const positions = new Map<string, Point>();
  for (const n of nodes) positions.set(n.id, { x: n.x ?? 0, y: n.y ?? 0 });
  return { positions, ticks };
}

export interface SiteRegion {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Rounded regions around each site's nodes (cards are 150 × 56 around their centre). */
export function siteRegions(graph: TopologyGraph, positions: Map<string, Point>, padding = 28): SiteRegion[] {
  const regions: SiteRegion[] = [];
  const centres = siteCentres(graph);
  for (const site of graph.sites) {
    let minX = Infinity;
    let minY = Infinity;
    let maxX = -Infinity;
    let maxY = -Infinity;
    for (const node of graph.nodes) {
      if (node.siteId !== site.id) continue;
      const p = positions.get(node.id);
      if (!p) continue;
      minX = Math.min(minX, p.x - 75);
      maxX = Math.max(maxX, p.x + 75);
      minY = Math.min(minY, p.y - 28);
      maxY = Math.max(maxY, p.y + 28);
    }
    if (minX === Infinity) {
      const c = centres.get(site.id) ?? { x: 0, y: 0 };
      minX = c.x - 90;
      maxX = c.x + 90;
      minY = c.y - 40;
      maxY = c.y + 40;
    }
    regions.push({ id: site.id, x: minX - padding, y: minY - padding - 18, width: maxX - minX + 2 * padding, height: maxY - minY + 2 * padding + 18 });
  }
  return regions;
}
