// OpenStack as the core and the renderer see it (pure): the openstack section and its rules, regions and
// the role each node plays in them, and the inter-region traffic an overlay must carry. It has no client
// in the app yet, so no inventory, moves or contract methods.
import { openstackAdvisor } from './advisor.js';
import type { FieldPath } from '../../workspace/paths.js';
import { defineStack, type BandwidthSetting, type StackGroup, type StackTraffic, type StackWorkspace } from '../types.js';
import { openstackRules } from './rules.js';
import { openstackSectionSchema } from './schema.js';

export const OPENSTACK = 'openstack';

type OpenstackWorkspace = StackWorkspace<'openstack', typeof openstackSectionSchema>;

const MIB = 1024 * 1024;

export const openstackStack = defineStack({
  id: 'openstack',
  title: 'OpenStack',
  shortTitle: 'OS',
  groupKind: 'region',
  section: { key: 'openstack', schema: openstackSectionSchema },
  networkRoles: {},
  rules: openstackRules,

  references(ws: OpenstackWorkspace, check) {
    const regions = new Set<string>();
    ws.openstack?.regions.forEach((region, r) => {
      regions.add(region.name);
      const base: FieldPath = ['openstack', 'regions', r];
      for (const role of ['controllers', 'networkNodes', 'compute', 'storage'] as const) {
        region[role].forEach((name, i) => check.node(name, [...base, role, i], `OpenStack region ${region.name} lists ${role} node`));
      }
      if (region.managementNetwork) check.network(region.managementNetwork, [...base, 'managementNetwork'], `The management network of region ${region.name}`);
    });
    ws.openstack?.interconnects.forEach((link, i) => {
      link.between.forEach((name, k) => {
        if (!regions.has(name)) check.issue({ severity: 'error', code: 'reference', path: ['openstack', 'interconnects', i, 'between', k], message: `Interconnect ${i + 1} joins region "${name}", which is not a region of this workspace.`, expected: `one of the regions: ${check.listOf(regions)}` });
      });
      if (link.network) check.network(link.network, ['openstack', 'interconnects', i, 'network'], `Interconnect ${i + 1} uses network`);
    });
  },

  groups(ws: OpenstackWorkspace): StackGroup[] {
    return (ws.openstack?.regions ?? []).map((r, i) => ({
      stack: OPENSTACK,
      kind: 'region',
      name: r.name,
      path: `openstack.regions[${i}]`,
      members: [
        ...r.controllers.map((node) => ({ node, role: 'controller', member: true })),
        ...r.networkNodes.map((node) => ({ node, role: 'network', member: true })),
        ...r.compute.map((node) => ({ node, role: 'compute', member: true })),
        ...r.storage.map((node) => ({ node, role: 'storage', member: true })),
      ],
    }));
  },

  links: () => [],

  traffic(ws: OpenstackWorkspace): StackTraffic[] {
    const regions = new Map((ws.openstack?.regions ?? []).map((r) => [r.name, r]));
    return (ws.openstack?.interconnects ?? []).flatMap((link, i): StackTraffic[] => {
      if (!link.network) return [];
      const nodes = link.between.flatMap((name) => {
        const region = regions.get(name);
        return region ? [...region.controllers, ...region.networkNodes] : [];
      });
      const group = `${link.between[0]}–${link.between[1]}`;
      return [{ role: 'inter-region', stack: OPENSTACK, group, label: `the inter-region path ${group}`, network: link.network, nodes: [...new Set(nodes)], path: `openstack.interconnects[${i}].network` }];
    });
  },

  bandwidthSettings(mbit): BandwidthSetting[] {
    const mib = Math.max(1, Math.floor((mbit * 1_000_000) / 8 / MIB));
    return [{ stack: OPENSTACK, what: 'libvirt live migration, per compute node', where: 'nova.conf [libvirt] live_migration_bandwidth', value: mib, unit: 'MiB/s', example: `[libvirt]\nlive_migration_bandwidth = ${mib}` }];
  },

  contract: { methods: {}, events: {} },
  migration: undefined,
  advisor: openstackAdvisor,
});
