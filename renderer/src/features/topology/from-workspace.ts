// Turns the workspace model, the measured facts and the validation findings into the canvas graph:
// which links exist (per stack and network role), what they measure, and what state they are in.
import { describeLatency, FactIndex, type Facts, type PairLatency } from '../../../../main/common/workspace/facts.js';
import { defaultStacks, linksOf, type StackList } from '../../../../main/common/stacks/compose.js';
import type { StackWorkspace } from '../../../../main/common/stacks/types.js';
import type { Finding } from '../../../../main/common/workspace/rules/types.js';
import type { GraphLink, GraphNode, GraphTunnel, LinkRole, LinkState, TopologyGraph } from './graph.js';
import { overlayFactsOf } from '../../../../main/common/overlay/facts.js';
import { resolveOverlays } from '../../../../main/common/overlay/model.js';
import { tunnelStatuses, type TunnelState } from '../../../../main/common/overlay/status.js';
import type { Workspace } from '../../../../main/common/workspace/schema.js';
import { linkState, nodeState, reachEvidence, type Reach } from './element-state.js';

interface LinkDraft {
  a: string;
  b: string;
  role: LinkRole;
  network: string;
  linkNumber?: number;
}

/** The links worth drawing: each stack's own (corosync meshes per link, storage data and witness…), and for other
 *  networks the pairs that were measured (an unmeasured full mesh is only noise). */
function linkDrafts(workspace: StackWorkspace, measuredPairs: Set<string>, stacks: StackList): LinkDraft[] {
  const drafts: LinkDraft[] = [];
  const seen = new Set<string>();
  // The network and pair of every draft, whatever its role: a measured pair a stack's link already covers adds nothing.
  const pairs = new Set<string>();
  const pairKey = (network: string, a: string, b: string) => `${network}\u0000${a < b ? a : b}\u0000${a < b ? b : a}`;
  const add = (d: LinkDraft) => {
    const key = [d.network, d.role, d.a < d.b ? d.a : d.b, d.a < d.b ? d.b : d.a].join('|');
    if (seen.has(key) || d.a === d.b) return;
    seen.add(key);
    pairs.add(pairKey(d.network, d.a, d.b));
    drafts.push(d);
  };
  for (const l of linksOf(workspace, stacks)) add({ a: l.a, b: l.b, role: l.role, network: l.network, ...(l.linkNumber !== undefined ? { linkNumber: l.linkNumber } : {}) });
  // A network's own role for measured pairs: not the roles only a stack's links carry.
  const stackRoles = new Set(stacks.flatMap((s) => Object.keys(s.networkRoles)));
  for (const network of workspace.networks) {
    const role = network.roles.find((r) => !stackRoles.has(r)) ?? network.roles[0]!;
    for (const key of measuredPairs) {
      const [net, a, b] = key.split('\u0000') as [string, string, string];
      if (net !== network.name) continue;
      if (!pairs.has(pairKey(net, a, b))) add({ a, b, role, network: net });
    }
  }
  return drafts;
}

/** A tunnel's colour: green with recent handshakes, red when down or older than the keepalive allows, amber without a handshake, grey unread. */
export const tunnelColour: Record<TunnelState, LinkState> = { up: 'ok', stale: 'error', down: 'error', never: 'warning', idle: 'warning', unknown: 'unmeasured' };

/** Every overlay's tunnels with their state from the stored facts. */
export function tunnelsOf(workspace: StackWorkspace, facts: Facts): GraphTunnel[] {
  const stored = overlayFactsOf(facts);
  return resolveOverlays(workspace as Workspace).flatMap((resolved) => {
    const own = stored.find((f) => f.overlay === resolved.overlay.name);
    return tunnelStatuses(resolved, own).map((t) => ({
      id: `overlay:${resolved.overlay.name}:${t.a}~${t.b}`,
      overlay: resolved.overlay.name,
      interface: resolved.interface,
      source: t.a,
      target: t.b,
      tunnelState: t.state,
      state: tunnelColour[t.state],
      label: t.label,
      ...(t.rttMs !== undefined ? { rttMs: t.rttMs } : {}),
      ...(t.mtu !== undefined ? { mtu: t.mtu } : {}),
      ...(t.handshakeAgeS !== undefined ? { handshakeAgeS: t.handshakeAgeS } : {}),
      ...(own ? { readAt: own.measuredAt } : {}),
    }));
  });
}

function metricOf(p: PairLatency | undefined): GraphLink['metric'] {
  // The robust figure (the median where measured), as validation quotes it.
  if (!p || p.error || p.rttMs === undefined) return undefined;
  return { rttMs: p.rttMs, jitterMs: p.mdevMs ?? 0, lossPct: p.lossPercent, detail: describeLatency(p) };
}

/**
 * `reach`: every sign that a node was reached this session (default: what the facts show). `stacks`: whose
 * clusters, roles and links to draw (default: the registered ones; a test passes its own).
 */
