// Layout with site grouping: a d3-force run groups linked nodes within each site, then each site's
// nodes snap onto a grid in its own box, so cards and sites never overlap; saved positions stay put.
import { forceLink, forceManyBody, forceSimulation, forceX, forceY, type SimulationLinkDatum, type SimulationNodeDatum } from 'd3';

/** What a layout reads of the graph: the sites, the nodes with their saved positions, and the links (what the worker is sent). */
export interface LayoutGraph {
  sites: readonly { id: string }[];
  nodes: readonly { id: string; siteId: string; x?: number | undefined; y?: number | undefined }[];
  links: readonly { source: string; target: string }[];
}

/** The layout's input cut down to what it reads: a plain object that crosses to the worker cheaply. */
export function layoutInput(graph: LayoutGraph): LayoutGraph {
  return {
    sites: graph.sites.map((s) => ({ id: s.id })),
    nodes: graph.nodes.map((n) => (n.x !== undefined && n.y !== undefined ? { id: n.id, siteId: n.siteId, x: n.x, y: n.y } : { id: n.id, siteId: n.siteId })),
    links: graph.links.map((l) => ({ source: l.source, target: l.target })),
  };
}

/** Whether every node has a saved position (then the layout is those positions, nothing to compute). */
export function allPlaced(graph: LayoutGraph): boolean {
  return graph.nodes.every((n) => n.x !== undefined && n.y !== undefined);
}

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

/** Card size and the room each card gets in its site's grid. */
export const CARD = { width: 150, height: 56, slotX: 180, slotY: 92 };

export interface SiteBox {
  x: number;
  y: number;
  width: number;
  height: number;
  cols: number;
}

/** Packs the sites as boxes in rows (shelf packing), each sized for a grid of its nodes, so that
 *  sites never overlap whatever the node counts. */
export function siteBoxes(graph: LayoutGraph): Map<string, SiteBox> {
  const counts = new Map<string, number>();
  for (const site of graph.sites) counts.set(site.id, 0);
  for (const node of graph.nodes) if (node.x === undefined || node.y === undefined) counts.set(node.siteId, (counts.get(node.siteId) ?? 0) + 1);
  const sized = [...counts.entries()].map(([id, n]) => {
    const cols = Math.max(1, Math.ceil(Math.sqrt(Math.max(1, n) * 1.6)));
    const rows = Math.max(1, Math.ceil(n / cols));
    return { id, cols, width: cols * CARD.slotX + 40, height: rows * CARD.slotY + 56 };
  });
  const totalArea = sized.reduce((sum, s) => sum + (s.width + 80) * (s.height + 80), 0);
  const rowLimit = Math.max(Math.sqrt(totalArea) * 1.5, ...sized.map((s) => s.width));
  const boxes = new Map<string, SiteBox>();
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  for (const s of sized) {
    if (x > 0 && x + s.width > rowLimit) {
      x = 0;
      y += rowHeight + 90;
      rowHeight = 0;
    }
    boxes.set(s.id, { x, y, width: s.width, height: s.height, cols: s.cols });
    x += s.width + 90;
    rowHeight = Math.max(rowHeight, s.height);
  }
  return boxes;
}

/** Centre of each site's box. */
export function siteCentres(graph: LayoutGraph): Map<string, Point> {
  const centres = new Map<string, Point>();
  for (const [id, box] of siteBoxes(graph)) centres.set(id, { x: box.x + box.width / 2, y: box.y + box.height / 2 });
  return centres;
}

