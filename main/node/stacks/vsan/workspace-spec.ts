// From the workspace to what the vSAN client needs: a cluster's stretched-cluster spec (hosts per site with
// their VMkernel addresses on the data, vMotion and witness networks, isolation addresses, pinned host
// thumbprints), and how to reach its vCenter (endpoint, pinned certificate, login by secret id). Every gap is
// a located error that names the field to set; a cluster that is not stretched has no spec to build (the build
// would stretch it again) and says what stretching it again takes.
import * as z from 'zod';
import { CwError } from '../../../common/errors.js';
import type { VsanCluster } from '../../../common/stacks/vsan/schema.js';
import { unstretchedText, witnessOf } from '../../../common/stacks/vsan/stretching.js';
import { checkThumbprintText, checkVcenterUser, checkVsphereName } from '../../../common/stacks/vsan/names.js';
import { checkSecretId } from '../../../common/workspace/names.js';
import { parseCidr } from '../../../common/workspace/ip.js';
import type { Workspace } from '../../../common/workspace/schema.js';
import type { StretchedClusterSpec, StretchedHost } from './stretched-cluster.js';

/** How to reach one cluster's vCenter (no secret: the password by id). */
export interface VcenterAccess {
  host: string;
  port: number;
  thumbprint?: string;
  user: string;
  secretId?: string;
}

const refine = (check: (v: string) => string | undefined, what: string) => z.string().refine((v) => check(v) === undefined, what);

/** The same, as a plan step carries it (a plan file is input: checked again). */
export const vcenterAccessSchema = z
  .object({
    host: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9.:-]*$/, 'a vCenter host name or address'),
    port: z.number().int().min(1).max(65535),
    thumbprint: refine(checkThumbprintText, 'a certificate thumbprint').optional(),
    user: refine(checkVcenterUser, 'a vCenter user'),
    secretId: refine(checkSecretId, 'a secret id').optional(),
  })
  .strict();

export function findVsanCluster(workspace: Workspace, name: string): { cluster: VsanCluster; index: number; field: string } {
  const list = workspace.vsan?.clusters ?? [];
  const index = list.findIndex((c) => c.name === name);
  if (index < 0) throw new CwError('NOT_FOUND', `The workspace has no vSAN cluster named '${name}' (clusters: ${list.map((c) => c.name).join(', ') || 'none'}).`);
  return { cluster: list[index]!, index, field: `vsan.clusters[${index}]` };
}

