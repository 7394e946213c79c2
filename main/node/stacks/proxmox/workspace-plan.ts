// The cluster wizard's plan input read from the workspace (pure): members in cluster order, their SSH
// targets and corosync link addresses, the pinned fingerprint, the root password's secret id, QDevice, HA,
// and WAN totem timing from the stored latency facts — only when the admin accepted a slow link.
import { CwError } from '../../../common/errors.js';
import { lanRttLimitMs, tuneTotem, type TotemTuning } from '../../../common/stacks/proxmox/wan-tuning.js';
import { FactIndex, round, type Facts } from '../../../common/workspace/facts.js';
import type { Finding } from '../../../common/workspace/rules/types.js';
import type { FindingAction } from '../../../common/workspace/rules/actions.js';
import type { ProxmoxCluster } from '../../../common/stacks/proxmox/schema.js';
import type { Workspace, WorkspaceNode } from '../../../common/workspace/schema.js';
import type { ProxmoxClusterPlanInput } from './plan.js';

/** The slowest measured corosync round trip between two members, on any of the cluster's links. */
export interface CorosyncWorstLink {
  link: number;
  network: string;
  a: string;
  b: string;
  rttMs: number;
  jitterMs: number;
  lossPct: number;
  /** Probes the loss figure counts, when it came from a ping sample. */
  probes?: number;
}

export interface WorkspaceClusterChoices {
  /** The admin accepts corosync links above 5 ms with WAN-tuned totem timing. */
  acceptWan?: boolean;
  /** The release the first node reports (GET /version), for HA groups (PVE 8) or rules (PVE 9). */
  release?: string;
  /** Where it came from, for the notes ("reported by a1's API", "assumed: the API did not answer"). */
  releaseSource?: string;
  /** Joining members the app cannot reach: the admin joins them with the join information; the plan waits. */
  manualJoin?: string[];
}

export interface WorkspaceClusterPlan {
  input: ProxmoxClusterPlanInput;
  /** Present when a corosync link measured above 5 ms. */
  tuning?: TotemTuning;
  worstLink?: CorosyncWorstLink;
  notes: string[];
}

/** The cluster and its index in proxmox.clusters (for field paths in messages). */
export function findProxmoxCluster(workspace: Workspace, name: string): { cluster: ProxmoxCluster; index: number } {
  const list = workspace.proxmox?.clusters ?? [];
  const index = list.findIndex((c) => c.name === name);
  if (index < 0) {
    throw new CwError('NOT_FOUND', `The workspace has no Proxmox cluster '${name}' (clusters: ${list.map((c) => c.name).join(', ') || 'none'}). Add it under proxmox.clusters first.`);
  }
  return { cluster: list[index]!, index };
}

/** The cluster's links ordered by link number; Proxmox numbers them link0, link1… without gaps here. */
function orderedLinks(cluster: ProxmoxCluster, field: string): ProxmoxCluster['links'] {
  const links = [...cluster.links].sort((x, y) => x.link - y.link);
  links.forEach((l, i) => {
    if (l.link !== i) {
      throw new CwError('INVALID_INPUT', `Proxmox cluster '${cluster.name}': its corosync links are numbered ${links.map((x) => x.link).join(', ')}; the wizard creates link0…link${links.length - 1} in order. Renumber ${field}.links from 0 without gaps.`);
    }
  });
  return links;
}

/** The slowest measured corosync round trip between members (ping matrix or corosync's own knet figures). */
export function worstCorosyncLink(cluster: ProxmoxCluster, facts: Facts): CorosyncWorstLink | undefined {
  const index = new FactIndex(facts);
  let worst: CorosyncWorstLink | undefined;
  for (const link of cluster.links) {
    for (let i = 0; i < cluster.nodes.length; i++) {
      for (let j = i + 1; j < cluster.nodes.length; j++) {
        const a = cluster.nodes[i]!;
        const b = cluster.nodes[j]!;
        for (const p of [index.between(link.network, a, b), index.knetBetween(cluster.name, link.link, a, b)]) {
          if (!p || p.rttMs === undefined || p.error) continue;
          if (!worst || p.rttMs > worst.rttMs) worst = { link: link.link, network: link.network, a, b, rttMs: p.rttMs, jitterMs: p.mdevMs ?? 0, lossPct: p.lossPercent, ...(p.probes !== undefined ? { probes: p.probes } : {}) };
        }
      }
    }
  }
  return worst;
}

