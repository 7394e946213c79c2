// OpenStack as a workspace sees it (pure): the openstack section and its rules, regions (the canvas's groups) and
// the role each node plays in them, the inter-region links and the traffic an overlay must carry, its series in the
// monitor's exposition and its advisor.
// Its contract, what a move chooses and its lab section are in definition.ts: validating a workspace builds none of
// their schemas.
import { openstackAdvisor } from './advisor.js';
import type { FieldPath } from '../../workspace/paths.js';
import { defineStackWorkspace, type BandwidthSetting, type StackGroup, type StackLink, type StackTraffic, type StackWorkspace } from '../types.js';
import { openstackRules } from './rules.js';
import { openstackSectionSchema } from './schema.js';
import { openstackExposition } from './monitor.js';

export const OPENSTACK = 'openstack';

type OpenstackWorkspace = StackWorkspace<'openstack', typeof openstackSectionSchema>;

const MIB = 1024 * 1024;
export const openstackWorkspaceStack = defineStackWorkspace({
  id: 'openstack',
  title: 'OpenStack',
  shortTitle: 'OS',
  groupKind: 'region',
  section: { key: 'openstack', schema: openstackSectionSchema },
  networkRoles: {},
  rules: openstackRules,
  exposition: openstackExposition,

  references(ws: OpenstackWorkspace, check) {
    const regions = new Set<string>();
    const roleWords = { controllers: 'controller', networkNodes: 'network node', compute: 'compute node', storage: 'storage node' } as const;
    ws.openstack?.regions.forEach((region, r) => {
      regions.add(region.name);
      const base: FieldPath = ['openstack', 'regions', r];
      for (const role of ['controllers', 'networkNodes', 'compute', 'storage'] as const) {
        region[role].forEach((name, i) => check.node(name, [...base, role, i], `OpenStack region ${region.name} lists the ${roleWords[role]}`));
      }
      if (region.managementNetwork) check.network(region.managementNetwork, [...base, 'managementNetwork'], `The management network of region ${region.name} is`);
      if (region.deployHost) check.node(region.deployHost, [...base, 'deployHost'], `The deploy host of region ${region.name} is`);
    });
    ws.openstack?.interconnects.forEach((link, i) => {
      link.between.forEach((name, k) => {
        if (!regions.has(name) && !check.unread('openstack.regions', name)) check.issue({ severity: 'error', code: 'reference', path: ['openstack', 'interconnects', i, 'between', k], message: `Interconnect ${i + 1} joins region "${name}", but this workspace has no region of that name. Add the region, or correct the name.`, expected: `one of the regions: ${check.listOf(regions)}` });
      });
      if (link.network) check.network(link.network, ['openstack', 'interconnects', i, 'network'], `Interconnect ${i + 1} uses network`);
      if (link.vpn) {
        const base: FieldPath = ['openstack', 'interconnects', i, 'vpn'];
        if (link.kind !== 'vpn') check.issue({ severity: 'error', code: 'reference', path: base, message: `Interconnect ${i + 1} (${link.between.join('–')}) is routed but has a vpn block: set kind to "vpn", or remove the block.`, expected: 'kind: vpn' });
        // A region without its end is the rule openstack.vpn-interconnect-details' finding (here it could be an end the schema cut away).
        for (const region of Object.keys(link.vpn.sides)) {
          if (!link.between.includes(region)) check.issue({ severity: 'error', code: 'reference', path: [...base, 'sides', region], message: `The VPN of interconnect ${i + 1} has an end in region "${region}", which this interconnect does not join (it joins ${link.between.join(' and ')}).`, expected: `one of ${link.between.join(', ')}` });
        }
      }
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

  // One link per interconnect that names its network: between the first controller of each region.
  links(ws: OpenstackWorkspace): StackLink[] {
    const regions = new Map((ws.openstack?.regions ?? []).map((r) => [r.name, r]));
    return (ws.openstack?.interconnects ?? []).flatMap((link): StackLink[] => {
      const [a, b] = link.between.map((name) => regions.get(name)?.controllers[0]);
      if (!link.network || !a || !b || a === b) return [];
      return [{ a, b, role: 'inter-region', network: link.network, group: `${link.between[0]}–${link.between[1]}` }];
    });
  },

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

  advisor: openstackAdvisor,
});
