// Where each link's label goes: on its line, sliding along it away from labels already placed, so that
// labels of converging links (two nodes of one site to a far node) do not cover each other. Pure.
import { linkLabel, type GraphLink } from './graph.js';

export interface Point {
  x: number;
  y: number;
}

export interface PlacedLabel {
  id: string;
  text: string;
  x: number;
  y: number;
  width: number;
}

const charWidth = 6.2;
const height = 16;
/** Fractions of the line tried in turn; the middle first. */
const stops = [0.5, 0.36, 0.64, 0.26, 0.74];

/** Links with something to say: a measurement, or knet reporting them down. */
export function hasLabel(link: GraphLink): boolean {
  return Boolean(link.metric) || Boolean(link.knet && !link.knet.connected);
}

export function placeLabels(links: readonly GraphLink[], positions: ReadonlyMap<string, Point>): PlacedLabel[] {
  const placed: PlacedLabel[] = [];
  const overlaps = (x: number, y: number, width: number) => placed.some((p) => Math.abs(p.x - x) * 2 < p.width + width && Math.abs(p.y - y) < height);
  for (const link of links) {
    const a = positions.get(link.source);
    const b = positions.get(link.target);
    if (!a || !b || !hasLabel(link)) continue;
    const text = linkLabel(link);
    const width = text.length * charWidth;
    const at = (t: number) => ({ x: a.x + (b.x - a.x) * t, y: a.y + (b.y - a.y) * t + (link.linkNumber ?? 0) * 14 });
    const free = stops.map(at).find((p) => !overlaps(p.x, p.y, width)) ?? at(0.5);
    placed.push({ id: link.id, text, x: free.x, y: free.y, width });
  }
  return placed;
}
