// The minimap for large estates: the whole canvas in small (sites and node dots, drawn on a 2D canvas so
// a thousand nodes cost nothing), the view as a rectangle, click or drag to move there. It shows itself
// only while part of the estate lies outside the view; the rectangle follows the zoom without React renders.
import { useComputedColorScheme } from '@mantine/core';
import { useEffect, useMemo, useRef, useState, type RefObject } from 'react';
import type { TopologyGraph } from './graph.js';
import type { Point, SiteRegion } from './layout.js';
import { stateColours } from './link-styles.js';
import { estateExceedsView, minimapSize, minimapToWorld, viewportOnMinimap, worldBounds } from './minimap-geometry.js';
import type { CanvasHandle } from './TopologyCanvas.js';

const MAX_W = 220;
const MAX_H = 150;

export function Minimap({ graph, positions, regions, canvas }: { graph: TopologyGraph; positions: Map<string, Point>; regions: SiteRegion[]; canvas: RefObject<CanvasHandle | null> }) {
  const scheme = useComputedColorScheme('light');
  const drawing = useRef<HTMLCanvasElement>(null);
  const viewport = useRef<HTMLDivElement>(null);
  const [needed, setNeeded] = useState(false);
  const bounds = useMemo(() => worldBounds(regions), [regions]);
  const size = useMemo(() => (bounds ? minimapSize(bounds, MAX_W, MAX_H) : null), [bounds]);

  // Follow the view: move the rectangle directly, and render only when the minimap appears or goes.
  useEffect(() => {
    const handle = canvas.current;
    if (!handle || !bounds || !size) return;
    return handle.subscribeView((view) => {
      setNeeded(estateExceedsView(view, bounds));
      const box = viewport.current;
      if (!box) return;
      const r = viewportOnMinimap(view, bounds, size.scale, size);
      box.style.transform = `translate(${r.x}px, ${r.y}px)`;
      box.style.width = `${r.width}px`;
      box.style.height = `${r.height}px`;
    });
  }, [canvas, bounds, size, needed]);

  // Draw the estate: site regions, then one dot per node in its state colour.
  useEffect(() => {
    const element = drawing.current;
    if (!element || !bounds || !size || !needed) return;
    const ratio = window.devicePixelRatio || 1;
    element.width = size.width * ratio;
    element.height = size.height * ratio;
    const ctx = element.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, size.width, size.height);
    const dark = scheme === 'dark';
    ctx.fillStyle = dark ? 'rgba(116, 143, 252, 0.18)' : 'rgba(76, 110, 245, 0.12)';
    ctx.strokeStyle = dark ? 'rgba(145, 167, 255, 0.5)' : 'rgba(76, 110, 245, 0.45)';
    for (const r of regions) {
      const x = (r.x - bounds.x) * size.scale;
      const y = (r.y - bounds.y) * size.scale;
      ctx.beginPath();
      ctx.roundRect(x, y, r.width * size.scale, r.height * size.scale, 3);
      ctx.fill();
      ctx.stroke();
    }
    const dot = Math.max(1.5, Math.min(4, 150 * size.scale * 0.04));
    for (const node of graph.nodes) {
      const p = positions.get(node.id);
      if (!p) continue;
      ctx.fillStyle = stateColours[node.state];
      ctx.fillRect((p.x - bounds.x) * size.scale - dot / 2, (p.y - bounds.y) * size.scale - dot / 2, dot, dot);
    }
  }, [graph, positions, regions, bounds, size, needed, scheme]);

  if (!bounds || !size) return null;
  const moveTo = (e: React.PointerEvent<HTMLDivElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    canvas.current?.centreOn(minimapToWorld(e.clientX - rect.left, e.clientY - rect.top, bounds, size.scale));
  };
  return (
    <div
      className="cw-minimap"
      role="navigation"
      aria-label="Minimap: click or drag to move the view"
      data-testid="minimap"
      style={{ width: size.width, height: size.height, display: needed ? undefined : 'none' }}
      onPointerDown={(e) => {
        e.currentTarget.setPointerCapture(e.pointerId);
        moveTo(e);
      }}
      onPointerMove={(e) => {
        if (e.currentTarget.hasPointerCapture(e.pointerId)) moveTo(e);
      }}
    >
      <canvas ref={drawing} style={{ width: size.width, height: size.height }} aria-hidden="true" />
      <div ref={viewport} className="cw-minimap-viewport" data-testid="minimap-viewport" style={{ left: 0, top: 0 }} />
    </div>
  );
}
