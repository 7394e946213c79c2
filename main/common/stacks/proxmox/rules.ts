// Proxmox VE cluster rules (pure): quorum and QDevice, corosync links (latency, addresses,
// separation), node identity, cluster name, storage for live migration, and when to split a cluster.
import { describeLatency, round, type PairLatency } from '../../workspace/facts.js';
import { isMeasured, linkRef, nodeRef, pairsOf, plural, type ExtendedContext } from '../../workspace/rules/context.js';
import { groupRef } from '../types.js';
import { haManager, pvecm, qmMigration } from './sources.js';
import type { FindingDraft, Rule, RuleContext } from '../../workspace/rules/types.js';
import type { CorosyncLink, ProxmoxCluster } from './schema.js';
import { checkIpAddress, isHostLabel, zoneOf } from '../../workspace/names.js';

/** corosync RTT above which Proxmox warns (the pvecm chapter asks for < 5 ms). */
export const COROSYNC_WARN_MS = 5;
/** Above this a cluster is outside what corosync holds with default timeouts. */
export const COROSYNC_ERROR_MS = 10;

const clusterRef = (c: ProxmoxCluster) => groupRef('proxmox', c.name);
const clusters = (ctx: RuleContext) => ctx.workspace.proxmox?.clusters ?? [];
const at = (i: number, rest = '') => `proxmox.clusters[${i}]${rest}`;
const ext = (ctx: RuleContext) => ctx as ExtendedContext;

function totalVotes(cluster: ProxmoxCluster): number {
  return cluster.nodes.reduce((sum, name) => sum + (cluster.votes?.[name] ?? 1), 0);
}

/** The round trip of one corosync link between two members: ping matrix first, else knet. */
export function corosyncPairLatency(ctx: RuleContext, cluster: ProxmoxCluster, link: CorosyncLink, a: string, b: string): PairLatency | undefined {
  const ping = ctx.facts.between(link.network, a, b);
  if (ping) return ping;
  return ctx.facts.knetBetween(cluster.name, link.link, a, b);
}

export const quorumVotes: Rule = {
  id: 'proxmox.quorum-votes',
  stack: 'proxmox',
  title: 'At least three votes, or a QDevice',
  source: pvecm('Requirements (at least three nodes for reliable quorum); Quorum; Corosync External Vote Support', 'requirements'),
  check(ctx) {
    return clusters(ctx).flatMap((cluster, i): FindingDraft[] => {
      const votes = totalVotes(cluster);
      if (votes >= 3 || cluster.qdevice) return [];
      return [
        {
          severity: cluster.nodes.length <= 1 ? 'warning' : 'error',
          message: `Cluster ${cluster.name} has ${plural(votes, 'vote')} (${plural(cluster.nodes.length, 'node')}, no QDevice): when one node fails the other cannot reach a majority, so the cluster loses quorum and stops HA and configuration changes.`,
          elements: [clusterRef(cluster), ...cluster.nodes.map(nodeRef)],
          paths: [at(i, '.nodes')],
          remedy: 'Add a third node, or a QDevice: a small host at a third site running corosync-qnetd, whose vote decides which node keeps quorum.',
          action: { id: 'add-qdevice-host', cluster: cluster.name },
          figures: { votes, nodes: cluster.nodes.length },
        },
      ];
    });
  },
};

/** The address the cluster plan sets the QDevice up at (workspace-plan.ts picks it the same way) and its field. */
export function qdeviceAddress(ctx: RuleContext, cluster: ProxmoxCluster): { value: string; path: string } | undefined {
  const host = cluster.qdevice?.host;
  const node = host === undefined ? undefined : ctx.node(host);
  if (!node) return undefined;
  const nodePath = (ctx as ExtendedContext).nodePath(node.name);
  const first = [...cluster.links].sort((a, b) => a.link - b.link)[0]?.network;
  if (first !== undefined && node.addresses[first] !== undefined) return { value: node.addresses[first]!, path: `${nodePath}.addresses.${first}` };
  if (node.ssh?.host !== undefined) return { value: node.ssh.host, path: `${nodePath}.ssh.host` };
  const [network, value] = Object.entries(node.addresses)[0] ?? [];
  return network === undefined || value === undefined ? undefined : { value, path: `${nodePath}.addresses.${network}` };
}

