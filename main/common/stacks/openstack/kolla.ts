// Kolla-Ansible files for a multi-region OpenStack (pure): per region a globals.yml, the multinode inventory
// and the config overrides Kolla documents for regions that use another region's Keystone. One Kolla
// deployment per region; Keystone (and Horizon) in one of them. Every value from the plan is written as data
// (`!unsafe`, so Ansible never templates it) and every variable name is one Kolla-Ansible itself defines.
import { CwError } from '../../errors.js';
import { isIpAddress } from '../../workspace/ip.js';
import type { Workspace } from '../../workspace/schema.js';
import { kollaAnsibleReleases, type KollaSeries } from './kolla-ansible-vars.js';

export type { KollaSeries } from './kolla-ansible-vars.js';

export interface KollaNode {
  /** Inventory host name (the node's hostname; Kolla expects it to resolve on the deploy host). */
  name: string;
  /** Where Ansible reaches it (`ansible_host`). */
  address: string;
}

export interface KollaRegionPlan {
  /** `openstack_region_name`; final once deployed (Keystone endpoints reference it). */
  name: string;
  /** This region runs Keystone and Horizon for all. */
  keystone: boolean;
  /** `kolla_internal_vip_address`: a free address on the management network (keepalived holds it). */
  internalVip: string;
  /** `kolla_internal_fqdn`; the VIP when omitted. Other regions reach Keystone here. */
  internalFqdn?: string;
  /** `kolla_external_vip_address` / `kolla_external_fqdn` for public endpoints; the internal ones when omitted. */
  externalVip?: string;
  externalFqdn?: string;
  controllers: string[];
  network: string[];
  compute: string[];
  storage?: string[];
  monitoring?: string[];
  /** `network_interface` (management/API) and `neutron_external_interface` (no address on it). */
  networkInterface: string;
  externalInterface: string;
  /** `enable_neutron_vpnaas`: IPsec site connections to the other regions. */
  vpnaas: boolean;
  /** `keepalived_virtual_router_id` (1–255, unique per region); assigned from 51 upwards when omitted. */
  keepalivedVirtualRouterId?: number;
  /** `kolla_enable_tls_internal` / `kolla_enable_tls_external`. */
  tlsInternal?: boolean;
  tlsExternal?: boolean;
  /** `enable_heat` (Kolla's default: on, as a core service); its override file follows it. */
  heat?: boolean;
  /** Cinder on the storage nodes with this backend. */
  cinderBackend?: 'lvm' | 'nfs';
}

export interface KollaPlan {
  release: KollaSeries;
  regions: KollaRegionPlan[];
  nodes: KollaNode[];
  /** `ansible_user` written for every host (Kolla's bootstrap-servers needs root or sudo). */
  sshUser?: string;
  /** Kolla's config dir on the deploy host (default /etc/kolla); overrides go to `<configDir>/config`. */
  configDir?: string;
}

export interface KollaRegionFiles {
  region: string;
  keystone: boolean;
  /** `/etc/kolla/globals.yml` */
  globalsYml: string;
  /** The `multinode` inventory. */
  multinode: string;
  /** Config overrides by path relative to the config dir (`config/global.conf`, `config/nova.conf`, …). */
  overrides: Record<string, string>;
  /** Top-level variables globals.yml sets. */
  globalsKeys: string[];
  /** passwords.yml entries that must hold the Keystone region's values (one Keystone, one set of service users). */
  sharedPasswords: string[];
}

export interface KollaPlanIssue {
  path: string;
  message: string;
}

/** Kolla's Keystone port (`keystone_public_listen_port`; internal and public are the same since the admin endpoint went). */
export const keystonePort = 5000;

const regionNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const hostLabel = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const hostnamePattern = new RegExp(`^${hostLabel}(?:\\.${hostLabel})*$`);
const interfacePattern = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,14}$/;
const userPattern = /^[a-z_][a-z0-9_-]{0,31}$/;
const pathPattern = /^\/[A-Za-z0-9._/-]*$/;

/** The Kolla-Ansible variable names of a release (what globals.yml may set). */
export function kollaVariableNames(release: KollaSeries): Set<string> {
  return new Set(kollaAnsibleReleases[release].groupVars);
}

