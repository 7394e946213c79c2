// The minimap's arithmetic: the estate's bounds, the scale that fits them in the minimap, where the
// view sits on it, and which world point a click means. Pure.
import type { Point } from './layout.js';
import type { Box } from './site-pair-labels.js';
import type { CanvasView } from './TopologyCanvas.js';

export function worldBounds(regions: readonly Box[], padding = 24): Box | null {
  if (regions.length === 0) return null;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const r of regions) {
    minX = Math.min(minX, r.x);
    minY = Math.min(minY, r.y);
    maxX = Math.max(maxX, r.x + r.width);
    maxY = Math.max(maxY, r.y + r.height);
  }
  return { x: minX - padding, y: minY - padding, width: maxX - minX + 2 * padding, height: maxY - minY + 2 * padding };
}

/** Fits the bounds into at most maxWidth × maxHeight pixels, keeping their proportions. */
export function minimapSize(bounds: Box, maxWidth: number, maxHeight: number): { scale: number; width: number; height: number } {
  const scale = Math.min(maxWidth / bounds.width, maxHeight / bounds.height);
  return { scale, width: Math.max(1, Math.round(bounds.width * scale)), height: Math.max(1, Math.round(bounds.height * scale)) };
}

/** The part of the world the view shows. */
export function visibleWorld(view: CanvasView): Box {
  return { x: -view.x / view.k, y: -view.y / view.k, width: view.width / view.k, height: view.height / view.k };
}

/** The view's rectangle in minimap pixels, clipped to the minimap. */
export function viewportOnMinimap(view: CanvasView, bounds: Box, scale: number, size: { width: number; height: number }): Box {
  const w = visibleWorld(view);
  const x0 = Math.max(0, (w.x - bounds.x) * scale);
  const y0 = Math.max(0, (w.y - bounds.y) * scale);
  const x1 = Math.min(size.width, (w.x + w.width - bounds.x) * scale);
  const y1 = Math.min(size.height, (w.y + w.height - bounds.y) * scale);
  return { x: x0, y: y0, width: Math.max(0, x1 - x0), height: Math.max(0, y1 - y0) };
}

/** The world point under a minimap pixel. */
export function minimapToWorld(px: number, py: number, bounds: Box, scale: number): Point {
  return { x: bounds.x + px / scale, y: bounds.y + py / scale };
}

/** True when part of the estate lies outside the view (then the minimap is worth showing). */
export function estateExceedsView(view: CanvasView, bounds: Box, tolerance = 8): boolean {
  if (view.width === 0 || view.height === 0) return false;
  const w = visibleWorld(view);
  const t = tolerance / view.k;
  return bounds.x < w.x - t || bounds.y < w.y - t || bounds.x + bounds.width > w.x + w.width + t || bounds.y + bounds.height > w.y + w.height + t;
}
