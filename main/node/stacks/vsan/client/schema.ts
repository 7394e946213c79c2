// The vim25 and vSAN data types this client sends, each field in the order of the WSDL sequence (vCenter
// validates the order; the simulator does not), and the encoder that writes a value as SOAP XML: xsi:type
// where a value's type differs from the declared one, every text escaped.
import { CwError } from '../../../../common/errors.js';
import { XNode, escapeXml, isMoRef, type MoRef } from './xml.js';

/** Leaf kinds; anything else names a type of TYPES. */
type Leaf = 'string' | 'boolean' | 'int' | 'long' | 'moref' | 'anyType';

export interface FieldDef {
  name: string;
  type: Leaf | string;
  array?: boolean;
}

export interface TypeDef {
  base?: string;
  fields: FieldDef[];
}

const f = (name: string, type: string, array = false): FieldDef => ({ name, type, array });

/** Request parameters of each method (its `…RequestType`), `_this` first. */
export const METHODS: Record<string, FieldDef[]> = {
  RetrieveServiceContent: [f('_this', 'moref')],
  Login: [f('_this', 'moref'), f('userName', 'string'), f('password', 'string'), f('locale', 'string')],
  Logout: [f('_this', 'moref')],
  CreateContainerView: [f('_this', 'moref'), f('container', 'moref'), f('type', 'string', true), f('recursive', 'boolean')],
  DestroyView: [f('_this', 'moref')],
  RetrievePropertiesEx: [f('_this', 'moref'), f('specSet', 'PropertyFilterSpec', true), f('options', 'RetrieveOptions')],
  ContinueRetrievePropertiesEx: [f('_this', 'moref'), f('token', 'string')],
  CreateFilter: [f('_this', 'moref'), f('spec', 'PropertyFilterSpec'), f('partialUpdates', 'boolean')],
  WaitForUpdatesEx: [f('_this', 'moref'), f('version', 'string'), f('options', 'WaitOptions')],
  DestroyPropertyFilter: [f('_this', 'moref')],
  CreateClusterEx: [f('_this', 'moref'), f('name', 'string'), f('spec', 'ClusterConfigSpecEx')],
  AddHost_Task: [f('_this', 'moref'), f('spec', 'HostConnectSpec'), f('asConnected', 'boolean'), f('resourcePool', 'moref'), f('license', 'string')],
  AddStandaloneHost_Task: [f('_this', 'moref'), f('spec', 'HostConnectSpec'), f('compResSpec', 'ComputeResourceConfigSpec'), f('addConnected', 'boolean'), f('license', 'string')],
  ReconfigureComputeResource_Task: [f('_this', 'moref'), f('spec', 'ComputeResourceConfigSpec'), f('modify', 'boolean')],
  AddPortGroup: [f('_this', 'moref'), f('portgrp', 'HostPortGroupSpec')],
  AddVirtualNic: [f('_this', 'moref'), f('portgroup', 'string'), f('nic', 'HostVirtualNicSpec')],
  SelectVnicForNicType: [f('_this', 'moref'), f('nicType', 'string'), f('device', 'string')],
  QueryDisksForVsan: [f('_this', 'moref'), f('canonicalName', 'string', true)],
  RelocateVM_Task: [f('_this', 'moref'), f('spec', 'VirtualMachineRelocateSpec'), f('priority', 'string')],
  // A host vCenter stops managing and takes back (HostSystem); reconnectSpec is not sent by this client.
  DisconnectHost_Task: [f('_this', 'moref')],
  ReconnectHost_Task: [f('_this', 'moref'), f('cnxSpec', 'HostConnectSpec')],
  // vSAN (urn:vsan)
  VSANVcConvertToStretchedCluster: [f('_this', 'moref'), f('cluster', 'moref'), f('faultDomainConfig', 'VimClusterVSANStretchedClusterFaultDomainConfig'), f('witnessHost', 'moref'), f('preferredFd', 'string'), f('diskMapping', 'VsanHostDiskMapping')],
  VSANVcRetrieveStretchedClusterVcCapability: [f('_this', 'moref'), f('cluster', 'moref'), f('verifyAllConnected', 'boolean')],
  VSANVcGetWitnessHosts: [f('_this', 'moref'), f('cluster', 'moref')],
  VSANVcIsWitnessHost: [f('_this', 'moref'), f('host', 'moref')],
  // Day 2: the preferred site, another witness, stretching disabled.
  VSANVcSetPreferredFaultDomain: [f('_this', 'moref'), f('cluster', 'moref'), f('preferredFd', 'string'), f('witnessHost', 'moref')],
  VSANVcGetPreferredFaultDomain: [f('_this', 'moref'), f('cluster', 'moref')],
  VsanVcReplaceWitnessHostForClusters: [f('_this', 'moref'), f('configSpec', 'VsanVcStretchedClusterConfigSpec')],
  VSANVcRemoveWitnessHost: [f('_this', 'moref'), f('cluster', 'moref'), f('witnessHost', 'moref'), f('witnessAddress', 'string')],
  InitializeDiskMappings: [f('_this', 'moref'), f('spec', 'VimVsanHostDiskMappingCreationSpec')],
  VsanQueryVcClusterHealthSummary: [f('_this', 'moref'), f('cluster', 'moref'), f('vmCreateTimeout', 'int'), f('objUuids', 'string', true), f('includeObjUuids', 'boolean'), f('fields', 'string', true), f('fetchFromCache', 'boolean'), f('perspective', 'string'), f('hosts', 'moref', true)],
};