/** A YAML double-quoted scalar (JSON's escaping is valid YAML) tagged `!unsafe`: Ansible keeps it as text. */
function data(value: string): string {
  return `!unsafe ${JSON.stringify(value)}`;
}

function yesNo(value: boolean): string {
  return value ? '"yes"' : '"no"';
}

function urlHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/** Checks the plan; every problem with the path to the offending value. */
export function checkKollaPlan(plan: KollaPlan): KollaPlanIssue[] {
  const issues: KollaPlanIssue[] = [];
  const add = (path: string, message: string): void => void issues.push({ path, message });
  if (!(plan.release in kollaAnsibleReleases)) add('release', `Kolla-Ansible ${String(plan.release)} is not one this app knows (${Object.keys(kollaAnsibleReleases).join(', ')}).`);
  if (plan.sshUser !== undefined && !userPattern.test(plan.sshUser)) add('sshUser', `'${plan.sshUser}' is not a user name.`);
  if (plan.configDir !== undefined && (!pathPattern.test(plan.configDir) || plan.configDir.split('/').includes('..'))) add('configDir', `'${plan.configDir}' is not an absolute path made of letters, digits, '.', '_', '-' and '/'.`);
  const nodes = new Map<string, KollaNode>();
  plan.nodes.forEach((n, i) => {
    if (!hostnamePattern.test(n.name) || n.name.length > 253) add(`nodes[${i}].name`, `'${n.name}' is not a host name.`);
    if (!isIpAddress(n.address)) add(`nodes[${i}].address`, `'${n.address}' of ${n.name} is not an IP address.`);
    if (nodes.has(n.name)) add(`nodes[${i}].name`, `Node ${n.name} is listed twice.`);
    nodes.set(n.name, n);
  });
  if (plan.regions.length === 0) add('regions', 'The plan has no region.');
  const keystones = plan.regions.filter((r) => r.keystone);
  if (plan.regions.length > 0 && keystones.length !== 1) add('regions', `${keystones.length} regions hold Keystone (${keystones.map((r) => r.name).join(', ') || 'none'}); exactly one must.`);
  const names = new Map<string, string>();
  const owner = new Map<string, string>();
  const vips = new Map<string, string>();
  const routerIds = new Map<number, string>();
  plan.regions.forEach((r, i) => {
    const at = (k: string) => `regions[${i}].${k}`;
    if (!regionNamePattern.test(r.name)) add(at('name'), `'${r.name}' is not a usable region name: letters, digits, '.', '_', '-', at most 64.`);
    const lower = r.name.toLowerCase();
    if (names.has(lower)) add(at('name'), `Region ${r.name} is named twice (${names.get(lower)}); names differ by more than case.`);
    names.set(lower, r.name);
    for (const [key, label] of [
      ['internalVip', 'kolla_internal_vip_address'],
      ['externalVip', 'kolla_external_vip_address'],
    ] as const) {
      const v = r[key];
      if (v === undefined) continue;
      if (!isIpAddress(v)) add(at(key), `${label} '${v}' of ${r.name} is not an IP address.`);
      else if (vips.has(v) && vips.get(v) !== r.name) add(at(key), `${label} ${v} of ${r.name} is already the VIP of ${vips.get(v)}.`);
      else vips.set(v, r.name);
    }
    for (const key of ['internalFqdn', 'externalFqdn'] as const) {
      const v = r[key];
      if (v !== undefined && !isIpAddress(v) && (!hostnamePattern.test(v) || v.length > 253)) add(at(key), `'${v}' is neither a host name nor an IP address.`);
    }
    if (!interfacePattern.test(r.networkInterface)) add(at('networkInterface'), `'${r.networkInterface}' is not a network interface name.`);
    if (!interfacePattern.test(r.externalInterface)) add(at('externalInterface'), `'${r.externalInterface}' is not a network interface name.`);
    if (r.networkInterface === r.externalInterface) add(at('externalInterface'), `neutron_external_interface must differ from network_interface (${r.networkInterface}): Kolla puts it in a bridge without an address.`);
    for (const role of ['controllers', 'network', 'compute'] as const) if (r[role].length === 0) add(at(role), `Region ${r.name} has no ${role === 'controllers' ? 'controller' : role} node.`);
    if (r.cinderBackend && (r.storage ?? []).length === 0) add(at('storage'), `Region ${r.name} asks for Cinder (${r.cinderBackend}) but has no storage node.`);
    const members = new Set<string>();
    for (const role of ['controllers', 'network', 'compute', 'storage', 'monitoring'] as const) {
      (r[role] ?? []).forEach((name, j) => {
        const node = nodes.get(name);
        if (!node) add(at(`${role}[${j}]`), `Node ${name} is not in the plan's nodes.`);
        else if (node.address === r.internalVip || node.address === r.externalVip) add(at(`${role}[${j}]`), `Node ${name} has the address ${node.address}, which is a VIP of ${r.name}; the VIP must be free for keepalived.`);
        members.add(name);
      });
    }
    for (const name of members) {
      const other = owner.get(name);
      if (other && other !== r.name) add(at('controllers'), `Node ${name} is in regions ${other} and ${r.name}; each region is its own Kolla deployment.`);
      owner.set(name, r.name);
    }
    const id = r.keepalivedVirtualRouterId;
    if (id !== undefined) {
      if (!Number.isInteger(id) || id < 1 || id > 255) add(at('keepalivedVirtualRouterId'), `keepalived_virtual_router_id ${id} is outside 1–255.`);
      else if (routerIds.has(id)) add(at('keepalivedVirtualRouterId'), `keepalived_virtual_router_id ${id} is used by ${routerIds.get(id)} too; VRRP ids must differ where VIPs can share a subnet.`);
      else routerIds.set(id, r.name);
    }
  });
  return issues;
}

