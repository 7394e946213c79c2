// A cluster's history: votes present against the votes quorum needs (steps), red where it was not quorate,
// grey where no member answered, and a mark at each change of quorum. d3 computes, React renders.
import { curveStepAfter, extent, line, max, scaleLinear, scaleTime } from 'd3';
import { stateColours } from '../topology/link-styles.js';
import { quorumChanges, type ClusterPoint } from './series.js';

const W = 300;
const H = 110;
const M = { top: 10, right: 8, bottom: 20, left: 34 };

export function ClusterChart({ points, title }: { points: ClusterPoint[]; title: string }) {
  if (points.length === 0) return null;
  const [t0, t1raw] = extent(points, (p) => p.t) as [number, number];
  const t1 = t1raw === t0 ? t0 + 1000 : t1raw;
  const x = scaleTime().domain([t0, t1]).range([M.left, W - M.right]);
  const y = scaleLinear()
    .domain([0, Math.max(max(points, (p) => Math.max(p.totalVotes ?? 0, p.quorum ?? 0)) ?? 1, 1) + 1])
    .range([H - M.bottom, M.top]);
  const votes = line<ClusterPoint>()
    .defined((p) => p.totalVotes !== undefined)
    .x((p) => x(p.t))
    .y((p) => y(p.totalVotes!))
    .curve(curveStepAfter);
  const quorum = line<ClusterPoint>()
    .defined((p) => p.quorum !== undefined)
    .x((p) => x(p.t))
    .y((p) => y(p.quorum!))
    .curve(curveStepAfter);
  const last = points[points.length - 1]!;
  return (
    <svg width={W} height={H} role="img" aria-label={`Quorum of ${title}: ${last.reachable ? (last.quorate ? 'quorate' : 'not quorate') : 'no member answered'}, ${last.totalVotes ?? '?'} of ${last.quorum ?? '?'} votes needed`} data-testid="cluster-chart" data-quorate={String(last.quorate ?? '')} className="cw-chart">
      {points.map((p, i) => {
        const next = points[i + 1]?.t ?? t1;
        if (p.reachable && p.quorate !== false) return null;
        return <rect key={p.t} x={x(p.t)} width={Math.max(1, x(next) - x(p.t))} y={M.top} height={H - M.top - M.bottom} fill={p.reachable ? stateColours.error : stateColours.unmeasured} opacity={0.18} />;
      })}
      {y.ticks(3).map((v) => (
        <text key={v} x={M.left - 4} y={y(v) + 3} textAnchor="end" className="cw-chart-tick">
          {v}
        </text>
      ))}
      <path d={quorum(points) ?? ''} fill="none" stroke={stateColours.error} strokeDasharray="5 3" />
      <path d={votes(points) ?? ''} fill="none" stroke="var(--mantine-color-blue-filled)" strokeWidth={1.6} />
      {quorumChanges(points).map((c) => (
        <g key={c.t} data-testid="quorum-change" data-quorate={String(c.quorate ?? '')}>
          <line x1={x(c.t)} x2={x(c.t)} y1={M.top} y2={H - M.bottom} stroke={c.quorate ? stateColours.ok : stateColours.error} strokeWidth={1.5} />
        </g>
      ))}
      <text x={W - M.right} y={H - 5} textAnchor="end" className="cw-chart-tick">
        votes (line) · needed (dashed)
      </text>
    </svg>
  );
}
