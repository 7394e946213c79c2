// The vSAN client's requests against the WSDL element order (vCenter validates it, the simulator does not):
// the order table comes from the Go types in Debian's govmomi source and is kept as a fixture; every
// request the client can send is encoded and walked element by element against it.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { METHODS, TYPES, allFields, encodeCall } from '../../main/node/stacks/vsan/client/schema.js';
import { parseXml } from '../../main/node/stacks/vsan/client/xml.js';
import { GOVMOMI, checkRequest, readWsdlOrder, type WsdlOrder } from '../support/vsan/wsdl-order.js';

const FIXTURE = path.join(import.meta.dirname, '../fixtures/vsan/wsdl-order.json');
const SUBTYPES = ['ClusterConfigSpecEx', 'ClusterFailoverResourcesAdmissionControlPolicy', 'ClusterHostGroup', 'ClusterVmGroup', 'ClusterVmHostRuleInfo', 'TraversalSpec', 'HostScsiDisk'];
const haveDebianSource = fs.existsSync(path.join(GOVMOMI, 'vim25/types/types.go'));

if (process.env.CW_WRITE_FIXTURES === '1') {
  fs.mkdirSync(path.dirname(FIXTURE), { recursive: true });
  fs.writeFileSync(FIXTURE, `${JSON.stringify(readWsdlOrder(Object.keys(METHODS), SUBTYPES), null, 1)}\n`);
}
const order = JSON.parse(fs.readFileSync(FIXTURE, 'utf8')) as WsdlOrder;

const envelope = (method: string, params: Record<string, unknown>, ns = 'urn:vim25') =>
  `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body><${method} xmlns="${ns}">${encodeCall(method, params)}</${method}></soapenv:Body></soapenv:Envelope>`;

const ref = (type: string, value: string) => ({ type, value });
// A disk as vCenter sends it in config.storageDevice.scsiLun (fields in the server's order).
const disk = parseXml(
  '<ScsiLun xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="HostScsiDisk"><deviceName>/vmfs/devices/disks/naa.61</deviceName><deviceType>disk</deviceType><key>key-vim.host.ScsiDisk-naa.61</key><uuid>0200aa</uuid><canonicalName>naa.61</canonicalName><lunType>disk</lunType><operationalState>ok</operationalState><capacity><blockSize>512</blockSize><block>781250000</block></capacity><devicePath>/vmfs/devices/disks/naa.61</devicePath><ssd>true</ssd><localDisk>true</localDisk></ScsiLun>',
  'sample',
);
const echo = { _echo: disk };

