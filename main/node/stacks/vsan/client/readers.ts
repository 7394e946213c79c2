// What vCenter reports about a host and a cluster, read into plain values: VMkernel adapters and the
// services they carry, devices vSAN can claim, fault domain; HA, DRS, vSAN, groups and rules.
import { CwError } from '../../../../common/errors.js';
import type { ClusterSettings } from '../../../../common/stacks/vsan/site-settings.js';
import type { VsphereClient } from './client.js';
import type { Echo } from './schema.js';
import type { MoRef, XNode } from './xml.js';

export interface VmkernelAdapter {
  device: string;
  portgroup: string;
  ipAddress?: string;
  subnetMask?: string;
  mtu?: number;
  /** Services the adapter is tagged for (`vsan`, `vmotion`, `vsanWitness`, `management`, …). */
  services: string[];
}

export interface HostDisk {
  canonicalName: string;
  ssd: boolean;
  capacityBytes: number;
  /** What vSAN says of the device: `eligible`, `inUse` (claimed), `ineligible` (partitions, boot device…). */
  state: string;
  /** Why an ineligible device cannot be claimed. */
  reason?: string;
  claimed: boolean;
  /** The device as vCenter sent it, to be sent back in InitializeDiskMappings. */
  echo: Echo;
}

export interface HostState {
  ref: MoRef;
  name: string;
  parent?: MoRef;
  connectionState: string;
  networkSystem: MoRef;
  vsanSystem: MoRef;
  virtualNicManager: MoRef;
  adapters: VmkernelAdapter[];
  portgroups: string[];
  disks: HostDisk[];
  diskGroups: { cache: string; capacity: string[] }[];
  faultDomain: string;
  vsanEnabled: boolean;
}

export async function readHost(client: VsphereClient, ref: MoRef): Promise<HostState> {
  const p = await client.properties(ref, [
    'name',
    'parent',
    'runtime.connectionState',
    'configManager.networkSystem',
    'configManager.virtualNicManager',
    'configManager.vsanSystem',
    'config.network.vnic',
    'config.virtualNicManagerInfo.netConfig',
    'config.vsanHostConfig',
  ]);
  const name = p.get('name')?.text() ?? ref.value;
  const networkSystem = p.get('configManager.networkSystem')?.asMoRef();
  const virtualNicManager = p.get('configManager.virtualNicManager')?.asMoRef();
  const vsanSystem = p.get('configManager.vsanSystem')?.asMoRef();
  if (!networkSystem || !virtualNicManager || !vsanSystem) throw new CwError('INVALID_OUTPUT', `vCenter at ${client.where} reports no network system, VMkernel adapter manager or vSAN system for host ${name}; is the host connected?`);
  const services = new Map<string, string[]>();
  for (const nc of p.get('config.virtualNicManagerInfo.netConfig')?.all('VirtualNicManagerNetConfig') ?? []) {
    for (const key of nc.texts('selectedVnic')) {
      const device = key.slice(key.lastIndexOf('-') + 1);
      services.set(device, [...(services.get(device) ?? []), nc.text('nicType') ?? '']);
    }
  }
  const adapters = (p.get('config.network.vnic')?.all('HostVirtualNic') ?? []).map((v) => {
    const device = v.text('device') ?? '';
    const ip = v.at('spec.ip');
    return { device, portgroup: v.text('portgroup') ?? '', ipAddress: ip?.text('ipAddress'), subnetMask: ip?.text('subnetMask'), mtu: v.at('spec')?.int('mtu'), services: (services.get(device) ?? []).sort() };
  });
  const vsan = p.get('config.vsanHostConfig');
  const diskGroups = (vsan?.at('storageInfo')?.all('diskMapping') ?? []).map((m) => ({ cache: m.at('ssd')?.text('canonicalName') ?? '', capacity: m.all('nonSsd').map((d) => d.text('canonicalName') ?? '') }));
  const found = await client.vim('QueryDisksForVsan', vsanSystem, {});
  const disks = found.all('returnval').map((r) => {
    const d = r.child('disk')!;
    const cap = d.child('capacity');
    const state = r.text('state') ?? 'unknown';
    return {
      canonicalName: d.text('canonicalName') ?? '',
      ssd: d.bool('ssd') ?? false,
      capacityBytes: (cap?.int('block') ?? 0) * (cap?.int('blockSize') ?? 0),
      state,
      reason: r.at('error')?.text('localizedMessage'),
      claimed: state === 'inUse',
      echo: { _echo: d },
    };
  });
  const ns = await client.properties(networkSystem, ['networkInfo.portgroup']);
  return {
    ref,
    name,
    parent: p.get('parent')?.asMoRef(),
    connectionState: p.get('runtime.connectionState')?.text() ?? 'unknown',
    networkSystem,
    virtualNicManager,
    vsanSystem,
    adapters,
    portgroups: (ns.get('networkInfo.portgroup')?.all('HostPortGroup') ?? []).map((g) => g.at('spec')?.text('name') ?? ''),
    disks,
    diskGroups,
    faultDomain: vsan?.at('faultDomainInfo')?.text('name') ?? '',
    vsanEnabled: vsan?.bool('enabled') ?? false,
  };
}

