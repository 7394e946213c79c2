// Proxmox VE as a workspace sees it (pure): the proxmox section and its rules, clusters and their members, the
// corosync meshes and QDevice links worth drawing, the traffic an overlay must carry, the bandwidth limits Proxmox
// offers, each cluster's votequorum model, its series in the monitor's exposition and its advisor.
// Its contract, what a move chooses and its lab section are in definition.ts: validating a workspace builds none of
// their schemas.
import { proxmoxAdvisor } from './advisor.js';
import type { FieldPath } from '../../workspace/paths.js';
import { pairsOf } from '../../workspace/rules/context.js';
import { defineStackWorkspace, type BandwidthSetting, type LatencyLimits, type StackGroup, type StackLink, type StackTraffic, type StackWorkspace } from '../types.js';
import { COROSYNC_ERROR_MS, COROSYNC_WARN_MS, proxmoxRules } from './rules.js';
import { proxmoxSectionSchema } from './schema.js';
import { pvecm } from './sources.js';
import { corosyncQuorumModel, proxmoxClusterLayout } from './whatif.js';
import { proxmoxExposition } from './monitor.js';

export const PROXMOX = 'proxmox';

/** The contract method that reads a cluster's quorum and members now (definition.ts checks it against the contract). */
export const PROXMOX_STATUS_METHOD = 'proxmox.clusterStatus';

type ProxmoxWorkspace = StackWorkspace<'proxmox', typeof proxmoxSectionSchema>;

const clustersOf = (ws: ProxmoxWorkspace) => ws.proxmox?.clusters ?? [];

const corosyncLimits: LatencyLimits = { warnMs: COROSYNC_WARN_MS, errorMs: COROSYNC_ERROR_MS, source: pvecm('Cluster Network: Network Requirements (latencies under 5 ms; above about 10 ms it is unlikely to work)', 'networkRequirements') };

const KIB = 1024;