/** A call of every method with every parameter the client fills in. */
const samples: Record<string, Record<string, unknown>> = {
  RetrieveServiceContent: { _this: ref('ServiceInstance', 'ServiceInstance') },
  Login: { _this: ref('SessionManager', 'SessionManager'), userName: 'administrator@vsphere.local', password: 'p<&>"' },
  Logout: { _this: ref('SessionManager', 'SessionManager') },
  CreateContainerView: { _this: ref('ViewManager', 'ViewManager'), container: ref('Folder', 'group-d1'), type: ['HostSystem'], recursive: true },
  DestroyView: { _this: ref('ContainerView', 'session[1]1') },
  RetrievePropertiesEx: {
    _this: ref('PropertyCollector', 'propertyCollector'),
    specSet: [{ propSet: [{ type: 'HostSystem', pathSet: ['name', 'parent'] }], objectSet: [{ obj: ref('ContainerView', 'v'), skip: true, selectSet: [{ _type: 'TraversalSpec', name: 'view', type: 'ContainerView', path: 'view', skip: false }] }] }],
    options: {},
  },
  ContinueRetrievePropertiesEx: { _this: ref('PropertyCollector', 'propertyCollector'), token: '1' },
  CreateFilter: { _this: ref('PropertyCollector', 'propertyCollector'), spec: { propSet: [{ type: 'Task', pathSet: ['info.state'] }], objectSet: [{ obj: ref('Task', 'task-1'), skip: false }] }, partialUpdates: false },
  WaitForUpdatesEx: { _this: ref('PropertyCollector', 'propertyCollector'), version: '', options: { maxWaitSeconds: 10 } },
  DestroyPropertyFilter: { _this: ref('PropertyFilter', 'f') },
  CreateClusterEx: { _this: ref('Folder', 'group-h4'), name: 'stretch', spec: {} },
  AddHost_Task: { _this: ref('ClusterComputeResource', 'domain-c1'), spec: { hostName: 'esx-a1', sslThumbprint: 'AA:BB', userName: 'root', password: 'x', force: false }, asConnected: true },
  AddStandaloneHost_Task: { _this: ref('Folder', 'group-h4'), spec: { hostName: 'witness', userName: 'root', password: 'x', force: false }, addConnected: true },
  ReconfigureComputeResource_Task: {
    _this: ref('ClusterComputeResource', 'domain-c1'),
    spec: {
      _type: 'ClusterConfigSpecEx',
      dasConfig: {
        enabled: true,
        hostMonitoring: 'enabled',
        admissionControlPolicy: { _type: 'ClusterFailoverResourcesAdmissionControlPolicy', cpuFailoverResourcesPercent: 50, memoryFailoverResourcesPercent: 50 },
        admissionControlEnabled: true,
        defaultVmSettings: { isolationResponse: 'powerOff' },
        option: [{ key: 'das.isolationaddress0', value: { _xsd: 'string', value: '192.0.2.1' } }],
      },
      drsConfig: { enabled: true, defaultVmBehavior: 'fullyAutomated' },
      rulesSpec: [{ operation: 'add', info: { _type: 'ClusterVmHostRuleInfo', enabled: true, name: 'a VMs should run in a', mandatory: false, vmGroupName: 'a VMs', affineHostGroupName: 'a hosts' } }],
      vsanConfig: { enabled: true, defaultConfig: { autoClaimStorage: false } },
      groupSpec: [
        { operation: 'add', info: { _type: 'ClusterHostGroup', name: 'a hosts', host: [ref('HostSystem', 'host-1')] } },
        { operation: 'edit', info: { _type: 'ClusterVmGroup', name: 'a VMs', vm: [ref('VirtualMachine', 'vm-1')] } },
      ],
    },
    modify: true,
  },
  AddPortGroup: { _this: ref('HostNetworkSystem', 'ns-1'), portgrp: { name: 'vSAN', vlanId: 20, vswitchName: 'vSwitch0', policy: {} } },
  AddVirtualNic: { _this: ref('HostNetworkSystem', 'ns-1'), portgroup: 'vSAN', nic: { ip: { dhcp: false, ipAddress: '192.0.2.11', subnetMask: '255.255.255.0' }, mtu: 9000 } },
  SelectVnicForNicType: { _this: ref('HostVirtualNicManager', 'vnm-1'), nicType: 'vsan', device: 'vmk1' },
  QueryDisksForVsan: { _this: ref('HostVsanSystem', 'hvs-1'), canonicalName: ['naa.61'] },
  DisconnectHost_Task: { _this: ref('HostSystem', 'host-2') },
  ReconnectHost_Task: { _this: ref('HostSystem', 'host-2'), cnxSpec: { hostName: 'esx-2', userName: 'root', password: 'p', force: false } },
  RelocateVM_Task: { _this: ref('VirtualMachine', 'vm-1'), spec: { pool: ref('ResourcePool', 'resgroup-1'), host: ref('HostSystem', 'host-2') }, priority: 'defaultPriority' },
  VSANVcConvertToStretchedCluster: {
    _this: ref('VimClusterVsanVcStretchedClusterSystem', 'vsan-stretched-cluster-system'),
    cluster: ref('ClusterComputeResource', 'domain-c1'),
    faultDomainConfig: { firstFdName: 'a', firstFdHosts: [ref('HostSystem', 'host-1')], secondFdName: 'b', secondFdHosts: [ref('HostSystem', 'host-2')] },
    witnessHost: ref('HostSystem', 'host-3'),
    preferredFd: 'a',
    diskMapping: { ssd: echo, nonSsd: [echo] },
  },
  VSANVcRetrieveStretchedClusterVcCapability: { _this: ref('VimClusterVsanVcStretchedClusterSystem', 's'), cluster: ref('ClusterComputeResource', 'domain-c1'), verifyAllConnected: true },
  VSANVcGetWitnessHosts: { _this: ref('VimClusterVsanVcStretchedClusterSystem', 's'), cluster: ref('ClusterComputeResource', 'domain-c1') },
  VSANVcIsWitnessHost: { _this: ref('VimClusterVsanVcStretchedClusterSystem', 's'), host: ref('HostSystem', 'host-3') },
  VSANVcSetPreferredFaultDomain: { _this: ref('VimClusterVsanVcStretchedClusterSystem', 's'), cluster: ref('ClusterComputeResource', 'domain-c1'), preferredFd: 'b', witnessHost: ref('HostSystem', 'host-3') },
  VSANVcGetPreferredFaultDomain: { _this: ref('VimClusterVsanVcStretchedClusterSystem', 's'), cluster: ref('ClusterComputeResource', 'domain-c1') },
  VsanVcReplaceWitnessHostForClusters: {
    _this: ref('VimClusterVsanVcStretchedClusterSystem', 's'),
    configSpec: { witnessHost: ref('HostSystem', 'host-4'), clusters: [{ cluster: ref('ClusterComputeResource', 'domain-c1'), preferredFdName: 'a' }], witnessDiskMappings: [{ ssd: echo, nonSsd: [echo] }] },
  },
  VSANVcRemoveWitnessHost: { _this: ref('VimClusterVsanVcStretchedClusterSystem', 's'), cluster: ref('ClusterComputeResource', 'domain-c1'), witnessHost: ref('HostSystem', 'host-3') },
  InitializeDiskMappings: { _this: ref('VimClusterVsanVcDiskManagementSystem', 'd'), spec: { host: ref('HostSystem', 'host-1'), cacheDisks: [echo], capacityDisks: [echo, echo], creationType: 'allFlash' } },
  VsanQueryVcClusterHealthSummary: { _this: ref('VsanVcClusterHealthSystem', 'h'), cluster: ref('ClusterComputeResource', 'domain-c1'), includeObjUuids: false, fetchFromCache: false },
};

