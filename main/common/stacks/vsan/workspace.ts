// VMware vSAN clusters as a workspace sees them (pure): the vsan section and its rules, data hosts per site and the
// witness outside the cluster (never a VM host), the data and witness links worth drawing, the traffic an overlay
// must carry, each cluster's object-ownership model (stretched or not), its series in the monitor's exposition and its advisor. A
// cluster whose stretching was disabled has none of the witness's parts: no witness role, link or traffic.
// Its contract, what a move chooses and its lab section are in definition.ts: validating a workspace builds none of
// their schemas.
import { vsanAdvisor } from './advisor.js';
import type { FieldPath } from '../../workspace/paths.js';
import { pairsOf } from '../../workspace/rules/context.js';
import { defineStackWorkspace, type BandwidthSetting, type NoVmHost, type StackGroup, type StackLink, type StackTraffic, type StackWorkspace } from '../types.js';
import { stretchedClusterModel, vsanClusterLayout } from './quorum.js';
import { standardClusterModel, vsanStandardLayout } from './standard-quorum.js';
import { VSAN_DATA_RTT_MS, VSAN_STANDARD_RTT_MS, vsanRules, witnessLimitMs } from './rules.js';
import { vsanSectionSchema } from './schema.js';
import { vsanNetworkRequirements, vsanStretched } from './sources.js';
import { dataHostsOf, witnessOf } from './stretching.js';
import { vsanExposition } from './monitor.js';

export const VSAN = 'vsan';

type VsanWorkspace = StackWorkspace<'vsan', typeof vsanSectionSchema>;

const clustersOf = (ws: VsanWorkspace) => ws.vsan?.clusters ?? [];

export const vsanWorkspaceStack = defineStackWorkspace({
  id: 'vsan',
  title: 'VMware vSAN',
  shortTitle: 'vSAN',
  groupKind: 'cluster',
  section: { key: 'vsan', schema: vsanSectionSchema },
  networkRoles: { vsan: 'storage' },
  rules: vsanRules,
  exposition: vsanExposition,

  references(ws: VsanWorkspace, check) {
    clustersOf(ws).forEach((cluster, c) => {
      const base: FieldPath = ['vsan', 'clusters', c];
      for (const side of ['preferredSite', 'secondarySite'] as const) {
        check.site(cluster[side].site, [...base, side, 'site'], `The ${side === 'preferredSite' ? 'preferred' : 'secondary'} data site of vSAN cluster ${cluster.name} is`);
        cluster[side].hosts.forEach((name, i) => check.node(name, [...base, side, 'hosts', i], `vSAN cluster ${cluster.name} lists the host`));
      }
      const witness = witnessOf(cluster);
      if (witness) {
        check.node(witness.host, [...base, 'witness', 'host'], `The witness host of vSAN cluster ${cluster.name} is`);
        check.site(witness.site, [...base, 'witness', 'site'], `The witness site of vSAN cluster ${cluster.name} is`);
      }
      if (cluster.dataNetwork) check.network(cluster.dataNetwork, [...base, 'dataNetwork'], `The vSAN data network of cluster ${cluster.name} is`);
      if (cluster.witnessNetwork) check.network(cluster.witnessNetwork, [...base, 'witnessNetwork'], `The witness network of cluster ${cluster.name} is`);
    });
  },

  groups(ws: VsanWorkspace): StackGroup[] {
    return clustersOf(ws).map((c, i) => {
      const witness = witnessOf(c);
      return {
        stack: VSAN,
        kind: 'cluster',
        name: c.name,
        path: `vsan.clusters[${i}]`,
        members: [...dataHostsOf(c).map((node) => ({ node, role: 'esxi', member: true })), ...(witness ? [{ node: witness.host, role: 'witness', member: true }] : [])],
      };
    });
  },

  links(ws: VsanWorkspace): StackLink[] {
    const out: StackLink[] = [];
    for (const cluster of clustersOf(ws)) {
      const data = [...cluster.preferredSite.hosts, ...cluster.secondarySite.hosts];
      const dataNetwork = cluster.dataNetwork ?? 'vsan';
      for (const [a, b] of pairsOf(data)) out.push({ a, b, role: 'vsan', network: dataNetwork, group: cluster.name });
      const witness = witnessOf(cluster);
      if (!witness) continue;
      const witnessNetwork = cluster.witnessNetwork ?? dataNetwork;
      for (const host of data) out.push({ a: witness.host, b: host, role: 'witness', network: witnessNetwork, group: cluster.name });
    }
    return out;
  },

  noVmHosts(ws: VsanWorkspace): NoVmHost[] {
    return clustersOf(ws).flatMap((c) => {
      const witness = witnessOf(c);
      return witness ? [{ node: witness.host, reason: 'This is the vSAN witness host: it stores witness components only and never runs VMs.' }] : [];
    });
  },

  traffic(ws: VsanWorkspace): StackTraffic[] {
    return clustersOf(ws).flatMap((cluster, c): StackTraffic[] => {
      const data = dataHostsOf(cluster);
      const witness = witnessOf(cluster);
      const out: StackTraffic[] = [];
      if (cluster.witnessNetwork && witness) {
        out.push({ role: 'witness', stack: VSAN, group: cluster.name, label: `vSAN witness traffic of cluster ${cluster.name}`, network: cluster.witnessNetwork, nodes: [...data, witness.host], path: `vsan.clusters[${c}].witnessNetwork`, limits: { errorMs: witnessLimitMs(cluster), source: vsanStretched('Witness network: round trip (200 ms; 500 ms for two nodes; 100 ms above 10 hosts per site)') } });
      }
      if (cluster.dataNetwork) {
        const limits = witness
          ? { errorMs: VSAN_DATA_RTT_MS, source: vsanStretched('Inter-site link: round trip at most 5 ms between the data sites') }
          : { errorMs: VSAN_STANDARD_RTT_MS, source: vsanNetworkRequirements('Network latency: at most 1 ms RTT between all hosts of a single-site (not stretched) vSAN cluster') };
        out.push({ role: 'vsan', stack: VSAN, group: cluster.name, label: `vSAN data traffic of cluster ${cluster.name}`, network: cluster.dataNetwork, nodes: data, path: `vsan.clusters[${c}].dataNetwork`, limits });
      }
      return out;
    });
  },

  bandwidthSettings(mbit): BandwidthSetting[] {
    return [{ stack: VSAN, what: 'vMotion and vSAN traffic on the distributed switch', where: 'vSphere Network I/O Control (system traffic: vMotion, vSAN): limit', value: Math.floor(mbit), unit: 'Mbit/s', example: `vMotion traffic limit: ${Math.floor(mbit)} Mbit/s` }];
  },

  quorumModels(ws: VsanWorkspace) {
    // A cluster that is not stretched has no witness to side with a site: the standard cluster's model describes it.
    return clustersOf(ws).map((c) => (witnessOf(c) ? stretchedClusterModel(vsanClusterLayout(ws, c.name)) : standardClusterModel(vsanStandardLayout(ws, c.name))));
  },

  advisor: vsanAdvisor,
});
