// The day-2 plans of a vSAN stretched cluster (pure): their steps, which are destructive, what the preview
// says each step sends to vCenter, and the executor's refusal of hostile day-2 arguments.
import { describe, expect, it } from 'vitest';
import { planSchema, type StackCall } from '../../../common/plan/schema.js';
import { workspaceSchema } from '../../../common/workspace/schema.js';
import { MemorySecretStore } from '../../secrets/index.js';
import { VsanConnections } from './connections.js';
import { day2Plan, type Day2Change } from './day2.js';
import { apisFor, createVsanExecutor } from './plan.js';
import { stretchedSpecFromWorkspace, witnessFromWorkspace } from './workspace-spec.js';

const node = (name: string, site: string, n: number) => ({ name, site, addresses: { mgmt: `198.18.0.${n}`, data: `198.19.0.${n}` } });
const workspace = workspaceSchema.parse({
  version: 1,
  name: 'w',
  sites: [{ name: 'a', kind: 'lan' }, { name: 'b', kind: 'man' }, { name: 'c', kind: 'wan' }, { name: 'd', kind: 'wan' }],
  networks: [
    { name: 'mgmt', roles: ['management'], cidr: '198.18.0.0/16' },
    { name: 'data', roles: ['vsan'], cidr: '198.19.0.0/16' },
  ],
  nodes: [node('a1', 'a', 1), node('b1', 'b', 2), node('w1', 'c', 3), node('w2', 'd', 4)],
  vsan: {
    clusters: [
      {
        name: 'stretch-01',
        datacenter: 'DC0',
        vcenter: { endpoint: '127.0.0.1:8989', user: 'administrator@vsphere.local', secretId: 'vc-pw', thumbprint: Array(32).fill('AB').join(':') },
        esxi: { passwordSecret: 'esx-pw' },
        preferredSite: { site: 'a', hosts: ['a1'], isolationAddress: '198.19.0.1' },
        secondarySite: { site: 'b', hosts: ['b1'], isolationAddress: '198.19.0.2' },
        witness: { host: 'w1', site: 'c' },
        dataNetwork: 'data',
        witnessNetwork: 'mgmt',
      },
    ],
  },
});

const plan = (change: Day2Change) => {
  const { spec, access, esxi } = stretchedSpecFromWorkspace(workspace, 'stretch-01');
  const newWitness = change.kind === 'witness' ? witnessFromWorkspace(workspace, 'stretch-01', change.host) : undefined;
  return planSchema.parse(day2Plan({ spec, access, esxi, change, ...(newWitness ? { newWitness } : {}), apis: apisFor(access) }));
};
const executor = createVsanExecutor({ connections: new VsanConnections(new MemorySecretStore()), secrets: new MemorySecretStore() });
const stackCall = (c: unknown) => c as StackCall & { kind: 'stack' };

describe('changing the preferred site', () => {
  it('sets the preferred fault domain, then lists the new preferred site’s isolation address first; nothing destructive', () => {
    const p = plan({ kind: 'preferred-site', site: 'b' });
    expect(p.steps.map((s) => s.id)).toEqual(['preferred-site', 'site-settings']);
    expect(p.steps.some((s) => s.destructive)).toBe(false);
    expect(p.steps[1]!.dependsOn).toEqual(['preferred-site']);
    const set = stackCall(p.steps[0]!.action);
    expect(set).toMatchObject({ op: 'day2', args: { cluster: 'stretch-01', datacenter: 'DC0', change: { kind: 'preferred-site', site: 'b' } } });
    expect(stackCall(p.steps[0]!.precheck)).toMatchObject({ op: 'day2-done', args: set.args });
    expect(executor.describe(set)).toBe('VSANVcSetPreferredFaultDomain(cluster "stretch-01" of datacenter "DC0", preferredFd="b") on vCenter 127.0.0.1:8989 /vsanHealth, vsan-stretched-cluster-system; the task followed with WaitForUpdatesEx on /sdk');
    expect(executor.describe(stackCall(p.steps[0]!.verify))).toMatch(/^vCenter shows done: VSANVcGetPreferredFaultDomain\(cluster "stretch-01" of datacenter "DC0"\) answers "b"/);
    // The build's own site-settings step, with b first: das.isolationaddress0 becomes b's address.
    const settings = stackCall(p.steps[1]!.action);
    expect(settings).toMatchObject({ op: 'build', args: { step: 'site-settings', spec: { preferred: { name: 'b', isolationAddress: '198.19.0.2' }, secondary: { name: 'a' } } } });
    expect(p.steps[1]!.title).toContain('das.isolationaddress0 = 198.19.0.2 in b');
    const text = JSON.stringify(p);
    expect(text).toContain('"secretId":"vc-pw"');
    expect(text).toContain('"passwordSecret":"esx-pw"');
  });

  it('refuses a site that is not one of the cluster’s fault domains', () => {
    expect(() => plan({ kind: 'preferred-site', site: 'c' })).toThrow(/Site c is not a data site of vSAN cluster stretch-01 \(its fault domains are a and b\)/);
  });
});

