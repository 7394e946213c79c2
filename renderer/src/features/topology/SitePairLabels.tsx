// The latency labels on the canvas, one per site pair: the worst figure in its state colour; hover or
// click (Enter) shows the figures per network. Its own component so that hovering re-renders only it.
import { memo, useState } from 'react';
import { toggled } from '../../components/toggled.js';
import type { PlacedSitePair } from './site-pair-labels.js';
import { stateColours, stateLabels } from './link-styles.js';

const LINE = 15;
const CHAR = 6.2;

export const SitePairLabels = memo(function SitePairLabels({ pairs }: { pairs: PlacedSitePair[] }) {
  const [hovered, setHovered] = useState<string | null>(null);
  const [pinned, setPinned] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) => setPinned((current) => toggled(current, id));
  const open = pairs.filter((p) => p.id === hovered || pinned.has(p.id));
  return (
    <g className="cw-link-labels" data-testid="latency-labels">
      {pairs.map((pair) => {
        const expanded = pair.id === hovered || pinned.has(pair.id);
        const [a, b] = pair.sites;
        const where = a === b ? `within ${a}` : `${a} – ${b}`;
        return (
          <g
            key={pair.id}
            transform={`translate(${pair.x},${pair.y})`}
            data-site-pair={pair.id}
            data-state={pair.state}
            className="cw-site-pair-label"
            role="button"
            tabIndex={0}
            aria-expanded={expanded}
            aria-label={`Latency ${where}: ${pair.text}, ${stateLabels[pair.state]}. ${expanded ? 'Showing' : 'Show'} the figures per network.`}
            onMouseEnter={() => setHovered(pair.id)}
            onMouseLeave={() => setHovered((h) => (h === pair.id ? null : h))}
            onClick={(e) => {
              e.stopPropagation();
              toggle(pair.id);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter' || e.key === ' ') {
                e.preventDefault();
                toggle(pair.id);
              }
            }}
          >
            <rect x={-pair.width / 2} y={-8} width={pair.width} height={16} rx={8} fill={stateColours[pair.state]} opacity={0.94} />
            <text textAnchor="middle" dy={4} className="cw-link-label">
              {pair.text}
            </text>
          </g>
        );
      })}
      {/* The expanded figures, drawn last so no other label covers them. */}
      {open.map((pair) => {
        const lines = pair.figures.map((f) => `${f.name}: ${f.text}${f.links > 1 ? ` (worst of ${f.links}: ${f.worst.a} – ${f.worst.b})` : ` (${f.worst.a} – ${f.worst.b})`}`);
        const width = Math.max(...lines.map((l) => l.length)) * CHAR + 30;
        const height = lines.length * LINE + 10;
        return (
          <g key={`figures-${pair.id}`} transform={`translate(${pair.x - width / 2},${pair.y + 11})`} data-site-pair-figures={pair.id} pointerEvents="none">
            <rect width={width} height={height} rx={6} className="cw-site-pair-figures" />
            {pair.figures.map((f, i) => (
              <g key={f.key} transform={`translate(10,${10 + i * LINE})`} data-network-figure={f.key}>
                <circle cx={3} cy={2} r={4} fill={stateColours[f.state]} />
                <text x={12} y={6} className="cw-site-pair-figure">
                  {lines[i]}
                </text>
              </g>
            ))}
          </g>
        );
      })}
    </g>
  );
});
