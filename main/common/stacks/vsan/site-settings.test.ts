import { describe, expect, it } from 'vitest';
import { healthProblems, shortId, stretchedClusterGroup, type HealthSummary } from './health.js';
import { desiredSiteSettings, settingsChanges, type ClusterSettings, type StretchedSettingsInput } from './site-settings.js';
import { normalizeThumbprint, sameThumbprint } from './thumbprint.js';

const layout: StretchedSettingsInput = {
  preferred: { name: 'Rack A', hosts: ['esx-a2', 'esx-a1'], isolationAddress: '192.0.2.250', vms: ['db-1'] },
  secondary: { name: 'Rack B', hosts: ['esx-b1'], isolationAddress: '192.0.2.251' },
};

const nothing: ClusterSettings = { ha: { enabled: false, hostMonitoring: '', admissionControlEnabled: false, options: {} }, drs: { enabled: false }, hostGroups: [], vmGroups: [], rules: [] };

describe('site HA/DRS settings for a vSAN stretched cluster', () => {
  it('asks for HA with 50 % CPU and memory reserved, one isolation address per site and no default gateway check', () => {
    const d = desiredSiteSettings(layout);
    expect(d.ha).toMatchObject({ enabled: true, hostMonitoring: 'enabled', admissionControlEnabled: true, cpuPercent: 50, memoryPercent: 50, isolationResponse: 'powerOff' });
    expect(d.ha.options).toEqual({
      'das.isolationaddress0': '192.0.2.250',
      'das.isolationaddress1': '192.0.2.251',
      'das.usedefaultisolationaddress': 'false',
      'das.ignoreInsufficientHbDatastore': 'true',
      'das.respectVmHostSoftAffinityRules': 'true',
    });
    expect(d.drs).toEqual({ enabled: true, behavior: 'fullyAutomated' });
  });

  it('groups hosts and VMs per site and makes "should run" (not "must run") rules', () => {
    const d = desiredSiteSettings(layout);
    expect(d.hostGroups).toEqual([{ name: 'Rack A hosts', hosts: ['esx-a1', 'esx-a2'] }, { name: 'Rack B hosts', hosts: ['esx-b1'] }]);
    expect(d.vmGroups).toEqual([{ name: 'Rack A VMs', vms: ['db-1'] }, { name: 'Rack B VMs', vms: [] }]);
    expect(d.rules).toEqual([
      { name: 'Rack A VMs should run in Rack A', vmGroup: 'Rack A VMs', hostGroup: 'Rack A hosts', mandatory: false, enabled: true },
      { name: 'Rack B VMs should run in Rack B', vmGroup: 'Rack B VMs', hostGroup: 'Rack B hosts', mandatory: false, enabled: true },
    ]);
  });

  it('changes everything on an empty cluster and nothing once the cluster matches', () => {
    const d = desiredSiteSettings(layout);
    const first = settingsChanges(d, nothing)!;
    expect(first.ha).toBeDefined();
    expect(first.drs).toBeDefined();
    expect(first.groups.map((g) => `${g.operation} ${g.name}`)).toEqual(['add Rack A hosts', 'add Rack B hosts', 'add Rack A VMs', 'add Rack B VMs']);
    expect(first.rules.map((r) => r.operation)).toEqual(['add', 'add']);
    const applied: ClusterSettings = { ...d, ha: { ...d.ha, options: { ...d.ha.options, 'das.admin.extra': 'kept' } }, rules: d.rules.map((r, i) => ({ ...r, key: i + 1 })), hostGroups: d.hostGroups.map((g) => ({ ...g, hosts: [...g.hosts].reverse() })) };
    expect(settingsChanges(d, applied)).toBeUndefined();
  });

  it('edits only what drifted: a group member, a rule made mandatory, an isolation address', () => {
    const d = desiredSiteSettings(layout);
    const drifted: ClusterSettings = {
      ...d,
      ha: { ...d.ha, options: { ...d.ha.options, 'das.isolationaddress1': '192.0.2.99' } },
      vmGroups: [{ name: 'Rack A VMs', vms: [] }, d.vmGroups[1]!],
      rules: [{ ...d.rules[0]!, key: 7, mandatory: true }, { ...d.rules[1]!, key: 8 }],
    };
    const c = settingsChanges(d, drifted)!;
    expect(c.ha?.options['das.isolationaddress1']).toBe('192.0.2.251');
    expect(c.drs).toBeUndefined();
    expect(c.groups).toEqual([{ operation: 'edit', kind: 'vm', name: 'Rack A VMs', members: ['db-1'] }]);
    expect(c.rules).toEqual([{ operation: 'edit', key: 7, name: 'Rack A VMs should run in Rack A', vmGroup: 'Rack A VMs', hostGroup: 'Rack A hosts' }]);
  });

  it('refuses layouts vSAN or HA refuses, saying which site and what to do', () => {
    expect(() => desiredSiteSettings({ ...layout, secondary: { ...layout.secondary, name: 'Rack A' } })).toThrow(/Both data sites are named Rack A/);
    expect(() => desiredSiteSettings({ ...layout, secondary: { ...layout.secondary, hosts: [] } })).toThrow(/secondary site Rack B has no hosts/);
    expect(() => desiredSiteSettings({ ...layout, secondary: { ...layout.secondary, hosts: ['esx-a1'] } })).toThrow(/esx-a1 is in both sites/);
    expect(() => desiredSiteSettings({ ...layout, preferred: { ...layout.preferred, isolationAddress: 'gateway; rm -rf /' } })).toThrow(/isolation address of site Rack A .* is not an IP address/);
    expect(() => desiredSiteSettings({ ...layout, secondary: { ...layout.secondary, vms: ['db-1'] } })).toThrow(/db-1 is assigned to both sites/);
  });
});

