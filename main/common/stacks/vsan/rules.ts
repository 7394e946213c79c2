// VMware vSAN stretched cluster rules (pure): two data sites and a witness site, data and witness
// round trips, inter-site bandwidth, the witness outside the cluster, and the 15 + 15 + 1 limit. A cluster
// whose stretching was disabled (`stretched: false`) is held to a standard cluster's limits instead: 1 ms
// between all its hosts and 64 hosts; the stretched-cluster limits do not apply to it. Its two kept fault domains
// are information (no third one for the witness components), unless they were deleted (`faultDomains: false`).
import { describeLatency, round } from '../../workspace/facts.js';
import { crossPairs, isMeasured, linkRef, nodeRef, pairsOf, plural } from '../../workspace/rules/context.js';
import { groupRef } from '../types.js';
import { vsanConfigurationMaximums, vsanNetworkRequirements, vsanStretched } from './sources.js';
import { dataHostsOf, faultDomainsDeleted, witnessOf } from './stretching.js';
import type { FindingDraft, Rule, RuleContext } from '../../workspace/rules/types.js';
import type { VsanCluster } from './schema.js';

export const VSAN_DATA_RTT_MS = 5;
/** Between all hosts of a vSAN cluster that is not stretched (a single site). */
export const VSAN_STANDARD_RTT_MS = 1;
export const VSAN_MIN_BANDWIDTH_GBPS = 10;
export const VSAN_MAX_HOSTS_PER_SITE = 15;
/** Hosts in a standard (not stretched) vSAN cluster. */
export const VSAN_MAX_HOSTS_STANDARD = 64;

const clusterRef = (c: VsanCluster) => groupRef('vsan', c.name);
const clusters = (ctx: RuleContext) => ctx.workspace.vsan?.clusters ?? [];
const at = (i: number, rest = '') => `vsan.clusters[${i}]${rest}`;

/** The network vSAN data travels on: the declared one, else the workspace's vsan network both ends have. */
function dataNetwork(ctx: RuleContext, cluster: VsanCluster): string | undefined {
  if (cluster.dataNetwork) return cluster.dataNetwork;
  return ctx.workspace.networks.find((n) => n.roles.includes('vsan'))?.name;
}

function witnessNetwork(ctx: RuleContext, cluster: VsanCluster): string | undefined {
  if (cluster.witnessNetwork) return cluster.witnessNetwork;
  return ctx.workspace.networks.find((n) => n.roles.includes('witness'))?.name ?? ctx.workspace.networks.find((n) => n.roles.includes('management'))?.name ?? dataNetwork(ctx, cluster);
}

/** The witness round trip limit: 500 ms for a 2-node cluster, 100 ms with 11–15 hosts per site, else 200 ms. */
export function witnessLimitMs(cluster: VsanCluster): number {
  const largest = Math.max(cluster.preferredSite.hosts.length, cluster.secondarySite.hosts.length);
  if (cluster.preferredSite.hosts.length + cluster.secondarySite.hosts.length <= 2) return 500;
  return largest >= 11 ? 100 : 200;
}

