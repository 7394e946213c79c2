// OpenStack multi-region rules (pure): roles per region, one Keystone region reachable from all,
// unique region names, a VPN or routed path between regions, and compute nodes for live migration.
import { describeLatency } from '../../workspace/facts.js';
import { crossPairs, nodeRef } from '../../workspace/rules/context.js';
import { groupRef } from '../types.js';
import { kollaMultiRegion, neutronVpnaas, novaLiveMigration, openstackArchDesign, openstackInstallGuide } from './sources.js';
import type { FindingDraft, Rule, RuleContext } from '../../workspace/rules/types.js';
import type { OpenstackInterconnect, OpenstackRegion } from './schema.js';

const regionRef = (r: OpenstackRegion) => groupRef('openstack', r.name);
const regions = (ctx: RuleContext) => ctx.workspace.openstack?.regions ?? [];
const at = (i: number, rest = '') => `openstack.regions[${i}]${rest}`;

/** Regions reachable from `start` over the declared VPN or routed interconnects. */
export function reachableRegions(ctx: RuleContext, start: string): Set<string> {
  const edges = ctx.workspace.openstack?.interconnects ?? [];
  const seen = new Set([start]);
  const queue = [start];
  while (queue.length) {
    const current = queue.shift()!;
    for (const { between } of edges) {
      const [a, b] = between;
      const other = a === current ? b : b === current ? a : undefined;
      if (other !== undefined && !seen.has(other)) {
        seen.add(other);
        queue.push(other);
      }
    }
  }
  return seen;
}

export const regionRoles: Rule = {
  id: 'openstack.region-roles',
  stack: 'openstack',
  title: 'Every region has controller, network and compute nodes',
  source: openstackInstallGuide('Overview: Example architecture (controller, network and compute nodes)'),
  check(ctx) {
    return regions(ctx).flatMap((region, i): FindingDraft[] => {
      const missing = (
        [
          ['controllers', 'controller'],
          ['networkNodes', 'network'],
          ['compute', 'compute'],
        ] as const
      )
        .filter(([key]) => region[key].length === 0)
        .map(([, label]) => label);
      if (missing.length === 0) return [];
      return [
        {
          severity: 'error',
          message: `OpenStack region ${region.name} has no ${missing.join(', no ')} node: a region needs controller, network and compute roles (${region.controllers.length} controller, ${region.networkNodes.length} network, ${region.compute.length} compute).`,
          elements: [regionRef(region)],
          paths: [at(i)],
          remedy: `Assign the ${missing.join(' and ')} role to nodes of region ${region.name} (one node may hold several roles in a small region).`,
          figures: { controllers: region.controllers.length, networkNodes: region.networkNodes.length, compute: region.compute.length },
        },
      ];
    });
  },
};

export const keystoneRegion: Rule = {
  id: 'openstack.keystone',
  stack: 'openstack',
  title: 'Exactly one region holds Keystone, reachable from every other region',
  source: kollaMultiRegion('One Keystone serves every region; the other regions register their endpoints with it'),
  check(ctx) {
    const all = regions(ctx);
    if (all.length === 0) return [];
    const holders = all.filter((r) => r.keystone);
    if (holders.length !== 1) {
      return [
        {
          severity: 'error',
          message: holders.length === 0 ? `None of the ${all.length} OpenStack regions holds Keystone; one region must run the identity service for all.` : `${holders.length} regions hold Keystone (${holders.map((r) => r.name).join(', ')}); exactly one region runs the identity service the others use.`,
          elements: (holders.length ? holders : all).map(regionRef),
          paths: all.map((_, i) => at(i, '.keystone')),
          remedy: 'Mark exactly one region as the one that runs Keystone; the others use it.',
          figures: { keystoneRegions: holders.length },
        },
      ];
    }
    const keystone = holders[0]!;
    const reachable = reachableRegions(ctx, keystone.name);
    const findings: FindingDraft[] = [];
    all.forEach((region, i) => {
      if (region === keystone) return;
      if (!reachable.has(region.name)) {
        findings.push({
          severity: 'error',
          message: `Region ${region.name} has no VPN or routed path to ${keystone.name}, the Keystone region: its services cannot authenticate.`,
          elements: [regionRef(region), regionRef(keystone)],
          paths: [at(i)],
          remedy: `Declare the VPN or routed link between ${region.name} and ${keystone.name} (and build it).`,
        });
        return;
      }
      const network = region.managementNetwork ?? keystone.managementNetwork;
      if (!network) return;
      for (const [a, b] of crossPairs(region.controllers, keystone.controllers)) {
        const p = ctx.facts.between(network, a, b);
        if (p && !p.error && p.lossPercent >= 100) {
          findings.push({
            severity: 'error',
            message: `Controller ${a} of region ${region.name} cannot reach Keystone controller ${b} on ${network}: ${describeLatency(p)}.`,
            elements: [nodeRef(a), nodeRef(b), regionRef(region)],
            paths: [at(i, '.controllers')],
            remedy: 'Check the VPN or route between the regions and the firewall for the Keystone API (port 5000).',
            figures: { lossPercent: p.lossPercent },
          });
        }
      }
    });
    return findings;
  },
};

