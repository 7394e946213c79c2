// Turns a lab description into names and addresses: namespaces, interfaces, subnets, vde sockets (pure).
// Sites are routed: each site has a router namespace; every pair of sites has its own point-to-point link per network.
import { CwError } from '../../common/errors.js';
import type { LinkParams, PresetName } from './presets.js';
import type { LabSpec } from './spec.js';

export const labNetworks = [
  { index: 0, name: 'management', role: 'management', corosyncLink: 0, cidr: '198.18.0.0/16', base: '198.18' },
  { index: 1, name: 'corosync-link1', role: 'corosync', corosyncLink: 1, cidr: '198.19.0.0/16', base: '198.19' },
] as const;

export type NetworkIndex = 0 | 1;

export interface PlannedHost {
  name: string;
  site: string;
  siteIndex: number;
  /** 1-based position in the site. */
  index: number;
  netns: string;
  /** Address per network (index 0 = management / corosync link0, 1 = corosync link1). */
  addresses: [string, string];
  /** The veth end in the site router's namespace, per network. */
  routerIfs: [string, string];
  reachableFromApp: boolean;
}

export interface PlannedSite {
  name: string;
  /** 1-based; the third octet of the site's subnets. */
  index: number;
  routerNetns: string;
  reachableFromApp: boolean;
  /** Site LAN per network, e.g. 198.18.3.0/24. */
  subnets: [string, string];
  routerAddresses: [string, string];
}

export interface PlannedLinkEnd {
  site: string;
  /** Tap created by the site's vde_switch in the router namespace. */
  tap: string;
  address: string;
  /** vde_switch socket directory. */
  switchSock: string;
}

export interface PlannedLinkNetwork {
  network: NetworkIndex;
  ends: [PlannedLinkEnd, PlannedLinkEnd];
  /** wirefilter management socket. */
  mgmtSock: string;
}

export interface PlannedLink {
  a: string;
  b: string;
  params: LinkParams;
  preset?: PresetName;
  networks: [PlannedLinkNetwork, PlannedLinkNetwork];
}

export interface LabPlan {
  prefix: string;
  stateDir: string;
  spec: LabSpec;
  sites: PlannedSite[];
  hosts: PlannedHost[];
  links: PlannedLink[];
  app: { site: string; rootIf: string; routerIf: string; subnet: string; rootAddress: string; routerAddress: string };
  /** Which eighth of the lab range this lab uses (several labs, with different prefixes, can run at once). */
  slot: number;
  /** The lab's part of each network (all its sites' subnets), routed from the root namespace. */
  networkCidrs: [string, string];
  /** Everything this lab routes: its networks, its site-to-site links, the app link. */
  claimedRanges: string[];
}

/** Labs that can run side by side on one machine, each in its own part of 198.18.0.0/15. */
export const maxSlots = 8;

export const prefixPattern = /^[a-z][a-z0-9]{1,5}$/;
/** Unix socket paths are limited to 108 bytes; vde adds its own file names under ours. */
export const maxStateDirLength = 64;
/** What a state directory may be made of (see planLab). */
export const statePathPattern = /^[A-Za-z0-9._/+@,-]+$/;

/** The address ranges slot `slot` uses (see planLab). */
export function slotRanges(slot: number): { networkCidrs: [string, string]; transit: [string, string]; app: string } {
  return {
    networkCidrs: [`198.18.${16 * slot}.0/20`, `198.19.${16 * slot}.0/20`],
    transit: [`198.18.${128 + slot}.0/24`, `198.19.${128 + slot}.0/24`],
    app: `198.18.255.${4 * slot}/30`,
  };
}

/**
 * Addresses, for slot s (0–7): site i's LAN is 198.18.(16s+i).0/24 and 198.19.(16s+i).0/24 (router .1,
 * hosts from .11); site-to-site links are /31s in 198.1x.(128+s).0/24; the app link is 198.18.255.4s/30.
 */
