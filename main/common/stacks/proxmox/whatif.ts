// The what-if's quorum model for a corosync (Proxmox VE) cluster (pure): places the nodes and the QDevice
// host in sites, turns each step of a scenario into memberships and qnetd reachability, and runs votequorum.
import type { BaseWorkspace } from '../../workspace/base.js';
import type { ProxmoxSection } from './schema.js';
import { membershipAlternatives, type SiteGrouping } from '../../whatif/estate.js';
import type { ClusterOutcome, GroupOutcome, OutcomeAlternative, QuorumModel, StepView } from '../../whatif/scenarios.js';
import {
  advanceTime,
  applyMembership,
  describePartitions,
  explainNode,
  formCluster,
  readNode,
  resolveVotequorum,
  type NodeQuorumReading,
  type TieBreaker,
  type VotequorumOptions,
  type VotequorumRuntime,
  type VotequorumSetup,
} from './votequorum.js';

export interface CorosyncClusterLayout {
  name: string;
  /** Node ids default to the position in this list (1, 2, …), as the cluster wizard creates and joins them. */
  nodes: { name: string; site: string; nodeId?: number; votes?: number }[];
  /** The QDevice: the site of the host running corosync-qnetd. */
  qdevice?: { site: string; algorithm: 'ffsplit' | 'lms'; votes?: number; tieBreaker?: TieBreaker };
  /** The rest of corosync.conf's quorum section. */
  quorum?: Omit<VotequorumOptions, 'nodes' | 'qdevice'>;
}

/** At most this many ways of settling are followed through a scenario's steps. */
export const maxPaths = 64;

export function corosyncSetup(layout: CorosyncClusterLayout): VotequorumSetup {
  return resolveVotequorum({
    ...layout.quorum,
    nodes: layout.nodes.map((n, i) => ({ name: n.name, nodeId: n.nodeId ?? i + 1, ...(n.votes !== undefined ? { votes: n.votes } : {}) })),
    ...(layout.qdevice
      ? {
          qdevice: {
            algorithm: layout.qdevice.algorithm,
            ...(layout.qdevice.votes !== undefined ? { votes: layout.qdevice.votes } : {}),
            ...(layout.qdevice.tieBreaker !== undefined ? { tieBreaker: layout.qdevice.tieBreaker } : {}),
          },
        }
      : {}),
  });
}

export interface PredictedPath {
  /** The site grouping chosen at each step. */
  groupings: SiteGrouping[];
  runtime: VotequorumRuntime;
  /** What corosync-quorumtool -s would show on every node at the end. */
  readings: NodeQuorumReading[];
}

/**
 * Non-transitive links (a–b cut while both reach c) make corosync drop one side and re-form the membership
 * every second or two for as long as the cut lasts (observed in the lab; corosync issue #750). Without a
 * QDevice a sync usually completes between re-formations and quorum is as computed for the side that was
 * dropped, but not always: in 6 of 24 lab cases syncs stopped completing. With a QDevice every sync waits
 * for the QDevice's poll on the new membership, which never comes in time: no sync completes (every lab run,
 * ffsplit and lms, qnetd up or down).
 */
export const reformingNote =
  'links are not transitive: corosync drops one side, and which one is not fixed; the membership keeps re-forming every second or two while the cut lasts, so cluster services (pmxcfs, HA) keep seeing changes, and a sync may not complete at all';
export const stalledByQdevice =
  'links are not transitive, so corosync keeps re-forming the membership, and with a QDevice each sync waits for its poll on the new membership, which never comes in time: no sync completes and the cluster stalls until the link is back';

/** Runs the cluster through the steps along every way its memberships can settle. */
export function predictCorosync(
  layout: CorosyncClusterLayout,
  steps: StepView[],
): { setup: VotequorumSetup; paths: PredictedPath[]; unsettled?: string; mayStall?: string } {
  const setup = corosyncSetup(layout);
  const sites = [...new Set(layout.nodes.map((n) => n.site))];
  let paths: { groupings: SiteGrouping[]; runtime: VotequorumRuntime }[] = [{ groupings: [], runtime: formCluster(setup) }];
  let previous = '';
  for (const step of steps) {
    const alternatives = membershipAlternatives(sites, step.reach);
    const key = JSON.stringify(alternatives);
    const next: typeof paths = [];
    for (const path of paths) {
      // The same choice as before stays made while the reachability does not change.
      const choices = key === previous ? [path.groupings[path.groupings.length - 1]!] : alternatives;
      for (const grouping of choices) {
        if (next.length >= maxPaths) break;
        const qnetd = layout.qdevice
          ? { up: step.reach.siteUp(layout.qdevice.site), reaches: layout.nodes.filter((n) => step.reach.linked(n.site, layout.qdevice!.site)).map((n) => n.name) }
          : undefined;
        const groups = grouping.groups.map((g) => layout.nodes.filter((n) => g.includes(n.site)).map((n) => n.name)).filter((g) => g.length > 0);
        let runtime = applyMembership(setup, path.runtime, { groups, ...(qnetd ? { qnetd } : {}) });
        if (step.waitMs > 0) runtime = advanceTime(setup, runtime, step.waitMs);
        next.push({ groupings: [...path.groupings, grouping], runtime });
      }
    }
    paths = next;
    previous = key;
  }
  const last = steps[steps.length - 1];
  const reforming = last !== undefined && membershipAlternatives(sites, last.reach).length > 1;
  return {
    setup,
    paths: paths.map((p) => ({ ...p, readings: setup.nodes.map((n) => readNode(setup, p.runtime, n.name)) })),
    ...(reforming ? (setup.qdevice?.usable ? { unsettled: stalledByQdevice } : { mayStall: reformingNote }) : {}),
  };
}

