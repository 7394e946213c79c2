// The day-2 plans of a vSAN stretched cluster (pure): their steps, which are destructive, what the preview
// says each step sends to vCenter, and the executor's refusal of hostile day-2 arguments; once the workspace
// records the cluster as not stretched, the build plan and the day-2 changes refuse with what it is and
// what stretching it again takes (before vCenter is reached).
import { describe, expect, it } from 'vitest';
import { planSchema, type StackCall } from '../../../common/plan/schema.js';
import { workspaceSchema } from '../../../common/workspace/schema.js';
import { MemorySecretStore } from '../../secrets/index.js';
import { VsanConnections } from './connections.js';
import { day2Plan, type Day2Change } from './day2.js';
import { apisFor, createVsanExecutor } from './plan.js';
import { vsanHandlers } from './services.js';
import { stretchedTestWorkspace, testNode } from './test-workspace.js';
import { stretchedSpecFromWorkspace, witnessFromWorkspace } from './workspace-spec.js';

const workspace = stretchedTestWorkspace({}, { sites: [{ name: 'd', kind: 'wan' }], nodes: [testNode('w2', 'd', 4)] });

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

describe('a cluster the workspace records as not stretched', () => {
  const unstretched = workspaceSchema.parse({ ...workspace, vsan: { clusters: [{ ...workspace.vsan!.clusters[0]!, stretched: false, witness: undefined }] } });
  const saved: unknown[] = [];
  const secrets = new MemorySecretStore();
  const handlers = vsanHandlers({ workspaces: { current: async () => ({ workspace: unstretched, facts: {}, path: '/w/clusterwright.yaml' }), save: async (next) => void saved.push(next), storeFacts: async () => '' }, secrets, connections: new VsanConnections(secrets) });
  const call = <M extends keyof typeof handlers>(method: M, input: Parameters<(typeof handlers)[M]>[0]) => (handlers[method] as (i: unknown, c: never) => Promise<unknown>)(input, {} as never);

  it('gets no build plan: the build would stretch it again; the error says what it is and what stretching it again takes', async () => {
    for (const method of ['vsan.planCluster', 'vsan.hostCertificates'] as const) {
      await expect(call(method, { cluster: 'stretch-01' })).rejects.toMatchObject({
        code: 'CONFLICT',
        detail: { field: 'vsan.clusters[0].stretched' },
        message:
          "vSAN cluster stretch-01 is not stretched (vsan.clusters[0].stretched: false, recorded after stretching was disabled): it has no witness and no preferred site, and its hosts keep the fault domains a and b. The build plan would stretch it again, so none is made. To stretch it again: put a witness host at a third site into the workspace (vsan.clusters[0].witness: host and site), remove vsan.clusters[0].stretched (or set it to true), then run the build plan: it adds the witness to the datacenter, and its stretch step (VSANVcConvertToStretchedCluster) is destructive and runs only once you approve it; vSAN then rebuilds every object's witness component.",
      });
    }
    expect(() => stretchedSpecFromWorkspace(unstretched, 'stretch-01')).toThrow(/is not stretched/);
    expect(saved).toEqual([]);
  });

  it('refuses each day-2 change with what it is now', async () => {
    const refused = (change: Day2Change) => call('vsan.planDay2', { cluster: 'stretch-01', change });
    await expect(refused({ kind: 'preferred-site', site: 'b' })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/is not stretched .* It has no preferred site to change to b\. To stretch it again: /) });
    await expect(refused({ kind: 'witness', host: 'w2' })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/is not stretched .* It has no witness to replace\. To stretch it again: /) });
    await expect(refused({ kind: 'unstretch' })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/is not stretched .* Stretching is disabled already: there is nothing to disable\./) });
    // Recording: what the workspace already says, without asking vCenter; nothing is saved.
    expect(await call('vsan.recordDay2', { cluster: 'stretch-01', change: { kind: 'unstretch' } })).toEqual({ recorded: false, message: 'The workspace already records stretch-01 as not stretched.' });
    await expect(call('vsan.recordDay2', { cluster: 'stretch-01', change: { kind: 'witness', host: 'w2' } })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/is not stretched .* The workspace is unchanged\. To stretch it again: /) });
    expect(saved).toEqual([]);
  });
});
