// Building a vSAN stretched cluster through vCenter as a list of steps, each able to tell from vCenter's
// own state whether it is already done (so a second run changes nothing) and checked again after it ran:
// cluster, data hosts per site, the witness at datacenter level, VMkernel adapters for vSAN and vMotion,
// vSAN on, disks claimed, the stretched-cluster precheck and conversion, site HA/DRS settings, groups and rules.
// Shaped as precheck/apply steps so the engine can run them as a plan once the stack seam is in place.
import { CwError } from '../../../common/errors.js';
import { desiredSiteSettings, settingsChanges, type ClusterSettings } from '../../../common/stacks/vsan/site-settings.js';
import type { HealthSummary } from '../../../common/stacks/vsan/health.js';
import type { HostConnection, SecretSource, VsphereClient } from './client/client.js';
import { readCluster, readHost, type HostDisk, type HostState } from './client/readers.js';
import type { DataObject, Echo } from './client/schema.js';
import type { MoRef } from './client/xml.js';

export interface VmkernelAddress {
  ipAddress: string;
  subnetMask: string;
}

export interface StretchedHost {
  /** The name vCenter reaches the ESXi host by. */
  name: string;
  vsan: VmkernelAddress;
  /** Data hosts only: the vMotion adapter. */
  vmotion?: VmkernelAddress;
  /** The certificate thumbprint pinned for this host, when known. */
  thumbprint?: string;
}

export interface StretchedSite {
  name: string;
  isolationAddress: string;
  hosts: StretchedHost[];
  /** VMs that should run in this site. */
  vms?: string[];
}

export interface StretchedClusterSpec {
  datacenter: string;
  cluster: string;
  preferred: StretchedSite;
  secondary: StretchedSite;
  witness: StretchedHost;
  network: { vswitch: string; vsanPortgroup: string; vsanVlan: number; vmotionPortgroup: string; vmotionVlan: number; mtu?: number };
  diskType: 'allFlash' | 'hybrid';
  drsBehavior?: 'fullyAutomated' | 'partiallyAutomated';
}

export interface StretchedClusterSecrets {
  /** The ESXi hosts' root login (asked for at run time, never stored in the spec). */
  hostUser: string;
  hostPassword: SecretSource;
  confirmThumbprint?: HostConnection['confirmThumbprint'];
  /** Thumbprints confirmed during the run, per host (the caller pins them in the workspace). */
  onThumbprint?: (host: string, thumbprint: string) => void;
  onProgress?: (line: string) => void;
}

export interface BuildStep {
  id: string;
  title: string;
  /** Reads vCenter: true when what the step does is already there. */
  done(): Promise<boolean>;
  apply(): Promise<void>;
}

/** One disk group from the devices vSAN calls eligible: the smallest flash device caches, the rest hold data. */
export function pickDiskGroup(disks: HostDisk[], type: 'allFlash' | 'hybrid', host: string): { cache: Echo; capacity: Echo[] } {
  const free = disks.filter((d) => d.state === 'eligible');
  const flash = free.filter((d) => d.ssd).sort((a, b) => a.capacityBytes - b.capacityBytes);
  const cache = flash[0];
  const capacity = (type === 'allFlash' ? flash.slice(1) : free.filter((d) => !d.ssd)).slice(0, 7);
  if (!cache || capacity.length === 0) {
    throw new CwError('CONFLICT', `Host ${host} has no free ${type === 'allFlash' ? 'flash devices for a cache and a capacity tier' : 'flash cache device and magnetic capacity device'} (${free.length} eligible device${free.length === 1 ? '' : 's'}; ${disks.filter((d) => d.state === 'ineligible').map((d) => `${d.canonicalName}: ${d.reason ?? 'ineligible'}`).join('; ') || 'no ineligible ones'}). Add disks or wipe their partitions, then run again.`);
  }
  return { cache: cache.echo, capacity: capacity.map((d) => d.echo) };
}