export const siteLayout: Rule = {
  id: 'vsan.site-layout',
  stack: 'vsan',
  title: 'Two data sites and a witness at a third site',
  source: vsanStretched('Stretched cluster architecture: preferred, secondary and witness sites'),
  check(ctx) {
    const findings: FindingDraft[] = [];
    clusters(ctx).forEach((cluster, i) => {
      const p = cluster.preferredSite.site;
      const s = cluster.secondarySite.site;
      const witness = witnessOf(cluster);
      /** Hosts counted in a site (or fault domain) the workspace does not place them in. */
      const placed = (side: 'preferredSite' | 'secondarySite') => {
        const group = cluster[side];
        const elsewhere = group.hosts.filter((h) => ctx.node(h) && ctx.node(h)!.site !== group.site);
        if (elsewhere.length > 0) {
          findings.push({ severity: 'error', message: `vSAN cluster ${cluster.name} counts ${elsewhere.join(', ')} in site ${group.site}, but the workspace places ${elsewhere.length === 1 ? 'it' : 'them'} in ${[...new Set(elsewhere.map((h) => ctx.node(h)!.site))].join(', ')}.`, elements: [clusterRef(cluster), ...elsewhere.map(nodeRef)], paths: [at(i, `.${side}.hosts`)], remedy: `Count ${elsewhere.length === 1 ? 'the host' : 'each host'} in the data site where ${elsewhere.length === 1 ? 'it stands' : 'they stand'}, or correct the node's site.` });
        }
      };
      if (!witness) {
        // Not stretched: no witness site to demand; the fault domains stay where the hosts stand.
        placed('preferredSite');
        placed('secondarySite');
        // Deleted (VMware's procedure after disabling stretching): each host is its own fault domain.
        if (faultDomainsDeleted(cluster)) return;
        const domains = p === s ? [p] : [p, s];
        findings.push({
          severity: 'info',
          message: `vSAN cluster ${cluster.name} is not stretched: it has no witness, and its hosts keep the fault domain${domains.length === 1 ? '' : 's'} ${domains.join(' and ')}. An object mirrored across two fault domains has no third one for its witness component, so vSAN cannot make it compliant again.`,
          elements: [clusterRef(cluster), ...domains.map((name) => ({ kind: 'site' as const, name }))],
          paths: [at(i, '.stretched')],
          remedy: `Delete the fault domains in vCenter (Configure, vSAN, Fault Domains) so that each host is a fault domain of its own, repair the objects, and record it here (${at(i, '.faultDomains')}: false); or stretch the cluster again with a witness at a third site.`,
          figures: { faultDomains: domains.length },
          source: vsanStretched('Convert a stretched cluster to a standard vSAN cluster'),
        });
        return;
      }
      const w = witness.site;
      const elements = [clusterRef(cluster), { kind: 'site' as const, name: p }, { kind: 'site' as const, name: s }, { kind: 'site' as const, name: w }];
      if (p === s) {
        findings.push({ severity: 'error', message: `vSAN cluster ${cluster.name} has the same site (${p}) as preferred and secondary data site; a stretched cluster needs two data sites.`, elements, paths: [at(i, '.secondarySite.site')], remedy: 'Make the secondary data site the second location, not the preferred site again.' });
      }
      if (w === p || w === s) {
        findings.push({ severity: 'error', message: `The witness of vSAN cluster ${cluster.name} is in data site ${w}; the witness must be at a third site so that losing one data site leaves a majority.`, elements, paths: [at(i, '.witness.site')], remedy: 'Run the witness appliance at a third site (a small host, or a VM in another location or cloud).' });
      }
      for (const side of ['preferredSite', 'secondarySite'] as const) {
        const group = cluster[side];
        if (group.hosts.length === 0) {
          findings.push({ severity: 'error', message: `The ${side === 'preferredSite' ? 'preferred' : 'secondary'} site ${group.site} of vSAN cluster ${cluster.name} has no hosts.`, elements, paths: [at(i, `.${side}.hosts`)], remedy: 'Add at least one ESXi host to each data site.', figures: { hosts: 0 } });
        }
        placed(side);
      }
      const witnessSite = ctx.node(witness.host)?.site;
      if (witnessSite !== undefined && witnessSite !== w) {
        findings.push({ severity: 'error', message: `The witness host ${witness.host} of vSAN cluster ${cluster.name} is declared at site ${w}, but the workspace places it in ${witnessSite}.`, elements: [clusterRef(cluster), nodeRef(witness.host)], paths: [at(i, '.witness')], remedy: `Declare the witness at site ${witnessSite}, where ${witness.host} stands, or correct the node's site.` });
      }
    });
    return findings;
  },
};

/** A cluster that is not stretched is a standard one: 1 ms between all its hosts, whichever site they stand in. */
function standardClusterLatency(ctx: RuleContext, cluster: VsanCluster, i: number, network: string): FindingDraft[] {
  const findings: FindingDraft[] = [];
  const source = vsanNetworkRequirements('Network latency: at most 1 ms RTT between all hosts of a single-site (not stretched) vSAN cluster');
  let unmeasured = 0;
  for (const [a, b] of pairsOf(dataHostsOf(cluster))) {
    const p = ctx.facts.between(network, a, b);
    if (!isMeasured(p)) {
      unmeasured++;
      continue;
    }
    if (p.rttMs <= VSAN_STANDARD_RTT_MS) continue;
    findings.push({
      severity: 'error',
      message: `vSAN data between ${a} and ${b} (network ${network}): ${describeLatency(p)}, above the ${VSAN_STANDARD_RTT_MS} ms VMware supports between the hosts of a vSAN cluster that is not stretched (${cluster.name}).`,
      elements: [linkRef(a, b, network), clusterRef(cluster)],
      paths: [at(i)],
      remedy: 'Stretch the cluster again with a witness at a third site, or keep its hosts where they are within 1 ms of each other.',
      figures: { rttMs: round(p.rttMs), limitMs: VSAN_STANDARD_RTT_MS },
      source,
    });
  }
  if (unmeasured > 0) {
    findings.push({ severity: 'info', message: `vSAN cluster ${cluster.name}: ${plural(unmeasured, 'pair')} of its hosts not measured yet on ${network}.`, elements: [clusterRef(cluster)], paths: [at(i)], remedy: 'Measure the round trip between the hosts of the cluster.', action: { id: 'measure-latency' }, figures: { unmeasuredPairs: unmeasured }, source });
  }
  return findings;
}

