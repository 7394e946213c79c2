// Which stacks and roles each node has, derived from the stack sections (the single place they are
// declared), for node cards, the navbar and the inspector.
import type { Workspace } from './schema.js';

export interface NodeMembership {
  stack: 'proxmox' | 'openstack' | 'vsan';
  /** Cluster or region name. */
  group: string;
  role: 'member' | 'qdevice' | 'controller' | 'network' | 'compute' | 'storage' | 'data-host' | 'witness';
}

export function nodeMemberships(ws: Workspace): Map<string, NodeMembership[]> {
  const result = new Map<string, NodeMembership[]>();
  const add = (node: string, entry: NodeMembership) => result.set(node, [...(result.get(node) ?? []), entry]);
  for (const c of ws.proxmox?.clusters ?? []) {
    for (const n of c.nodes) add(n, { stack: 'proxmox', group: c.name, role: 'member' });
    if (c.qdevice) add(c.qdevice.host, { stack: 'proxmox', group: c.name, role: 'qdevice' });
  }
  for (const r of ws.openstack?.regions ?? []) {
    for (const n of r.controllers) add(n, { stack: 'openstack', group: r.name, role: 'controller' });
    for (const n of r.networkNodes) add(n, { stack: 'openstack', group: r.name, role: 'network' });
    for (const n of r.compute) add(n, { stack: 'openstack', group: r.name, role: 'compute' });
    for (const n of r.storage) add(n, { stack: 'openstack', group: r.name, role: 'storage' });
  }
  for (const c of ws.vsan?.clusters ?? []) {
    for (const n of [...c.preferredSite.hosts, ...c.secondarySite.hosts]) add(n, { stack: 'vsan', group: c.name, role: 'data-host' });
    add(c.witness.host, { stack: 'vsan', group: c.name, role: 'witness' });
  }
  return result;
}
