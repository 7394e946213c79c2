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

const CHAR = 5.6;

export const Tunnels = memo(function Tunnels({ tunnels, positions }: { tunnels: readonly GraphTunnel[]; positions: Map<string, Point> }) {
  return (
    <g className="cw-tunnels" data-testid="tunnels">
      {tunnels.map((t) => {
        const a = positions.get(t.source);
        const b = positions.get(t.target);
        if (!a || !b) return null;
        const colour = stateColours[t.state];
        const label = tunnelLabel(t);
        // The label sits a third of the way along, clear of the site pair's latency label in the middle.
        const lx = a.x + (b.x - a.x) * 0.34;
        const ly = a.y + (b.y - a.y) * 0.34;
        const width = label.length * CHAR + 14;
        const title = `WireGuard tunnel ${t.source} – ${t.target} (overlay ${t.overlay}, ${t.interface}): ${t.label} — ${stateLabels[t.state]}${t.readAt ? `, read ${t.readAt}` : ''}`;
        return (
          <g key={t.id} data-tunnel={`${t.source}-${t.target}`} data-testid={`tunnel-${t.source}-${t.target}`} data-state={t.state} data-tunnel-state={t.tunnelState} role="img" aria-label={title}>
            <line data-tunnel-id={t.id} x1={a.x} y1={a.y} x2={b.x} y2={b.y} stroke={colour} strokeWidth={TUNNEL_WALL} strokeLinecap="round" opacity={t.state === 'unmeasured' ? 0.6 : 0.9} />
            <line data-tunnel-id={t.id} x1={a.x} y1={a.y} x2={b.x} y2={b.y} className="cw-tunnel-core" strokeWidth={TUNNEL_CORE} strokeLinecap="round" />
            <g className="cw-link-labels cw-tunnel-label" transform={`translate(${lx},${ly})`}>
              <rect x={-width / 2} y={-8} width={width} height={16} rx={4} className="cw-tunnel-label-box" stroke={colour} />
              <text textAnchor="middle" dy={3.5} className="cw-tunnel-label-text">
                {label}
              </text>
            </g>
            <title>{title}</title>
          </g>
        );
      })}
    </g>
  );
});