/** The ClusterConfigSpecEx fields that bring the cluster to `desired` (only what differs). */
export function clusterSpecFor(desired: ClusterSettings, current: ClusterSettings, hosts: Map<string, MoRef>, vms: Map<string, MoRef>): DataObject | undefined {
  const changes = settingsChanges(desired, current);
  if (!changes) return undefined;
  const spec: DataObject = {};
  if (changes.ha) {
    spec.dasConfig = {
      enabled: changes.ha.enabled,
      hostMonitoring: changes.ha.hostMonitoring,
      admissionControlPolicy: { _type: 'ClusterFailoverResourcesAdmissionControlPolicy', cpuFailoverResourcesPercent: changes.ha.cpuPercent, memoryFailoverResourcesPercent: changes.ha.memoryPercent },
      admissionControlEnabled: changes.ha.admissionControlEnabled,
      defaultVmSettings: { isolationResponse: changes.ha.isolationResponse },
      option: Object.entries(changes.ha.options).map(([key, value]) => ({ key, value: { _xsd: 'string', value } })),
    };
  }
  if (changes.drs) spec.drsConfig = { enabled: changes.drs.enabled, defaultVmBehavior: changes.drs.behavior };
  const member = (map: Map<string, MoRef>, name: string, kind: string): MoRef => {
    const ref = map.get(name);
    if (!ref) throw new CwError('NOT_FOUND', `The ${kind} ${name} named for a site group is not in the cluster.`);
    return ref;
  };
  if (changes.groups.length) {
    spec.groupSpec = changes.groups.map((g) => ({
      operation: g.operation,
      info: g.kind === 'host' ? { _type: 'ClusterHostGroup', name: g.name, host: g.members.map((m) => member(hosts, m, 'host')) } : { _type: 'ClusterVmGroup', name: g.name, vm: g.members.map((m) => member(vms, m, 'VM')) },
    }));
  }
  if (changes.rules.length) {
    spec.rulesSpec = changes.rules.map((r) => ({
      operation: r.operation,
      info: { _type: 'ClusterVmHostRuleInfo', key: r.key, enabled: true, name: r.name, mandatory: false, vmGroupName: r.vmGroup, affineHostGroupName: r.hostGroup },
    }));
  }
  return spec;
}