export const regionNames: Rule = {
  id: 'openstack.region-names',
  stack: 'openstack',
  title: 'Unique region names (they cannot change after deployment)',
  source: kollaMultiRegion('Each region has its own name, which every endpoint registered for it carries'),
  check(ctx) {
    const seen = new Map<string, string>();
    const findings: FindingDraft[] = [];
    regions(ctx).forEach((region, i) => {
      const key = region.name.toLowerCase();
      const first = seen.get(key);
      if (first !== undefined) {
        findings.push({
          severity: 'error',
          message: first === region.name ? `Region name ${region.name} is used twice; region names must be unique and cannot be changed after deployment.` : `Region names ${first} and ${region.name} differ only in case; admins and tools confuse them, and names cannot be changed after deployment.`,
          elements: [regionRef(region)],
          paths: [at(i, '.name')],
          remedy: 'Pick a distinct name now, before the region is deployed.',
        });
      } else seen.set(key, region.name);
    });
    return findings;
  },
};

export const interRegionPath: Rule = {
  id: 'openstack.inter-region-path',
  stack: 'openstack',
  title: 'A VPN or routed WAN path between regions',
  source: openstackArchDesign('Multi-site: regions are connected over a routed WAN or VPN'),
  check(ctx) {
    const all = regions(ctx);
    if (all.length < 2) return [];
    const first = all[0]!;
    const reachable = reachableRegions(ctx, first.name);
    const cut = all.filter((r) => !reachable.has(r.name));
    if (cut.length === 0) return [];
    return [
      {
        severity: 'error',
        message: `${cut.map((r) => r.name).join(', ')} ${cut.length === 1 ? 'has' : 'have'} no VPN or routed path to region ${first.name}; ${reachable.size} of ${all.length} regions are connected.`,
        elements: cut.map(regionRef),
        paths: ['openstack.interconnects'],
        remedy: `Declare the VPN or routed link between ${cut.map((r) => r.name).join(', ')} and the connected regions (and build it).`,
        figures: { connectedRegions: reachable.size, regions: all.length },
      },
    ];
  },
};

export const liveMigrationCompute: Rule = {
  id: 'openstack.live-migration-compute',
  stack: 'openstack',
  title: 'At least two compute nodes where live migration is wanted',
  source: novaLiveMigration('Live migration moves an instance to another compute host of the same region'),
  check(ctx) {
    return regions(ctx).flatMap((region, i): FindingDraft[] =>
      region.liveMigration && region.compute.length < 2
        ? [
            {
              severity: 'warning',
              message: `Region ${region.name} wants live migration but has ${region.compute.length} compute node${region.compute.length === 1 ? '' : 's'}; an instance needs another compute host to move to.`,
              elements: [regionRef(region), ...region.compute.map(nodeRef)],
              paths: [at(i, '.compute')],
              remedy: 'Add a second compute node, or turn live migration off for this region.',
              figures: { compute: region.compute.length },
            },
          ]
        : [],
    );
  },
};

/** What a VPN interconnect lacks before the app can create its IPsec site connections (none: it can be planned). */
export function vpnInterconnectGaps(link: OpenstackInterconnect): string[] {
  if (link.kind !== 'vpn') return [];
  if (!link.vpn) return ['vpn'];
  return link.between.filter((r) => !link.vpn!.sides[r]).map((r) => `vpn.sides.${r}`);
}

export const vpnInterconnectDetails: Rule = {
  id: 'openstack.vpn-interconnect-details',
  stack: 'openstack',
  title: 'A VPN interconnect names its routers, subnets and pre-shared key',
  source: neutronVpnaas('IPsec site connection: VPN service on a router, endpoint groups, IKE and IPsec policies, pre-shared key'),
  check(ctx) {
    return (ctx.workspace.openstack?.interconnects ?? []).flatMap((link, i): FindingDraft[] => {
      const gaps = vpnInterconnectGaps(link);
      if (!gaps.length) return [];
      const pair = link.between.join('–');
      return [
        {
          // Not a fault of the layout (the admin may run this VPN by other means): the app just cannot build it.
          severity: 'info',
          message: `VPN interconnect ${i + 1} (${pair}) cannot be built by the app yet: openstack.interconnects[${i}].${gaps[0]} is missing${gaps.length > 1 ? ` (and ${gaps.slice(1).join(', ')})` : ''}.`,
          elements: link.between.map((r) => groupRef('openstack', r)),
          paths: [`openstack.interconnects[${i}]`],
          remedy: `Name, for each of ${link.between.join(' and ')}, the router the VPN runs on and the subnets whose traffic crosses, and the stored secret that holds the pre-shared key; the app then creates the connections both ways.`,
          figures: { interconnect: i + 1 },
        },
      ];
    });
  },
};

export const openstackRules: Rule[] = [regionRoles, keystoneRegion, regionNames, interRegionPath, liveMigrationCompute, vpnInterconnectDetails];
