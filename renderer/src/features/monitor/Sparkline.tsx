// A small sparkline of a link's recent round trips; lost rounds as red ticks. d3 computes, React renders.
import { extent, line, max, scaleLinear } from 'd3';
import { stateColours } from '../topology/link-styles.js';
import type { LinkPoint } from './series.js';

export function Sparkline({ points, width = 120, height = 26 }: { points: LinkPoint[]; width?: number; height?: number }) {
  if (points.length < 2) return null;
  const [t0, t1] = extent(points, (p) => p.t) as [number, number];
  const x = scaleLinear().domain([t0, t1]).range([2, width - 2]);
  const y = scaleLinear()
    .domain([0, Math.max(max(points, (p) => p.rttMs ?? 0) ?? 1, 0.1)])
    .range([height - 3, 3]);
  const path = line<LinkPoint>()
    .defined((p) => p.rttMs !== undefined)
    .x((p) => x(p.t))
    .y((p) => y(p.rttMs!));
  return (
    <g data-testid="sparkline" data-points={points.length}>
      <path d={path(points) ?? ''} fill="none" stroke="var(--mantine-color-blue-filled)" strokeWidth={1.3} />
      {points.map((p) => (p.lossPercent ? <line key={p.t} x1={x(p.t)} x2={x(p.t)} y1={height - 1} y2={height - 1 - (height - 4) * (p.lossPercent / 100)} stroke={stateColours.error} strokeWidth={2} /> : null))}
    </g>
  );
}