export const qdevicePlacement: Rule = {
  id: 'proxmox.qdevice-placement',
  stack: 'proxmox',
  title: 'An even node count needs a QDevice (ffsplit) at a third site',
  source: pvecm('Corosync External Vote Support: Supported Setups; Frequently Asked Questions: Tie Breaking', 'qdevice'),
  check(ctx) {
    const findings: FindingDraft[] = [];
    clusters(ctx).forEach((cluster, i) => {
      const n = cluster.nodes.length;
      const base = { elements: [clusterRef(cluster)], paths: [at(i)] };
      if (n >= 2 && n % 2 === 0 && !cluster.qdevice) {
        findings.push({
          ...base,
          severity: 'warning',
          message: `Cluster ${cluster.name} has an even number of nodes (${n}) and no QDevice: if the sites split ${n / 2}:${n / 2}, neither half has a majority and both stop.`,
          remedy: 'Add a QDevice on a host at a third site: with the ffsplit algorithm it gives its one vote to one half, which keeps quorum.',
          action: { id: 'add-qdevice-host', cluster: cluster.name },
          figures: { nodes: n },
        });
      }
      const q = cluster.qdevice;
      if (!q) return;
      const qpath = at(i, '.qdevice');
      const address = qdeviceAddress(ctx, cluster);
      if (address && n % 2 === 0 && (zoneOf(address.value) !== undefined || checkIpAddress(address.value) !== undefined)) {
        findings.push({
          elements: [clusterRef(cluster), nodeRef(q.host)],
          paths: [address.path],
          severity: 'error',
          message: `The QDevice host ${q.host} of cluster ${cluster.name} would be set up at ${address.value}, which pvecm qdevice setup does not take: it needs an IP address (its \`ip\` format), without a zone id.`,
          remedy: `Give ${q.host} a plain IP address (without a zone id) on ${cluster.links[0]?.network ? `network ${cluster.links[0].network}` : 'the first corosync network'}, or reach it over SSH at a plain IP address.`,
        });
      }
      if (n % 2 === 1) {
        findings.push({
          elements: [clusterRef(cluster), nodeRef(q.host)],
          paths: [qpath],
          severity: 'warning',
          message: `Cluster ${cluster.name} has an odd number of nodes (${n}) and a QDevice: Proxmox does not recommend a QDevice here, because with the lms algorithm the QDevice's votes can outweigh the nodes and with ffsplit it adds no protection.`,
          remedy: 'Remove the QDevice from the layout (on a running cluster: pvecm qdevice remove), or add a node so the count is even.',
          figures: { nodes: n },
        });
      } else if (q.algorithm !== 'ffsplit') {
        findings.push({
          elements: [clusterRef(cluster), nodeRef(q.host)],
          paths: [qpath + '.algorithm'],
          severity: 'warning',
          message: `The QDevice of cluster ${cluster.name} uses the ${q.algorithm} algorithm; with ${n} nodes Proxmox sets up ffsplit, which gives the QDevice exactly one vote.`,
          remedy: 'Use the ffsplit algorithm, as pvecm qdevice setup does for an even number of nodes.',
          action: { id: 'set-qdevice-algorithm', cluster: cluster.name, algorithm: 'ffsplit' },
          figures: { nodes: n },
        });
      }
      if (cluster.nodes.includes(q.host)) {
        findings.push({
          elements: [clusterRef(cluster), nodeRef(q.host)],
          paths: [qpath + '.host'],
          severity: 'error',
          message: `The QDevice host ${q.host} is itself a member of cluster ${cluster.name}; its vote would fail together with that node.`,
          remedy: 'Run corosync-qnetd on a host outside the cluster, ideally at a third site.',
          action: { id: 'add-qdevice-host', cluster: cluster.name },
        });
      } else {
        const qsite = ctx.node(q.host)?.site;
        const memberSites = new Set(cluster.nodes.map((name) => ctx.node(name)?.site).filter((s): s is string => !!s));
        if (qsite && memberSites.has(qsite)) {
          findings.push({
            elements: [clusterRef(cluster), nodeRef(q.host), { kind: 'site', name: qsite }],
            paths: [qpath + '.host'],
            severity: 'warning',
            message: `The QDevice host ${q.host} is in site ${qsite}, which also holds cluster nodes: if that site is cut off, the other site loses both its peers and the tie-breaker.`,
            remedy: 'Place the QDevice at a third site reachable from both (a small VM or a Raspberry Pi is enough).',
            action: { id: 'add-qdevice-host', cluster: cluster.name },
          });
        }
      }
    });
    return findings;
  },
};