export const TYPES: Record<string, TypeDef> = {
  DynamicData: { fields: [] },
  // Property collector
  PropertyFilterSpec: { base: 'DynamicData', fields: [f('propSet', 'PropertySpec', true), f('objectSet', 'ObjectSpec', true), f('reportMissingObjectsInResults', 'boolean')] },
  PropertySpec: { base: 'DynamicData', fields: [f('type', 'string'), f('all', 'boolean'), f('pathSet', 'string', true)] },
  ObjectSpec: { base: 'DynamicData', fields: [f('obj', 'moref'), f('skip', 'boolean'), f('selectSet', 'SelectionSpec', true)] },
  SelectionSpec: { base: 'DynamicData', fields: [f('name', 'string')] },
  TraversalSpec: { base: 'SelectionSpec', fields: [f('type', 'string'), f('path', 'string'), f('skip', 'boolean'), f('selectSet', 'SelectionSpec', true)] },
  RetrieveOptions: { base: 'DynamicData', fields: [f('maxObjects', 'int')] },
  WaitOptions: { base: 'DynamicData', fields: [f('maxWaitSeconds', 'int'), f('maxObjectUpdates', 'int')] },
  // Cluster configuration
  ComputeResourceConfigSpec: { base: 'DynamicData', fields: [f('vmSwapPlacement', 'string'), f('spbmEnabled', 'boolean'), f('defaultHardwareVersionKey', 'string')] },
  ClusterConfigSpecEx: {
    base: 'ComputeResourceConfigSpec',
    fields: [f('dasConfig', 'ClusterDasConfigInfo'), f('drsConfig', 'ClusterDrsConfigInfo'), f('rulesSpec', 'ClusterRuleSpec', true), f('vsanConfig', 'VsanClusterConfigInfo'), f('groupSpec', 'ClusterGroupSpec', true)],
  },
  ClusterDasConfigInfo: {
    base: 'DynamicData',
    fields: [
      f('enabled', 'boolean'),
      f('vmMonitoring', 'string'),
      f('hostMonitoring', 'string'),
      f('vmComponentProtecting', 'string'),
      f('failoverLevel', 'int'),
      f('admissionControlPolicy', 'ClusterDasAdmissionControlPolicy'),
      f('admissionControlEnabled', 'boolean'),
      f('defaultVmSettings', 'ClusterDasVmSettings'),
      f('option', 'OptionValue', true),
      f('heartbeatDatastore', 'moref', true),
      f('hBDatastoreCandidatePolicy', 'string'),
    ],
  },
  ClusterDasAdmissionControlPolicy: { base: 'DynamicData', fields: [f('resourceReductionToToleratePercent', 'int')] },
  ClusterFailoverResourcesAdmissionControlPolicy: {
    base: 'ClusterDasAdmissionControlPolicy',
    fields: [f('cpuFailoverResourcesPercent', 'int'), f('memoryFailoverResourcesPercent', 'int'), f('failoverLevel', 'int'), f('autoComputePercentages', 'boolean')],
  },
  ClusterDasVmSettings: { base: 'DynamicData', fields: [f('restartPriority', 'string'), f('restartPriorityTimeout', 'int'), f('isolationResponse', 'string')] },
  OptionValue: { base: 'DynamicData', fields: [f('key', 'string'), f('value', 'anyType')] },
  ClusterDrsConfigInfo: { base: 'DynamicData', fields: [f('enabled', 'boolean'), f('enableVmBehaviorOverrides', 'boolean'), f('defaultVmBehavior', 'string'), f('vmotionRate', 'int'), f('option', 'OptionValue', true)] },
  VsanClusterConfigInfo: { base: 'DynamicData', fields: [f('enabled', 'boolean'), f('defaultConfig', 'VsanClusterConfigInfoHostDefaultInfo')] },
  VsanClusterConfigInfoHostDefaultInfo: { base: 'DynamicData', fields: [f('uuid', 'string'), f('autoClaimStorage', 'boolean'), f('checksumEnabled', 'boolean')] },
  ArrayUpdateSpec: { base: 'DynamicData', fields: [f('operation', 'string'), f('removeKey', 'anyType')] },
  ClusterGroupSpec: { base: 'ArrayUpdateSpec', fields: [f('info', 'ClusterGroupInfo')] },
  ClusterGroupInfo: { base: 'DynamicData', fields: [f('name', 'string'), f('userCreated', 'boolean'), f('uniqueID', 'string')] },
  ClusterHostGroup: { base: 'ClusterGroupInfo', fields: [f('host', 'moref', true)] },
  ClusterVmGroup: { base: 'ClusterGroupInfo', fields: [f('vm', 'moref', true)] },
  ClusterRuleSpec: { base: 'ArrayUpdateSpec', fields: [f('info', 'ClusterRuleInfo')] },
  ClusterRuleInfo: {
    base: 'DynamicData',
    fields: [f('key', 'int'), f('status', 'string'), f('enabled', 'boolean'), f('name', 'string'), f('mandatory', 'boolean'), f('userCreated', 'boolean'), f('inCompliance', 'boolean'), f('ruleUuid', 'string')],
  },
  ClusterVmHostRuleInfo: { base: 'ClusterRuleInfo', fields: [f('vmGroupName', 'string'), f('affineHostGroupName', 'string'), f('antiAffineHostGroupName', 'string')] },
  // Hosts
  HostConnectSpec: {
    base: 'DynamicData',
    fields: [f('hostName', 'string'), f('port', 'int'), f('sslThumbprint', 'string'), f('userName', 'string'), f('password', 'string'), f('vmFolder', 'moref'), f('force', 'boolean'), f('managementIp', 'string'), f('lockdownMode', 'string')],
  },
  HostPortGroupSpec: { base: 'DynamicData', fields: [f('name', 'string'), f('vlanId', 'int'), f('vswitchName', 'string'), f('policy', 'HostNetworkPolicy')] },
  HostNetworkPolicy: { base: 'DynamicData', fields: [] },
  HostVirtualNicSpec: { base: 'DynamicData', fields: [f('ip', 'HostIpConfig'), f('mac', 'string'), f('portgroup', 'string'), f('mtu', 'int'), f('tsoEnabled', 'boolean'), f('netStackInstanceKey', 'string')] },
  HostIpConfig: { base: 'DynamicData', fields: [f('dhcp', 'boolean'), f('ipAddress', 'string'), f('subnetMask', 'string')] },
  // VMs
  VirtualMachineRelocateSpec: { base: 'DynamicData', fields: [f('folder', 'moref'), f('datastore', 'moref'), f('diskMoveType', 'string'), f('pool', 'moref'), f('host', 'moref')] },
  // vSAN
  VimClusterVSANStretchedClusterFaultDomainConfig: { base: 'DynamicData', fields: [f('firstFdName', 'string'), f('firstFdHosts', 'moref', true), f('secondFdName', 'string'), f('secondFdHosts', 'moref', true)] },
  VsanVcStretchedClusterConfigSpec: { base: 'DynamicData', fields: [f('witnessHost', 'moref'), f('clusters', 'VsanStretchedClusterConfig', true), f('witnessDiskMappings', 'VsanHostDiskMapping', true)] },
  VsanStretchedClusterConfig: { base: 'DynamicData', fields: [f('cluster', 'moref'), f('preferredFdName', 'string'), f('faultDomainConfig', 'VimClusterVSANStretchedClusterFaultDomainConfig')] },
  VsanHostDiskMapping: { base: 'DynamicData', fields: [f('ssd', 'HostScsiDisk'), f('nonSsd', 'HostScsiDisk', true)] },
  VimVsanHostDiskMappingCreationSpec: { base: 'DynamicData', fields: [f('host', 'moref'), f('cacheDisks', 'HostScsiDisk', true), f('capacityDisks', 'HostScsiDisk', true), f('creationType', 'string')] },
};