export const proxmoxWorkspaceStack = defineStackWorkspace({
  id: 'proxmox',
  title: 'Proxmox VE',
  shortTitle: 'PVE',
  groupKind: 'cluster',
  section: { key: 'proxmox', schema: proxmoxSectionSchema },
  networkRoles: { corosync: 'cluster control' },
  rules: proxmoxRules,
  exposition: proxmoxExposition,
  statusMethod: PROXMOX_STATUS_METHOD,

  references(ws, check) {
    clustersOf(ws).forEach((cluster, c) => {
      const base: FieldPath = ['proxmox', 'clusters', c];
      const members = new Set(cluster.nodes);
      cluster.nodes.forEach((name, i) => check.node(name, [...base, 'nodes', i], `Proxmox cluster ${cluster.name} lists member`));
      const seenLinks = new Set<number>();
      cluster.links.forEach((link, i) => {
        check.network(link.network, [...base, 'links', i, 'network'], `Corosync link${link.link} of cluster ${cluster.name} uses network`);
        if (seenLinks.has(link.link)) check.issue({ severity: 'error', code: 'duplicate', path: [...base, 'links', i, 'link'], message: `Cluster ${cluster.name} defines corosync link${link.link} twice; each link number is used once.`, expected: 'a link number 0–7 not used before' });
        seenLinks.add(link.link);
      });
      for (const key of ['nodeIds', 'votes'] as const) {
        for (const name of Object.keys(cluster[key] ?? {})) {
          if (!members.has(name)) check.issue({ severity: 'error', code: 'reference', path: [...base, key, name], message: `Cluster ${cluster.name} gives ${key === 'nodeIds' ? 'a node id' : 'a vote count'} to "${name}", which is not one of its members.`, expected: `a member: ${check.listOf(members)}` });
        }
      }
      if (cluster.qdevice) check.node(cluster.qdevice.host, [...base, 'qdevice', 'host'], `The QDevice host of cluster ${cluster.name} is`);
      if (cluster.migrationNetwork) check.network(cluster.migrationNetwork, [...base, 'migrationNetwork'], `The migration network of cluster ${cluster.name} is`);
      cluster.storages?.forEach((storage, s) =>
        storage.nodes?.forEach((name, n) => {
          if (!members.has(name)) check.issue({ severity: 'error', code: 'reference', path: [...base, 'storages', s, 'nodes', n], message: `Storage ${storage.id} of cluster ${cluster.name} is said to be on "${name}", which is not one of the cluster's members.`, expected: `a member: ${check.listOf(members)}` });
        }),
      );
    });
  },

  groups(ws): StackGroup[] {
    return clustersOf(ws).map((c, i) => ({
      stack: PROXMOX,
      kind: 'cluster',
      name: c.name,
      path: `proxmox.clusters[${i}]`,
      members: [...c.nodes.map((node) => ({ node, role: 'pve', member: true })), ...(c.qdevice ? [{ node: c.qdevice.host, role: 'qdevice', member: false }] : [])],
    }));
  },

  links(ws): StackLink[] {
    const out: StackLink[] = [];
    for (const cluster of clustersOf(ws)) {
      for (const link of cluster.links) {
        for (const [a, b] of pairsOf(cluster.nodes)) out.push({ a, b, role: 'corosync', network: link.network, linkNumber: link.link, group: cluster.name });
      }
      const network = cluster.links[0]?.network;
      if (cluster.qdevice && network) for (const member of cluster.nodes) out.push({ a: cluster.qdevice.host, b: member, role: 'witness', network, group: cluster.name });
    }
    return out;
  },

  traffic(ws): StackTraffic[] {
    return clustersOf(ws).flatMap((cluster, c) => {
      const clusterLinks = cluster.links.map((l) => ({ link: l.link, network: l.network }));
      const accepted = cluster.wanTuning?.accepted === true;
      const out: StackTraffic[] = cluster.links.map((l, i) => ({
        role: 'corosync',
        stack: PROXMOX,
        group: cluster.name,
        label: `corosync link${l.link} of cluster ${cluster.name}`,
        network: l.network,
        nodes: [...cluster.nodes],
        path: `proxmox.clusters[${c}].links[${i}]`,
        link: l.link,
        clusterLinks,
        accepted,
        limits: corosyncLimits,
        sources: { redundancy: pvecm('Corosync Redundancy', 'redundancy'), addressing: pvecm('Adding Nodes with Separated Cluster Network (every node has an address on every link)', 'separatedNetwork') },
      }));
      if (cluster.migrationNetwork) {
        out.push({ role: 'migration', stack: PROXMOX, group: cluster.name, label: `migration traffic of cluster ${cluster.name}`, network: cluster.migrationNetwork, nodes: [...cluster.nodes], path: `proxmox.clusters[${c}].migrationNetwork` });
      }
      return out;
    });
  },

  bandwidthSettings(mbit): BandwidthSetting[] {
    const bytesPerSecond = (mbit * 1_000_000) / 8;
    const kib = Math.max(1, Math.floor(bytesPerSecond / KIB));
    const mb = Math.max(1, Math.floor((bytesPerSecond / 1_000_000) * 10) / 10);
    return [
      { stack: PROXMOX, what: 'live and offline migration (including local disks), cluster-wide', where: 'datacenter.cfg (pvesh set /cluster/options --bwlimit)', value: kib, unit: 'KiB/s', example: `bwlimit: migration=${kib}` },
      { stack: PROXMOX, what: 'one migration', where: 'qm migrate / POST /nodes/{node}/qemu/{vmid}/migrate', value: kib, unit: 'KiB/s', example: `qm migrate <vmid> <target> --online --bwlimit ${kib}` },
      { stack: PROXMOX, what: 'storage replication, per job', where: 'pvesr (POST /cluster/replication)', value: mb, unit: 'MB/s', example: `pvesr create-local-job <vmid>-0 <target> --rate ${mb}` },
    ];
  },

  quorumModels(ws) {
    return clustersOf(ws).flatMap((c) => {
      try {
        return [corosyncQuorumModel(proxmoxClusterLayout(ws, c.name))];
      } catch {
        // A cluster naming a node the workspace does not define: the reference check reports it.
        return [];
      }
    });
  },

  advisor: proxmoxAdvisor,
});