export const corosyncLatency: Rule = {
  id: 'proxmox.corosync-latency',
  stack: 'proxmox',
  title: `Corosync round trip below ${COROSYNC_WARN_MS} ms on every link`,
  source: pvecm('Cluster Network: Network Requirements (latencies under 5 ms; above about 10 ms it is unlikely to work)', 'networkRequirements'),
  check(ctx) {
    const findings: FindingDraft[] = [];
    clusters(ctx).forEach((cluster, i) => {
      const accepted = cluster.wanTuning?.accepted === true;
      cluster.links.forEach((link, l) => {
        const members = cluster.nodes.filter((name) => ctx.node(name)?.addresses[link.network] !== undefined);
        let unmeasured = 0;
        for (const [a, b] of pairsOf(members)) {
          const p = corosyncPairLatency(ctx, cluster, link, a, b);
          if (!isMeasured(p)) {
            if (p?.rttMs === undefined && p && !p.error && p.lossPercent >= 100) {
              findings.push({
                severity: 'error',
                message: `Corosync link${link.link} (network ${link.network}) between ${a} and ${b}: no reply, ${round(p.lossPercent)} % loss.`,
                elements: [linkRef(a, b, link.network), clusterRef(cluster)],
                paths: [at(i, `.links[${l}]`)],
                remedy: `Check that ${a} and ${b} can reach each other on ${link.network} (addresses, VLAN, firewall UDP 5405–5412).`,
                figures: { lossPercent: p.lossPercent },
              });
            } else unmeasured++;
            continue;
          }
          const figures = { rttMs: round(p.rttMs), lossPercent: p.lossPercent, ...(p.mdevMs !== undefined ? { jitterMs: round(p.mdevMs) } : {}) };
          const where = `Corosync link${link.link} (network ${link.network}) between ${a} and ${b}: ${describeLatency(p)}`;
          const base = { elements: [linkRef(a, b, link.network), clusterRef(cluster)], paths: [at(i, `.links[${l}]`)], figures };
          if (p.rttMs > COROSYNC_ERROR_MS) {
            findings.push({
              ...base,
              severity: accepted ? 'warning' : 'error',
              ...(accepted ? { accepted: true } : {}),
              message: `${where}, above ${COROSYNC_ERROR_MS} ms${accepted ? '; accepted with WAN tuning' + (cluster.wanTuning?.tokenMs ? ` (token ${cluster.wanTuning.tokenMs} ms)` : '') : ''}.`,
              remedy: accepted
                ? 'Keep the token timeout sized from the measured round trip and jitter; watch for membership changes in the corosync log.'
                : 'Use a faster path for this link, or accept a WAN-tuned layout (a larger token timeout, recorded in the workspace); for more than 3 nodes consider separate clusters.',
              ...(accepted ? {} : { action: { id: 'accept-wan-layout' as const, cluster: cluster.name } }),
            });
          } else if (p.rttMs >= COROSYNC_WARN_MS) {
            findings.push({
              ...base,
              severity: 'warning',
              message: `${where}, above the ${COROSYNC_WARN_MS} ms corosync wants.`,
              remedy: 'Corosync may re-form membership under load; prefer a lower-latency path or add a faster link with a higher priority.',
              action: { id: 'add-corosync-link', cluster: cluster.name },
            });
          } else if (p.lossPercent > 0) {
            findings.push({
              ...base,
              severity: 'warning',
              message: `${where}: packets are lost on a corosync link.`,
              remedy: 'Find the lossy hop (cabling, Wi-Fi, saturated uplink); corosync needs a steady network.',
            });
          }
        }
        if (unmeasured > 0) {
          findings.push({
            severity: 'info',
            message: `Corosync link${link.link} (network ${link.network}) of cluster ${cluster.name}: ${plural(unmeasured, 'pair')} of nodes not measured yet.`,
            elements: [clusterRef(cluster), { kind: 'network', name: link.network }],
            paths: [at(i, `.links[${l}]`)],
            remedy: 'Measure the round trip between the nodes on this network.',
            action: { id: 'measure-latency' },
            figures: { unmeasuredPairs: unmeasured },
          });
        }
      });
    });
    return findings;
  },
};