export function computeLayout(graph: LayoutGraph, options: { maxTicks?: number } = {}): LayoutResult {
  const boxes = siteBoxes(graph);
  const centres = new Map([...boxes].map(([id, b]) => [id, { x: b.x + b.width / 2, y: b.y + b.height / 2 }]));
  // 1. A free force layout with site grouping: linked nodes of a site drift together.
  const start = new Map<string, number>();
  const nodes: SimNode[] = graph.nodes.map((n) => {
    const centre = centres.get(n.siteId) ?? { x: 0, y: 0 };
    const index = start.get(n.siteId) ?? 0;
    start.set(n.siteId, index + 1);
    // Deterministic start: a small spiral around the site centre (same input, same picture).
    const angle = index * 2.399963;
    const radius = 12 * Math.sqrt(index);
    return { id: n.id, siteId: n.siteId, x: centre.x + radius * Math.cos(angle), y: centre.y + radius * Math.sin(angle) };
  });
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const links: SimulationLinkDatum<SimNode>[] = graph.links
    .filter((l) => byId.has(l.source) && byId.has(l.target) && l.source !== l.target && byId.get(l.source)!.siteId === byId.get(l.target)!.siteId)
    .map((l) => ({ source: l.source, target: l.target }));
  const large = nodes.length > 300;
  const simulation = forceSimulation(nodes)
    .stop()
    .alphaDecay(large ? 0.06 : 0.03)
    .force('link', forceLink<SimNode, SimulationLinkDatum<SimNode>>(links).id((d) => d.id).distance(60).strength(0.3))
    .force('charge', forceManyBody<SimNode>().strength(-40).distanceMax(240).theta(large ? 1.2 : 0.9))
    .force('siteX', forceX<SimNode>((d) => centres.get(d.siteId)?.x ?? 0).strength(0.08))
    .force('siteY', forceY<SimNode>((d) => centres.get(d.siteId)?.y ?? 0).strength(0.08));
  const maxTicks = options.maxTicks ?? 300;
  let ticks = 0;
  while (ticks < maxTicks && simulation.alpha() > simulation.alphaMin()) {
    simulation.tick();
    ticks++;
  }

  // 2. Snap each site's nodes onto its grid in the order the simulation found (rows by y, then x),
  //    so that cards and sites never overlap however dense the estate.
  const positions = snapToGrids(graph, boxes, (members, box) => {
    const byY = [...members].sort((a, b) => (byId.get(a)!.y ?? 0) - (byId.get(b)!.y ?? 0));
    const ordered: string[] = [];
    for (let row = 0; row * box.cols < byY.length; row++) {
      ordered.push(...byY.slice(row * box.cols, (row + 1) * box.cols).sort((a, b) => (byId.get(a)!.x ?? 0) - (byId.get(b)!.x ?? 0)));
    }
    return ordered;
  });
  return { positions, ticks };
}

/**
 * The placement shown while the layout is computed: the same site boxes and grids as the final layout,
 * each site's nodes in the workspace's order (no simulation), and saved positions as they are. Cheap
 * on any estate, and the view fitted to it stays fitted when the computed layout replaces it.
 */
export function provisionalLayout(graph: LayoutGraph): Map<string, Point> {
  return snapToGrids(graph, siteBoxes(graph), (members) => members);
}

/** Places each site's unplaced nodes, in the order `order` gives, on its grid's free slots (slots under
 *  a card the admin placed by hand are skipped); nodes the admin placed stay exactly where they are. */
function snapToGrids(graph: LayoutGraph, boxes: Map<string, SiteBox>, order: (members: string[], box: SiteBox) => string[]): Map<string, Point> {
  const pinned = graph.nodes.filter((n) => n.x !== undefined && n.y !== undefined).map((n) => ({ x: n.x!, y: n.y! }));
  const slotFree = (p: Point) => pinned.every((q) => Math.abs(p.x - q.x) >= CARD.width || Math.abs(p.y - q.y) >= CARD.height);
  const membersOf = new Map<string, string[]>();
  for (const n of graph.nodes) {
    if (n.x !== undefined && n.y !== undefined) continue;
    const list = membersOf.get(n.siteId);
    if (list) list.push(n.id);
    else membersOf.set(n.siteId, [n.id]);
  }
  const positions = new Map<string, Point>();
  for (const [siteId, box] of boxes) {
    let slot = 0;
    for (const id of order(membersOf.get(siteId) ?? [], box)) {
      let p: Point;
      do {
        p = { x: box.x + 20 + (slot % box.cols) * CARD.slotX + CARD.slotX / 2, y: box.y + 40 + Math.floor(slot / box.cols) * CARD.slotY + CARD.slotY / 2 };
        slot++;
      } while (!slotFree(p));
      positions.set(id, p);
    }
  }
  for (const n of graph.nodes) if (n.x !== undefined && n.y !== undefined) positions.set(n.id, { x: n.x, y: n.y });
  return positions;
}

export interface SiteRegion {
  id: string;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** Rounded regions around each site's nodes. */
export function siteRegions(graph: LayoutGraph, positions: Map<string, Point>, padding = 16): SiteRegion[] {
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
      minX = Math.min(minX, p.x - CARD.width / 2);
      maxX = Math.max(maxX, p.x + CARD.width / 2);
      minY = Math.min(minY, p.y - CARD.height / 2);
      maxY = Math.max(maxY, p.y + CARD.height / 2);
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
