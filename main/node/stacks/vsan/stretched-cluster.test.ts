import { describe, expect, it } from 'vitest';
import { desiredSiteSettings } from '../../../common/stacks/vsan/site-settings.js';
import type { HostDisk } from './client/readers.js';
import { parseXml } from './client/xml.js';
import { clusterSpecFor, pickDiskGroup } from './stretched-cluster.js';

const disk = (name: string, gb: number, ssd: boolean, state = 'eligible', reason?: string): HostDisk => ({
  canonicalName: name,
  ssd,
  capacityBytes: gb * 1e9,
  state,
  reason,
  claimed: state === 'inUse',
  echo: { _echo: parseXml(`<disk><canonicalName>${name}</canonicalName></disk>`, 't') },
});
const names = (g: ReturnType<typeof pickDiskGroup>) => [g.cache, ...g.capacity].map((e) => e._echo.text('canonicalName'));

describe('choosing the disks vSAN claims', () => {
  it('caches on the smallest eligible flash device and stores on the other flash devices (all-flash)', () => {
    const g = pickDiskGroup([disk('boot', 32, true, 'ineligible', 'partitions'), disk('big1', 1920, true), disk('small', 400, true), disk('big2', 1920, true), disk('used', 800, true, 'inUse')], 'allFlash', 'esx-1');
    expect(names(g)).toEqual(['small', 'big1', 'big2']);
  });

  it('uses magnetic devices for capacity in a hybrid group', () => {
    expect(names(pickDiskGroup([disk('hdd1', 4000, false), disk('ssd', 400, true), disk('hdd2', 4000, false)], 'hybrid', 'esx-1'))).toEqual(['ssd', 'hdd1', 'hdd2']);
  });

  it('explains why it cannot form a group, naming the ineligible devices', () => {
    expect(() => pickDiskGroup([disk('boot', 32, true, 'ineligible', 'The device has partitions.'), disk('only', 400, true)], 'allFlash', 'esx-9')).toThrow(
      /Host esx-9 has no free flash devices .*1 eligible device; boot: The device has partitions\./,
    );
  });
});

describe('the cluster reconfiguration for the site settings', () => {
  const desired = desiredSiteSettings({ preferred: { name: 'a', hosts: ['h1'], isolationAddress: '192.0.2.1', vms: ['vm1'] }, secondary: { name: 'b', hosts: ['h2'], isolationAddress: '192.0.2.2' } });
  const hosts = new Map([['h1', { type: 'HostSystem', value: 'host-1' }], ['h2', { type: 'HostSystem', value: 'host-2' }]]);
  const vms = new Map([['vm1', { type: 'VirtualMachine', value: 'vm-1' }]]);

  it('is nothing when the cluster already matches', () => {
    expect(clusterSpecFor(desired, desired, hosts, vms)).toBeUndefined();
  });

  it('sends HA with the failover-resources policy, options as strings, groups by reference and should-rules', () => {
    const spec = clusterSpecFor(desired, { ...desired, ha: { ...desired.ha, enabled: false }, hostGroups: [], vmGroups: [], rules: [] }, hosts, vms)!;
    expect(spec.dasConfig).toMatchObject({ enabled: true, admissionControlPolicy: { _type: 'ClusterFailoverResourcesAdmissionControlPolicy', cpuFailoverResourcesPercent: 50, memoryFailoverResourcesPercent: 50 } });
    expect((spec.dasConfig as { option: unknown[] }).option).toContainEqual({ key: 'das.usedefaultisolationaddress', value: { _xsd: 'string', value: 'false' } });
    expect(spec.drsConfig).toBeUndefined();
    expect(spec.groupSpec).toContainEqual({ operation: 'add', info: { _type: 'ClusterHostGroup', name: 'a hosts', host: [{ type: 'HostSystem', value: 'host-1' }] } });
    expect(spec.groupSpec).toContainEqual({ operation: 'add', info: { _type: 'ClusterVmGroup', name: 'a VMs', vm: [{ type: 'VirtualMachine', value: 'vm-1' }] } });
    expect(spec.rulesSpec).toContainEqual({ operation: 'add', info: { _type: 'ClusterVmHostRuleInfo', key: undefined, enabled: true, name: 'a VMs should run in a', mandatory: false, vmGroupName: 'a VMs', affineHostGroupName: 'a hosts' } });
  });

  it('refuses a VM or host the cluster does not have', () => {
    expect(() => clusterSpecFor(desired, { ...desired, vmGroups: [] }, hosts, new Map())).toThrow(/The VM vm1 named for a site group is not in the cluster/);
  });
});