export const linkAddresses: Rule = {
  id: 'proxmox.link-addresses',
  stack: 'proxmox',
  title: 'Every node has an address on every corosync link',
  source: pvecm('Adding Nodes with Separated Cluster Network; Corosync Addresses; Corosync Redundancy', 'separatedNetwork'),
  check(ctx) {
    const findings: FindingDraft[] = [];
    clusters(ctx).forEach((cluster, i) => {
      cluster.links.forEach((link, l) => {
        const missing = cluster.nodes.filter((name) => ctx.node(name) && ctx.node(name)!.addresses[link.network] === undefined);
        // Proxmox's `ip` format (link addresses, pvecm qdevice setup) refuses an IPv6 zone id.
        for (const name of cluster.nodes) {
          const address = ctx.node(name)?.addresses[link.network];
          if (address === undefined || zoneOf(address) === undefined) continue;
          findings.push({
            severity: 'error',
            message: `Node ${name} of cluster ${cluster.name} has the corosync link${link.link} address ${address}, with an IPv6 zone id ("%${zoneOf(address)}"); Proxmox takes link addresses without one and refuses the cluster.`,
            elements: [clusterRef(cluster), nodeRef(name), { kind: 'network', name: link.network }],
            paths: [`${ext(ctx).nodePath(name)}.addresses.${link.network}`],
            remedy: `Give ${name} a global or unique-local address on ${link.network} (corosync does not use link-local addresses with a zone).`,
          });
        }
        if (missing.length === 0) return;
        findings.push({
          severity: 'error',
          message: `${plural(missing.length, 'node')} of cluster ${cluster.name} ${missing.length === 1 ? 'has' : 'have'} no address on network ${link.network} for corosync link${link.link}: ${missing.join(', ')}. Corosync requires every node on every link.`,
          elements: [clusterRef(cluster), ...missing.map(nodeRef), { kind: 'network', name: link.network }],
          paths: [at(i, `.links[${l}]`), ...missing.map((n) => `${ext(ctx).nodePath(n)}.addresses`)],
          remedy: `Give ${missing.join(', ')} an address on network ${link.network}, or remove link${link.link} from cluster ${cluster.name}.`,
          figures: { missing: missing.length },
        });
      });
    });
    return findings;
  },
};


export const nodeIdentity: Rule = {
  id: 'proxmox.node-identity',
  stack: 'proxmox',
  title: 'Unique node names and node ids',
  source: pvecm('Adding Nodes to the Cluster (node names and node ids); Remove a Cluster Node', 'joinNode'),
  check(ctx) {
    const findings: FindingDraft[] = [];
    const memberOf = new Map<string, string>();
    clusters(ctx).forEach((cluster, i) => {
      const seen = new Set<string>();
      const byLowerCase = new Map<string, string>();
      cluster.nodes.forEach((name, n) => {
        if (seen.has(name)) {
          findings.push({ severity: 'error', message: `Node ${name} is listed twice in cluster ${cluster.name}.`, elements: [clusterRef(cluster), nodeRef(name)], paths: [at(i, `.nodes[${n}]`)], remedy: `List ${name} once.` });
        } else if (byLowerCase.has(name.toLowerCase())) {
          const first = byLowerCase.get(name.toLowerCase())!;
          findings.push({ severity: 'error', message: `Nodes ${first} and ${name} of cluster ${cluster.name} differ only in case; host names are case-insensitive, so they would be one node to corosync and DNS.`, elements: [clusterRef(cluster), nodeRef(first), nodeRef(name)], paths: [at(i, `.nodes[${n}]`)], remedy: 'Give each node a host name that differs in more than case.' });
        }
        seen.add(name);
        byLowerCase.set(name.toLowerCase(), byLowerCase.get(name.toLowerCase()) ?? name);
        const other = memberOf.get(name);
        if (other !== undefined && other !== cluster.name) {
          findings.push({ severity: 'error', message: `Node ${name} is a member of both cluster ${other} and cluster ${cluster.name}; a Proxmox node belongs to one cluster.`, elements: [nodeRef(name), clusterRef(cluster)], paths: [at(i, `.nodes[${n}]`)], remedy: 'Keep the node in one cluster; use cross-cluster migration to move guests between clusters.' });
        }
        memberOf.set(name, cluster.name);
        if (!isHostLabel(name)) {
          findings.push({ severity: 'error', message: `Node name ${name} in cluster ${cluster.name} is not a valid hostname (letters, digits and "-", no dots, at most 63 characters); Proxmox uses it as the node's name in the cluster.`, elements: [nodeRef(name)], paths: [at(i, `.nodes[${n}]`)], remedy: 'Rename the node to its short hostname before it joins; a node cannot be renamed while in a cluster.' });
        }
      });
      const byId = new Map<number, string>();
      for (const [name, id] of Object.entries(cluster.nodeIds ?? {})) {
        const owner = byId.get(id);
        if (owner !== undefined) {
          findings.push({ severity: 'error', message: `Nodes ${owner} and ${name} of cluster ${cluster.name} both have node id ${id}; corosync node ids must be unique.`, elements: [clusterRef(cluster), nodeRef(owner), nodeRef(name)], paths: [at(i, `.nodeIds.${name}`)], remedy: 'Give each node its own id, or leave the ids out and let pvecm assign them.', figures: { nodeId: id } });
        } else byId.set(id, name);
      }
    });
    return findings;
  },
};

