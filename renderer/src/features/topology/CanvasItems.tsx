// One link line and one node card of the topology canvas, each memoized on what it shows: a new graph
// with the same figures (a reading of another element, a finding elsewhere) re-renders only the
// elements that changed, not all of a large estate's thousands. Callbacks come through a ref that
// the canvas keeps current, so they never count as a change.
import { memo, type RefObject } from 'react';
import { linkLabel, type GraphLink, type GraphNode } from './graph.js';
import type { Point } from './layout.js';
import { dashFor, roleStyle, stateColours, stateLabels } from './link-styles.js';

export const CARD_W = 150;
export const CARD_H = 56;

export interface VmChip {
  id: string;
  name: string;
  status: string;
}

/** The canvas's current callbacks. */
export interface ItemHandlers {
  onSelectNode?: ((id: string | null) => void) | undefined;
  onSelectLink?: ((link: GraphLink) => void) | undefined;
  setHovered?: ((update: (current: string | null) => string | null) => void) | undefined;
  startVmDrag?: ((vm: VmChip, from: string, event: React.PointerEvent) => void) | undefined;
}

/** What a link's line shows, as one string: equal strings, equal lines. */
function linkSignature(link: GraphLink): string {
  const m = link.metric;
  const k = link.knet;
  return [link.id, link.role, link.state, link.linkNumber, link.network, m?.rttMs, m?.jitterMs, m?.lossPct, m?.detail, k?.connected, k?.seenFrom.join(','), k?.readAt].join('\u0000');
}

interface LinkLineProps {
  link: GraphLink;
  a: Point;
  b: Point;
  clickable: boolean;
  hoverable: boolean;
  handlers: RefObject<ItemHandlers>;
}

export const LinkLine = memo(
  function LinkLine({ link, a, b, clickable, hoverable, handlers }: LinkLineProps) {
    const style = roleStyle(link.role);
    const dash = dashFor(link);
    return (
      <line
        data-link-id={link.id}
        data-role={link.role}
        data-state={link.state}
        {...(link.knet ? { 'data-knet': link.knet.connected ? 'up' : 'down' } : {})}
        x1={a.x}
        y1={a.y}
        x2={b.x}
        y2={b.y}
        stroke={link.state === 'error' || link.state === 'warning' ? stateColours[link.state] : style.hue}
        strokeWidth={style.width}
        strokeDasharray={dash}
        // The stroke's own opacity: an element's opacity would give each of thousands of lines a paint effect of its own.
        strokeOpacity={link.state === 'unmeasured' ? 0.55 : 0.9}
        className="cw-link"
        onClick={clickable ? () => handlers.current.onSelectLink?.(link) : undefined}
        onMouseEnter={hoverable ? () => handlers.current.setHovered?.(() => link.id) : undefined}
        onMouseLeave={hoverable ? () => handlers.current.setHovered?.((h) => (h === link.id ? null : h)) : undefined}
      >
        <title>{`${style.label}${link.linkNumber !== undefined ? ` link${link.linkNumber}` : ''} (${link.network}): ${link.knet && !link.knet.connected ? linkLabel(link) : (link.metric?.detail ?? linkLabel(link))} — ${stateLabels[link.state]}${link.knet && !link.knet.connected ? `, seen from ${link.knet.seenFrom.join(', ')} at ${link.knet.readAt}` : ''}`}</title>
      </line>
    );
  },
  (prev, next) =>
    prev.a.x === next.a.x && prev.a.y === next.a.y && prev.b.x === next.b.x && prev.b.y === next.b.y && prev.clickable === next.clickable && prev.hoverable === next.hoverable && prev.handlers === next.handlers && (prev.link === next.link || linkSignature(prev.link) === linkSignature(next.link)),
);

interface NodeCardProps {
  node: GraphNode;
  p: Point;
  selected: boolean;
  vms: VmChip[] | undefined;
  handlers: RefObject<ItemHandlers>;
}

const sameNode = (a: GraphNode, b: GraphNode) => a === b || (a.id === b.id && a.name === b.name && a.state === b.state && a.stateReason === b.stateReason && a.stack === b.stack && a.roles.join('\u0000') === b.roles.join('\u0000'));

export const NodeCard = memo(
  function NodeCard({ node, p, selected, vms, handlers }: NodeCardProps) {
    return (
      <g
        data-node-id={node.id}
        data-testid={`node-${node.id}`}
        transform={`translate(${p.x},${p.y})`}
        className={selected ? 'cw-node selected' : 'cw-node'}
        role="button"
        tabIndex={0}
        aria-label={`Node ${node.name}`}
        aria-pressed={selected}
        onClick={() => handlers.current.onSelectNode?.(node.id)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' || e.key === ' ') handlers.current.onSelectNode?.(node.id);
        }}
      >
        <rect x={-CARD_W / 2} y={-CARD_H / 2} width={CARD_W} height={CARD_H} rx={10} className="cw-node-card" />
        <circle cx={-CARD_W / 2 + 14} cy={-CARD_H / 2 + 15} r={5} fill={stateColours[node.state]} data-state={node.state}>
          <title>{`${stateLabels[node.state]}: ${node.stateReason ?? ''}`}</title>
        </circle>
        <text x={-CARD_W / 2 + 26} y={-CARD_H / 2 + 19} className="cw-node-name">
          {node.name.length > 18 ? node.name.slice(0, 17) + '…' : node.name}
        </text>
        {(vms?.length ?? 0) > 0 ? (
          <g className="cw-vm-list" aria-label={`VMs on ${node.name}`}>
            {vms!.slice(0, 3).map((vm, i) => (
              <g
                key={vm.id}
                data-vm-id={vm.id}
                data-testid={`vm-${vm.name}`}
                className={`cw-vm-chip ${vm.status}`}
                transform={`translate(${-CARD_W / 2 + 8 + i * 46},${CARD_H / 2 - 22})`}
                onPointerDown={(e) => handlers.current.startVmDrag?.(vm, node.id, e)}
                role="button"
                aria-label={`VM ${vm.name} (${vm.status}) on ${node.name}: drag onto another node to move it`}
              >
                <rect width={43} height={15} rx={7} />
                <text x={21.5} y={11} textAnchor="middle">
                  {vm.name.length > 7 ? vm.name.slice(0, 6) + '…' : vm.name}
                </text>
                <title>{`${vm.name} (${vm.status}) — drag onto another node to move it`}</title>
              </g>
            ))}
            {vms!.length > 3 && (
              <text x={CARD_W / 2 - 8} y={CARD_H / 2 - 11} textAnchor="end" className="cw-node-roles">
                +{vms!.length - 3}
              </text>
            )}
          </g>
        ) : (
          <text x={-CARD_W / 2 + 12} y={CARD_H / 2 - 12} className="cw-node-roles">
            {[node.stack, ...node.roles].filter(Boolean).join(' · ').slice(0, 26)}
          </text>
        )}
      </g>
    );
  },
  (prev, next) => prev.p.x === next.p.x && prev.p.y === next.p.y && prev.selected === next.selected && prev.vms === next.vms && prev.handlers === next.handlers && sameNode(prev.node, next.node),
);