function outcomeOf(layout: CorosyncClusterLayout, setup: VotequorumSetup, runtime: VotequorumRuntime): OutcomeAlternative {
  const siteOf = (name: string) => layout.nodes.find((n) => n.name === name)!.site;
  const groups: GroupOutcome[] = [];
  for (const p of describePartitions(setup, runtime)) {
    // The QDevice vote counts per node: members that see different totals are reported apart.
    const views = p.split ? groupBy(p.split, (r) => `${r.quorate}/${r.totalVotes}`) : [p.members];
    for (const members of views) {
      const head = readNode(setup, runtime, members[0]!);
      groups.push({
        sites: [...new Set(members.map(siteOf))],
        members,
        keepsQuorum: head.quorate,
        votes: head.totalVotes,
        needed: head.quorum,
        expected: head.expectedVotes,
        reason: p.split ? `${explainNode(setup, runtime, members[0]!)} (the rest of this membership counts the QDevice vote differently)` : p.reason,
      });
    }
  }
  return { groups, ...(runtime.notes.length ? { note: runtime.notes.join(' ') } : {}) };
}

function groupBy(readings: NodeQuorumReading[], key: (r: NodeQuorumReading) => string): string[][] {
  const out = new Map<string, string[]>();
  for (const r of readings) out.set(key(r), [...(out.get(key(r)) ?? []), r.node]);
  return [...out.values()];
}

/** The what-if's model of one corosync cluster. */
export function corosyncQuorumModel(layout: CorosyncClusterLayout, stack = 'proxmox'): QuorumModel {
  const sites = [...new Set([...layout.nodes.map((n) => n.site), ...(layout.qdevice ? [layout.qdevice.site] : [])])];
  return {
    stack,
    name: layout.name,
    sites,
    evaluate(steps: StepView[]): ClusterOutcome {
      const { setup, paths, unsettled } = predictCorosync(layout, steps);
      const findings = setup.findings.map((f) => f.message);
      if (setup.refused) return { alternatives: [], findings: [`corosync refuses to start: ${setup.refused}`, ...findings] };
      if (unsettled) return { alternatives: [{ groups: [], unsettled }], findings };
      const seen = new Set<string>();
      const alternatives: OutcomeAlternative[] = [];
      for (const p of paths) {
        const alt = outcomeOf(layout, setup, p.runtime);
        const key = JSON.stringify(alt.groups.map((g) => [g.members, g.keepsQuorum, g.votes]));
        if (seen.has(key)) continue;
        seen.add(key);
        alternatives.push(alt);
      }
      if (alternatives.length > 1) for (const a of alternatives) a.note ??= reformingNote;
      return { alternatives, findings };
    },
  };
}

/** A workspace's Proxmox cluster as a layout: node sites, pinned node ids and votes, the QDevice host's site. */
export function proxmoxClusterLayout(workspace: Pick<BaseWorkspace, 'nodes'> & { proxmox?: ProxmoxSection | undefined }, clusterName: string, quorum?: CorosyncClusterLayout['quorum']): CorosyncClusterLayout {
  const cluster = workspace.proxmox?.clusters.find((c) => c.name === clusterName);
  if (!cluster) throw new Error(`The workspace has no Proxmox cluster "${clusterName}".`);
  const siteOf = (name: string) => {
    const node = workspace.nodes.find((n) => n.name === name);
    if (!node) throw new Error(`Cluster ${clusterName} names node "${name}", which the workspace does not define.`);
    return node.site;
  };
  // Unpinned nodes take the lowest free ids in list order, as pvecm does when they join.
  const used = new Set(Object.values(cluster.nodeIds ?? {}));
  let next = 1;
  const nodes = cluster.nodes.map((name) => {
    let nodeId = cluster.nodeIds?.[name];
    if (nodeId === undefined) {
      while (used.has(next)) next++;
      nodeId = next;
      used.add(nodeId);
    }
    const votes = cluster.votes?.[name];
    return { name, site: siteOf(name), nodeId, ...(votes !== undefined ? { votes } : {}) };
  });
  return {
    name: cluster.name,
    nodes,
    // pvecm qdevice setup writes votes: 1 for ffsplit and leaves lms to corosync's default.
    ...(cluster.qdevice ? { qdevice: { site: siteOf(cluster.qdevice.host), algorithm: cluster.qdevice.algorithm, ...(cluster.qdevice.algorithm === 'ffsplit' ? { votes: 1 } : {}) } } : {}),
    ...(quorum ? { quorum } : {}),
  };
}
