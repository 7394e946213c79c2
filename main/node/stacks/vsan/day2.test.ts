// The day-2 plans of a vSAN stretched cluster (pure): their steps, which are destructive, what the preview
// says each step sends to vCenter, and the executor's refusal of hostile day-2 arguments; once the workspace
// records the cluster as not stretched, the build plan and the day-2 changes refuse with what it is and
// what stretching it again takes (before vCenter is reached); stretching it again as a day-2 plan of the build's
// own steps, refused for what can never be its witness, and recorded only once vCenter shows the witness.
import { describe, expect, it } from 'vitest';
import { CwError } from '../../../common/errors.js';
import { planSchema, type StackCall } from '../../../common/plan/schema.js';
import { vsanDay2ChangeSchema } from '../../../common/stacks/vsan/contract.js';
import type { Facts } from '../../../common/workspace/facts.js';
import { workspaceSchema, type Workspace } from '../../../common/workspace/schema.js';
import { MemorySecretStore } from '../../secrets/index.js';
import { VsanConnections } from './connections.js';
import { day2Plan, type Day2Change } from './day2.js';
import { apisFor, createVsanExecutor } from './plan.js';
import { vsanHandlers } from './services.js';
import { stretchedTestWorkspace, testNode } from './test-workspace.js';
import { restretchSpecFromWorkspace, stretchedSpecFromWorkspace, witnessFromWorkspace } from './workspace-spec.js';

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
          'vSAN cluster stretch-01 is not stretched (vsan.clusters[0].stretched: false, recorded after stretching was disabled): it has no witness and no preferred site, and its hosts keep the fault domains a and b. The build plan would stretch it again, so none is made. To stretch it again: put a witness host at a third site back with the day-2 action "Stretch again" (a workspace node outside the cluster, its certificate pinned, its round trip from every data host measured within vSAN\'s witness limit); or put it into the workspace (vsan.clusters[0].witness: host and site), remove vsan.clusters[0].stretched (or set it to true), and run the build plan. Either way the witness is added to the datacenter, and the build\'s stretch step (VSANVcConvertToStretchedCluster) is destructive and runs only once you approve it; a is the preferred site again and b the secondary, and vSAN then rebuilds every object\'s witness component.',
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

