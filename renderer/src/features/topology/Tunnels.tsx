// The overlays' WireGuard tunnels on the canvas: a double line (the tunnel's wall in its state colour,
// a hollow core) between the two nodes, labelled with the round trip over the tunnel, its MTU and the
// latest handshake's age; red when an end's interface is down or the handshake is older than the
// keepalive allows. Its own link type, drawn under the cards and above the other links.
import { memo } from 'react';
import { tunnelLabel, type GraphTunnel } from './graph.js';
import type { Point } from './layout.js';
import { stateColours, stateLabels } from './link-styles.js';

/** The tunnel style, for the legend too. */
export const TUNNEL_WALL = 6;
export const TUNNEL_CORE = 2.5;

const CHAR = 5.9;

/** The control point of a tunnel's curve: it bows out by an eighth of its length, so tunnels along one line (a–b, b–c, a–c) stay apart. */
function control(a: Point, b: Point): Point {
  const dx = b.x - a.x;
  const dy = b.y - a.y;
  const length = Math.hypot(dx, dy) || 1;
  const bend = length * 0.125;
  return { x: (a.x + b.x) / 2 - (dy / length) * bend, y: (a.y + b.y) / 2 + (dx / length) * bend };
}

/** The SVG path of a tunnel between two points (also used while a card is dragged). */
export function tunnelPath(a: Point, b: Point): string {
  const c = control(a, b);
  return `M${a.x},${a.y} Q${c.x},${c.y} ${b.x},${b.y}`;
}

/** The point a fraction t along the tunnel's curve. */
function along(a: Point, b: Point, t: number): Point {
  const c = control(a, b);
  const u = 1 - t;
  return { x: u * u * a.x + 2 * u * t * c.x + t * t * b.x, y: u * u * a.y + 2 * u * t * c.y + t * t * b.y };
}

export const Tunnels = memo(function Tunnels({ tunnels, positions }: { tunnels: readonly GraphTunnel[]; positions: Map<string, Point> }) {
  const drawn = tunnels.flatMap((t) => {
    const a = positions.get(t.source);
    const b = positions.get(t.target);
    return a && b ? [{ t, a, b }] : [];
  });
  return (
    <g className="cw-tunnels" data-testid="tunnels">
      {drawn.map(({ t, a, b }) => {
        const colour = stateColours[t.state];
        const title = `WireGuard tunnel ${t.source} – ${t.target} (overlay ${t.overlay}, ${t.interface}): ${t.label} — ${stateLabels[t.state]}${t.readAt ? `, read ${t.readAt}` : ''}`;
        const d = tunnelPath(a, b);
        return (
          <g key={t.id} data-tunnel={`${t.source}-${t.target}`} data-testid={`tunnel-${t.source}-${t.target}`} data-state={t.state} data-tunnel-state={t.tunnelState} role="img" aria-label={title}>
            <path data-tunnel-id={t.id} d={d} fill="none" stroke={colour} strokeWidth={TUNNEL_WALL} strokeLinecap="round" opacity={t.state === 'unmeasured' ? 0.6 : 0.9} />
            <path data-tunnel-id={t.id} d={d} fill="none" className="cw-tunnel-core" strokeWidth={TUNNEL_CORE} strokeLinecap="round" />
            <title>{title}</title>
          </g>
        );
      })}
      {/* The labels after every tunnel's lines, so no tunnel crosses another's label. */}
      {drawn.map(({ t, a, b }) => {
        const label = tunnelLabel(t);
        // A third of the way along, clear of the site pair's latency label in the middle.
        const at = along(a, b, 0.34);
        const width = label.length * CHAR + 14;
        return (
          <g key={`label-${t.id}`} className="cw-link-labels cw-tunnel-label" data-tunnel-label={`${t.source}-${t.target}`} transform={`translate(${at.x},${at.y})`} aria-hidden="true">
            <rect x={-width / 2} y={-8} width={width} height={16} rx={4} className="cw-tunnel-label-box" stroke={stateColours[t.state]} />
            <text textAnchor="middle" dy={3.5} className="cw-tunnel-label-text">
              {label}
            </text>
          </g>
        );
      })}
    </g>
  );
});