describe('certificate thumbprints', () => {
  it('normalizes the forms vSphere and OpenSSL print, and refuses anything else', () => {
    const sha1 = 'ab cd ef 01 23 45 67 89 ab cd ef 01 23 45 67 89 ab cd ef 01';
    expect(normalizeThumbprint(sha1)).toBe('AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01');
    expect(normalizeThumbprint('ab'.repeat(32), 32)).toBe(Array(32).fill('AB').join(':'));
    expect(() => normalizeThumbprint(sha1, 32)).toThrow(/SHA-256 certificate fingerprint/);
    expect(() => normalizeThumbprint('zz:'.repeat(19) + 'zz')).toThrow(/not a certificate thumbprint/);
    expect(sameThumbprint('aa:'.repeat(19) + 'aa', 'AA'.repeat(20))).toBe(true);
  });
});

describe('vSAN health summary', () => {
  const summary: HealthSummary = {
    overallHealth: 'red',
    groups: [
      { id: 'com.vmware.vsan.health.test.network', name: 'Network', health: 'green', tests: [{ id: 'com.vmware.vsan.health.test.vsanvmknic', name: 'All hosts have a vSAN vmknic configured', health: 'green' }] },
      {
        id: 'com.vmware.vsan.health.test.stretchedcluster',
        name: 'Stretched cluster',
        health: 'red',
        tests: [
          { id: 'com.vmware.vsan.health.test.witnesswithnodiskmapping', name: 'No disk claimed on witness host', health: 'red' },
          { id: 'com.vmware.vsan.health.test.witnessinsidevccluster', name: 'Witness host within vCenter cluster', health: 'green' },
        ],
      },
    ],
  };
  it('finds the stretched-cluster group and lists what is not green', () => {
    expect(stretchedClusterGroup(summary)?.name).toBe('Stretched cluster');
    expect(shortId('com.vmware.vsan.health.test.witnessinsidevccluster')).toBe('witnessinsidevccluster');
    expect(healthProblems(summary)).toEqual(['Stretched cluster: No disk claimed on witness host (red)']);
  });
});