/** A data object to send: its fields, and `_type` when it is a subtype of the declared type. */
export interface DataObject {
  _type?: string;
  [field: string]: unknown;
}

/** A value of `anyType` (an option's value, an array update's key): xsd type and text. */
export interface AnyValue {
  _xsd: 'string' | 'int' | 'long' | 'boolean';
  value: string | number | boolean;
}

/** An object as the server sent it (a disk from the host's storage), written back in the server's own order. */
export interface Echo {
  _echo: XNode;
}

export function isSubtype(type: string, of: string): boolean {
  for (let t: string | undefined = type; t; t = TYPES[t]?.base) if (t === of) return true;
  return false;
}

/** Every field of a type, its bases' first (the WSDL's extension order). */
export function allFields(type: string): FieldDef[] {
  const def = TYPES[type];
  if (!def) throw new CwError('INTERNAL', `The vSphere client has no definition of type ${type}.`);
  return [...(def.base ? allFields(def.base) : []), ...def.fields];
}

function leaf(name: string, type: Leaf, value: unknown, where: string): string {
  const open = (attrs = ''): string => `<${name}${attrs}>`;
  switch (type) {
    case 'moref': {
      if (!isMoRef(value)) throw new CwError('INVALID_INPUT', `${where} must be a managed object reference.`);
      return `${open(` type="${escapeXml(value.type, where)}"`)}${escapeXml(value.value, where)}</${name}>`;
    }
    case 'boolean':
      if (typeof value !== 'boolean') throw new CwError('INVALID_INPUT', `${where} must be true or false.`);
      return `${open()}${value}</${name}>`;
    case 'int':
    case 'long':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new CwError('INVALID_INPUT', `${where} must be a whole number.`);
      return `${open()}${value}</${name}>`;
    case 'string':
      if (typeof value !== 'string') throw new CwError('INVALID_INPUT', `${where} must be text.`);
      return `${open()}${escapeXml(value, where)}</${name}>`;
    case 'anyType': {
      const v = value as AnyValue;
      if (typeof v !== 'object' || v === null || !('_xsd' in v)) throw new CwError('INVALID_INPUT', `${where} needs an explicit XML Schema type.`);
      return `${open(` xsi:type="xsd:${v._xsd}"`)}${escapeXml(String(v.value), where)}</${name}>`;
    }
  }
}

