// Latency labels per site pair: one label for all the links between two sites (or within one), showing
// the worst figure among them in the worst state, with the figures per network behind it; placed
// between the sites' regions so that labels never pile up along one line. Pure.
import { linkLabel, type GraphLink, type LinkState } from './graph.js';
import { stateRank } from './element-state.js';
import { roleStyle } from './link-styles.js';

/** The worst link on one network (and corosync link number) between the two sites. */
export interface NetworkFigure {
  key: string;
  /** "ring0 · corosync link0", "mgmt · Management" */
  name: string;
  text: string;
  state: LinkState;
  /** How many links of this network join the two sites, and the ends of the worst one. */
  links: number;
  worst: { a: string; b: string };
}

export interface SitePair {
  /** "home|office" (sorted), "home|home" within a site. */
  id: string;
  sites: [string, string];
  text: string;
  state: LinkState;
  links: number;
  figures: NetworkFigure[];
}

export interface PlacedSitePair extends SitePair {
  x: number;
  y: number;
  width: number;
}

/** Worse first: a higher state, then a link corosync reports down, then more loss, then a longer round trip. */
function worseThan(a: GraphLink, b: GraphLink): boolean {
  if (stateRank[a.state] !== stateRank[b.state]) return stateRank[a.state] > stateRank[b.state];
  const down = (l: GraphLink) => (l.knet && !l.knet.connected ? 1 : 0);
  if (down(a) !== down(b)) return down(a) > down(b);
  const loss = (l: GraphLink) => l.metric?.lossPct ?? -1;
  if (loss(a) !== loss(b)) return loss(a) > loss(b);
  return (a.metric?.rttMs ?? -1) > (b.metric?.rttMs ?? -1);
}

/** Links with something to say: a measurement, or knet reporting them down. */
export function hasLabel(link: GraphLink): boolean {
  return Boolean(link.metric) || Boolean(link.knet && !link.knet.connected);
}

const pairId = (x: string, y: string) => (x < y ? `${x}|${y}` : `${y}|${x}`);

/** Groups the links that have something to say (a figure, or knet down) by the sites at their ends. */
export function aggregateSitePairs(links: readonly GraphLink[], siteOf: ReadonlyMap<string, string>): SitePair[] {
  const groups = new Map<string, { sites: [string, string]; links: GraphLink[] }>();
  for (const link of links) {
    if (!hasLabel(link)) continue;
    const a = siteOf.get(link.source);
    const b = siteOf.get(link.target);
    if (a === undefined || b === undefined) continue;
    const id = pairId(a, b);
    const group = groups.get(id) ?? { sites: (a < b ? [a, b] : [b, a]) as [string, string], links: [] };
    group.links.push(link);
    groups.set(id, group);
  }
  const pairs: SitePair[] = [];
  for (const [id, group] of groups) {
    let worst = group.links[0]!;
    const byNetwork = new Map<string, { name: string; worst: GraphLink; links: number }>();
    for (const link of group.links) {
      if (worseThan(link, worst)) worst = link;
      const key = `${link.network}|${link.role}|${link.linkNumber ?? ''}`;
      const entry = byNetwork.get(key);
      const name = `${link.network} · ${roleStyle(link.role).label}${link.linkNumber !== undefined ? ` link${link.linkNumber}` : ''}`;
      if (!entry) byNetwork.set(key, { name, worst: link, links: 1 });
      else {
        entry.links++;
        if (worseThan(link, entry.worst)) entry.worst = link;
      }
    }
    const figures = [...byNetwork.entries()]
      .map(([key, e]) => ({ key, name: e.name, text: linkLabel(e.worst), state: e.worst.state, links: e.links, worst: { a: e.worst.source, b: e.worst.target } }))
      .sort((x, y) => stateRank[y.state] - stateRank[x.state] || x.name.localeCompare(y.name));
    const count = group.links.length;
    pairs.push({ id, sites: group.sites, text: `${linkLabel(worst)}${count > 1 ? ` · worst of ${count}` : ''}`, state: worst.state, links: count, figures });
  }
  return pairs.sort((x, y) => x.id.localeCompare(y.id));
}

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** How far along the line from a (inside box) to b the line leaves the box, as a fraction of a→b. */
function exitFraction(a: { x: number; y: number }, b: { x: number; y: number }, box: Box): number {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const tx = dx > 0 ? (box.x + box.width - a.x) / dx : dx < 0 ? (box.x - a.x) / dx : Infinity;
  const ty = dy > 0 ? (box.y + box.height - a.y) / dy : dy < 0 ? (box.y - a.y) / dy : Infinity;
  return Math.max(0, Math.min(1, tx, ty));
}

const CHAR_WIDTH = 6.2;
const HEIGHT = 16;
/** Fractions of the line between two sites' centres tried in turn; the middle first. */
const stops = [0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74];

/**
 * Places each pair's label: between two sites on the line joining their regions' centres, sliding
 * along it away from labels already placed; within one site, on the lower edge of its region.
 */
export function placeSitePairs(pairs: readonly SitePair[], regions: ReadonlyMap<string, Box>): PlacedSitePair[] {
  const placed: PlacedSitePair[] = [];
  const overlaps = (x: number, y: number, width: number) => placed.some((p) => Math.abs(p.x - x) * 2 < p.width + width && Math.abs(p.y - y) < HEIGHT + 2);
  // Within-site labels first (their place is fixed), then between sites.
  const ordered = [...pairs].sort((p, q) => Number(p.sites[0] !== p.sites[1]) - Number(q.sites[0] !== q.sites[1]));
  for (const pair of ordered) {
    const ra = regions.get(pair.sites[0]);
    const rb = regions.get(pair.sites[1]);
    if (!ra || !rb) continue;
    const width = pair.text.length * CHAR_WIDTH + 16;
    let at: { x: number; y: number };
    if (ra === rb || pair.sites[0] === pair.sites[1]) {
      const base = { x: ra.x + ra.width / 2, y: ra.y + ra.height };
      at = [0, 1, -1, 2, -2].map((i) => ({ x: base.x + i * (width + 6), y: base.y })).find((p) => !overlaps(p.x, p.y, width)) ?? base;
    } else {
      // On the stretch of the line between the centres that lies outside both regions (the gap between
      // them), so the label covers no card; sliding along it, then sideways, away from other labels.
      const ca = { x: ra.x + ra.width / 2, y: ra.y + ra.height / 2 };
      const cb = { x: rb.x + rb.width / 2, y: rb.y + rb.height / 2 };
      const t0 = exitFraction(ca, cb, ra);
      const t1 = 1 - exitFraction(cb, ca, rb);
      const [from, to] = t1 > t0 ? [t0, t1] : [0, 1];
      const along = (t: number) => ({ x: ca.x + (cb.x - ca.x) * (from + (to - from) * t), y: ca.y + (cb.y - ca.y) * (from + (to - from) * t) });
      const length = Math.hypot(cb.x - ca.x, cb.y - ca.y) || 1;
      const normal = { x: -(cb.y - ca.y) / length, y: (cb.x - ca.x) / length };
      const candidates = [0, 1, -1, 2, -2, 3, -3].flatMap((m) => stops.map((t) => ({ ...along(t), m }))).map(({ x, y, m }) => ({ x: x + normal.x * m * (HEIGHT + 4), y: y + normal.y * m * (HEIGHT + 4) }));
      at = candidates.find((p) => !overlaps(p.x, p.y, width)) ?? along(0.5);
    }
    placed.push({ ...pair, x: at.x, y: at.y, width });
  }
  return placed;
}