/** Findings about this cluster, its members or the links between them (the wizard shows and gates on these). */
export function findingsForCluster(findings: readonly Finding[], cluster: ProxmoxCluster, index: number): Finding[] {
  const members = new Set(cluster.nodes);
  const prefix = `proxmox.clusters[${index}]`;
  return findings.filter(
    (f) =>
      f.paths.some((p) => p === prefix || p.startsWith(`${prefix}.`) || p.startsWith(`${prefix}[`)) ||
      f.elements.some((e) => (e.kind === 'cluster' && e.stack === 'proxmox' && e.name === cluster.name) || (e.kind === 'node' && members.has(e.name)) || (e.kind === 'link' && members.has(e.name) && (e.peer === undefined || members.has(e.peer)))),
  );
}

/** An error finding the admin has not accepted stands in the way of Apply. */
export function isBlocking(findings: readonly Finding[]): boolean {
  return findings.some((f) => f.severity === 'error' && !f.accepted);
}

function memberNode(workspace: Workspace, cluster: ProxmoxCluster, field: string, name: string): WorkspaceNode {
  const node = workspace.nodes.find((n) => n.name === name);
  if (!node) throw new CwError('INVALID_INPUT', `Proxmox cluster '${cluster.name}' lists node ${name}, which is not in the workspace's nodes. Add it to nodes or remove it from ${field}.nodes.`);
  return node;
}