export function buildGraph(workspace: StackWorkspace, facts: Facts = {}, findings: Finding[] = [], reach: readonly Reach[] = reachEvidence({ facts }), stacks: StackList = defaultStacks): TopologyGraph {
  const index = new FactIndex(facts);
  const measured = new Set<string>();
  for (const s of facts.latency?.samples ?? []) {
    const [a, b] = s.from < s.to ? [s.from, s.to] : [s.to, s.from];
    measured.add(`${s.network}\u0000${a}\u0000${b}`);
  }

  const stackOf = new Map<string, string>();
  const rolesOf = new Map<string, Set<string>>();
  const addRole = (node: string, role: string) => {
    const set = rolesOf.get(node) ?? new Set<string>();
    set.add(role);
    rolesOf.set(node, set);
  };
  // Each stack's groups: the card's stack label ("PVE homelab") for members, and every node's roles.
  for (const stack of stacks) {
    for (const group of stack.groups(workspace)) {
      for (const m of group.members) {
        if (m.member) stackOf.set(m.node, `${stack.shortTitle} ${group.name}`);
        addRole(m.node, m.role);
      }
    }
  }

  const linkKey = (network: string | undefined, a: string, b: string) => `${network ?? '*'}|${a < b ? a : b}|${a < b ? b : a}`;

  // corosync's own link state (knet), per link number and member pair.
  const knetState = new Map<string, { connected: boolean; seenFrom: string[]; readAt: string }>();
  for (const entry of facts.knet ?? []) {
    for (const l of entry.links) {
      if (!l.peer || l.connected === undefined) continue;
      const key = `${l.link}|${linkKey(undefined, l.local, l.peer)}`;
      const current = knetState.get(key) ?? { connected: true, seenFrom: [], readAt: entry.readAt };
      if (!l.connected) {
        if (current.connected) current.seenFrom = [];
        current.connected = false;
        current.seenFrom.push(l.local);
      } else if (current.connected) current.seenFrom.push(l.local);
      knetState.set(key, current);
    }
  }

  // Each node's own evidence, so that a node's state reads its few entries, not the whole estate's.
  const reachOf = new Map<string, Reach[]>();
  for (const r of reach) {
    const list = reachOf.get(r.node);
    if (list) list.push(r);
    else reachOf.set(r.node, [r]);
  }
  const layout = workspace.layout?.nodes ?? {};
  const nodes: GraphNode[] = workspace.nodes.map((n) => {
    const saved = layout[n.name];
    return {
      id: n.name,
      name: n.name,
      siteId: n.site,
      roles: [...(rolesOf.get(n.name) ?? [])],
      ...(stackOf.has(n.name) ? { stack: stackOf.get(n.name)! } : {}),
      ...(({ state, reason }) => ({ state, stateReason: reason }))(nodeState(n.name, reachOf.get(n.name) ?? [], findings)),
      ...(saved ? { x: saved.x, y: saved.y } : {}),
    };
  });
  const known = new Set(nodes.map((n) => n.id));

  const links: GraphLink[] = linkDrafts(workspace, measured, stacks)
    .filter((d) => known.has(d.a) && known.has(d.b))
    .map((d) => {
      const latency = index.between(d.network, d.a, d.b);
      const metric = metricOf(latency);
      // A cluster's numbered links: what the cluster's own transport reports about them (corosync's knet view).
      const knet = d.linkNumber !== undefined ? knetState.get(`${d.linkNumber}|${linkKey(undefined, d.a, d.b)}`) : undefined;
      const { state, reason } = linkState(
        {
          network: d.network,
          a: d.a,
          b: d.b,
          ...(latency ? { measured: { lossPercent: latency.lossPercent, hasFigure: Boolean(metric), ...(latency.error ? { error: latency.error } : {}), ...(facts.latency?.measuredAt ? { at: facts.latency.measuredAt } : {}) } } : {}),
          ...(knet ? { knet } : {}),
        },
        findings,
      );
      return {
        id: `${d.role}:${d.network}:${d.linkNumber ?? ''}:${d.a}~${d.b}`,
        source: d.a,
        target: d.b,
        role: d.role,
        network: d.network,
        ...(d.linkNumber !== undefined ? { linkNumber: d.linkNumber } : {}),
        ...(metric ? { metric } : {}),
        state,
        stateReason: reason,
        ...(knet ? { knet: { ...knet, seenFrom: [...knet.seenFrom].sort() } } : {}),
      };
    });

  const sites = workspace.sites.map((s) => ({ id: s.name, name: s.name, kind: s.kind }));
  // Nodes naming a site that does not exist still get drawn (validation reports the reference).
  for (const n of nodes) if (!sites.some((s) => s.id === n.siteId)) sites.push({ id: n.siteId, name: `${n.siteId} (unknown site)`, kind: 'lan' });
  const tunnels = tunnelsOf(workspace, facts).filter((t) => known.has(t.source) && known.has(t.target));
  return { sites, nodes, links, ...(tunnels.length ? { tunnels } : {}) };
}