export const clusterName: Rule = {
  id: 'proxmox.cluster-name',
  stack: 'proxmox',
  title: 'Cluster name at most 15 characters',
  source: pvecm('Create a Cluster (the name cannot be changed later; the API takes at most 15 characters for clustername)', 'createCluster'),
  check(ctx) {
    return clusters(ctx).flatMap((cluster, i): FindingDraft[] =>
      cluster.name.length > 15
        ? [
            {
              severity: 'error',
              message: `Cluster name "${cluster.name}" has ${cluster.name.length} characters; Proxmox accepts at most 15, and the name cannot be changed after creation.`,
              elements: [clusterRef(cluster)],
              paths: [at(i, '.name')],
              remedy: 'Choose a shorter name (at most 15 characters).',
              figures: { length: cluster.name.length },
            },
          ]
        : [],
    );
  },
};

/** Networks that carry storage or migration traffic, including through shared CIDRs or addresses. */
function sharedWithBulkTraffic(ctx: ExtendedContext, cluster: ProxmoxCluster, networkName: string): string[] {
  const network = ctx.network(networkName);
  if (!network) return [];
  const reasons: string[] = [];
  const bulk = network.roles.filter((r) => r === 'storage' || r === 'migration' || r === 'vsan');
  if (bulk.length) reasons.push(`network ${networkName} also carries ${bulk.join(' and ')}`);
  if (cluster.migrationNetwork === networkName) reasons.push(`it is the cluster's migration network`);
  for (const other of ctx.workspace.networks) {
    if (other.name === networkName || !other.roles.some((r) => r === 'storage' || r === 'migration')) continue;
    const sameAddress = cluster.nodes.some((name) => {
      const addresses = ctx.node(name)?.addresses;
      return addresses?.[networkName] !== undefined && addresses[networkName] === addresses[other.name];
    });
    if (sameAddress || (network.cidr && other.cidr && network.cidr === other.cidr)) reasons.push(`it shares addresses with ${other.roles.join('/')} network ${other.name}`);
  }
  return reasons;
}

/** The link corosync uses first in passive mode: highest priority, then lowest link number. */
export function primaryLink(cluster: ProxmoxCluster): CorosyncLink | undefined {
  return [...cluster.links].sort((x, y) => (y.priority ?? 1) - (x.priority ?? 1) || x.link - y.link)[0];
}

export const corosyncSeparate: Rule = {
  id: 'proxmox.corosync-separate',
  stack: 'proxmox',
  title: 'Corosync not on a storage or migration network (except as a fallback link)',
  source: pvecm('Cluster Network: Network Requirements (do not share corosync with storage, except as a low-priority fallback); Corosync Redundancy', 'networkRequirements'),
  check(ctx) {
    const findings: FindingDraft[] = [];
    clusters(ctx).forEach((cluster, i) => {
      const primary = primaryLink(cluster);
      cluster.links.forEach((link, l) => {
        const reasons = sharedWithBulkTraffic(ext(ctx), cluster, link.network);
        if (reasons.length === 0) return;
        const fallback = link !== primary && primary !== undefined && sharedWithBulkTraffic(ext(ctx), cluster, primary.network).length === 0;
        findings.push({
          severity: fallback ? 'info' : 'warning',
          message: fallback
            ? `Corosync link${link.link} of cluster ${cluster.name} shares its network (${reasons.join('; ')}), but only as a lower-priority fallback behind link${primary.link}: acceptable.`
            : `Corosync link${link.link} of cluster ${cluster.name} is its ${cluster.links.length === 1 ? 'only' : 'preferred'} link and ${reasons.join('; ')}: storage and migration traffic can delay corosync packets and cost quorum.`,
          elements: [clusterRef(cluster), { kind: 'network', name: link.network }],
          paths: [at(i, `.links[${l}]`)],
          remedy: fallback ? 'Nothing to do; keep its priority lower than the dedicated link.' : 'Give corosync a dedicated network (a separate NIC or VLAN) as the highest-priority link; keep this one as a fallback with a lower priority.',
          ...(fallback ? {} : { action: { id: 'add-corosync-link' as const, cluster: cluster.name } }),
        });
      });
    });
    return findings;
  },
};