describe('stretching a cluster again (day 2), once stretching was disabled', () => {
  const THUMB = Array(20).fill('C4').join(':');
  const more = { sites: [{ name: 'd', kind: 'wan' }], nodes: [testNode('w2', 'd', 4), testNode('a9', 'a', 5)] };
  const unstretched = stretchedTestWorkspace({ stretched: false, witness: undefined }, more);
  const measured = (ms: Record<string, number>): Facts => ({
    latency: {
      version: 1,
      measuredAt: '2026-01-01T00:00:00Z',
      runner: 'test',
      count: 10,
      intervalS: 0.2,
      samples: Object.entries(ms).map(([from, rtt]) => ({ network: 'mgmt', from, to: 'w2', toAddress: '198.18.0.4', sent: 10, received: 10, lossPercent: 0, minMs: rtt, avgMs: rtt, medianMs: rtt, maxMs: rtt, mdevMs: 0.1, measuredAt: '2026-01-01T00:00:00Z' })),
    },
  });

  /** vCenter as the handlers read it: the cluster, the witness it shows (with its preferred fault domain), w2 added at datacenter level. */
  function fakeVcenter(shows: { witness?: string; preferred?: string }) {
    const calls: string[] = [];
    const ref = (type: string, value: string) => ({ type, value });
    const client = {
      where: 'vcenter.test',
      findDatacenter: async (name: string) => (calls.push(`findDatacenter ${name}`), name === 'DC0' ? { ref: ref('Datacenter', 'dc'), hostFolder: ref('Folder', 'hf'), vmFolder: ref('Folder', 'vf'), networkFolder: ref('Folder', 'nf') } : undefined),
      findByName: async (kind: string, name: string) => (calls.push(`findByName ${kind} ${name}`), kind === 'ClusterComputeResource' && name === 'stretch-01' ? { ref: ref(kind, 'c1'), parent: ref('Folder', 'hf') } : kind === 'HostSystem' && name === 'w2' ? { ref: ref(kind, 'host-w2'), parent: ref('ComputeResource', 'cr-w2') } : undefined),
      witnessHosts: async () => (calls.push('witnessHosts'), shows.witness ? [{ host: ref('HostSystem', `host-${shows.witness}`), nodeUuid: 'u', preferredFdName: shows.preferred ?? 'a', unicastAgentAddr: '198.18.0.4' }] : []),
      properties: async (obj: { value: string }) => new Map([['name', { text: () => obj.value.replace(/^host-/, '') }]]),
      // A host vCenter does not manage: vCenter answers with the certificate it presents, and adds nothing.
      addHost: async (_at: unknown, h: { hostName: string }) => {
        calls.push(`addHost ${h.hostName}`);
        throw new CwError('HOST_KEY_UNKNOWN', `${h.hostName} presents an unknown certificate.`, { thumbprint: THUMB });
      },
    };
    return { calls, connections: { client: async () => client } as unknown as VsanConnections };
  }
  function handlersOn(start: Workspace, facts: Facts, vcenter: ReturnType<typeof fakeVcenter>) {
    const state = { workspace: start, saved: [] as Workspace[] };
    const h = vsanHandlers({
      workspaces: { current: async () => ({ workspace: state.workspace, facts, path: '/w/clusterwright.yaml' }), save: async (next) => void (state.saved.push(next), (state.workspace = next)), storeFacts: async () => '' },
      secrets: new MemorySecretStore(),
      connections: vcenter.connections,
    });
    const call = <M extends keyof typeof h>(method: M, input: Parameters<(typeof h)[M]>[0]) => (h[method] as (i: unknown, c: never) => Promise<unknown>)(input, {} as never) as ReturnType<(typeof h)[M]>;
    return { state, call };
  }

  it('is a plan of the build’s own steps: the witness added and given its vSAN adapter, then the build’s stretch step, destructive; the kept fault domains keep their roles', () => {
    const { spec, access, esxi } = restretchSpecFromWorkspace(unstretched, 'stretch-01', 'w2');
    const p = planSchema.parse(day2Plan({ spec, access, esxi, change: { kind: 'restretch', host: 'w2' }, apis: apisFor(access) }));
    expect(p.id).toBe('vsan-day2-restretch-stretch-01-w2');
    expect(p.title).toBe('Stretch vSAN cluster stretch-01 again: a (preferred) and b, witness w2');
    expect(p.steps.map((s) => [s.id, s.destructive ?? false, s.dependsOn])).toEqual([
      ['witness-host', false, []],
      ['witness-vmknic', false, ['witness-host']],
      ['stretch', true, ['witness-vmknic']],
    ]);
    // The very step and arguments the build plan runs: one stretch executor, checked by vCenter's state before and after.
    const stretch = stackCall(p.steps[2]!.action);
    expect(stretch).toMatchObject({ op: 'build', args: { cluster: 'stretch-01', step: 'stretch', spec: { preferred: { name: 'a', hosts: [{ name: 'a1' }] }, secondary: { name: 'b', hosts: [{ name: 'b1' }] }, witness: { name: 'w2', vsan: { ipAddress: '198.18.0.4', subnetMask: '255.255.0.0' } } } } });
    expect(stackCall(p.steps[2]!.precheck)).toEqual({ ...stretch, op: 'built' });
    expect(stackCall(p.steps[0]!.action).args).toMatchObject({ step: 'witness:w2' });
    expect(stackCall(p.steps[1]!.action).args).toMatchObject({ step: 'vmknic:w2:vsan' });
    expect(executor.describe(stretch)).toBe('stretch on vCenter 127.0.0.1:8989 (cluster stretch-01)');
    expect(p.steps[2]!.title).toMatch(/^Stretch stretch-01 again \(VSANVcConvertToStretchedCluster\): witness w2, the kept fault domains in their roles, a preferred and b secondary/);
    expect(p.steps[2]!.rollback).toMatch(/^Disable stretching again/);
    const text = JSON.stringify(p);
    expect(text).toContain('"passwordSecret":"esx-pw"');
    expect(text).not.toContain('"witness":{"host"');
  });

  it('refuses a cluster stretched already, a data host and a node the workspace lacks before vCenter is asked; a far, unmeasured, data-site or unpinned witness stops the plan', async () => {
    const vcenter = fakeVcenter({});
    const { call, state } = handlersOn(unstretched, measured({ a1: 40, b1: 600 }), vcenter);
    const restretch = (host: string) => call('vsan.planDay2', { cluster: 'stretch-01', change: { kind: 'restretch', host } });
    await expect(restretch('a1')).rejects.toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/^Witness host within vCenter cluster: a1 is a data host of cluster stretch-01\./) });
    await expect(restretch('w9')).rejects.toMatchObject({ code: 'INVALID_INPUT', message: 'w9 is not a node of the workspace: add it to nodes, with its address on the witness network mgmt, then choose it as the witness.' });
    expect(vcenter.calls).toEqual([]);
    const stretched = handlersOn(stretchedTestWorkspace({}, more), {}, vcenter);
    await expect(stretched.call('vsan.planDay2', { cluster: 'stretch-01', change: { kind: 'restretch', host: 'w2' } })).rejects.toMatchObject({ code: 'CONFLICT', message: "vSAN cluster stretch-01 is stretched already (vsan.clusters[0]), with the witness w1: there is nothing to stretch again. To put w2 in the witness's place, change the witness instead." });
    expect(vcenter.calls).toEqual([]);
    // Measured: 600 ms from b1 is above the 500 ms vSAN allows a two-host cluster's witness; a9 stands in data site a and has no figure.
    const far = await restretch('w2');
    expect(far.blocking).toBe(true);
    expect(far.roundTrips.map((r) => [r.a, r.b, r.network, r.rttMs, r.limitMs, r.ok])).toEqual([['a1', 'w2', 'mgmt', 40, 500, true], ['b1', 'w2', 'mgmt', 600, 500, false]]);
    expect(far.problems).toEqual(["b1 ↔ w2 on mgmt: 600 ms, above vSAN's 500 ms to the witness. Choose a witness site closer to both data sites."]);
    const inSite = await restretch('a9');
    expect(inSite.problems).toEqual([
      'a9 stands in data site a: the witness must be at a third site, so that losing one data site leaves a majority. Choose a node outside a and b.',
      'The round trip from a1, b1 to a9 on network mgmt is not measured: measure latency first (the witness must answer within 500 ms).',
      `vCenter reports that a9 presents certificate ${THUMB}; compare it with the host's console and pin it before the plan runs.`,
    ]);
    expect(inSite.certificate).toEqual({ host: 'a9', thumbprint: THUMB, state: 'new' });
    expect(inSite.blocking).toBe(true);
    expect(state.saved).toEqual([]);
  });

  it('with the witness measured within the limit and known to vCenter, shows what it means and a plan with nothing standing in the way', async () => {
    const { call } = handlersOn(unstretched, measured({ a1: 40, b1: 45.5 }), fakeVcenter({}));
    const answer = await call('vsan.planDay2', { cluster: 'stretch-01', change: { kind: 'restretch', host: 'w2' } });
    expect(answer.problems).toEqual([]);
    expect(answer.blocking).toBe(false);
    expect(answer.certificate).toEqual({ host: 'w2', state: 'in-vcenter' });
    expect(answer.meaning[0]).toMatch(/^Destructive: vSAN stretches stretch-01 again with the witness w2 \(site d\)/);
    expect(answer.meaning[1]).toBe('The kept fault domains keep their roles: a is the preferred site again (it keeps running when the data sites lose each other) and b the secondary, as vsan.clusters[0] names them. To prefer b, change the preferred site afterwards.');
    expect(answer.plan.steps.filter((s) => s.destructive).map((s) => s.id)).toEqual(['stretch']);
  });

  it('takes the witness name (stretching again, or a witness change) only as the workspace takes a host name', () => {
    for (const kind of ['restretch', 'witness'] as const) {
      for (const host of ['-oProxyCommand=x', '$(cwpwn)', 'w2;reboot', 'w 2', '', '.w2', 'x'.repeat(64), 'w2\n', '../w2']) {
        expect(vsanDay2ChangeSchema.safeParse({ kind, host }).success, `${kind} ${JSON.stringify(host)}`).toBe(false);
      }
      expect(vsanDay2ChangeSchema.safeParse({ kind, host: 'w2.example-site_1' }).success).toBe(true);
    }
    expect(vsanDay2ChangeSchema.safeParse({ kind: 'restretch', host: 'w2', force: true }).success).toBe(false);
  });

  it('records stretched again only once vCenter shows the witness; the preferred site as vCenter shows it; a second record changes nothing', async () => {
    const none = handlersOn(unstretched, {}, fakeVcenter({}));
    await expect(none.call('vsan.recordDay2', { cluster: 'stretch-01', change: { kind: 'restretch', host: 'w2' } })).rejects.toMatchObject({ code: 'CONFLICT', message: 'vCenter shows no witness as the witness of stretch-01, not w2: run the plan first. The workspace is unchanged.' });
    const other = handlersOn(unstretched, {}, fakeVcenter({ witness: 'w1' }));
    await expect(other.call('vsan.recordDay2', { cluster: 'stretch-01', change: { kind: 'restretch', host: 'w2' } })).rejects.toThrow(/vCenter shows w1 as the witness of stretch-01, not w2/);
    expect([...none.state.saved, ...other.state.saved]).toEqual([]);

    const vcenter = fakeVcenter({ witness: 'w2', preferred: 'a' });
    const done = handlersOn(unstretched, {}, vcenter);
    expect(await done.call('vsan.recordDay2', { cluster: 'stretch-01', change: { kind: 'restretch', host: 'w2' } })).toEqual({ recorded: true, message: 'vsan.clusters[0]: stretched again (stretched removed), witness w2 in site d; a is the preferred site, b the secondary.' });
    expect(done.state.saved).toHaveLength(1);
    const cluster = done.state.saved[0]!.vsan!.clusters[0]!;
    expect(cluster).toMatchObject({ witness: { host: 'w2', site: 'd' }, preferredSite: { site: 'a' }, secondarySite: { site: 'b' } });
    expect('stretched' in cluster).toBe(false);
    // The saved workspace reads as a stretched cluster again.
    expect(workspaceSchema.safeParse(done.state.saved[0]).success).toBe(true);
    const asked = vcenter.calls.length;
    expect(await done.call('vsan.recordDay2', { cluster: 'stretch-01', change: { kind: 'restretch', host: 'w2' } })).toEqual({ recorded: false, message: 'The workspace already records stretch-01 as stretched with the witness w2.' });
    expect(vcenter.calls.length).toBe(asked);
    expect(done.state.saved).toHaveLength(1);

    // vCenter prefers the other fault domain (stretched by hand): the record follows vCenter.
    const swapped = handlersOn(unstretched, {}, fakeVcenter({ witness: 'w2', preferred: 'b' }));
    expect((await swapped.call('vsan.recordDay2', { cluster: 'stretch-01', change: { kind: 'restretch', host: 'w2' } })).message).toMatch(/b is the preferred site, a the secondary\.$/);
    expect(swapped.state.saved[0]!.vsan!.clusters[0]!.preferredSite.site).toBe('b');
  });

  it('makes the fault domains again when they were deleted (faultDomains: false): the plan says so, the stretch step gets both sites with their hosts, and the record drops the field', async () => {
    const deleted = stretchedTestWorkspace({ stretched: false, witness: undefined, faultDomains: false }, more);
    // The build plan refuses it as any unstretched cluster, saying what stretching it again takes now.
    expect(() => stretchedSpecFromWorkspace(deleted, 'stretch-01')).toThrow(/its fault domains were deleted \(vsan\.clusters\[0\]\.faultDomains: false\), so each host is a fault domain of its own\. The build plan would stretch it again, so none is made\. .*remove vsan\.clusters\[0\]\.stretched \(or set it to true\) and vsan\.clusters\[0\]\.faultDomains, and run the build plan/);

    const answer = await handlersOn(deleted, measured({ a1: 40, b1: 45.5 }), fakeVcenter({})).call('vsan.planDay2', { cluster: 'stretch-01', change: { kind: 'restretch', host: 'w2' } });
    expect(answer.blocking).toBe(false);
    expect(answer.meaning[1]).toBe('The fault domains were deleted (vsan.clusters[0].faultDomains: false): the stretch makes them again, a (preferred: it keeps running when the data sites lose each other) with the hosts of vsan.clusters[0].preferredSite and b (secondary) with those of vsan.clusters[0].secondarySite. To prefer b, change the preferred site afterwards.');
    expect(answer.notes).toContain('After the run, Verify reads vCenter again and records vsan.clusters[0] as stretched (stretched and faultDomains removed) with the witness w2 in site d, only once vCenter shows w2 as the witness.');
    const stretch = answer.plan.steps.find((s) => s.id === 'stretch')!;
    expect(stretch.destructive).toBe(true);
    expect(stretch.title).toMatch(/^Stretch stretch-01 again \(VSANVcConvertToStretchedCluster\): witness w2, the deleted fault domains made again, a preferred and b secondary/);
    // VSANVcConvertToStretchedCluster's fault domain configuration: every data host into one of the two.
    expect(stackCall(stretch.action)).toMatchObject({ op: 'build', args: { step: 'stretch', spec: { preferred: { name: 'a', hosts: [{ name: 'a1' }] }, secondary: { name: 'b', hosts: [{ name: 'b1' }] }, witness: { name: 'w2' } } } });

    const done = handlersOn(deleted, {}, fakeVcenter({ witness: 'w2', preferred: 'a' }));
    expect(await done.call('vsan.recordDay2', { cluster: 'stretch-01', change: { kind: 'restretch', host: 'w2' } })).toEqual({ recorded: true, message: 'vsan.clusters[0]: stretched again (stretched and faultDomains removed), witness w2 in site d; a is the preferred site, b the secondary.' });
    const cluster = done.state.saved[0]!.vsan!.clusters[0]!;
    expect('faultDomains' in cluster || 'stretched' in cluster).toBe(false);
    expect(cluster.witness).toEqual({ host: 'w2', site: 'd' });
    expect(workspaceSchema.safeParse(done.state.saved[0]).success).toBe(true);
  });
});