function routerIds(plan: KollaPlan): Map<string, number> {
  const taken = new Set(plan.regions.map((r) => r.keepalivedVirtualRouterId).filter((x): x is number => x !== undefined));
  const ids = new Map<string, number>();
  let next = 51;
  for (const r of plan.regions) {
    if (r.keepalivedVirtualRouterId !== undefined) {
      ids.set(r.name, r.keepalivedVirtualRouterId);
      continue;
    }
    while (taken.has(next)) next++;
    taken.add(next);
    ids.set(r.name, next);
  }
  return ids;
}

function keystoneUrls(ks: KollaRegionPlan): { internal: string; public: string } {
  const internalHost = ks.internalFqdn ?? ks.internalVip;
  const publicHost = ks.externalFqdn ?? ks.externalVip ?? internalHost;
  const tlsPublic = ks.tlsExternal ?? ks.tlsInternal ?? false;
  return {
    internal: `${ks.tlsInternal ? 'https' : 'http'}://${urlHost(internalHost)}:${keystonePort}`,
    public: `${tlsPublic ? 'https' : 'http'}://${urlHost(publicHost)}:${keystonePort}`,
  };
}

/** `key: value` lines; values are already YAML (data() or literals of this module). */
function globalsYml(header: string[], entries: [string, string][]): string {
  const lines = header.map((h) => `# ${h}`);
  lines.push('---');
  for (const [key, value] of entries) lines.push(value.startsWith('\n') ? `${key}:${value}` : `${key}: ${value}`);
  return `${lines.join('\n')}\n`;
}

function inventory(plan: KollaPlan, region: KollaRegionPlan, header: string[]): string {
  const facts = kollaAnsibleReleases[plan.release].inventory;
  const nodes = new Map(plan.nodes.map((n) => [n.name, n]));
  const user = plan.sshUser ? ` ansible_user=${plan.sshUser}` : '';
  const host = (name: string) => `${name} ansible_host=${nodes.get(name)!.address}${user}`;
  const top: Record<string, string[]> = {
    control: region.controllers,
    network: region.network,
    compute: region.compute,
    monitoring: region.monitoring ?? [],
    storage: region.storage ?? [],
  };
  const out = header.map((h) => `# ${h}`);
  for (const group of facts.groups) {
    if (facts.children[group]) {
      out.push('', `[${group}:children]`, ...facts.children[group]!);
    } else if (group === 'deployment') {
      out.push('', '[deployment]', 'localhost ansible_connection=local');
    } else {
      out.push('', `[${group}]`, ...(top[group] ?? []).map(host));
    }
  }
  return `${out.join('\n')}\n`;
}

/**
 * Per region: globals.yml, multinode and the overrides. Throws INVALID_INPUT listing every problem (with its
 * path) when the plan is not one Kolla can deploy; nothing is generated from a half-valid plan.
 */