function echo(name: string, node: XNode): string {
  const xsiType = Object.entries(node.attrs).find(([k]) => k.endsWith(':type'))?.[1];
  const attrs = xsiType ? ` xsi:type="${escapeXml(xsiType)}"` : node.attrs.type !== undefined ? ` type="${escapeXml(node.attrs.type)}"` : '';
  const inner = node.children.length ? node.children.map((c) => echo(c.name, c)).join('') : escapeXml(node.textContent);
  return `<${name}${attrs}>${inner}</${name}>`;
}

/** Writes `value` as element `name` of declared type `type`. */
export function encode(name: string, type: string, value: unknown, where = name): string {
  if (['string', 'boolean', 'int', 'long', 'moref', 'anyType'].includes(type)) return leaf(name, type as Leaf, value, where);
  if (typeof value === 'object' && value !== null && '_echo' in value) return echo(name, (value as Echo)._echo);
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new CwError('INVALID_INPUT', `${where} must be a ${type} object.`);
  const obj = value as DataObject;
  const actual = obj._type ?? type;
  if (!isSubtype(actual, type)) throw new CwError('INTERNAL', `${where}: ${actual} is not a ${type}.`);
  const fields = allFields(actual);
  for (const key of Object.keys(obj)) {
    if (key !== '_type' && obj[key] !== undefined && !fields.some((fd) => fd.name === key)) throw new CwError('INTERNAL', `${where}: ${actual} has no field ${key} in this client.`);
  }
  const body = fields.map((fd) => encodeField(fd, obj[fd.name], `${where}.${fd.name}`)).join('');
  return `<${name}${actual !== type ? ` xsi:type="${actual}"` : ''}>${body}</${name}>`;
}

function encodeField(fd: FieldDef, value: unknown, where: string): string {
  if (value === undefined || value === null) return '';
  if (fd.array) {
    if (!Array.isArray(value)) throw new CwError('INVALID_INPUT', `${where} must be a list.`);
    return value.map((v, i) => encode(fd.name, fd.type, v, `${where}[${i}]`)).join('');
  }
  return encode(fd.name, fd.type, value, where);
}

/** The body of a method call: its parameters in the order of its request type. */
export function encodeCall(method: string, params: Record<string, unknown>): string {
  const fields = METHODS[method];
  if (!fields) throw new CwError('INTERNAL', `The vSphere client has no definition of method ${method}.`);
  for (const key of Object.keys(params)) {
    if (params[key] !== undefined && !fields.some((fd) => fd.name === key)) throw new CwError('INTERNAL', `${method} has no parameter ${key} in this client.`);
  }
  return fields.map((fd) => encodeField(fd, params[fd.name], `${method}.${fd.name}`)).join('');
}

export type { MoRef };
