// The HA/DRS settings, host and VM groups and "should run" rules a vSAN stretched cluster needs per site
// (pure): what the wizard asks for, and the difference to what vCenter has, so a second run changes nothing.
// Sources: VMware vSAN stretched cluster design considerations (DRS groups and should-rules per site, HA
// admission control 50 % CPU/memory, one isolation address per site, no heartbeat datastores) and
// "vSphere HA settings for vSAN stretched cluster" (das.isolationaddressN, das.usedefaultisolationaddress).
import { CwError } from '../../errors.js';

export interface SiteLayout {
  /** The site's name; it names the fault domain, the groups and the rule. */
  name: string;
  /** ESXi host names as vCenter knows them. */
  hosts: string[];
  /** An address on this site's vSAN network HA pings to tell isolation from a site failure. */
  isolationAddress: string;
  /** VMs that belong to this site (they should run on its hosts). */
  vms?: string[];
}

export interface StretchedSettingsInput {
  preferred: SiteLayout;
  secondary: SiteLayout;
  /** DRS automation: fully automated from vSphere 7.0 U2, partially automated before it. */
  drsBehavior?: 'fullyAutomated' | 'partiallyAutomated';
}

export interface HaSettings {
  enabled: boolean;
  hostMonitoring: string;
  admissionControlEnabled: boolean;
  cpuPercent?: number;
  memoryPercent?: number;
  isolationResponse?: string;
  /** HA advanced options (das.*); on reading, every option the cluster has. */
  options: Record<string, string>;
}

export interface ClusterSettings {
  ha: HaSettings;
  drs: { enabled: boolean; behavior?: string };
  hostGroups: { name: string; hosts: string[] }[];
  vmGroups: { name: string; vms: string[] }[];
  rules: { name: string; vmGroup: string; hostGroup: string; mandatory: boolean; enabled: boolean; key?: number }[];
}

/** The changes to send (one ReconfigureComputeResource_Task); undefined when the cluster already matches. */
export interface SettingsChanges {
  ha?: HaSettings;
  drs?: ClusterSettings['drs'];
  groups: { operation: 'add' | 'edit'; kind: 'host' | 'vm'; name: string; members: string[] }[];
  rules: { operation: 'add' | 'edit'; key?: number; name: string; vmGroup: string; hostGroup: string }[];
}

export const ADMISSION_CONTROL_PERCENT = 50;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const IPV6 = /^[0-9a-fA-F:]+$/;

export const siteGroupNames = (site: string) => ({ hosts: `${site} hosts`, vms: `${site} VMs`, rule: `${site} VMs should run in ${site}` });

/** Refuses a layout vSAN or HA would refuse, naming the field. */
export function checkSiteLayout(input: StretchedSettingsInput): void {
  const sites = [input.preferred, input.secondary];
  for (const [i, s] of sites.entries()) {
    const at = i === 0 ? 'preferred' : 'secondary';
    if (!s.name.trim()) throw new CwError('INVALID_INPUT', `The ${at} site has no name; the name becomes its fault domain.`);
    if (s.hosts.length === 0) throw new CwError('INVALID_INPUT', `The ${at} site ${s.name} has no hosts; each data site needs at least one.`);
    if (!IPV4.test(s.isolationAddress) && !(s.isolationAddress.includes(':') && IPV6.test(s.isolationAddress))) {
      throw new CwError('INVALID_INPUT', `The isolation address of site ${s.name} ('${s.isolationAddress}') is not an IP address; use an address on that site's vSAN network that answers ping.`);
    }
  }
  if (input.preferred.name === input.secondary.name) throw new CwError('INVALID_INPUT', `Both data sites are named ${input.preferred.name}; the two fault domains need different names.`);
  const both = input.preferred.hosts.filter((h) => input.secondary.hosts.includes(h));
  if (both.length) throw new CwError('INVALID_INPUT', `${both.join(', ')} ${both.length === 1 ? 'is' : 'are'} in both sites; a host belongs to one fault domain.`);
  const vmsBoth = (input.preferred.vms ?? []).filter((v) => (input.secondary.vms ?? []).includes(v));
  if (vmsBoth.length) throw new CwError('INVALID_INPUT', `${vmsBoth.join(', ')} ${vmsBoth.length === 1 ? 'is' : 'are'} assigned to both sites; a VM should run in one.`);
}