describe('the WSDL order table', () => {
  it.skipIf(!haveDebianSource && process.env.CW_REQUIRE_LAB !== '1')('is what the Go types in Debian’s govmomi source say (regenerate with CW_WRITE_FIXTURES=1)', () => {
    const fresh = readWsdlOrder(Object.keys(METHODS), SUBTYPES);
    expect(fresh.methods).toEqual(order.methods);
    expect(fresh.types).toEqual(order.types);
  });

  it('lists every method and data type the client sends', () => {
    expect(Object.keys(order.methods).sort()).toEqual(Object.keys(METHODS).sort());
    for (const t of Object.keys(TYPES)) if (t !== 'DynamicData') expect(order.types[t], t).toBeDefined();
  });
});

describe('the client’s type definitions', () => {
  it('declare fields in WSDL order, with the WSDL’s base types, and every field the WSDL requires', () => {
    const goFields = (t: string): { name: string; required: boolean }[] => {
      const def = order.types[t]!;
      return [...(def.base && def.base !== 'DynamicData' ? goFields(def.base) : []), ...def.fields];
    };
    for (const [name, def] of Object.entries(TYPES)) {
      if (name === 'DynamicData') continue;
      expect(def.base ?? 'DynamicData', `${name}'s base`).toBe(order.types[name]!.base ?? 'DynamicData');
      const wsdl = goFields(name).map((f) => f.name);
      const ours = allFields(name).map((f) => f.name);
      const positions = ours.map((f) => wsdl.indexOf(f));
      expect(positions.every((p) => p >= 0), `${name}: ${ours.join(', ')} ⊄ ${wsdl.join(', ')}`).toBe(true);
      expect(positions, `${name} in WSDL order`).toEqual([...positions].sort((a, b) => a - b));
      for (const f of goFields(name)) if (f.required) expect(ours, `${name} lacks required ${f.name}`).toContain(f.name);
    }
    for (const [method, fields] of Object.entries(METHODS)) {
      const wsdl = order.types[order.methods[method]!]!.fields;
      const positions = fields.map((f) => wsdl.findIndex((w) => w.name === f.name));
      expect(positions.every((p) => p >= 0) && positions.every((p, i) => i === 0 || p > positions[i - 1]!), `${method}: ${fields.map((f) => f.name).join(', ')}`).toBe(true);
    }
  });
});

describe('every request the client can send', () => {
  it('has a sample here', () => {
    expect(Object.keys(samples).sort()).toEqual(Object.keys(METHODS).sort());
  });

  for (const [method, params] of Object.entries(samples)) {
    it(`${method} follows the WSDL order`, () => {
      expect(checkRequest(envelope(method, params, method.startsWith('VSAN') || method.startsWith('Vsan') || method === 'InitializeDiskMappings' ? 'urn:vsan' : 'urn:vim25'), order)).toEqual([]);
    });
  }

  it('the check catches an element out of order, an unknown element and a missing required one', () => {
    const good = envelope('AddHost_Task', samples.AddHost_Task!);
    const swapped = good.replace('<userName>root</userName><password>x</password>', '<password>x</password><userName>root</userName>');
    expect(checkRequest(swapped, order).join('\n')).toMatch(/<userName> comes after <password>/);
    expect(checkRequest(good.replace('<force>false</force>', ''), order).join('\n')).toMatch(/HostConnectSpec requires <force>/);
    expect(checkRequest(good.replace('<force>false</force>', '<force>false</force><bogus>1</bogus>'), order).join('\n')).toMatch(/has no element <bogus>/);
    expect(checkRequest(good.replace('<asConnected>', '<resourcePool type="ResourcePool">r</resourcePool><asConnected>'), order).join('\n')).toMatch(/<asConnected> comes after <resourcePool>/);
  });
});
