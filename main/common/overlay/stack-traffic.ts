// What each stack sends over a workspace network, and which bandwidth limits each stack offers (pure).
// The overlay core asks these providers instead of reading stack sections itself; at the stack seam
// each provider moves into its StackDefinition (`overlayTraffic(workspace)`, `bandwidthSettings(mbit)`)
// and this list becomes the registry's.
import { COROSYNC_ERROR_MS, COROSYNC_WARN_MS } from '../stacks/proxmox/rules.js';
import { VSAN_DATA_RTT_MS, witnessLimitMs } from '../stacks/vsphere/rules.js';
import { pvecm, vsanStretched } from '../workspace/rules/sources.js';
import type { RuleSource } from '../workspace/rules/types.js';
import type { Workspace } from '../workspace/schema.js';

/** The round trip a kind of traffic tolerates, as its stack documents it. */
export interface LatencyLimits {
  warnMs?: number;
  errorMs: number;
  source: RuleSource;
}

const corosyncLimits: LatencyLimits = { warnMs: COROSYNC_WARN_MS, errorMs: COROSYNC_ERROR_MS, source: pvecm('Cluster Network: Network Requirements (latencies under 5 ms; above about 10 ms it is unlikely to work)', 'networkRequirements') };

export const ridingRoles = ['corosync', 'migration', 'storage', 'inter-region', 'witness', 'vsan'] as const;
export type RidingRole = (typeof ridingRoles)[number];

/** One kind of a stack's traffic on one workspace network. */
export interface StackTraffic {
  role: RidingRole;
  stack: string;
  /** The cluster or region pair it belongs to. */
  group: string;
  /** "corosync link1 of cluster homelab", in the admin's words. */
  label: string;
  network: string;
  /** Nodes that send this traffic on the network. */
  nodes: string[];
  /** Where the workspace file says so. */
  path: string;
  /** corosync: the knet link number. */
  link?: number;
  /** corosync: every link of the cluster, to tell whether a network is its only path. */
  clusterLinks?: { link: number; network: string }[];
  /** The admin accepted a WAN layout for this group (its latency findings no longer block). */
  accepted?: boolean;
  /** The round trip this traffic tolerates. */
  limits?: LatencyLimits;
}

export type TrafficProvider = (workspace: Workspace) => StackTraffic[];

const proxmoxTraffic: TrafficProvider = (ws) =>
  (ws.proxmox?.clusters ?? []).flatMap((cluster, c) => {
    const clusterLinks = cluster.links.map((l) => ({ link: l.link, network: l.network }));
    const accepted = cluster.wanTuning?.accepted === true;
    const out: StackTraffic[] = cluster.links.map((l, i) => ({
      role: 'corosync',
      stack: 'proxmox',
      group: cluster.name,
      label: `corosync link${l.link} of cluster ${cluster.name}`,
      network: l.network,
      nodes: [...cluster.nodes],
      path: `proxmox.clusters[${c}].links[${i}]`,
      link: l.link,
      clusterLinks,
      accepted,
      limits: corosyncLimits,
    }));
    if (cluster.migrationNetwork) {
      out.push({ role: 'migration', stack: 'proxmox', group: cluster.name, label: `migration traffic of cluster ${cluster.name}`, network: cluster.migrationNetwork, nodes: [...cluster.nodes], path: `proxmox.clusters[${c}].migrationNetwork` });
    }
    return out;
  });

const openstackTraffic: TrafficProvider = (ws) => {
  const regions = new Map((ws.openstack?.regions ?? []).map((r) => [r.name, r]));
  return (ws.openstack?.interconnects ?? []).flatMap((link, i): StackTraffic[] => {
    if (!link.network) return [];
    const nodes = link.between.flatMap((name) => {
      const region = regions.get(name);
      return region ? [...region.controllers, ...region.networkNodes] : [];
    });
    const group = `${link.between[0]}–${link.between[1]}`;
    return [{ role: 'inter-region', stack: 'openstack', group, label: `the inter-region path ${group}`, network: link.network, nodes: [...new Set(nodes)], path: `openstack.interconnects[${i}].network` }];
  });
};