export const dataLatency: Rule = {
  id: 'vsan.data-latency',
  stack: 'vsan',
  title: `Data site to data site below ${VSAN_DATA_RTT_MS} ms (${VSAN_STANDARD_RTT_MS} ms between all hosts once not stretched)`,
  source: vsanStretched('Network requirements: data site to data site latency ≤ 5 ms RTT'),
  check(ctx) {
    const findings: FindingDraft[] = [];
    clusters(ctx).forEach((cluster, i) => {
      const network = dataNetwork(ctx, cluster);
      if (!network) return;
      if (!witnessOf(cluster)) {
        findings.push(...standardClusterLatency(ctx, cluster, i, network));
        return;
      }
      let unmeasured = 0;
      for (const [a, b] of crossPairs(cluster.preferredSite.hosts, cluster.secondarySite.hosts)) {
        const p = ctx.facts.between(network, a, b);
        if (!isMeasured(p)) {
          unmeasured++;
          continue;
        }
        const base = { elements: [linkRef(a, b, network), clusterRef(cluster)], paths: [at(i)], figures: { rttMs: round(p.rttMs), lossPercent: p.lossPercent } };
        if (p.rttMs > VSAN_DATA_RTT_MS) {
          findings.push({ ...base, severity: 'error', message: `vSAN data between ${a} and ${b} (network ${network}): ${describeLatency(p)}, above the ${VSAN_DATA_RTT_MS} ms VMware supports between data sites.`, remedy: 'Connect the data sites with a lower-latency link (metro distance), or use two separate clusters with replication instead of a stretched cluster.' });
        } else if (p.lossPercent > 0) {
          findings.push({ ...base, severity: 'warning', message: `vSAN data between ${a} and ${b} (network ${network}): ${describeLatency(p)}; packet loss slows every synchronous write.`, remedy: 'Find and fix the lossy hop on the inter-site link.' });
        }
      }
      if (unmeasured > 0) {
        findings.push({ severity: 'info', message: `vSAN cluster ${cluster.name}: ${plural(unmeasured, 'pair')} of data hosts across the sites not measured yet on ${network}.`, elements: [clusterRef(cluster)], paths: [at(i)], remedy: 'Measure the round trip between the data hosts of both sites.', action: { id: 'measure-latency' }, figures: { unmeasuredPairs: unmeasured } });
      }
    });
    return findings;
  },
};

export const dataBandwidth: Rule = {
  id: 'vsan.data-bandwidth',
  stack: 'vsan',
  title: `At least ${VSAN_MIN_BANDWIDTH_GBPS} Gbps between data sites`,
  source: vsanStretched('Network requirements: data site to data site bandwidth 10 Gbps or more'),
  check(ctx) {
    return clusters(ctx).flatMap((cluster, i): FindingDraft[] => {
      // The inter-site link of a stretched cluster; a cluster that is not stretched has none.
      if (!witnessOf(cluster)) return [];
      const name = dataNetwork(ctx, cluster);
      const network = name ? ctx.network(name) : undefined;
      if (!network || network.bandwidthGbps === undefined || network.bandwidthGbps >= VSAN_MIN_BANDWIDTH_GBPS) return [];
      return [
        {
          severity: 'error',
          message: `The vSAN data network ${network.name} of cluster ${cluster.name} has ${network.bandwidthGbps} Gbps; VMware requires at least ${VSAN_MIN_BANDWIDTH_GBPS} Gbps between data sites.`,
          elements: [clusterRef(cluster), { kind: 'network', name: network.name }],
          paths: [at(i, '.dataNetwork')],
          remedy: `Provision an inter-site link of ${VSAN_MIN_BANDWIDTH_GBPS} Gbps or more, or correct the bandwidth recorded for network ${network.name} if it is wrong.`,
          figures: { bandwidthGbps: network.bandwidthGbps },
        },
      ];
    });
  },
};

export const witnessLatency: Rule = {
  id: 'vsan.witness-latency',
  stack: 'vsan',
  title: 'Witness round trip within 200 ms (100 ms with 11–15 hosts per site, 500 ms for 2 nodes)',
  source: vsanStretched('Network requirements: data site to witness latency'),
  check(ctx) {
    const findings: FindingDraft[] = [];
    clusters(ctx).forEach((cluster, i) => {
      const witness = witnessOf(cluster);
      const network = witnessNetwork(ctx, cluster);
      if (!network || !witness) return;
      const limit = witnessLimitMs(cluster);
      const hosts = [...cluster.preferredSite.hosts, ...cluster.secondarySite.hosts];
      for (const host of hosts) {
        const p = ctx.facts.between(network, witness.host, host);
        if (!isMeasured(p) || p.rttMs <= limit) continue;
        findings.push({
          severity: 'error',
          message: `Witness ${witness.host} to ${host} (network ${network}): ${describeLatency(p)}, above the ${limit} ms allowed for a cluster with ${plural(hosts.length, 'data host')}.`,
          elements: [linkRef(witness.host, host, network), clusterRef(cluster)],
          paths: [at(i, '.witness')],
          remedy: 'Place the witness closer to both data sites, or use a faster path to it.',
          figures: { rttMs: round(p.rttMs), limitMs: limit },
        });
      }
    });
    return findings;
  },
};