export function planLab(spec: LabSpec, options: { prefix: string; stateDir: string; slot?: number }): LabPlan {
  const { prefix, stateDir } = options;
  const slot = options.slot ?? 0;
  if (!Number.isInteger(slot) || slot < 0 || slot >= maxSlots) throw new CwError('INVALID_INPUT', `Lab slot ${slot} is out of range 0–${maxSlots - 1}.`);
  const ranges = slotRanges(slot);
  if (!prefixPattern.test(prefix)) throw new CwError('INVALID_INPUT', `The lab prefix "${prefix}" must be 2–6 lower-case letters or digits, starting with a letter (it names namespaces and interfaces).`);
  // The state directory is written into ssh_config, sshd_config and init scripts, and handed to vde: plain path characters only.
  if (!statePathPattern.test(stateDir)) throw new CwError('INVALID_INPUT', `The lab state directory ${JSON.stringify(stateDir)} may hold only letters, digits and / . _ - + @ , (no spaces, quotes, % or control characters): it is written into the lab's ssh_config and scripts. Choose another --state directory.`);
  if (stateDir.length > maxStateDirLength) throw new CwError('INVALID_INPUT', `The lab state directory ${stateDir} is longer than ${maxStateDirLength} characters; vde's sockets live there and Unix socket paths are short. Choose a shorter --state directory.`);
  const sites: PlannedSite[] = spec.sites.map((site, i) => ({
    name: site.name,
    index: i + 1,
    routerNetns: `${prefix}-r-${site.name}`,
    reachableFromApp: site.reachableFromApp,
    subnets: [`198.18.${16 * slot + i + 1}.0/24`, `198.19.${16 * slot + i + 1}.0/24`],
    routerAddresses: [`198.18.${16 * slot + i + 1}.1`, `198.19.${16 * slot + i + 1}.1`],
  }));
  const siteByName = new Map(sites.map((s) => [s.name, s]));
  const hosts: PlannedHost[] = [];
  for (const site of spec.sites) {
    const planned = siteByName.get(site.name)!;
    site.hosts.forEach((host, k) => {
      const index = k + 1;
      hosts.push({
        name: host.name,
        site: site.name,
        siteIndex: planned.index,
        index,
        netns: `${prefix}-h-${host.name}`,
        addresses: [`198.18.${16 * slot + planned.index}.${10 + index}`, `198.19.${16 * slot + planned.index}.${10 + index}`],
        routerIfs: [`h${index}n0`, `h${index}n1`],
        reachableFromApp: host.reachableFromApp,
      });
    });
  }
  const links: PlannedLink[] = spec.links.map((link, pair) => {
    const sa = siteByName.get(link.a)!;
    const sb = siteByName.get(link.b)!;
    const networks = ([0, 1] as const).map((network): PlannedLinkNetwork => {
      // Point-to-point /31 per pair and network (at most 66 pairs: 12 sites).
      const offset = pair * 2;
      const third = 128 + slot;
      const base = labNetworks[network].base;
      const id = `p${pair}n${network}`;
      return {
        network,
        mgmtSock: `${stateDir}/vde/${id}.mgmt`,
        ends: [
          { site: sa.name, tap: `s${sb.index}n${network}`, address: `${base}.${third}.${offset % 256}`, switchSock: `${stateDir}/vde/${id}a` },
          { site: sb.name, tap: `s${sa.index}n${network}`, address: `${base}.${third}.${(offset % 256) + 1}`, switchSock: `${stateDir}/vde/${id}b` },
        ],
      };
    }) as [PlannedLinkNetwork, PlannedLinkNetwork];
    return { a: link.a, b: link.b, params: { ...link.params }, ...(link.preset ? { preset: link.preset } : {}), networks };
  });
  return {
    prefix,
    stateDir,
    spec,
    sites,
    hosts,
    links,
    app: { site: spec.appSite, rootIf: `${prefix}-app`, routerIf: 'app0', subnet: ranges.app, rootAddress: `198.18.255.${4 * slot + 1}`, routerAddress: `198.18.255.${4 * slot + 2}` },
    slot,
    networkCidrs: ranges.networkCidrs,
    claimedRanges: [...ranges.networkCidrs, ...ranges.transit, ranges.app],
  };
}

export function findLink(plan: { links: PlannedLink[] }, siteA: string, siteB: string): PlannedLink | undefined {
  return plan.links.find((l) => (l.a === siteA && l.b === siteB) || (l.a === siteB && l.b === siteA));
}