/** Builds proxmoxClusterPlan's input from the workspace, its facts and the admin's choices; throws what to fix. */
export function clusterPlanFromWorkspace(workspace: Workspace, facts: Facts, name: string, choices: WorkspaceClusterChoices = {}): WorkspaceClusterPlan {
  const { cluster, index } = findProxmoxCluster(workspace, name);
  const field = `proxmox.clusters[${index}]`;
  if (!cluster.nodes.length) throw new CwError('INVALID_INPUT', `Proxmox cluster '${name}' has no nodes: list its members in ${field}.nodes (the first one creates the cluster).`);
  const links = orderedLinks(cluster, field);
  const fingerprint = cluster.api?.fingerprint;
  if (!fingerprint) {
    throw new CwError(
      'INVALID_INPUT',
      `Proxmox cluster '${name}': the joins need the certificate of ${cluster.nodes[0]}'s API (port 8006), and it has not been confirmed yet. Read it and compare it with what the node shows (Cluster API, "Read its certificate", in the wizard's first step), then trust it.`,
      { cluster: name, field: `${field}.api.fingerprint`, action: { id: 'set-cluster-api', cluster: name } satisfies FindingAction },
    );
  }
  const credentials = credentialCheck(cluster, index);
  const rootPasswordSecret = cluster.api?.passwordSecret;
  if (!credentials.ok || !rootPasswordSecret) {
    throw new CwError('INVALID_INPUT', `Proxmox cluster '${name}': ${credentials.message ?? "joining nodes log in as root@pam, and its password has not been stored."}`, { cluster: name, field: credentials.field ?? `${field}.api.passwordSecret`, ...(credentials.action ? { action: credentials.action } : {}) });
  }
  const notes: string[] = [];
  const manual = new Set(choices.manualJoin ?? []);
  for (const m of manual) {
    if (!cluster.nodes.includes(m)) throw new CwError('INVALID_INPUT', `${m} is not a member of Proxmox cluster '${name}' (members: ${cluster.nodes.join(', ')}), so it cannot be joined by hand.`);
    if (m === cluster.nodes[0]) throw new CwError('INVALID_INPUT', `${m} creates cluster '${name}', so the app must reach it over SSH. Put a node the app can reach first in ${field}.nodes, or make ${m} reachable.`);
  }
  const nodes = cluster.nodes.map((memberName, i) => {
    const node = memberNode(workspace, cluster, field, memberName);
    const linkAddresses = links.map((l) => {
      const address = node.addresses[l.network];
      if (!address) {
        throw new CwError('INVALID_INPUT', `Node ${memberName} has no address on network ${l.network}, which carries corosync link${l.link} of cluster '${name}'. Set nodes[${workspace.nodes.indexOf(node)}].addresses.${l.network}.`, { node: memberName, network: l.network });
      }
      return address;
    });
    const sshAddress = node.ssh?.host ?? linkAddresses[0]!;
    if (manual.has(memberName)) {
      notes.push(`${memberName} is joined by hand (the app does not reach it): copy the join information into its web UI (Datacenter → Cluster → Join Cluster), or run pvecm add on it; ${linkAddresses.map((a, l) => `link${l} ${a}`).join(', ')}. The plan waits for it.`);
    } else {
      notes.push(`${i === 0 ? `Create cluster ${name} on ${memberName}` : `Join ${memberName}`} (SSH ${node.ssh?.user ?? 'root'}@${sshAddress}${node.ssh?.port ? `:${node.ssh.port}` : ''}), ${linkAddresses.map((a, l) => `link${l} ${a}`).join(', ')}.`);
    }
    return { name: memberName, ssh: { address: sshAddress, ...(node.ssh?.port ? { port: node.ssh.port } : {}), user: node.ssh?.user ?? 'root' }, links: linkAddresses, ...(manual.has(memberName) ? { manual: true } : {}) };
  });
  const priorities = links.map((l) => l.priority);
  const input: ProxmoxClusterPlanInput = {
    clusterName: name,
    nodes,
    fingerprint,
    rootPasswordSecret,
    ...(priorities.some((p) => p !== undefined) ? { linkPriorities: priorities } : {}),
  };
  if (priorities.some((p) => p !== undefined)) notes.push(`knet link priorities (passive mode, highest carries the traffic): ${links.map((l) => `link${l.link} ${l.priority ?? 'default'}`).join(', ')}.`);
  notes.push(`Joins log in with the root@pam password stored as secret '${rootPasswordSecret}' and trust only the certificate ${fingerprint.slice(0, 11)}…`);

  if (cluster.qdevice) {
    const q = workspace.nodes.find((n) => n.name === cluster.qdevice!.host);
    if (!q) throw new CwError('INVALID_INPUT', `Proxmox cluster '${name}': the QDevice host ${cluster.qdevice.host} (${field}.qdevice.host) is not in the workspace's nodes. Add it, or remove ${field}.qdevice.`);
    const address = q.addresses[links[0]!.network] ?? q.ssh?.host ?? Object.values(q.addresses)[0];
    if (!address) throw new CwError('INVALID_INPUT', `Proxmox cluster '${name}': the QDevice host ${q.name} has no address. Give it an address on ${links[0]!.network} (or an ssh.host).`);
    input.qdevice = { address };
    notes.push(nodes.length % 2 === 0 ? `Set up the QDevice on ${q.name} (${address}): ${nodes.length} nodes need a tie-breaker vote.` : `The QDevice ${q.name} is not set up: with ${nodes.length} nodes (an odd count) it would not help.`);
  }

  // Migration traffic (datacenter.cfg): the cluster's migrationNetwork, else a network with the `migration` role on
  // which every member has an address; it needs a CIDR.
  const hasAll = (network: string) => cluster.nodes.filter((m) => !workspace.nodes.find((n) => n.name === m)?.addresses[network]);
  const migration = cluster.migrationNetwork
    ? workspace.networks.find((n) => n.name === cluster.migrationNetwork)
    : workspace.networks.find((n) => n.roles.includes('migration') && n.cidr && hasAll(n.name).length === 0);
  if (migration) {
    const missing = hasAll(migration.name);
    if (!migration.cidr) notes.push(`Migration network ${migration.name} is not set: it has no cidr in the workspace (datacenter.cfg takes the network as a CIDR).`);
    else if (missing.length) notes.push(`Migration network ${migration.name} (${migration.cidr}) is not set: ${missing.join(', ')} ha${missing.length > 1 ? 've' : 's'} no address on it.`);
    else {
      input.migrationNetwork = migration.cidr;
      notes.push(`Live migration traffic will use ${migration.name} (${migration.cidr}), encrypted over SSH (type=secure).`);
    }
  }

  if (cluster.ha?.enabled) {
    const release = choices.release ?? '9.1';
    const pve9 = Number(release.split('.')[0]) >= 9;
    input.ha = { release, name: `cw-${name.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`, resources: [], nodes: [...cluster.nodes] };
    notes.push(`HA: ${pve9 ? 'a node-affinity rule' : 'an HA group'} ${input.ha.name} over ${cluster.nodes.join(', ')} (Proxmox VE ${release}, ${choices.releaseSource ?? 'assumed'}).`);
  }

  const worstLink = worstCorosyncLink(cluster, facts);
  let tuning: TotemTuning | undefined;
  if (worstLink && worstLink.rttMs > lanRttLimitMs) {
    tuning = tuneTotem({ rttMs: worstLink.rttMs, jitterMs: worstLink.jitterMs, lossPct: worstLink.lossPct, ...(worstLink.probes !== undefined ? { probes: worstLink.probes } : {}) }, nodes.length);
    const where = `corosync link${worstLink.link} (${worstLink.network}) between ${worstLink.a} and ${worstLink.b} measured ${round(worstLink.rttMs)} ms`;
    if (!choices.acceptWan) {
      notes.push(`No WAN tuning: ${where}, above ${lanRttLimitMs} ms; accept the WAN layout to write the tuned totem timing.`);
    } else if (tuning.verdict === 'separate-clusters') {
      notes.push(`No WAN tuning written: ${where}, more than corosync can hold for ${nodes.length} nodes. Build separate clusters and move VMs between them with cross-cluster migration (as Proxmox Datacenter Manager does).`);
    } else {
      const totem = Object.fromEntries(Object.entries(tuning.totem).filter((e): e is [string, number] => e[1] !== undefined));
      if (Object.keys(totem).length) {
        input.totem = totem;
        notes.push(`WAN tuning accepted: ${where}; write totem ${Object.entries(totem).map(([k, v]) => `${k}: ${v}`).join(', ')} before anyone joins.`);
      } else {
        notes.push(`WAN layout accepted: ${where}, but corosync's defaults already cover it; nothing to write.`);
      }
    }
  }
  notes.push(`Then wait until ${name} is quorate with ${nodes.length} votes and its membership is steady.`);
  return { input, ...(tuning ? { tuning } : {}), ...(worstLink ? { worstLink } : {}), notes };
}