export const witnessNotMember: Rule = {
  id: 'vsan.witness-not-member',
  stack: 'vsan',
  title: 'The witness is not a member of the cluster',
  source: vsanStretched('Witness host: a dedicated witness appliance or host outside the cluster'),
  check(ctx) {
    return clusters(ctx).flatMap((cluster, i): FindingDraft[] => {
      const w = witnessOf(cluster)?.host;
      if (w === undefined) return [];
      const inData = [...cluster.preferredSite.hosts, ...cluster.secondarySite.hosts].includes(w);
      const inOther = (ctx.workspace.vsan?.clusters ?? []).find((c) => c !== cluster && [...c.preferredSite.hosts, ...c.secondarySite.hosts].includes(w));
      if (!inData && !inOther) return [];
      return [
        {
          severity: 'error',
          message: inData ? `The witness ${w} of vSAN cluster ${cluster.name} is also one of its data hosts; the witness must sit outside the cluster.` : `The witness ${w} of vSAN cluster ${cluster.name} is a data host of vSAN cluster ${inOther!.name}; a witness cannot be a member of a vSAN cluster.`,
          elements: [clusterRef(cluster), nodeRef(w)],
          paths: [at(i, '.witness.host')],
          remedy: 'Deploy the vSAN witness appliance (or a dedicated host) and name it as the witness.',
        },
      ];
    });
  },
};

export const hostCount: Rule = {
  id: 'vsan.host-count',
  stack: 'vsan',
  title: `At most ${VSAN_MAX_HOSTS_PER_SITE} + ${VSAN_MAX_HOSTS_PER_SITE} + 1 hosts (${VSAN_MAX_HOSTS_STANDARD} once not stretched)`,
  source: vsanStretched('Configuration maximums: 15 hosts per data site plus the witness'),
  check(ctx) {
    return clusters(ctx).flatMap((cluster, i): FindingDraft[] => {
      if (!witnessOf(cluster)) {
        // Not stretched: a standard cluster's maximum, over all its hosts (both fault domains), not 15 per site.
        const count = dataHostsOf(cluster).length;
        if (count <= VSAN_MAX_HOSTS_STANDARD) return [];
        return [
          {
            severity: 'error',
            message: `vSAN cluster ${cluster.name} is not stretched and has ${count} hosts (${cluster.preferredSite.hosts.length} in ${faultDomainsDeleted(cluster) ? 'site' : 'fault domain'} ${cluster.preferredSite.site}, ${cluster.secondarySite.hosts.length} in ${cluster.secondarySite.site}); a standard vSAN cluster supports at most ${VSAN_MAX_HOSTS_STANDARD}.`,
            elements: [clusterRef(cluster)],
            paths: [at(i, '.preferredSite.hosts'), at(i, '.secondarySite.hosts')],
            remedy: `Move ${count - VSAN_MAX_HOSTS_STANDARD} or more of its hosts into another vSAN cluster.`,
            figures: { hosts: count, limit: VSAN_MAX_HOSTS_STANDARD },
            source: vsanConfigurationMaximums('vSAN: hosts per cluster (standard cluster) 64'),
          },
        ];
      }
      return (['preferredSite', 'secondarySite'] as const).flatMap((side): FindingDraft[] => {
        const count = cluster[side].hosts.length;
        if (count <= VSAN_MAX_HOSTS_PER_SITE) return [];
        return [
          {
            severity: 'error',
            message: `Site ${cluster[side].site} of vSAN cluster ${cluster.name} has ${count} hosts; a stretched cluster supports at most ${VSAN_MAX_HOSTS_PER_SITE} per data site (${VSAN_MAX_HOSTS_PER_SITE} + ${VSAN_MAX_HOSTS_PER_SITE} + 1 witness).`,
            elements: [clusterRef(cluster), { kind: 'site', name: cluster[side].site }],
            paths: [at(i, `.${side}.hosts`)],
            remedy: 'Split the hosts into two stretched clusters.',
            figures: { hosts: count, limit: VSAN_MAX_HOSTS_PER_SITE },
          },
        ];
      });
    });
  },
};

export const vsanRules: Rule[] = [siteLayout, dataLatency, dataBandwidth, witnessLatency, witnessNotMember, hostCount];