export function vcenterAccess(cluster: VsanCluster, field: string): VcenterAccess {
  const raw = cluster.vcenter.endpoint;
  const url = /^https:\/\/([^/?#]+)/.exec(raw);
  const hostPort = url ? url[1]! : raw;
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(hostPort);
  const colon = hostPort.lastIndexOf(':');
  const [host, port] = bracket ? [bracket[1]!, bracket[2]] : colon > 0 && hostPort.indexOf(':') === colon ? [hostPort.slice(0, colon), hostPort.slice(colon + 1)] : [hostPort, undefined];
  return {
    host,
    port: port ? Number(port) : 443,
    ...(cluster.vcenter.thumbprint ? { thumbprint: cluster.vcenter.thumbprint } : {}),
    user: cluster.vcenter.user ?? 'administrator@vsphere.local',
    ...(cluster.vcenter.secretId ? { secretId: cluster.vcenter.secretId } : {}),
  };
  void field;
}

function maskOf(bits: number): string {
  const n = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

/** The address and mask a node has on a network (IPv4: vSAN's VMkernel adapters here are IPv4). */
function addressOn(workspace: Workspace, node: string, network: string, field: string, what: string) {
  const n = workspace.nodes.find((x) => x.name === node);
  if (!n) throw new CwError('INVALID_INPUT', `${what}: ${node} is not a node of the workspace. Add it to nodes or remove it from ${field}.`, { field });
  const ip = n.addresses[network];
  if (!ip) throw new CwError('INVALID_INPUT', `${what}: node ${node} has no address on network ${network}. Set nodes[${workspace.nodes.indexOf(n)}].addresses.${network}.`, { field: `nodes[${workspace.nodes.indexOf(n)}].addresses` });
  const net = workspace.networks.find((x) => x.name === network);
  const cidr = net?.cidr ? parseCidr(net.cidr) : undefined;
  if (!cidr || cidr.family !== 4 || ip.includes(':')) throw new CwError('INVALID_INPUT', `${what}: network ${network} needs an IPv4 cidr (networks[].cidr) for the VMkernel adapter's subnet mask.`, { field: 'networks' });
  return { ipAddress: ip, subnetMask: maskOf(cidr.bits) };
}

/** The vCenter datacenter the cluster is in; throws what to set when the workspace lacks it. */
export function datacenterOf(cluster: VsanCluster, field: string): string {
  if (!cluster.datacenter) throw new CwError('INVALID_INPUT', `vSAN cluster '${cluster.name}': set ${field}.datacenter to the vCenter datacenter the cluster and its witness go into.`, { field: `${field}.datacenter` });
  if (checkVsphereName(cluster.datacenter)) throw new CwError('INVALID_INPUT', `${field}.datacenter is not a vSphere name.`, { field: `${field}.datacenter` });
  return cluster.datacenter;
}

/** Refuses what needs a stretched cluster on one that is not: `doing` says what was asked, the error what it is now and what stretching it again takes. */
export function mustBeStretched(cluster: VsanCluster, field: string, doing: string): { host: string; site: string } {
  const witness = witnessOf(cluster);
  if (witness) return witness;
  const text = unstretchedText(cluster, field);
  throw new CwError('CONFLICT', `${text.what} ${doing} ${text.restretch}`, { field: `${field}.stretched` });
}

type SpecFromWorkspace = { spec: StretchedClusterSpec; access: VcenterAccess; esxi: { user: string; passwordSecret: string }; index: number; field: string };

/** The spec the build steps take; throws what to set when the workspace lacks something. */
export function stretchedSpecFromWorkspace(workspace: Workspace, name: string): SpecFromWorkspace {
  const { cluster, field } = findVsanCluster(workspace, name);
  return specWithWitness(workspace, name, mustBeStretched(cluster, field, 'The build plan would stretch it again, so none is made.').host);
}

/**
 * The spec that stretches a cluster whose stretching was disabled again with the workspace node `host` as its
 * witness: the kept fault domains keep their roles (preferredSite is the preferred site again).
 */
export function restretchSpecFromWorkspace(workspace: Workspace, name: string, host: string): SpecFromWorkspace {
  const { cluster, field } = findVsanCluster(workspace, name);
  mustNotBeStretched(cluster, field, host);
  return specWithWitness(workspace, name, host);
}

/** Refuses to stretch again a cluster the workspace records as stretched (with `host` or another witness). */
export function mustNotBeStretched(cluster: VsanCluster, field: string, host: string): void {
  const witness = witnessOf(cluster);
  if (!witness) return;
  const instead = witness.host === host ? '' : ` To put ${host} in the witness's place, change the witness instead.`;
  throw new CwError('CONFLICT', `vSAN cluster ${cluster.name} is stretched already (${field}), with the witness ${witness.host}: there is nothing to stretch again.${instead}`, { field: `${field}.witness.host` });
}

function specWithWitness(workspace: Workspace, name: string, witnessHost: string): SpecFromWorkspace {
  const { cluster, index, field } = findVsanCluster(workspace, name);
  const dataNetwork = cluster.dataNetwork ?? workspace.networks.find((n) => n.roles.includes('vsan'))?.name;
  if (!dataNetwork) throw new CwError('INVALID_INPUT', `vSAN cluster '${name}' has no data network: set ${field}.dataNetwork (or give a network the vsan role).`, { field: `${field}.dataNetwork` });
  const witnessNetwork = cluster.witnessNetwork ?? dataNetwork;
  const vmotionNetwork = cluster.vmotionNetwork ?? dataNetwork;
  const datacenter = datacenterOf(cluster, field);
  const passwordSecret = cluster.esxi?.passwordSecret;
  if (!passwordSecret) throw new CwError('INVALID_INPUT', `vSAN cluster '${name}': vCenter adds each ESXi host with its root login. Store the hosts' root password in the secret store and set ${field}.esxi.passwordSecret to its id.`, { field: `${field}.esxi.passwordSecret` });
  const thumbprints = cluster.hostThumbprints ?? {};
  const host = (node: string, role: 'data' | 'witness', sub: string): StretchedHost => ({
    name: node,
    vsan: addressOn(workspace, node, role === 'witness' ? witnessNetwork : dataNetwork, `${field}.${sub}`, `vSAN cluster '${name}'`),
    ...(role === 'data' ? { vmotion: addressOn(workspace, node, vmotionNetwork, `${field}.${sub}`, `vSAN cluster '${name}' (vMotion)`) } : {}),
    ...(thumbprints[node] ? { thumbprint: thumbprints[node] } : {}),
  });
  const site = (side: 'preferredSite' | 'secondarySite') => {
    const s = cluster[side];
    if (!s.isolationAddress) throw new CwError('INVALID_INPUT', `vSAN cluster '${name}': vSphere HA needs an isolation address in each site. Set ${field}.${side}.isolationAddress to an address in site ${s.site} that answers ping.`, { field: `${field}.${side}.isolationAddress` });
    if (s.hosts.length === 0) throw new CwError('INVALID_INPUT', `vSAN cluster '${name}': site ${s.site} has no hosts (${field}.${side}.hosts).`, { field: `${field}.${side}.hosts` });
    return { name: s.site, isolationAddress: s.isolationAddress, hosts: s.hosts.map((h, i) => host(h, 'data', `${side}.hosts[${i}]`)) };
  };
  const spec: StretchedClusterSpec = {
    datacenter,
    cluster: cluster.name,
    preferred: site('preferredSite'),
    secondary: site('secondarySite'),
    witness: host(witnessHost, 'witness', 'witness.host'),
    network: { vswitch: 'vSwitch0', vsanPortgroup: 'vSAN', vsanVlan: 0, vmotionPortgroup: 'vMotion', vmotionVlan: 0 },
    diskType: cluster.diskType ?? 'allFlash',
  };
  // One network for vSAN and vMotion: the vSAN adapter is tagged for vMotion too (one address per host and network).
  if (vmotionNetwork === dataNetwork) spec.network.vmotionPortgroup = spec.network.vsanPortgroup;
  return { spec, access: vcenterAccess(cluster, field), esxi: { user: cluster.esxi?.user ?? 'root', passwordSecret }, index, field };
}

/** A workspace node as the witness of a day-2 change: its vSAN address on the cluster's witness network, its pinned thumbprint. */
export function witnessFromWorkspace(workspace: Workspace, name: string, node: string): StretchedHost {
  const { cluster, field } = findVsanCluster(workspace, name);
  const dataNetwork = cluster.dataNetwork ?? workspace.networks.find((n) => n.roles.includes('vsan'))?.name;
  const witnessNetwork = cluster.witnessNetwork ?? dataNetwork;
  if (!witnessNetwork) throw new CwError('INVALID_INPUT', `vSAN cluster '${name}' has no data network: set ${field}.dataNetwork (or give a network the vsan role).`, { field: `${field}.dataNetwork` });
  const thumbprint = cluster.hostThumbprints?.[node];
  return { name: node, vsan: addressOn(workspace, node, witnessNetwork, `${field}.witness.host`, `vSAN cluster '${name}' (new witness)`), ...(thumbprint ? { thumbprint } : {}) };
}
