// The topology canvas: React renders the SVG once per model change; d3 owns only the zoom
// transform and the drag, touching just the dragged node and its links each frame.
import { useCallback, useEffect, useImperativeHandle, useMemo, useRef, useState, type ReactNode, type Ref } from 'react';
import { drag, select, zoom, zoomIdentity, type ZoomBehavior } from 'd3';
import type { GraphLink, TopologyGraph } from './graph.js';
import { CARD_H, CARD_W, LinkLine, NodeCard, type ItemHandlers, type VmChip } from './CanvasItems.js';
import { useProgressiveCount } from '../../components/use-progressive.js';
import { siteRegions, type Point } from './layout.js';
import { aggregateSitePairs, placeSitePairs } from './site-pair-labels.js';
import { SitePairLabels } from './SitePairLabels.js';
import { tunnelPath, Tunnels } from './Tunnels.js';

/** The zoom transform (screen = world × k + x/y) and the canvas's size in pixels. */
export interface CanvasView {
  x: number;
  y: number;
  k: number;
  width: number;
  height: number;
}

export interface CanvasHandle {
  zoomToFit(): void;
  zoomToNode(id: string): void;
  /** Fits the given nodes in the view (zoom to selection). */
  zoomToNodes(ids: string[]): void;
  /** Moves the view so that a world point is at its centre, keeping the zoom (minimap). */
  centreOn(point: Point): void;
  /** Called on every zoom or pan (and once at once); returns the unsubscribe. */
  subscribeView(listener: (view: CanvasView) => void): () => void;
}

/** Below this zoom the latency labels hide (they would be unreadable noise). */
export const LABEL_MIN_ZOOM = 0.45;

export type { VmChip } from './CanvasItems.js';

/** What the stack's precheck says about dropping a VM on a node. */
export interface DropVerdict {
  allowed: boolean;
  reason: string;
}

export interface TopologyCanvasProps {
  /** VMs per node (from the stacks' inventory); absent: none shown. */
  vmsByNode?: Map<string, VmChip[]>;
  /** A VM drag starts: returns each node's verdict (valid targets are lit, invalid ones dimmed with the reason). */
  onVmDragStart?(vmId: string): Promise<Map<string, DropVerdict>>;
  onVmDrop?(vmId: string, node: string): void;
  graph: TopologyGraph;
  positions: Map<string, Point>;
  /** Whether the positions are final or a provisional placement while the layout is computed, and who placed them (data-layout, data-layout-by). */
  layoutState?: 'settled' | 'provisional';
  layoutSource?: 'saved' | 'main' | 'worker';
  selectedNode?: string | null;
  onSelectNode?(id: string | null): void;
  onSelectSite?(id: string): void;
  onMoveNode?(id: string, to: Point): void;
  /** A click on a link (the inspector shows its history; the what-if cuts the path between its sites). */
  onSelectLink?(link: GraphLink): void;
  /** The what-if overlay: what each site does after the picked failures, and the site pairs cut. */
  whatIf?: { sites: ReadonlyMap<string, 'keeps' | 'loses' | 'mixed' | 'lost'>; cuts: readonly [string, string][] } | undefined;
  /** Hovering a link shows this beside it (a sparkline of its recent rounds). */
  linkHover?: ((link: GraphLink) => ReactNode) | undefined;
  /** Instrumentation: milliseconds each drag frame's DOM update took (benchmarks). */
  onDragFrame?(ms: number): void;
  handle?: Ref<CanvasHandle>;
}

const siteKindLabel = { lan: 'LAN', man: 'MAN', wan: 'WAN', internet: 'Internet' } as const;
/** Elements drawn per frame while a large estate first appears (each frame stays well under 50 ms). */
const NODES_PER_FRAME = 50;
const LINKS_PER_FRAME = 200;
const origin: Point = { x: 0, y: 0 };

