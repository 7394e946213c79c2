// Cross-reference checks the schema alone cannot make: every name a node, stack or layout uses
// exists, names are unique, and no two nodes share an address on one network.
import type { FieldPath } from './paths.js';
import type { Workspace } from './schema.js';
import { checkOverlayReferences } from '../overlay/validate.js';

export interface ReferenceIssue {
  severity: 'error' | 'warning';
  code: 'reference' | 'duplicate';
  message: string;
  path: FieldPath;
  expected?: string;
}

function listOf(names: Iterable<string>): string {
  const all = [...names];
  if (all.length === 0) return 'none defined yet';
  return all.length > 8 ? `${all.slice(0, 8).join(', ')}, …` : all.join(', ');
}

/**
 * Names that exist in the file although their entries could not be read (they failed the schema):
 * references to them are not reported, so one broken entry does not make every use of it an error.
 */
export interface UnreadEntries {
  sites: ReadonlySet<string>;
  networks: ReadonlySet<string>;
  nodes: ReadonlySet<string>;
  regions: ReadonlySet<string>;
}

export function checkReferences(ws: Workspace, unread?: UnreadEntries): ReferenceIssue[] {
  const issues: ReferenceIssue[] = [];
  const sites = new Set<string>();
  const networks = new Set<string>();
  const nodes = new Set<string>();

  const unique = (kind: string, items: { name: string }[], base: FieldPath, into: Set<string>) => {
    items.forEach((item, i) => {
      if (into.has(item.name)) {
        issues.push({ severity: 'error', code: 'duplicate', path: [...base, i, 'name'], message: `The ${kind} name "${item.name}" is used twice; give each ${kind} its own name.`, expected: `a ${kind} name not used before` });
      }
      into.add(item.name);
    });
  };
  unique('site', ws.sites, ['sites'], sites);
  unique('network', ws.networks, ['networks'], networks);
  unique('node', ws.nodes, ['nodes'], nodes);

  // `clause` ends where the name goes: "Node pve1 is placed in site" + ` "hom", but this workspace has no site of that name.`
  const need = (kind: 'node' | 'site' | 'network', known: Set<string>, name: string, path: FieldPath, clause: string) => {
    if (known.has(name) || unread?.[`${kind}s`].has(name)) return;
    issues.push({ severity: 'error', code: 'reference', path, message: `${clause} "${name}", but this workspace has no ${kind} of that name. Add a ${kind} named "${name}", or correct the name.`, expected: `one of the ${kind}s: ${listOf(known)}` });
  };
  const needNode = (name: string, path: FieldPath, clause: string) => need('node', nodes, name, path, clause);
  const needSite = (name: string, path: FieldPath, clause: string) => need('site', sites, name, path, clause);
  const needNetwork = (name: string, path: FieldPath, clause: string) => need('network', networks, name, path, clause);

  const addressOwner = new Map<string, string>();
  ws.nodes.forEach((node, i) => {
    needSite(node.site, ['nodes', i, 'site'], `Node ${node.name} is placed in site`);
    for (const [network, address] of Object.entries(node.addresses)) {
      needNetwork(network, ['nodes', i, 'addresses', network], `Node ${node.name} has an address on network`);
      const key = `${network}|${address.toLowerCase()}`;
      const owner = addressOwner.get(key);
      if (owner !== undefined) {
        issues.push({ severity: 'error', code: 'duplicate', path: ['nodes', i, 'addresses', network], message: `Address ${address} on network ${network} is used by both ${owner} and ${node.name}; each node needs its own address.`, expected: 'an address no other node uses on this network' });
      } else addressOwner.set(key, node.name);
    }
  });

  ws.proxmox?.clusters.forEach((cluster, c) => {
    const base: FieldPath = ['proxmox', 'clusters', c];
    const members = new Set(cluster.nodes);
    cluster.nodes.forEach((name, i) => needNode(name, [...base, 'nodes', i], `Proxmox cluster ${cluster.name} lists member`));
    const seenLinks = new Set<number>();
    cluster.links.forEach((link, i) => {
      needNetwork(link.network, [...base, 'links', i, 'network'], `Corosync link${link.link} of cluster ${cluster.name} uses network`);
      if (seenLinks.has(link.link)) issues.push({ severity: 'error', code: 'duplicate', path: [...base, 'links', i, 'link'], message: `Cluster ${cluster.name} defines corosync link${link.link} twice; each link number is used once.`, expected: 'a link number 0–7 not used before' });
      seenLinks.add(link.link);
    });
    for (const key of ['nodeIds', 'votes'] as const) {
      for (const name of Object.keys(cluster[key] ?? {})) {
        if (!members.has(name)) issues.push({ severity: 'error', code: 'reference', path: [...base, key, name], message: `Cluster ${cluster.name} gives ${key === 'nodeIds' ? 'a node id' : 'a vote count'} to "${name}", which is not one of its members.`, expected: `a member: ${listOf(members)}` });
      }
    }
    if (cluster.qdevice) needNode(cluster.qdevice.host, [...base, 'qdevice', 'host'], `The QDevice host of cluster ${cluster.name} is`);
    if (cluster.migrationNetwork) needNetwork(cluster.migrationNetwork, [...base, 'migrationNetwork'], `The migration network of cluster ${cluster.name} is`);
    cluster.storages?.forEach((storage, s) =>
      storage.nodes?.forEach((name, n) => {
        if (!members.has(name)) issues.push({ severity: 'error', code: 'reference', path: [...base, 'storages', s, 'nodes', n], message: `Storage ${storage.id} of cluster ${cluster.name} is said to be on "${name}", which is not one of the cluster's members.`, expected: `a member: ${listOf(members)}` });
      }),
    );
  });

  const regions = new Set<string>();
  const roleWords = { controllers: 'controller', networkNodes: 'network node', compute: 'compute node', storage: 'storage node' } as const;
  ws.openstack?.regions.forEach((region, r) => {
    regions.add(region.name);
    const base: FieldPath = ['openstack', 'regions', r];
    for (const role of ['controllers', 'networkNodes', 'compute', 'storage'] as const) {
      region[role].forEach((name, i) => needNode(name, [...base, role, i], `OpenStack region ${region.name} lists the ${roleWords[role]}`));
    }
    if (region.managementNetwork) needNetwork(region.managementNetwork, [...base, 'managementNetwork'], `The management network of region ${region.name} is`);
  });
  ws.openstack?.interconnects.forEach((link, i) => {
    link.between.forEach((name, k) => {
      if (!regions.has(name) && !unread?.regions.has(name)) issues.push({ severity: 'error', code: 'reference', path: ['openstack', 'interconnects', i, 'between', k], message: `Interconnect ${i + 1} joins region "${name}", but this workspace has no region of that name. Add the region, or correct the name.`, expected: `one of the regions: ${listOf(regions)}` });
    });
    if (link.network) needNetwork(link.network, ['openstack', 'interconnects', i, 'network'], `Interconnect ${i + 1} uses network`);
  });

  ws.vsan?.clusters.forEach((cluster, c) => {
    const base: FieldPath = ['vsan', 'clusters', c];
    for (const side of ['preferredSite', 'secondarySite'] as const) {
      needSite(cluster[side].site, [...base, side, 'site'], `The ${side === 'preferredSite' ? 'preferred' : 'secondary'} data site of vSAN cluster ${cluster.name} is`);
      cluster[side].hosts.forEach((name, i) => needNode(name, [...base, side, 'hosts', i], `vSAN cluster ${cluster.name} lists the host`));
    }
    needNode(cluster.witness.host, [...base, 'witness', 'host'], `The witness host of vSAN cluster ${cluster.name} is`);
    needSite(cluster.witness.site, [...base, 'witness', 'site'], `The witness site of vSAN cluster ${cluster.name} is`);
    if (cluster.dataNetwork) needNetwork(cluster.dataNetwork, [...base, 'dataNetwork'], `The vSAN data network of cluster ${cluster.name} is`);
    if (cluster.witnessNetwork) needNetwork(cluster.witnessNetwork, [...base, 'witnessNetwork'], `The witness network of cluster ${cluster.name} is`);
  });

  for (const name of Object.keys(ws.layout?.nodes ?? {})) {
    if (!nodes.has(name)) issues.push({ severity: 'warning', code: 'reference', path: ['layout', 'nodes', name], message: `The canvas position of "${name}" belongs to no node; it is ignored (saving keeps it).`, expected: 'a node name' });
  }
  for (const name of Object.keys(ws.layout?.sites ?? {})) {
    if (!sites.has(name)) issues.push({ severity: 'warning', code: 'reference', path: ['layout', 'sites', name], message: `The canvas position of "${name}" belongs to no site; it is ignored (saving keeps it).`, expected: 'a site name' });
  }
  issues.push(...checkOverlayReferences(ws, unread));
  return issues;
}
