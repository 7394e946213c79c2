// "Rehearse in the lab first" for Proxmox VE clusters: the cluster plan generated for the rehearsal lab's copy
// of a real cluster (the same members mapped to lab hosts, the same corosync link count, priorities, WAN
// acceptance and HA, the real latency figures for the totem tuning), and its quorum read there afterwards.
import { CwError } from '../../../common/errors.js';
import type { ProxmoxCluster } from '../../../common/stacks/proxmox/schema.js';
import type { Facts } from '../../../common/workspace/facts.js';
import type { Workspace } from '../../../common/workspace/schema.js';
import type { StackRehearsal } from '../types.js';
import type { ProxmoxApi } from './cluster-api.js';
import { readClusterStatus, type ProxmoxServiceDeps } from './handlers.js';
import { proxmoxClusterPlan } from './plan.js';
import { clusterPlanFromWorkspace, findProxmoxCluster } from './workspace-plan.js';

/**
 * The lab's copy of the real cluster `group`: the cluster the Proxmox lab part wrote into the lab's workspace
 * (its API, certificate and password) with the real cluster's members (mapped), links, WAN acceptance and HA;
 * and the real latency figures renamed to the lab's hosts and networks so the plan gets the same totem tuning.
 */
export function rehearsalCluster(real: { workspace: Workspace; facts: Facts }, lab: Workspace, group: string, mapping: { node: string; host: string }[]): { workspace: Workspace; facts: Facts; notes: string[] } {
  const { cluster } = findProxmoxCluster(real.workspace, group);
  const labCluster = lab.proxmox?.clusters[0];
  if (!labCluster?.api) throw new CwError('UNSUPPORTED', 'The rehearsal lab has no Proxmox cluster with an API: its Proxmox test servers did not start.');
  const hostOf = new Map(mapping.map((m) => [m.node, m.host]));
  const members = cluster.nodes.map((n) => {
    const host = hostOf.get(n);
    if (!host) throw new CwError('INVALID_INPUT', `Node ${n} of cluster '${group}' has no lab host in the rehearsal (is it in the workspace's nodes, with a site?).`);
    return host;
  });
  const apiHost = labCluster.nodes[0];
  if (members[0] !== apiHost) {
    throw new CwError('UNSUPPORTED', `The rehearsal lab's cluster API runs on ${apiHost}, the lab host of the workspace's first node; cluster '${group}' is created on ${cluster.nodes[0]} (lab host ${members[0]}). Put ${cluster.nodes[0]} first in the workspace's nodes to rehearse this cluster.`);
  }
  const notes: string[] = [];
  const realLinks = [...cluster.links].sort((a, b) => a.link - b.link);
  const labLinks = [...labCluster.links].sort((a, b) => a.link - b.link);
  if (realLinks.length > labLinks.length) notes.push(`The lab has ${labLinks.length} corosync networks: link${realLinks.slice(labLinks.length).map((l) => l.link).join(', link')} of '${group}' are not rehearsed.`);
  const links: ProxmoxCluster['links'] = realLinks.slice(0, labLinks.length).map((l, i) => ({ link: l.link, network: labLinks[i]!.network, ...(l.priority !== undefined ? { priority: l.priority } : {}) }));
  const networkOf = new Map(realLinks.slice(0, labLinks.length).map((l, i) => [l.network, labLinks[i]!.network]));
  if (cluster.qdevice) notes.push(`The QDevice on ${cluster.qdevice.host} is not rehearsed: the rehearsal lab runs no corosync-qnetd.`);
  const copy: ProxmoxCluster = {
    ...labCluster,
    name: cluster.name,
    nodes: members,
    links,
    ...(cluster.wanTuning ? { wanTuning: cluster.wanTuning } : {}),
    ...(cluster.ha ? { ha: cluster.ha } : {}),
    ...(cluster.votes ? { votes: Object.fromEntries(Object.entries(cluster.votes).flatMap(([n, v]) => (hostOf.has(n) ? [[hostOf.get(n)!, v]] : []))) } : {}),
  };
  delete (copy as { qdevice?: unknown }).qdevice;
  const workspace: Workspace = { ...structuredClone(lab), proxmox: { ...lab.proxmox!, clusters: [copy] } };
  // The recorded figures between the real members, on the real links' networks, under the lab's names.
  const latency = real.facts.latency;
  const facts: Facts = latency
    ? {
        latency: {
          ...latency,
          samples: latency.samples.flatMap((s) => {
            const [from, to, network] = [hostOf.get(s.from), hostOf.get(s.to), networkOf.get(s.network)];
            return from && to && network ? [{ ...s, from, to, network }] : [];
          }),
        },
      }
    : {};
  delete (facts.latency as { estate?: unknown } | undefined)?.estate;
  return { workspace, facts, notes };
}

export function createProxmoxRehearsal(deps: { api: ProxmoxApi; nodeRunner?: ProxmoxServiceDeps['nodeRunner'] }): StackRehearsal {
  return {
    async plan({ real, lab, group, mapping }) {
      const copy = rehearsalCluster(real, lab, group, mapping);
      const { cluster } = findProxmoxCluster(real.workspace, group);
      // The choices the real plan was made with: the WAN acceptance the workspace records. Nodes joined by hand
      // in the real run are joined by the plan in the lab (the lab reaches every host).
      const built = clusterPlanFromWorkspace(copy.workspace, copy.facts, cluster.name, { acceptWan: cluster.wanTuning?.accepted === true });
      const plan = proxmoxClusterPlan(built.input);
      return { plan: { ...plan, id: `rehearsal-${plan.id}`, title: `Rehearsal: ${plan.title}` }, labGroup: cluster.name, labWorkspace: copy.workspace, notes: copy.notes };
    },
    async verify({ lab, labGroup, signal }) {
      const status = await readClusterStatus({ api: deps.api, ...(deps.nodeRunner ? { nodeRunner: deps.nodeRunner } : {}) }, lab, labGroup, signal);
      return {
        quorate: status.quorate,
        members: status.nodes.map((n) => ({ name: n.name, online: n.online })),
        ...('totalVotes' in status && status.totalVotes !== undefined ? { votes: `${status.totalVotes} of ${status.expectedVotes} votes${status.quorum !== undefined ? `, quorum ${status.quorum}` : ''}` } : {}),
        source: `/cluster/status on the lab's API${'votesFrom' in status && status.votesFrom ? `; votes: ${status.votesFrom}` : ''}`,
      };
    },
  };
}