export function TopologyCanvas({ graph, positions, layoutState, layoutSource, selectedNode, onSelectNode, onSelectSite, onMoveNode, onDragFrame, handle, vmsByNode, onVmDragStart, onVmDrop, onSelectLink, whatIf, linkHover }: TopologyCanvasProps) {
  const svgRef = useRef<SVGSVGElement>(null);
  const viewportRef = useRef<SVGGElement>(null);
  const zoomRef = useRef<ZoomBehavior<SVGSVGElement, unknown> | null>(null);
  const live = useRef(new Map<string, Point>());
  const dragLines = useRef<{ line: SVGLineElement; end: '1' | '2' }[]>([]);
  const dragTunnels = useRef<{ paths: SVGPathElement[]; other: Point; first: boolean }[]>([]);
  const regions = useMemo(() => siteRegions(graph, positions), [graph, positions]);
  const [hovered, setHovered] = useState<string | null>(null);
  const handlers = useRef<ItemHandlers>({});
  const hoveredLink = hovered ? graph.links.find((l) => l.id === hovered) : undefined;
  const linksByNode = useMemo(() => {
    const map = new Map<string, GraphLink[]>();
    for (const link of graph.links) {
      for (const end of [link.source, link.target]) {
        const list = map.get(end) ?? [];
        list.push(link);
        map.set(end, list);
      }
    }
    return map;
  }, [graph]);
  const sitePairs = useMemo(() => {
    const siteOf = new Map(graph.nodes.map((n) => [n.id, n.siteId]));
    return placeSitePairs(aggregateSitePairs(graph.links, siteOf), new Map(regions.map((r) => [r.id, r])));
  }, [graph, regions]);
  const viewListeners = useRef(new Set<(view: CanvasView) => void>());
  const lastView = useRef<CanvasView>({ x: 0, y: 0, k: 1, width: 0, height: 0 });

  const fitTo = useCallback((points: Point[], maxScale = 1.5) => {
    const svg = svgRef.current;
    const behaviour = zoomRef.current;
    if (!svg || !behaviour || points.length === 0) return;
    const xs = points.map((p) => p.x);
    const ys = points.map((p) => p.y);
    const minX = Math.min(...xs) - CARD_W;
    const maxX = Math.max(...xs) + CARD_W;
    const minY = Math.min(...ys) - CARD_H * 2;
    const maxY = Math.max(...ys) + CARD_H * 2;
    const { width, height } = svg.getBoundingClientRect();
    if (width === 0 || height === 0) return;
    const scale = Math.min(maxScale, width / (maxX - minX), height / (maxY - minY));
    const transform = zoomIdentity.translate(width / 2, height / 2).scale(scale).translate(-(minX + maxX) / 2, -(minY + maxY) / 2);
    select(svg).call(behaviour.transform, transform);
  }, []);

  const zoomToFit = useCallback(() => fitTo([...positions.values()]), [fitTo, positions]);

  useImperativeHandle(
    handle,
    () => ({
      zoomToFit,
      zoomToNode: (id: string) => {
        const p = positions.get(id);
        if (p) fitTo([p], 1.6);
      },
      zoomToNodes: (ids: string[]) => fitTo(ids.flatMap((id) => positions.get(id) ?? []), 1.6),
      centreOn: (point: Point) => {
        const svg = svgRef.current;
        const behaviour = zoomRef.current;
        if (svg && behaviour) select(svg).call(behaviour.translateTo, point.x, point.y);
      },
      subscribeView: (listener: (view: CanvasView) => void) => {
        viewListeners.current.add(listener);
        listener(lastView.current);
        return () => void viewListeners.current.delete(listener);
      },
    }),
    [zoomToFit, fitTo, positions],
  );

  // Zoom and pan: d3 owns the viewport group's transform attribute, React never sets it.
  useEffect(() => {
    const svg = svgRef.current;
    const viewport = viewportRef.current;
    if (!svg || !viewport) return;
    // The size comes from the ResizeObserver, so a zoom frame never forces a layout to measure it.
    const size = { width: svg.clientWidth, height: svg.clientHeight };
    const publish = (t: { x: number; y: number; k: number }) => {
      lastView.current = { x: t.x, y: t.y, k: t.k, width: size.width, height: size.height };
      for (const listener of viewListeners.current) listener(lastView.current);
    };
    const behaviour = zoom<SVGSVGElement, unknown>()
      .scaleExtent([0.05, 4])
      .on('zoom', (event: { transform: { x: number; y: number; k: number; toString(): string } }) => {
        viewport.setAttribute('transform', event.transform.toString());
        // Hide the latency labels at low zoom with a class: no React render per zoom frame.
        svg.classList.toggle('cw-zoom-low', event.transform.k < LABEL_MIN_ZOOM);
        publish(event.transform);
      });
    // The view's size changes with the window and the dock: tell the listeners (the minimap).
    const resize = new ResizeObserver((entries) => {
      const box = entries[entries.length - 1]?.contentRect;
      if (box) Object.assign(size, { width: box.width, height: box.height });
      publish(lastView.current);
    });
    resize.observe(svg);
    zoomRef.current = behaviour;
    select(svg).call(behaviour).on('dblclick.zoom', null);
    return () => {
      resize.disconnect();
      select(svg).on('.zoom', null);
    };
  }, []);

  // Fit once when another estate (another set of sites and nodes) is loaded; a measurement, a finding,
  // a moved card or a terminal opening leaves the view where the admin put it.
  const estateKey = useMemo(() => `${graph.sites.map((s) => s.id).join('\n')}\u0000${graph.nodes.map((n) => n.id).join('\n')}`, [graph]);
  // A large estate appears a slice per frame (cards first, then their links), never in one long task.
  // Another set of sites starts over (another estate); a node or link added or removed is drawn at once.
  const sitesKey = useMemo(() => graph.sites.map((s) => s.id).join('\n'), [graph]);
  const nodesDrawn = useProgressiveCount(graph.nodes.length, NODES_PER_FRAME, sitesKey);
  const linksDrawn = useProgressiveCount(nodesDrawn < graph.nodes.length ? 0 : graph.links.length, LINKS_PER_FRAME, sitesKey);
  // Cards become draggable once all are drawn (binding the drag to every card on each slice would cost as much as drawing).
  const allDrawn = nodesDrawn === graph.nodes.length;
  const fittedFor = useRef<string | null>(null);
  useEffect(() => {
    if (fittedFor.current === estateKey) return;
    fittedFor.current = estateKey;
    requestAnimationFrame(() => zoomToFit());
  }, [estateKey, zoomToFit]);

  // Drag: per frame, move only the dragged card and the ends of its links.
  useEffect(() => {
    const svg = svgRef.current;
    if (!svg) return;
    const cards = select(svg).selectAll<SVGGElement, unknown>('g[data-node-id]');
    cards.call(
      drag<SVGGElement, unknown>()
        .clickDistance(4)
        // A VM chip inside a card starts a VM drag (drag-to-migrate), not a card move.
        .filter((event: MouseEvent) => !event.button && !(event.target as Element | null)?.closest('[data-vm-id]'))
        .on('start', function () {
          this.classList.add('dragging');
          // Resolve the dragged node's link elements once, not on every frame.
          const id = this.dataset.nodeId!;
          dragLines.current = (linksByNode.get(id) ?? []).flatMap((link) => {
            const line = svg.querySelector<SVGLineElement>(`line[data-link-id="${CSS.escape(link.id)}"]`);
            return line ? [{ line, end: link.source === id ? '1' : '2' }] : [];
          });
          // The node's tunnels (both strokes of each) follow too; their labels wait for the drop.
          dragTunnels.current = (graph.tunnels ?? []).flatMap((t) => {
            if (t.source !== id && t.target !== id) return [];
            const other = positions.get(t.source === id ? t.target : t.source);
            const paths = [...svg.querySelectorAll<SVGPathElement>(`path[data-tunnel-id="${CSS.escape(t.id)}"]`)];
            return other ? [{ paths, other, first: t.source === id }] : [];
          });
        })
        .on('drag', function (event: { x: number; y: number }) {
          const started = performance.now();
          const id = this.dataset.nodeId!;
          const point = { x: event.x, y: event.y };
          live.current.set(id, point);
          this.setAttribute('transform', `translate(${point.x},${point.y})`);
          for (const { line, end } of dragLines.current) {
            line.setAttribute(`x${end}`, String(point.x));
            line.setAttribute(`y${end}`, String(point.y));
          }
          for (const { paths, other, first } of dragTunnels.current) {
            const d = first ? tunnelPath(point, other) : tunnelPath(other, point);
            for (const path of paths) path.setAttribute('d', d);
          }
          onDragFrame?.(performance.now() - started);
        })
        .on('end', function () {
          this.classList.remove('dragging');
          const id = this.dataset.nodeId!;
          const point = live.current.get(id);
          live.current.delete(id);
          dragLines.current = [];
          dragTunnels.current = [];
          if (point) onMoveNode?.(id, point);
        }),
    );
    // d3-drag needs the subject's current position to continue from.
    cards.each(function () {
      const p = positions.get(this.dataset.nodeId!);
      (this as unknown as { __data__: Point }).__data__ = p ? { ...p } : { x: 0, y: 0 };
    });
    return () => {
      cards.on('.drag', null);
    };
  }, [graph, positions, linksByNode, onMoveNode, onDragFrame, allDrawn]);

  const siteName = new Map(graph.sites.map((s) => [s.id, s]));

  /** Drag-to-migrate: a ghost follows the pointer; drop targets are lit or dimmed by the precheck. */
  const startVmDrag = (vm: VmChip, from: string, event: React.PointerEvent) => {
    if (!onVmDrop || event.button !== 0) return;
    event.stopPropagation();
    event.preventDefault();
    const svg = svgRef.current;
    const ghost = document.createElement('div');
    ghost.className = 'cw-vm-ghost';
    ghost.setAttribute('role', 'status');
    ghost.dataset.testid = 'vm-drag-ghost';
    document.body.appendChild(ghost);
    let verdicts: Map<string, DropVerdict> | null = null;
    let over: string | null = null;
    const cards = () => (svg ? [...svg.querySelectorAll<SVGGElement>('g[data-node-id]')] : []);
    const paint = () => {
      for (const card of cards()) {
        const id = card.dataset.nodeId!;
        const verdict = verdicts?.get(id);
        card.classList.toggle('cw-drop-ok', Boolean(verdict?.allowed));
        card.classList.toggle('cw-drop-no', id !== from && !verdict?.allowed);
        card.classList.toggle('cw-drop-over', id === over);
      }
      const verdict = over ? verdicts?.get(over) : undefined;
      ghost.textContent = !over || over === from ? `${vm.name}` : !verdicts ? `${vm.name} → ${over}: checking…` : verdict?.allowed ? `${vm.name} → ${over}` : `${vm.name} → ${over}: ${verdict?.reason ?? 'not a valid target'}`;
      ghost.classList.toggle('blocked', Boolean(over && over !== from && verdicts && !verdict?.allowed));
    };
    const move = (e: PointerEvent) => {
      ghost.style.left = `${e.clientX + 12}px`;
      ghost.style.top = `${e.clientY + 12}px`;
      const hit = document.elementFromPoint(e.clientX, e.clientY)?.closest<SVGGElement>('g[data-node-id]');
      over = hit?.dataset.nodeId ?? null;
      paint();
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      ghost.remove();
      for (const card of cards()) card.classList.remove('cw-drop-ok', 'cw-drop-no', 'cw-drop-over');
      if (over && over !== from) onVmDrop(vm.id, over);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
    move(event.nativeEvent);
    void onVmDragStart?.(vm.id).then(
      (result) => {
        verdicts = result;
        paint();
      },
      () => {
        verdicts = new Map();
        paint();
      },
    );
  };

  handlers.current = { onSelectNode, onSelectLink, setHovered, startVmDrag };

  return (
    <svg
      ref={svgRef}
      className="cw-topology"
      role="group"
      aria-roledescription="topology canvas"
      aria-label={`Topology: ${graph.sites.length} sites, ${graph.nodes.length} nodes, ${graph.links.length} links${graph.tunnels?.length ? `, ${graph.tunnels.length} WireGuard tunnels` : ''}`}
      data-testid="topology-svg"
      data-layout={layoutState ?? 'settled'}
      data-layout-by={layoutSource ?? 'main'}
      onClick={(e) => {
        if (e.target === svgRef.current) onSelectNode?.(null);
      }}
    >
      <g ref={viewportRef}>
        <g className="cw-sites">
          {regions.map((r) => {
            const site = siteName.get(r.id);
            return (
              <g key={r.id} data-site-id={r.id} data-testid={`site-${r.id}`} {...(whatIf?.sites.has(r.id) ? { 'data-whatif': whatIf.sites.get(r.id) } : {})}>
                <rect x={r.x} y={r.y} width={r.width} height={r.height} rx={22} className={`cw-site-region${whatIf?.sites.has(r.id) ? ` cw-whatif-${whatIf.sites.get(r.id)}` : ''}`} onClick={() => onSelectSite?.(r.id)} />
                {whatIf?.sites.get(r.id) === 'lost' && (
                  <text x={r.x + r.width / 2} y={r.y + r.height / 2} textAnchor="middle" className="cw-whatif-lost-label" pointerEvents="none">
                    lost
                  </text>
                )}
                <text x={r.x + 16} y={r.y + 22} className="cw-site-name">
                  {site?.name}
                </text>
                <text x={r.x + r.width - 16} y={r.y + 22} textAnchor="end" className="cw-site-kind">
                  {site ? siteKindLabel[site.kind] : ''}
                </text>
              </g>
            );
          })}
        </g>
        <g className="cw-links">
          {graph.links.slice(0, linksDrawn).map((link) => {
            const a = positions.get(link.source);
            const b = positions.get(link.target);
            if (!a || !b) return null;
            return <LinkLine key={link.id} link={link} a={a} b={b} clickable={Boolean(onSelectLink)} hoverable={Boolean(linkHover)} handlers={handlers} />;
          })}
        </g>
        {graph.tunnels?.length ? <Tunnels tunnels={graph.tunnels} positions={positions} /> : null}
        <g className="cw-nodes">
          {graph.nodes.slice(0, nodesDrawn).map((node) => (
            <NodeCard key={node.id} node={node} p={positions.get(node.id) ?? origin} selected={node.id === selectedNode} vms={vmsByNode?.get(node.id)} handlers={handlers} />
          ))}
        </g>
        <SitePairLabels pairs={sitePairs} />
        {whatIf?.cuts.map(([x, y]) => {
          const ra = regions.find((r) => r.id === x);
          const rb = regions.find((r) => r.id === y);
          if (!ra || !rb) return null;
          const mx = (ra.x + ra.width / 2 + rb.x + rb.width / 2) / 2;
          const my = (ra.y + ra.height / 2 + rb.y + rb.height / 2) / 2;
          return (
            <g key={`${x}|${y}`} transform={`translate(${mx},${my})`} className="cw-whatif-cut" data-testid="whatif-cut" data-between={`${x}|${y}`} pointerEvents="none">
              <circle r={13} />
              <path d="M -6 -6 L 6 6 M 6 -6 L -6 6" />
            </g>
          );
        })}
        {hoveredLink && linkHover && (() => {
          const a = positions.get(hoveredLink.source);
          const b = positions.get(hoveredLink.target);
          const content = linkHover(hoveredLink);
          if (!a || !b || !content) return null;
          return (
            <g transform={`translate(${(a.x + b.x) / 2 + 8},${(a.y + b.y) / 2 + 8})`} className="cw-link-hover" data-testid="link-hover" data-link-id={hoveredLink.id} pointerEvents="none">
              {content}
            </g>
          );
        })()}
      </g>
    </svg>
  );
}