export function generateKolla(plan: KollaPlan): KollaRegionFiles[] {
  const issues = checkKollaPlan(plan);
  if (issues.length) throw new CwError('INVALID_INPUT', `The region plan cannot be turned into Kolla-Ansible files: ${issues.map((i) => `${i.path}: ${i.message}`).join(' ')}`, { issues });
  const facts = kollaAnsibleReleases[plan.release];
  const ks = plan.regions.find((r) => r.keystone)!;
  const urls = keystoneUrls(ks);
  const vrids = routerIds(plan);
  const configDir = plan.configDir ?? '/etc/kolla';
  const sharedPasswords = facts.passwords.filter((p) => p === 'keystone_admin_password' || p.endsWith('_keystone_password') || p === 'heat_domain_admin_password');
  const cite = `Kolla-Ansible ${plan.release} (${facts.tag}, commit ${facts.commit.slice(0, 12)})`;
  return plan.regions.map((r) => {
    const header = [`Generated by Clusterwright for region ${r.name} — ${cite}.`, r.keystone ? `This region holds Keystone and Horizon for ${plan.regions.map((x) => x.name).join(', ')}.` : `Keystone and Horizon run in region ${ks.name}; deploy that region first.`];
    const heat = r.heat ?? true;
    const entries: [string, string][] = [
      ['openstack_region_name', data(r.name)],
      ['kolla_internal_vip_address', data(r.internalVip)],
      ['kolla_internal_fqdn', data(r.internalFqdn ?? r.internalVip)],
    ];
    if (r.externalVip) entries.push(['kolla_external_vip_address', data(r.externalVip)]);
    if (r.externalFqdn) entries.push(['kolla_external_fqdn', data(r.externalFqdn)]);
    entries.push(['keepalived_virtual_router_id', JSON.stringify(String(vrids.get(r.name)))]);
    entries.push(['network_interface', data(r.networkInterface)], ['neutron_external_interface', data(r.externalInterface)]);
    if (r.tlsInternal !== undefined) entries.push(['kolla_enable_tls_internal', yesNo(r.tlsInternal)]);
    if (r.tlsExternal !== undefined) entries.push(['kolla_enable_tls_external', yesNo(r.tlsExternal)]);
    entries.push(['enable_keystone', yesNo(r.keystone)], ['enable_horizon', yesNo(r.keystone)], ['enable_heat', yesNo(heat)], ['enable_neutron_vpnaas', yesNo(r.vpnaas)]);
    if (r.cinderBackend) entries.push(['enable_cinder', yesNo(true)], [`enable_cinder_backend_${r.cinderBackend}`, yesNo(true)]);
    if (r.keystone) {
      // Kolla creates the Keystone endpoints of every listed region and offers them in Horizon.
      entries.push(['multiple_regions_names', `\n${plan.regions.map((x) => `  - ${data(x.name)}`).join('\n')}`]);
    } else {
      entries.push(['keystone_internal_url', data(urls.internal)], ['keystone_public_url', data(urls.public)]);
      // Releases whose default openstack_auth carries auth_url take it from here; 2026.1 reads it from clouds.yaml
      // (built from keystone_internal_url) and keeps only the password in openstack_auth.
      if (facts.openstackAuthKeys.includes('auth_url')) {
        const auth: Record<string, string> = {
          auth_url: '"{{ keystone_internal_url }}"',
          username: '"{{ keystone_admin_user }}"',
          password: '"{{ keystone_admin_password }}"',
          project_name: '"{{ keystone_admin_project }}"',
          domain_name: '"default"',
          user_domain_name: '"default"',
        };
        entries.push(['openstack_auth', `\n${Object.entries(auth).map(([k, v]) => `  ${k}: ${v}`).join('\n')}`]);
      }
      entries.push(['node_custom_config', data(`${configDir}/config`)]);
    }
    const overrides: Record<string, string> = {};
    if (!r.keystone) {
      const note = `# ${cite}: services of ${r.name} use Keystone in ${ks.name}.\n`;
      overrides['config/global.conf'] = `${note}[keystone_authtoken]\nwww_authenticate_uri = {{ keystone_internal_url }}\nauth_url = {{ keystone_internal_url }}\n`;
      overrides['config/nova.conf'] = `${note}[placement]\nauth_url = {{ keystone_internal_url }}\n`;
      if (heat) overrides['config/heat.conf'] = `${note}[trustee]\nwww_authenticate_uri = {{ keystone_internal_url }}\nauth_url = {{ keystone_internal_url }}\n\n[ec2authtoken]\nwww_authenticate_uri = {{ keystone_internal_url }}\n\n[clients_keystone]\nwww_authenticate_uri = {{ keystone_internal_url }}\n`;
    }
    return {
      region: r.name,
      keystone: r.keystone,
      globalsYml: globalsYml(header, entries),
      multinode: inventory(plan, r, header),
      overrides,
      globalsKeys: entries.map(([k]) => k),
      sharedPasswords: r.keystone ? [] : sharedPasswords,
    };
  });
}

