// A link's history in the inspector: the round trip as a line inside its jitter band, knet's estimate
// dashed, the limits from the validation rules as lines, loss as red bars along the bottom.
// d3 computes the scales and paths; React renders the SVG.
import { area, extent, line, max, scaleLinear, scaleTime } from 'd3';
import type { LinkLimits } from '../../../../main/common/monitor/model.js';
import { stateColours } from '../topology/link-styles.js';
import type { LinkPoint } from './series.js';

const W = 300;
const H = 150;
const M = { top: 10, right: 8, bottom: 20, left: 34 };
const LOSS_H = 26;

const clock = (t: number) => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function LinkChart({ points, limits, title }: { points: LinkPoint[]; limits?: LinkLimits | undefined; title: string }) {
  if (points.length === 0) {
    return (
      <div data-testid="link-chart" data-points={0} className="cw-chart-empty">
        No rounds yet for {title}: start monitoring (Monitor tab) to draw its history.
      </div>
    );
  }
  const [t0, t1] = extent(points, (p) => p.t) as [number, number];
  const x = scaleTime()
    .domain([t0, t1 === t0 ? t0 + 1000 : t1])
    .range([M.left, W - M.right]);
  const top = Math.max(max(points, (p) => Math.max((p.rttMs ?? 0) + (p.jitterMs ?? 0), p.knetRttMs ?? 0)) ?? 1, limits ? limits.errorMs * 1.1 : 0, 0.5);
  const y = scaleLinear()
    .domain([0, top])
    .nice()
    .range([H - M.bottom - LOSS_H, M.top]);
  const band = area<LinkPoint>()
    .defined((p) => p.rttMs !== undefined)
    .x((p) => x(p.t))
    .y0((p) => y(Math.max(0, p.rttMs! - (p.jitterMs ?? 0))))
    .y1((p) => y(p.rttMs! + (p.jitterMs ?? 0)));
  const rtt = line<LinkPoint>()
    .defined((p) => p.rttMs !== undefined)
    .x((p) => x(p.t))
    .y((p) => y(p.rttMs!));
  const knet = line<LinkPoint>()
    .defined((p) => p.knetRttMs !== undefined)
    .x((p) => x(p.t))
    .y((p) => y(p.knetRttMs!));
  const barW = Math.max(2, Math.min(8, (W - M.left - M.right) / points.length - 1));
  const lossBase = H - M.bottom;
  const last = points[points.length - 1]!;
  const lastWords = last.lossPercent === 100 ? 'down (every probe lost)' : `${last.rttMs?.toFixed(1) ?? '?'} ms${last.lossPercent ? `, ${last.lossPercent.toFixed(0)} % loss` : ''}`;
  return (
    <svg
      width={W}
      height={H}
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={`History of ${title}: ${points.length} rounds, last ${lastWords}`}
      data-testid="link-chart"
      data-points={points.length}
      data-last-loss={last.lossPercent ?? ''}
      className="cw-chart"
    >
      {y.ticks(4).map((v) => (
        <g key={v}>
          <line x1={M.left} x2={W - M.right} y1={y(v)} y2={y(v)} className="cw-chart-grid" />
          <text x={M.left - 4} y={y(v) + 3} textAnchor="end" className="cw-chart-tick">
            {v}
          </text>
        </g>
      ))}
      <text x={M.left - 4} y={M.top - 2} textAnchor="end" className="cw-chart-tick">
        ms
      </text>
      <path d={band(points) ?? ''} fill="var(--mantine-color-blue-filled)" opacity={0.15} />
      <path d={rtt(points) ?? ''} fill="none" stroke="var(--mantine-color-blue-filled)" strokeWidth={1.6} data-testid="rtt-line" />
      {points.some((p) => p.knetRttMs !== undefined) && <path d={knet(points) ?? ''} fill="none" stroke="var(--mantine-color-grape-filled)" strokeDasharray="4 3" strokeWidth={1.2} />}
      {limits?.warnMs !== undefined && (
        <g data-testid="limit-warn">
          <line x1={M.left} x2={W - M.right} y1={y(limits.warnMs)} y2={y(limits.warnMs)} stroke={stateColours.warning} strokeDasharray="5 3" />
          <text x={W - M.right} y={y(limits.warnMs) - 3} textAnchor="end" className="cw-chart-limit">
            {limits.warnMs} ms
          </text>
        </g>
      )}
      {limits && y(limits.errorMs) >= M.top && (
        <g data-testid="limit-error">
          <line x1={M.left} x2={W - M.right} y1={y(limits.errorMs)} y2={y(limits.errorMs)} stroke={stateColours.error} strokeDasharray="5 3" />
          <text x={W - M.right} y={y(limits.errorMs) - 3} textAnchor="end" className="cw-chart-limit">
            {limits.errorMs} ms limit
          </text>
        </g>
      )}
      <line x1={M.left} x2={W - M.right} y1={lossBase} y2={lossBase} className="cw-chart-grid" />
      {points.map((p) =>
        p.lossPercent ? (
          <rect key={p.t} x={x(p.t) - barW / 2} y={lossBase - (LOSS_H - 4) * (p.lossPercent / 100)} width={barW} height={(LOSS_H - 4) * (p.lossPercent / 100)} fill={stateColours.error} data-testid="loss-bar" data-loss={p.lossPercent}>
            <title>{`${clock(p.t)}: ${p.lossPercent.toFixed(0)} % loss`}</title>
          </rect>
        ) : null,
      )}
      <text x={M.left} y={H - 5} className="cw-chart-tick">
        {clock(t0)}
      </text>
      <text x={W - M.right} y={H - 5} textAnchor="end" className="cw-chart-tick">
        {clock(t1)}
      </text>
    </svg>
  );
}