/** The steps that build (or confirm) the stretched cluster `spec` describes. */
export function stretchedClusterSteps(client: VsphereClient, spec: StretchedClusterSpec, secrets: StretchedClusterSecrets): BuildStep[] {
  const dataHosts = [...spec.preferred.hosts, ...spec.secondary.hosts];
  const allHosts = [...dataHosts, spec.witness];
  const say = (line: string) => secrets.onProgress?.(line);

  const datacenter = async () => {
    const dc = await client.findDatacenter(spec.datacenter);
    if (!dc) throw new CwError('NOT_FOUND', `vCenter at ${client.where} has no datacenter named ${spec.datacenter}.`);
    return dc;
  };
  const cluster = async (): Promise<MoRef | undefined> => {
    const dc = await datacenter();
    const found = await client.findByName('ClusterComputeResource', spec.cluster, dc.hostFolder);
    return found?.ref;
  };
  const mustCluster = async (): Promise<MoRef> => {
    const ref = await cluster();
    if (!ref) throw new CwError('NOT_FOUND', `Cluster ${spec.cluster} does not exist in datacenter ${spec.datacenter}.`);
    return ref;
  };
  const host = async (name: string): Promise<HostState | undefined> => {
    const found = await client.findByName('HostSystem', name);
    return found ? readHost(client, found.ref) : undefined;
  };
  const mustHost = async (name: string): Promise<HostState> => {
    const h = await host(name);
    if (!h) throw new CwError('NOT_FOUND', `Host ${name} is not in vCenter yet.`);
    return h;
  };
  const connection = (h: StretchedHost): HostConnection => ({
    hostName: h.name,
    userName: secrets.hostUser,
    password: secrets.hostPassword,
    thumbprint: h.thumbprint,
    confirmThumbprint: secrets.confirmThumbprint,
  });

  const steps: BuildStep[] = [];
  steps.push({
    id: 'cluster',
    title: `Create cluster ${spec.cluster} in ${spec.datacenter}`,
    done: async () => (await cluster()) !== undefined,
    apply: async () => {
      await client.createCluster((await datacenter()).hostFolder, spec.cluster);
    },
  });

  for (const h of dataHosts) {
    steps.push({
      id: `host:${h.name}`,
      title: `Add ${h.name} to ${spec.cluster}`,
      done: async () => {
        const state = await host(h.name);
        if (!state) return false;
        const c = await mustCluster();
        if (state.parent?.value !== c.value) throw new CwError('CONFLICT', `Host ${h.name} is already in vCenter, but not in cluster ${spec.cluster}. Move it into the cluster (maintenance mode first) or remove it from vCenter, then run again.`);
        return true;
      },
      apply: async () => {
        const added = await client.addHost({ cluster: await mustCluster() }, connection(h));
        if (added.thumbprint) secrets.onThumbprint?.(h.name, added.thumbprint);
      },
    });
  }

  steps.push({
    id: `witness:${spec.witness.name}`,
    title: `Add witness ${spec.witness.name} to datacenter ${spec.datacenter} (outside any cluster)`,
    done: async () => {
      const state = await host(spec.witness.name);
      if (!state) return false;
      if (state.parent?.type === 'ClusterComputeResource') {
        throw new CwError('CONFLICT', `Witness host within vCenter cluster: ${spec.witness.name} is a member of a cluster. The witness host must not be part of the vSAN cluster; remove it from the cluster and add it to the datacenter.`);
      }
      return true;
    },
    apply: async () => {
      const added = await client.addWitnessHost({ datacenterHostFolder: (await datacenter()).hostFolder }, connection(spec.witness));
      if (added.thumbprint) secrets.onThumbprint?.(spec.witness.name, added.thumbprint);
    },
  });

  const adapters: { host: StretchedHost; service: 'vsan' | 'vmotion'; address: VmkernelAddress; portgroup: string; vlan: number }[] = [];
  for (const h of allHosts) {
    adapters.push({ host: h, service: 'vsan', address: h.vsan, portgroup: spec.network.vsanPortgroup, vlan: spec.network.vsanVlan });
    if (h.vmotion && h !== spec.witness) adapters.push({ host: h, service: 'vmotion', address: h.vmotion, portgroup: spec.network.vmotionPortgroup, vlan: spec.network.vmotionVlan });
  }
  for (const a of adapters) {
    const find = (state: HostState) => state.adapters.find((v) => v.ipAddress === a.address.ipAddress);
    steps.push({
      id: `vmknic:${a.host.name}:${a.service}`,
      title: `${a.service === 'vsan' ? 'vSAN' : 'vMotion'} VMkernel adapter ${a.address.ipAddress} on ${a.host.name}`,
      done: async () => {
        const state = await mustHost(a.host.name);
        const nic = find(state);
        if (nic && nic.portgroup !== a.portgroup) throw new CwError('CONFLICT', `Host ${a.host.name} already has ${a.address.ipAddress} on ${nic.device} in port group ${nic.portgroup}, not ${a.portgroup}. Remove or change that adapter, then run again.`);
        return nic?.services.includes(a.service) ?? false;
      },
      apply: async () => {
        let state = await mustHost(a.host.name);
        if (!state.portgroups.includes(a.portgroup)) {
          await client.addPortGroup(state.networkSystem, { name: a.portgroup, vswitchName: spec.network.vswitch, vlanId: a.vlan });
        }
        let nic = find(state);
        if (!nic) {
          await client.addVmkernelAdapter(state.networkSystem, { portgroup: a.portgroup, ipAddress: a.address.ipAddress, subnetMask: a.address.subnetMask, mtu: spec.network.mtu });
          state = await mustHost(a.host.name);
          nic = find(state);
        }
        if (!nic) throw new CwError('REMOTE_FAILED', `vCenter added a VMkernel adapter on ${a.host.name} but does not list ${a.address.ipAddress}.`);
        await client.selectVnicForNicType(state.virtualNicManager, a.service, nic.device);
      },
    });
  }

  steps.push({
    id: 'vsan',
    title: `Turn on vSAN on ${spec.cluster} (disks claimed by hand)`,
    done: async () => (await readCluster(client, await mustCluster())).vsanEnabled,
    apply: async () => client.enableVsan(await mustCluster()),
  });

  for (const h of dataHosts) {
    steps.push({
      id: `disks:${h.name}`,
      title: `Claim disks on ${h.name} for vSAN (${spec.diskType === 'allFlash' ? 'all-flash' : 'hybrid'})`,
      done: async () => (await mustHost(h.name)).diskGroups.length > 0,
      apply: async () => {
        const state = await mustHost(h.name);
        await client.initializeDiskMappings(state.ref, { ...pickDiskGroup(state.disks, spec.diskType, h.name), creationType: spec.diskType });
      },
    });
  }

  steps.push({
    id: 'stretch',
    title: `Stretch ${spec.cluster}: ${spec.preferred.name} (preferred) and ${spec.secondary.name}, witness ${spec.witness.name}`,
    done: async () => {
      const witnesses = await client.witnessHosts(await mustCluster());
      if (witnesses.length === 0) return false;
      const w = await mustHost(spec.witness.name);
      if (!witnesses.some((x) => x.host?.value === w.ref.value)) throw new CwError('CONFLICT', `Cluster ${spec.cluster} is already stretched with another witness host. Change the witness as a day-2 action, not by building again.`);
      for (const site of [spec.preferred, spec.secondary]) {
        for (const h of site.hosts) {
          const fd = (await mustHost(h.name)).faultDomain;
          if (fd !== site.name) throw new CwError('CONFLICT', `Cluster ${spec.cluster} is already stretched, but host ${h.name} is in fault domain '${fd}', not '${site.name}'. Change fault domains as a day-2 action, not by building again.`);
        }
      }
      return true;
    },
    apply: async () => {
      const c = await mustCluster();
      const caps = await client.stretchedClusterCapability(c);
      const bad = caps.filter((x) => x.connStatus !== 'connected' || !x.isSupported);
      if (bad.length) throw new CwError('CONFLICT', `vSAN's stretched cluster precheck fails for ${bad.map((b) => `${b.hostMoId} (${b.connStatus}${b.isSupported ? '' : ', not supported'})`).join(', ')}: every host must be connected before a witness is added.`);
      const refs = async (hosts: StretchedHost[]) => Promise.all(hosts.map(async (x) => (await mustHost(x.name)).ref));
      const witness = await mustHost(spec.witness.name);
      const witnessDisks = witness.diskGroups.length ? undefined : pickDiskGroup(witness.disks, 'allFlash', witness.name);
      say(`Converting ${spec.cluster} to a stretched cluster (${caps.length} hosts pass vSAN's precheck)`);
      await client.convertToStretchedCluster(c, {
        preferred: { name: spec.preferred.name, hosts: await refs(spec.preferred.hosts) },
        secondary: { name: spec.secondary.name, hosts: await refs(spec.secondary.hosts) },
        witness: witness.ref,
        witnessDisks,
      });
    },
  });

  const desired = () =>
    desiredSiteSettings({
      preferred: { name: spec.preferred.name, isolationAddress: spec.preferred.isolationAddress, hosts: spec.preferred.hosts.map((h) => h.name), vms: spec.preferred.vms },
      secondary: { name: spec.secondary.name, isolationAddress: spec.secondary.isolationAddress, hosts: spec.secondary.hosts.map((h) => h.name), vms: spec.secondary.vms },
      drsBehavior: spec.drsBehavior,
    });
  const siteSpec = async () => {
    const state = await readCluster(client, await mustCluster());
    const hosts = new Map(state.hosts.map((h) => [h.name, h.ref]));
    const wantedVms = [...(spec.preferred.vms ?? []), ...(spec.secondary.vms ?? [])];
    const vms = new Map<string, MoRef>();
    if (wantedVms.length) {
      for (const vm of await client.list('VirtualMachine', ['name', 'runtime.host'])) {
        const name = vm.props.get('name')?.text() ?? '';
        const on = vm.props.get('runtime.host')?.text();
        if (wantedVms.includes(name) && state.hosts.some((h) => h.ref.value === on)) vms.set(name, vm.obj);
      }
    }
    return { cluster: state.ref, spec: clusterSpecFor(desired(), state.settings, hosts, vms) };
  };
  steps.push({
    id: 'site-settings',
    title: `HA (admission control 50 % CPU and memory, an isolation address per site), DRS, host and VM groups per site with "should run" rules`,
    done: async () => (await siteSpec()).spec === undefined,
    apply: async () => {
      const { cluster: c, spec: change } = await siteSpec();
      if (change) await client.reconfigureCluster(c, change, 'Applying the site HA/DRS settings, groups and rules');
    },
  });
  return steps;
}