/** What the cluster should have for the two sites. */
export function desiredSiteSettings(input: StretchedSettingsInput): ClusterSettings {
  checkSiteLayout(input);
  const sites = [input.preferred, input.secondary];
  return {
    ha: {
      enabled: true,
      hostMonitoring: 'enabled',
      admissionControlEnabled: true,
      cpuPercent: ADMISSION_CONTROL_PERCENT,
      memoryPercent: ADMISSION_CONTROL_PERCENT,
      isolationResponse: 'powerOff',
      options: {
        'das.isolationaddress0': input.preferred.isolationAddress,
        'das.isolationaddress1': input.secondary.isolationAddress,
        'das.usedefaultisolationaddress': 'false',
        // vSAN has no heartbeat datastores: keep HA from warning about too few.
        'das.ignoreInsufficientHbDatastore': 'true',
        // Restarts after a site failure follow the "should run" rules.
        'das.respectVmHostSoftAffinityRules': 'true',
      },
    },
    drs: { enabled: true, behavior: input.drsBehavior ?? 'fullyAutomated' },
    hostGroups: sites.map((s) => ({ name: siteGroupNames(s.name).hosts, hosts: [...s.hosts].sort() })),
    vmGroups: sites.map((s) => ({ name: siteGroupNames(s.name).vms, vms: [...(s.vms ?? [])].sort() })),
    rules: sites.map((s) => ({ name: siteGroupNames(s.name).rule, vmGroup: siteGroupNames(s.name).vms, hostGroup: siteGroupNames(s.name).hosts, mandatory: false, enabled: true })),
  };
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().every((x, i) => x === [...b].sort()[i]);

/** The difference between what is wanted and what vCenter reports; options the admin added stay. */
export function settingsChanges(desired: ClusterSettings, current: ClusterSettings): SettingsChanges | undefined {
  const out: SettingsChanges = { groups: [], rules: [] };
  const h = desired.ha;
  const c = current.ha;
  const optionsDiffer = Object.entries(h.options).some(([k, v]) => c.options[k] !== v);
  if (h.enabled !== c.enabled || h.hostMonitoring !== c.hostMonitoring || h.admissionControlEnabled !== c.admissionControlEnabled || h.cpuPercent !== c.cpuPercent || h.memoryPercent !== c.memoryPercent || h.isolationResponse !== c.isolationResponse || optionsDiffer) {
    out.ha = h;
  }
  if (desired.drs.enabled !== current.drs.enabled || desired.drs.behavior !== current.drs.behavior) out.drs = desired.drs;
  for (const g of desired.hostGroups) {
    const have = current.hostGroups.find((x) => x.name === g.name);
    if (!have || !sameSet(have.hosts, g.hosts)) out.groups.push({ operation: have ? 'edit' : 'add', kind: 'host', name: g.name, members: g.hosts });
  }
  for (const g of desired.vmGroups) {
    const have = current.vmGroups.find((x) => x.name === g.name);
    if (!have || !sameSet(have.vms, g.vms)) out.groups.push({ operation: have ? 'edit' : 'add', kind: 'vm', name: g.name, members: g.vms });
  }
  for (const r of desired.rules) {
    const have = current.rules.find((x) => x.name === r.name);
    if (!have || have.vmGroup !== r.vmGroup || have.hostGroup !== r.hostGroup || have.mandatory !== r.mandatory || have.enabled !== r.enabled) {
      out.rules.push({ operation: have ? 'edit' : 'add', key: have?.key, name: r.name, vmGroup: r.vmGroup, hostGroup: r.hostGroup });
    }
  }
  return out.ha || out.drs || out.groups.length || out.rules.length ? out : undefined;
}
