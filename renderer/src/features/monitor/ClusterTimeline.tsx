// A cluster's services, resources, hosts, health and APIs over time: one row each, coloured runs of their
// state (green ok, orange warning, red error, grey not read), a tooltip per run. d3 computes, React renders.
import { scaleTime, type ScaleTime } from 'd3';
import { stateColours } from '../topology/link-styles.js';
import type { TimelineRow } from './series.js';

const W = 300;
const ROW = 14;
const M = { top: 4, right: 8, bottom: 18, left: 110 };
const clock = (t: number) => new Date(t).toLocaleTimeString();

/** Two to four ticks where the span allows: d3's steps jump (1 s, then 5 s), so a span of a few seconds gets one tick or seven. */
function axisTicks(x: ScaleTime<number, number>): Date[] {
  let ticks = x.ticks(3);
  if (ticks.length < 2) ticks = x.ticks(6);
  const every = Math.ceil(ticks.length / 4);
  return ticks.filter((_, i) => i % every === 0);
}

export function ClusterTimeline({ rows, title, maxRows = 24 }: { rows: TimelineRow[]; title: string; maxRows?: number }) {
  const shown = rows.slice(0, maxRows);
  if (!shown.length) return null;
  const t0 = Math.min(...shown.map((r) => r.segments[0]!.from));
  const t1 = Math.max(t0 + 1000, ...shown.map((r) => r.segments[r.segments.length - 1]!.to));
  const x = scaleTime().domain([t0, t1]).range([M.left, W - M.right]);
  const H = M.top + shown.length * ROW + M.bottom;
  const ticks = axisTicks(x);
  // The scale's own labels for its tick step (":40" for seconds, "12:15" for minutes, "01 PM" for hours): hours and
  // minutes alone named every tick of a span of seconds alike ("12:14 PM" seven times over a few 2 s rounds).
  const tickLabel = x.tickFormat();
  const bad = shown.filter((r) => r.segments[r.segments.length - 1]!.level === 'error' || r.segments[r.segments.length - 1]!.level === 'warning');
  return (
    <svg width={W} height={H} role="img" aria-label={`State of ${title} over time: ${bad.length ? `now not ok: ${bad.map((r) => r.label).join(', ')}` : 'everything ok now'}`} data-testid="cluster-timeline" className="cw-chart">
      {shown.map((row, i) => {
        const y = M.top + i * ROW;
        const now = row.segments[row.segments.length - 1]!;
        return (
          <g key={row.key} data-testid="timeline-row" data-row={row.key} data-level={now.level} data-state={now.state}>
            <text x={M.left - 4} y={y + ROW - 4} textAnchor="end" className="cw-chart-tick">
              {row.label.length > 22 ? `${row.label.slice(0, 21)}…` : row.label}
            </text>
            {row.segments.map((s) => (
              <rect key={s.from} x={x(s.from)} width={Math.max(1, x(s.to) - x(s.from))} y={y + 2} height={ROW - 4} fill={stateColours[s.level]} opacity={s.level === 'unmeasured' ? 0.5 : 0.85}>
                <title>{`${row.label}: ${s.state} (${clock(s.from)} – ${clock(s.to)})`}</title>
              </rect>
            ))}
          </g>
        );
      })}
      {ticks.map((t) => (
        <text key={+t} x={x(t)} y={H - 5} textAnchor="middle" className="cw-chart-tick" data-testid="timeline-tick">
          {tickLabel(t)}
        </text>
      ))}
      {rows.length > shown.length && (
        <text x={W - M.right} y={H - 5} textAnchor="end" className="cw-chart-tick">
          +{rows.length - shown.length} more
        </text>
      )}
    </svg>
  );
}