export interface StepOutcome {
  id: string;
  title: string;
  result: 'already-done' | 'applied';
  ms: number;
}

/** Runs the steps in order: each one is skipped when vCenter shows it done, and checked again after it ran. */
export async function runSteps(steps: BuildStep[], onStep?: (o: StepOutcome) => void): Promise<StepOutcome[]> {
  const out: StepOutcome[] = [];
  for (const step of steps) {
    const started = Date.now();
    let result: StepOutcome['result'] = 'already-done';
    if (!(await step.done())) {
      await step.apply();
      if (!(await step.done())) throw new CwError('REMOTE_FAILED', `"${step.title}" ran, but vCenter does not show it done.`, { step: step.id });
      result = 'applied';
    }
    const outcome = { id: step.id, title: step.title, result, ms: Date.now() - started };
    out.push(outcome);
    onStep?.(outcome);
  }
  return out;
}

export interface StretchedClusterReport {
  witnesses: { host: string; preferredFaultDomain: string; unicastAgentAddress: string }[];
  faultDomains: Record<string, string>;
  health: HealthSummary;
}

/** What the wizard's last page shows: the witness (none once stretching is disabled), each host's fault domain, the health summary. */
export async function verifyStretchedCluster(client: VsphereClient, spec: Pick<StretchedClusterSpec, 'cluster' | 'datacenter'>): Promise<StretchedClusterReport> {
  const dc = await client.findDatacenter(spec.datacenter);
  const c = dc && (await client.findByName('ClusterComputeResource', spec.cluster, dc.hostFolder));
  if (!c) throw new CwError('NOT_FOUND', `Cluster ${spec.cluster} does not exist in datacenter ${spec.datacenter}.`);
  const state = await readCluster(client, c.ref);
  const faultDomains: Record<string, string> = {};
  for (const h of state.hosts) faultDomains[h.name] = (await readHost(client, h.ref)).faultDomain;
  const witnesses = await Promise.all(
    (await client.witnessHosts(c.ref)).map(async (w) => ({ host: w.host ? (await readHost(client, w.host)).name : '', preferredFaultDomain: w.preferredFdName, unicastAgentAddress: w.unicastAgentAddr })),
  );
  return { witnesses, faultDomains, health: await client.healthSummary(c.ref) };
}