/** Create and join log in as root@pam with its password; an API token is for monitoring only (Proxmox refuses it there). */
export function credentialCheck(cluster: ProxmoxCluster, index: number): { ok: boolean; kind: 'password' | 'token' | 'none'; message?: string; field?: string; action?: FindingAction } {
  const field = `proxmox.clusters[${index}].api`;
  const api = cluster.api;
  const refusal = 'Proxmox VE lets only root@pam, logged in with its password, create a cluster, join a node or remove one; API tokens are refused there.';
  const storePassword: FindingAction = { id: 'store-cluster-password', cluster: cluster.name };
  if (!api) {
    return {
      ok: false,
      kind: 'none',
      message: `Cluster '${cluster.name}' has no API settings yet. ${refusal} Set the cluster's API endpoint, confirm its certificate and store root@pam's password (Cluster API, in the wizard's first step).`,
      field,
      action: { id: 'set-cluster-api', cluster: cluster.name },
    };
  }
  if (api.passwordSecret && api.user === 'root@pam') return { ok: true, kind: 'password' };
  if (api.passwordSecret) {
    return { ok: false, kind: 'password', message: `Cluster '${cluster.name}' logs in as ${api.user}. ${refusal} Store root@pam's password instead (Cluster API, in the wizard's first step).`, field: `${field}.user`, action: storePassword };
  }
  if (api.tokenId) {
    return {
      ok: false,
      kind: 'token',
      message: `Cluster '${cluster.name}' has only the API token ${api.tokenId}. ${refusal} Keep the token for the canvas and the inventory, and store root@pam's password as well for the wizard (Cluster API, in the wizard's first step).`,
      field: `${field}.passwordSecret`,
      action: storePassword,
    };
  }
  return { ok: false, kind: 'none', message: `Cluster '${cluster.name}' has no credentials. ${refusal} Store root@pam's password (Cluster API, in the wizard's first step).`, field: `${field}.passwordSecret`, action: storePassword };
}
