// Turns the workspace model, the measured facts and the validation findings into the canvas graph:
// which links exist (per stack and network role), what they measure, and what state they are in.
import { describeLatency, FactIndex, type Facts, type PairLatency } from '../../../../main/common/workspace/facts.js';
import type { Workspace } from '../../../../main/common/workspace/schema.js';
import type { Finding } from '../../../../main/common/workspace/rules/types.js';
import type { GraphLink, GraphNode, LinkRole, TopologyGraph } from './graph.js';
import { linkState, nodeState, reachEvidence, type Reach } from './element-state.js';

function pairs<T>(items: readonly T[]): [T, T][] {
  const out: [T, T][] = [];
  for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) out.push([items[i]!, items[j]!]);
  return out;
}

interface LinkDraft {
  a: string;
  b: string;
  role: LinkRole;
  network: string;
  linkNumber?: number;
}

/** The links worth drawing: corosync meshes per Proxmox link, vSAN data and witness, and
 *  for other networks the pairs that were measured (an unmeasured full mesh is only noise). */
function linkDrafts(workspace: Workspace, measuredPairs: Set<string>): LinkDraft[] {
  const drafts: LinkDraft[] = [];
  const seen = new Set<string>();
  const add = (d: LinkDraft) => {
    const key = [d.network, d.role, d.a < d.b ? d.a : d.b, d.a < d.b ? d.b : d.a].join('|');
    if (seen.has(key) || d.a === d.b) return;
    seen.add(key);
    drafts.push(d);
  };
  for (const cluster of workspace.proxmox?.clusters ?? []) {
    for (const link of cluster.links) {
      for (const [a, b] of pairs(cluster.nodes)) add({ a, b, role: 'corosync', network: link.network, linkNumber: link.link });
    }
    if (cluster.qdevice) {
      const network = cluster.links[0]?.network;
      if (network) for (const member of cluster.nodes) add({ a: cluster.qdevice.host, b: member, role: 'witness', network });
    }
  }
  for (const cluster of workspace.vsan?.clusters ?? []) {
    const data = [...cluster.preferredSite.hosts, ...cluster.secondarySite.hosts];
    const dataNetwork = cluster.dataNetwork ?? 'vsan';
    for (const [a, b] of pairs(data)) add({ a, b, role: 'vsan', network: dataNetwork });
    const witnessNetwork = cluster.witnessNetwork ?? dataNetwork;
    for (const host of data) add({ a: cluster.witness.host, b: host, role: 'witness', network: witnessNetwork });
  }
  for (const network of workspace.networks) {
    const role = (network.roles.find((r) => r !== 'corosync' && r !== 'vsan') ?? network.roles[0]) as LinkRole;
    for (const key of measuredPairs) {
      const [net, a, b] = key.split('\u0000') as [string, string, string];
      if (net !== network.name) continue;
      const covered = drafts.some((d) => d.network === net && ((d.a === a && d.b === b) || (d.a === b && d.b === a)));
      if (!covered) add({ a, b, role, network: net });
    }
  }
  return drafts;
}

function metricOf(p: PairLatency | undefined): GraphLink['metric'] {
  // The robust figure (the median where measured), as validation quotes it.
  if (!p || p.error || p.rttMs === undefined) return undefined;
  return { rttMs: p.rttMs, jitterMs: p.mdevMs ?? 0, lossPct: p.lossPercent, detail: describeLatency(p) };
}

/** `reach`: every sign that a node was reached this session (default: what the facts show). */
export function buildGraph(workspace: Workspace, facts: Facts = {}, findings: Finding[] = [], reach: readonly Reach[] = reachEvidence({ facts })): TopologyGraph {
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
  for (const c of workspace.proxmox?.clusters ?? []) {
    for (const n of c.nodes) {
      stackOf.set(n, `PVE ${c.name}`);
      addRole(n, 'pve');
    }
    if (c.qdevice) addRole(c.qdevice.host, 'qdevice');
  }
  for (const r of workspace.openstack?.regions ?? []) {
    const roles: [string[], string][] = [
      [r.controllers, 'controller'],
      [r.networkNodes, 'network'],
      [r.compute, 'compute'],
      [r.storage, 'storage'],
    ];
    for (const [names, role] of roles) {
      for (const n of names) {
        stackOf.set(n, `OS ${r.name}`);
        addRole(n, role);
      }
    }
  }
  for (const c of workspace.vsan?.clusters ?? []) {
    for (const n of [...c.preferredSite.hosts, ...c.secondarySite.hosts]) {
      stackOf.set(n, `vSAN ${c.name}`);
      addRole(n, 'esxi');
    }
    stackOf.set(c.witness.host, `vSAN ${c.name}`);
    addRole(c.witness.host, 'witness');
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

  const layout = workspace.layout?.nodes ?? {};
  const nodes: GraphNode[] = workspace.nodes.map((n) => {
    const saved = layout[n.name];
    return {
      id: n.name,
      name: n.name,
      siteId: n.site,
      roles: [...(rolesOf.get(n.name) ?? [])],
      ...(stackOf.has(n.name) ? { stack: stackOf.get(n.name)! } : {}),
      ...(({ state, reason }) => ({ state, stateReason: reason }))(nodeState(n.name, reach, findings)),
      ...(saved ? { x: saved.x, y: saved.y } : {}),
    };
  });
  const known = new Set(nodes.map((n) => n.id));

  const links: GraphLink[] = linkDrafts(workspace, measured)
    .filter((d) => known.has(d.a) && known.has(d.b))
    .map((d) => {
      const latency = index.between(d.network, d.a, d.b);
      const metric = metricOf(latency);
      const knet = d.role === 'corosync' && d.linkNumber !== undefined ? knetState.get(`${d.linkNumber}|${linkKey(undefined, d.a, d.b)}`) : undefined;
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
  return { sites, nodes, links };
}