export interface ClusterState {
  ref: MoRef;
  name: string;
  hosts: { ref: MoRef; name: string }[];
  vsanEnabled: boolean;
  settings: ClusterSettings;
}

/** The cluster, its hosts and settings; group members and rules by name. */
export async function readCluster(client: VsphereClient, ref: MoRef): Promise<ClusterState> {
  const p = await client.properties(ref, ['name', 'host', 'configurationEx']);
  const hostRefs = p.get('host')?.all('ManagedObjectReference').map((h) => h.asMoRef()) ?? [];
  const names = new Map<string, string>();
  if (hostRefs.length) {
    const found = await client.retrieve([{ propSet: [{ type: 'HostSystem', pathSet: ['name'] }], objectSet: hostRefs.map((obj) => ({ obj, skip: false })) }]);
    for (const o of found) names.set(o.obj.value, o.props.get('name')?.text() ?? o.obj.value);
  }
  const cfg = p.get('configurationEx');
  const groups = cfg?.all('group') ?? [];
  const vmRefs = groups.filter((g) => g.xsiType === 'ClusterVmGroup').flatMap((g) => g.all('vm').map((v) => v.asMoRef()));
  if (vmRefs.length) {
    const found = await client.retrieve([{ propSet: [{ type: 'VirtualMachine', pathSet: ['name'] }], objectSet: vmRefs.map((obj) => ({ obj, skip: false })) }]);
    for (const o of found) names.set(o.obj.value, o.props.get('name')?.text() ?? o.obj.value);
  }
  const nameOf = (n: XNode) => names.get(n.textContent) ?? n.textContent;
  const das = cfg?.child('dasConfig');
  const policy = das?.child('admissionControlPolicy');
  const failover = policy?.xsiType === 'ClusterFailoverResourcesAdmissionControlPolicy';
  const options: Record<string, string> = {};
  for (const o of das?.all('option') ?? []) options[o.text('key') ?? ''] = o.text('value') ?? '';
  const drs = cfg?.child('drsConfig');
  return {
    ref,
    name: p.get('name')?.text() ?? ref.value,
    hosts: hostRefs.map((h) => ({ ref: h, name: names.get(h.value) ?? h.value })),
    vsanEnabled: cfg?.at('vsanConfigInfo')?.bool('enabled') ?? false,
    settings: {
      ha: {
        enabled: das?.bool('enabled') ?? false,
        hostMonitoring: das?.text('hostMonitoring') ?? '',
        admissionControlEnabled: das?.bool('admissionControlEnabled') ?? false,
        cpuPercent: failover ? policy?.int('cpuFailoverResourcesPercent') : undefined,
        memoryPercent: failover ? policy?.int('memoryFailoverResourcesPercent') : undefined,
        isolationResponse: das?.at('defaultVmSettings')?.text('isolationResponse'),
        options,
      },
      drs: { enabled: drs?.bool('enabled') ?? false, behavior: drs?.text('defaultVmBehavior') },
      hostGroups: groups.filter((g) => g.xsiType === 'ClusterHostGroup').map((g) => ({ name: g.text('name') ?? '', hosts: g.all('host').map(nameOf).sort() })),
      vmGroups: groups.filter((g) => g.xsiType === 'ClusterVmGroup').map((g) => ({ name: g.text('name') ?? '', vms: g.all('vm').map(nameOf).sort() })),
      rules: (cfg?.all('rule') ?? [])
        .filter((r) => r.xsiType === 'ClusterVmHostRuleInfo')
        .map((r) => ({ key: r.int('key'), name: r.text('name') ?? '', vmGroup: r.text('vmGroupName') ?? '', hostGroup: r.text('affineHostGroupName') ?? '', mandatory: r.bool('mandatory') ?? false, enabled: r.bool('enabled') ?? false })),
    },
  };
}