export const liveMigrationStorage: Rule = {
  id: 'proxmox.live-migration-storage',
  stack: 'proxmox',
  title: 'Identical storage on the nodes for live migration',
  source: qmMigration('Migration: Online Migration (disks on storage the target lacks must be sent to it)'),
  check(ctx) {
    const findings: FindingDraft[] = [];
    clusters(ctx).forEach((cluster, i) => {
      if (!cluster.storages) {
        if (cluster.nodes.length > 1) {
          findings.push({ severity: 'info', message: `Cluster ${cluster.name} does not describe its storage, so live migration cannot be checked.`, elements: [clusterRef(cluster)], paths: [at(i, '.storages')], remedy: 'Describe the cluster\'s storage in the workspace: each storage\'s id and type, whether it is shared, and the nodes that have it.' });
        }
        return;
      }
      cluster.storages.forEach((storage, s) => {
        const missing = storage.nodes ? cluster.nodes.filter((n) => !storage.nodes!.includes(n)) : [];
        if (missing.length > 0) {
          findings.push({
            severity: 'warning',
            message: `Storage ${storage.id} of cluster ${cluster.name} exists on ${plural(cluster.nodes.length - missing.length, 'node')} of ${cluster.nodes.length}; guests with disks on it cannot live-migrate to ${missing.join(', ')}.`,
            elements: [clusterRef(cluster), ...missing.map(nodeRef)],
            paths: [at(i, `.storages[${s}]`)],
            remedy: `Configure storage ${storage.id} on ${missing.join(', ')} too, or map disks to a target storage when migrating.`,
            figures: { nodesWith: cluster.nodes.length - missing.length, nodes: cluster.nodes.length },
          });
        }
      });
      const shared = cluster.storages.filter((s) => s.shared);
      if (shared.length === 0 && cluster.ha?.enabled) {
        findings.push({
          severity: 'warning',
          message: `Cluster ${cluster.name} has HA enabled but no shared storage: HA can only restart guests whose disks are on shared storage (or replicated with ZFS).`,
          elements: [clusterRef(cluster)],
          paths: [at(i, '.ha')],
          remedy: 'Add shared storage (Ceph, NFS, iSCSI) or set up ZFS storage replication for HA guests.',
          figures: { sharedStorages: 0 },
          source: haManager('Requirements: shared storage for VMs and containers'),
        });
      }
    });
    return findings;
  },
};

export const wanSplit: Rule = {
  id: 'proxmox.wan-split',
  stack: 'proxmox',
  title: 'Across more than 10 ms, keep clusters small',
  source: pvecm('Cluster Network: Network Requirements (with more than three nodes and latencies above about 10 ms, a cluster is unlikely to work)', 'networkRequirements'),
  check(ctx) {
    const findings: FindingDraft[] = [];
    clusters(ctx).forEach((cluster, i) => {
      if (cluster.nodes.length <= 3) return;
      let worst = 0;
      for (const link of cluster.links) {
        const members = cluster.nodes.filter((name) => ctx.node(name)?.addresses[link.network] !== undefined);
        for (const [a, b] of pairsOf(members)) {
          const p = corosyncPairLatency(ctx, cluster, link, a, b);
          if (isMeasured(p)) worst = Math.max(worst, p.rttMs);
        }
      }
      if (worst <= COROSYNC_ERROR_MS) return;
      findings.push({
        severity: 'warning',
        message: `Cluster ${cluster.name} has ${cluster.nodes.length} nodes and a corosync round trip up to ${round(worst)} ms: more than 3 nodes across a link above ${COROSYNC_ERROR_MS} ms is fragile even with WAN tuning.`,
        elements: [clusterRef(cluster)],
        paths: [at(i)],
        remedy: 'Build one cluster per site (or per low-latency group) and move guests between them with cross-cluster migration (qm remote-migrate, Proxmox Datacenter Manager).',
        figures: { nodes: cluster.nodes.length, worstRttMs: round(worst) },
      });
    });
    return findings;
  },
};

export const proxmoxRules: Rule[] = [quorumVotes, qdevicePlacement, corosyncLatency, linkAddresses, nodeIdentity, clusterName, corosyncSeparate, liveMigrationStorage, wanSplit];