/** What the workspace does not say about a region and the admin chooses in the wizard. */
export interface KollaRegionChoices {
  internalVip: string;
  internalFqdn?: string;
  externalVip?: string;
  externalFqdn?: string;
  networkInterface: string;
  externalInterface: string;
  /** Default: on when the workspace declares a VPN interconnect for the region. */
  vpnaas?: boolean;
  keepalivedVirtualRouterId?: number;
  tlsInternal?: boolean;
  tlsExternal?: boolean;
  heat?: boolean;
  cinderBackend?: 'lvm' | 'nfs';
}

export interface KollaChoices {
  release: KollaSeries;
  sshUser?: string;
  configDir?: string;
  regions: Record<string, KollaRegionChoices>;
}

/**
 * The region plan from the workspace's OpenStack section and the admin's choices. A node's address is its
 * address on the region's management network (else its only address); what is missing is reported by path.
 */
export function kollaPlanFromWorkspace(workspace: Workspace, choices: KollaChoices): { plan?: KollaPlan; issues: KollaPlanIssue[] } {
  const issues: KollaPlanIssue[] = [];
  const regions = workspace.openstack?.regions ?? [];
  const byName = new Map(workspace.nodes.map((n) => [n.name, n]));
  const nodes = new Map<string, KollaNode>();
  const planRegions: KollaRegionPlan[] = [];
  regions.forEach((r, i) => {
    const chosen = choices.regions[r.name];
    if (!chosen) {
      issues.push({ path: `openstack.regions[${i}]`, message: `Region ${r.name} has no VIP and interfaces chosen yet.` });
      return;
    }
    for (const role of ['controllers', 'networkNodes', 'compute', 'storage'] as const) {
      r[role].forEach((name, j) => {
        const node = byName.get(name);
        const at = `openstack.regions[${i}].${role}[${j}]`;
        if (!node) return void issues.push({ path: at, message: `Node ${name} is not in the workspace.` });
        const addresses = Object.values(node.addresses);
        const address = (r.managementNetwork ? node.addresses[r.managementNetwork] : undefined) ?? (addresses.length === 1 ? addresses[0] : undefined);
        if (!address) return void issues.push({ path: at, message: r.managementNetwork ? `Node ${name} has no address on ${r.managementNetwork}, the management network of ${r.name}.` : `Node ${name} has ${addresses.length} addresses; set the management network of ${r.name} to pick one.` });
        nodes.set(name, { name, address });
      });
    }
    const vpn = (workspace.openstack?.interconnects ?? []).some((c) => c.kind === 'vpn' && c.between.includes(r.name));
    planRegions.push({
      name: r.name,
      keystone: r.keystone,
      controllers: r.controllers,
      network: r.networkNodes,
      compute: r.compute,
      storage: r.storage,
      ...chosen,
      vpnaas: chosen.vpnaas ?? vpn,
    });
  });
  for (const name of Object.keys(choices.regions)) if (!regions.some((r) => r.name === name)) issues.push({ path: `choices.regions.${name}`, message: `Choices are given for region ${name}, which the workspace does not have.` });
  if (issues.length) return { issues };
  const plan: KollaPlan = { release: choices.release, sshUser: choices.sshUser, configDir: choices.configDir, nodes: [...nodes.values()], regions: planRegions };
  const more = checkKollaPlan(plan);
  return more.length ? { issues: more } : { plan, issues: [] };
}