describe('replacing the witness', () => {
  it('adds the new host to the datacenter and gives it a vSAN adapter with the build’s steps, then replaces the witness (approved: it claims disks)', () => {
    const p = plan({ kind: 'witness', host: 'w2' });
    expect(p.steps.map((s) => [s.id, s.destructive])).toEqual([
      ['witness-host', false],
      ['witness-vmknic', false],
      ['replace-witness', true],
    ]);
    expect(p.steps.map((s) => s.dependsOn)).toEqual([[], ['witness-host'], ['witness-vmknic']]);
    expect(stackCall(p.steps[0]!.action).args).toMatchObject({ step: 'witness:w2', spec: { witness: { name: 'w2', vsan: { ipAddress: '198.18.0.4', subnetMask: '255.255.0.0' } } } });
    expect(stackCall(p.steps[1]!.action).args).toMatchObject({ step: 'vmknic:w2:vsan' });
    const replace = stackCall(p.steps[2]!.action);
    expect(replace.args).toMatchObject({ change: { kind: 'replace-witness', host: 'w2' } });
    expect(executor.describe(replace)).toMatch(/^VSANVcRetrieveStretchedClusterVcCapability\(.*verifyAllConnected=true\).*VsanVcReplaceWitnessHostForClusters\(configSpec: witnessHost="w2", clusters=\["stretch-01"\], witnessDiskMappings: /);
    expect(executor.describe(stackCall(p.steps[2]!.precheck))).toMatch(/VSANVcGetWitnessHosts\(cluster "stretch-01" of datacenter "DC0"\) answers only "w2"/);
    expect(p.steps[2]!.rollback).toMatch(/with w1, which stays in datacenter DC0/);
    expect(p.title).toBe('Replace the witness of vSAN stretched cluster stretch-01: w1 → w2');
  });
});

describe('disabling stretching', () => {
  it('is one destructive step that removes the current witness by name', () => {
    const p = plan({ kind: 'unstretch' });
    expect(p.steps).toHaveLength(1);
    expect(p.steps[0]).toMatchObject({ id: 'remove-witness', destructive: true, idempotent: true });
    expect(p.steps[0]!.title).toMatch(/every vSAN object loses its witness component .* the fault domains a and b stay/);
    const remove = stackCall(p.steps[0]!.action);
    expect(executor.describe(remove)).toMatch(/^VSANVcRemoveWitnessHost\(cluster "stretch-01" of datacenter "DC0", witnessHost="w1"\)/);
    expect(executor.describe(stackCall(p.steps[0]!.verify))).toMatch(/VSANVcGetWitnessHosts\(.*\) answers no witness/);
  });
});

describe('the executor’s day-2 operations', () => {
  const ctx = { signal: new AbortController().signal, timeoutMs: 1000, log: () => undefined, runId: 'r', stepId: 's' };
  const args = stackCall(plan({ kind: 'unstretch' }).steps[0]!.action).args;
  it('refuses hostile arguments from a plan file before reaching vCenter', async () => {
    const change = (c: Record<string, unknown>) => ({ stack: 'vsan', op: 'day2', args: { ...args, change: c } });
    await expect(executor.act(change({ kind: 'remove-witness', host: '-oProxyCommand=x' }), ctx)).rejects.toThrow(/change\.host: an ESXi host name/);
    await expect(executor.act(change({ kind: 'preferred-site', site: 'b"><x' }), ctx)).rejects.toThrow(/change\.site: a fault domain name/);
    await expect(executor.act(change({ kind: 'format-disks', host: 'w1' }), ctx)).rejects.toThrow(/change\.kind/);
    await expect(executor.act({ stack: 'vsan', op: 'day2', args: { ...args, cluster: 'nul\u0000' } }, ctx)).rejects.toThrow(/cluster: a vSphere name/);
    await expect(executor.act({ stack: 'vsan', op: 'day2-done', args }, ctx)).rejects.toThrow(/is a vSAN check/);
    await expect(executor.check({ stack: 'vsan', op: 'day2', args }, ctx)).rejects.toThrow(/is a vSAN operation, not a check/);
  });
});
