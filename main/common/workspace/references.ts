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

export function checkReferences(ws: Workspace): ReferenceIssue[] {
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

  const needNode = (name: string, path: FieldPath, what: string) => {
    if (!nodes.has(name)) issues.push({ severity: 'error', code: 'reference', path, message: `${what} "${name}" is not a node of this workspace. Add it under nodes, or fix the name.`, expected: `one of the nodes: ${listOf(nodes)}` });
  };
  const needSite = (name: string, path: FieldPath, what: string) => {
    if (!sites.has(name)) issues.push({ severity: 'error', code: 'reference', path, message: `${what} "${name}" is not a site of this workspace. Add it under sites, or fix the name.`, expected: `one of the sites: ${listOf(sites)}` });
  };
  const needNetwork = (name: string, path: FieldPath, what: string) => {
    if (!networks.has(name)) issues.push({ severity: 'error', code: 'reference', path, message: `${what} "${name}" is not a network of this workspace. Add it under networks, or fix the name.`, expected: `one of the networks: ${listOf(networks)}` });
  };

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
        if (!members.has(name)) issues.push({ severity: 'error', code: 'reference', path: [...base, key, name], message: `${key} of cluster ${cluster.name} names "${name}", which is not a member of that cluster.`, expected: `a member: ${listOf(members)}` });
      }
    }
    if (cluster.qdevice) needNode(cluster.qdevice.host, [...base, 'qdevice', 'host'], `The QDevice host of cluster ${cluster.name}`);
    if (cluster.migrationNetwork) needNetwork(cluster.migrationNetwork, [...base, 'migrationNetwork'], `The migration network of cluster ${cluster.name}`);
    cluster.storages?.forEach((storage, s) =>
      storage.nodes?.forEach((name, n) => {
        if (!members.has(name)) issues.push({ severity: 'error', code: 'reference', path: [...base, 'storages', s, 'nodes', n], message: `Storage ${storage.id} of cluster ${cluster.name} names "${name}", which is not a member of that cluster.`, expected: `a member: ${listOf(members)}` });
      }),
    );
  });

  const regions = new Set<string>();
  ws.openstack?.regions.forEach((region, r) => {
    regions.add(region.name);
    const base: FieldPath = ['openstack', 'regions', r];
    for (const role of ['controllers', 'networkNodes', 'compute', 'storage'] as const) {
      region[role].forEach((name, i) => needNode(name, [...base, role, i], `OpenStack region ${region.name} lists ${role} node`));
    }
    if (region.managementNetwork) needNetwork(region.managementNetwork, [...base, 'managementNetwork'], `The management network of region ${region.name}`);
  });
  ws.openstack?.interconnects.forEach((link, i) => {
    link.between.forEach((name, k) => {
      if (!regions.has(name)) issues.push({ severity: 'error', code: 'reference', path: ['openstack', 'interconnects', i, 'between', k], message: `Interconnect ${i + 1} joins region "${name}", which is not a region of this workspace.`, expected: `one of the regions: ${listOf(regions)}` });
    });
    if (link.network) needNetwork(link.network, ['openstack', 'interconnects', i, 'network'], `Interconnect ${i + 1} uses network`);
  });

  ws.vsan?.clusters.forEach((cluster, c) => {
    const base: FieldPath = ['vsan', 'clusters', c];
    for (const side of ['preferredSite', 'secondarySite'] as const) {
      needSite(cluster[side].site, [...base, side, 'site'], `The ${side === 'preferredSite' ? 'preferred' : 'secondary'} data site of vSAN cluster ${cluster.name}`);
      cluster[side].hosts.forEach((name, i) => needNode(name, [...base, side, 'hosts', i], `vSAN cluster ${cluster.name} lists host`));
    }
    needNode(cluster.witness.host, [...base, 'witness', 'host'], `The witness of vSAN cluster ${cluster.name}`);
    needSite(cluster.witness.site, [...base, 'witness', 'site'], `The witness site of vSAN cluster ${cluster.name}`);
    if (cluster.dataNetwork) needNetwork(cluster.dataNetwork, [...base, 'dataNetwork'], `The vSAN data network of cluster ${cluster.name}`);
    if (cluster.witnessNetwork) needNetwork(cluster.witnessNetwork, [...base, 'witnessNetwork'], `The witness network of cluster ${cluster.name}`);
  });

  for (const name of Object.keys(ws.layout?.nodes ?? {})) {
    if (!nodes.has(name)) issues.push({ severity: 'warning', code: 'reference', path: ['layout', 'nodes', name], message: `The canvas position of "${name}" belongs to no node; it is ignored (saving keeps it).`, expected: 'a node name' });
  }
  for (const name of Object.keys(ws.layout?.sites ?? {})) {
    if (!sites.has(name)) issues.push({ severity: 'warning', code: 'reference', path: ['layout', 'sites', name], message: `The canvas position of "${name}" belongs to no site; it is ignored (saving keeps it).`, expected: 'a site name' });
  }
  issues.push(...checkOverlayReferences(ws));
  return issues;
}
