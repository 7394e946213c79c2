import { describe, expect, it } from 'vitest';
import { READ_ONLY_METHODS } from './client.js';
import { METHODS, encode, encodeCall } from './schema.js';
import { parseXml } from './xml.js';

const wrap = (inner: string) => parseXml(`<r xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">${inner}</r>`, 'test');

describe('encoding vSphere data objects', () => {
  it('writes fields in the declared order whatever order the object has', () => {
    const xml = encode('spec', 'HostConnectSpec', { force: false, password: 'p', userName: 'root', hostName: 'esx-1' });
    expect(wrap(xml).child('spec')!.children.map((c) => c.name)).toEqual(['hostName', 'userName', 'password', 'force']);
  });

  it('marks a subtype with xsi:type and leaves the declared type unmarked', () => {
    const xml = encode('info', 'ClusterRuleInfo', { _type: 'ClusterVmHostRuleInfo', name: 'r', mandatory: false, vmGroupName: 'g', affineHostGroupName: 'h' });
    const info = wrap(xml).child('info')!;
    expect(info.xsiType).toBe('ClusterVmHostRuleInfo');
    expect(info.children.map((c) => c.name)).toEqual(['name', 'mandatory', 'vmGroupName', 'affineHostGroupName']);
    expect(encode('g', 'ClusterHostGroup', { name: 'x' })).not.toContain('xsi:type');
    expect(() => encode('info', 'ClusterRuleInfo', { _type: 'ClusterHostGroup', name: 'x' })).toThrow(/ClusterHostGroup is not a ClusterRuleInfo/);
  });

  it('keeps hostile values as data: names, option values and reference ids', () => {
    const evil = `a</key><key>b</key><value xsi:type="xsd:int">1`;
    const xml = encode('option', 'OptionValue', { key: evil, value: { _xsd: 'string', value: `<&>"'` } });
    const o = wrap(xml).child('option')!;
    expect(o.children.map((c) => c.name)).toEqual(['key', 'value']);
    expect(o.text('key')).toBe(evil);
    expect(o.child('value')!.attrs['xsi:type']).toBe('xsd:string');
    expect(o.text('value')).toBe(`<&>"'`);
    const ref = wrap(encode('host', 'moref', { type: 'HostSystem"><x', value: 'host-1</host>' })).child('host')!;
    expect(ref.asMoRef()).toEqual({ type: 'HostSystem"><x', value: 'host-1</host>' });
  });

  it('refuses values of the wrong kind and fields the client does not know', () => {
    expect(() => encode('spec', 'HostConnectSpec', { hostName: 'x', force: 'no' })).toThrow(/spec\.force must be true or false/);
    expect(() => encode('spec', 'HostConnectSpec', { hostName: 'x', force: false, sneaky: 1 })).toThrow(/HostConnectSpec has no field sneaky/);
    expect(() => encode('spec', 'HostPortGroupSpec', { name: 'x', vlanId: 1.5, vswitchName: 'v', policy: {} })).toThrow(/vlanId must be a whole number/);
    expect(() => encode('option', 'OptionValue', { key: 'k', value: 'untyped' })).toThrow(/needs an explicit XML Schema type/);
    expect(() => encodeCall('Login', { _this: { type: 'SessionManager', value: 'SessionManager' }, userName: 'u', password: 'p', extra: 'x' })).toThrow(/Login has no parameter extra/);
  });

  it('sends a device back exactly as vCenter described it (its order, its types)', () => {
    const disk = parseXml('<d xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="HostScsiDisk"><canonicalName>naa.1&amp;</canonicalName><capacity><blockSize>512</blockSize><block>10</block></capacity></d>', 't');
    const back = wrap(encode('ssd', 'HostScsiDisk', { _echo: disk })).child('ssd')!;
    expect(back.xsiType).toBe('HostScsiDisk');
    expect(back.children.map((c) => c.name)).toEqual(['canonicalName', 'capacity']);
    expect(back.text('canonicalName')).toBe('naa.1&');
  });

  it('treats every method that is not a read as a change (what the idempotence check counts)', () => {
    const changes = Object.keys(METHODS).filter((m) => !READ_ONLY_METHODS.has(m));
    expect(changes.sort()).toEqual(
      ['AddHost_Task', 'AddPortGroup', 'AddStandaloneHost_Task', 'AddVirtualNic', 'CreateClusterEx', 'DisconnectHost_Task', 'InitializeDiskMappings', 'ReconfigureComputeResource_Task', 'ReconnectHost_Task', 'RelocateVM_Task', 'SelectVnicForNicType', 'VSANVcConvertToStretchedCluster', 'VSANVcRemoveWitnessHost', 'VSANVcSetPreferredFaultDomain', 'VsanVcReplaceWitnessHostForClusters'].sort(),
    );
  });
});