const vsanTraffic: TrafficProvider = (ws) =>
  (ws.vsan?.clusters ?? []).flatMap((cluster, c): StackTraffic[] => {
    const data = [...cluster.preferredSite.hosts, ...cluster.secondarySite.hosts];
    const out: StackTraffic[] = [];
    if (cluster.witnessNetwork) {
      out.push({ role: 'witness', stack: 'vsan', group: cluster.name, label: `vSAN witness traffic of cluster ${cluster.name}`, network: cluster.witnessNetwork, nodes: [...data, cluster.witness.host], path: `vsan.clusters[${c}].witnessNetwork`, limits: { errorMs: witnessLimitMs(cluster), source: vsanStretched('Witness network: round trip (200 ms; 500 ms for two nodes; 100 ms above 10 hosts per site)') } });
    }
    if (cluster.dataNetwork) {
      out.push({ role: 'vsan', stack: 'vsan', group: cluster.name, label: `vSAN data traffic of cluster ${cluster.name}`, network: cluster.dataNetwork, nodes: data, path: `vsan.clusters[${c}].dataNetwork`, limits: { errorMs: VSAN_DATA_RTT_MS, source: vsanStretched('Inter-site link: round trip at most 5 ms between the data sites') } });
    }
    return out;
  });

export const stackTrafficProviders: readonly TrafficProvider[] = [proxmoxTraffic, openstackTraffic, vsanTraffic];

/** Every stack traffic on one of `networks`. */
export function trafficOn(workspace: Workspace, networks: readonly string[], providers: readonly TrafficProvider[] = stackTrafficProviders): StackTraffic[] {
  const wanted = new Set(networks);
  return providers.flatMap((p) => p(workspace)).filter((t) => wanted.has(t.network));
}

/** A limit a stack offers for bulk traffic (migration, replication), in its own unit and file. */
export interface BandwidthSetting {
  stack: string;
  /** What it limits, in the admin's words. */
  what: string;
  /** Where it is set. */
  where: string;
  value: number;
  unit: string;
  /** The line or command an admin would write. */
  example: string;
}

const KIB = 1024;
const MIB = 1024 * 1024;

/** The limits each stack offers, for a budget of `mbit` Mbit/s (10^6 bit/s). */
export function bandwidthSettings(mbit: number): BandwidthSetting[] {
  const bytesPerSecond = (mbit * 1_000_000) / 8;
  const kib = Math.max(1, Math.floor(bytesPerSecond / KIB));
  const mib = Math.max(1, Math.floor(bytesPerSecond / MIB));
  const mb = Math.max(1, Math.floor((bytesPerSecond / 1_000_000) * 10) / 10);
  return [
    { stack: 'proxmox', what: 'live and offline migration (including local disks), cluster-wide', where: 'datacenter.cfg (pvesh set /cluster/options --bwlimit)', value: kib, unit: 'KiB/s', example: `bwlimit: migration=${kib}` },
    { stack: 'proxmox', what: 'one migration', where: 'qm migrate / POST /nodes/{node}/qemu/{vmid}/migrate', value: kib, unit: 'KiB/s', example: `qm migrate <vmid> <target> --online --bwlimit ${kib}` },
    { stack: 'proxmox', what: 'storage replication, per job', where: 'pvesr (POST /cluster/replication)', value: mb, unit: 'MB/s', example: `pvesr create-local-job <vmid>-0 <target> --rate ${mb}` },
    { stack: 'openstack', what: 'libvirt live migration, per compute node', where: 'nova.conf [libvirt] live_migration_bandwidth', value: mib, unit: 'MiB/s', example: `[libvirt]\nlive_migration_bandwidth = ${mib}` },
    { stack: 'vsan', what: 'vMotion and vSAN traffic on the distributed switch', where: 'vSphere Network I/O Control (system traffic: vMotion, vSAN): limit', value: Math.floor(mbit), unit: 'Mbit/s', example: `vMotion traffic limit: ${Math.floor(mbit)} Mbit/s` },
  ];
}
