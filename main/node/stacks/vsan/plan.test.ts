// The vSAN build and vMotion plans (pure) and the executor's refusal of hostile plan arguments.
import { describe, expect, it } from 'vitest';
import { planSchema } from '../../../common/plan/schema.js';
import { MemorySecretStore } from '../../secrets/index.js';
import { VsanConnections } from './connections.js';
import { buildPlan, createVsanExecutor, relocatePlan } from './plan.js';
import { stretchedTestWorkspace } from './test-workspace.js';
import { stretchedSpecFromWorkspace } from './workspace-spec.js';

const workspace = (patch: Record<string, unknown> = {}) => stretchedTestWorkspace({ vmotionNetwork: 'mgmt', ...patch });

describe('the stretched-cluster build as a plan', () => {
  it('has one step per build step in order, the disk claims and the stretch destructive, secrets only by id', () => {
    const { spec, access, esxi } = stretchedSpecFromWorkspace(workspace(), 'stretch-01');
    const plan = planSchema.parse(buildPlan(spec, access, esxi));
    expect(plan.steps.map((s) => s.id)).toEqual(['cluster', 'host-a1', 'host-b1', 'witness-w1', 'vmknic-a1-vsan', 'vmknic-a1-vmotion', 'vmknic-b1-vsan', 'vmknic-b1-vmotion', 'vmknic-w1-vsan', 'vsan', 'disks-a1', 'disks-b1', 'stretch', 'site-settings']);
    expect(plan.steps.filter((s) => s.destructive).map((s) => s.id)).toEqual(['disks-a1', 'disks-b1', 'stretch']);
    expect(plan.steps.every((s, i) => i === 0 || s.dependsOn[0] === plan.steps[i - 1]!.id)).toBe(true);
    const text = JSON.stringify(plan);
    expect(text).toContain('"passwordSecret":"esx-pw"');
    expect(text).toContain('"secretId":"vc-pw"');
    // The VMkernel addresses come from the workspace's networks: vSAN on data, vMotion and the witness on management.
    expect(spec.preferred.hosts[0]).toMatchObject({ vsan: { ipAddress: '198.19.0.1', subnetMask: '255.255.0.0' }, vmotion: { ipAddress: '198.18.0.1' } });
    expect(spec.witness.vsan.ipAddress).toBe('198.18.0.3');
    expect(plan.apis.vcenter!.baseUrl).toBe('https://127.0.0.1:8989/sdk');
  });

  it('names the field to set when the workspace lacks what the build needs', () => {
    expect(() => stretchedSpecFromWorkspace(workspace({ datacenter: undefined }), 'stretch-01')).toThrow(/set vsan\.clusters\[0\]\.datacenter/);
    expect(() => stretchedSpecFromWorkspace(workspace({ esxi: undefined }), 'stretch-01')).toThrow(/vsan\.clusters\[0\]\.esxi\.passwordSecret/);
    expect(() => stretchedSpecFromWorkspace(workspace({ preferredSite: { site: 'a', hosts: ['a1'] } }), 'stretch-01')).toThrow(/vsan\.clusters\[0\]\.preferredSite\.isolationAddress/);
    expect(() => stretchedSpecFromWorkspace(workspace(), 'nope')).toThrow(/no vSAN cluster named 'nope'/);
  });

  it('tags the vSAN adapter for vMotion too when both share one network', () => {
    const { spec } = stretchedSpecFromWorkspace(workspace({ vmotionNetwork: 'data' }), 'stretch-01');
    expect(spec.network.vmotionPortgroup).toBe(spec.network.vsanPortgroup);
    expect(spec.preferred.hosts[0]!.vmotion).toEqual(spec.preferred.hosts[0]!.vsan);
  });
});

describe('a vMotion as a plan', () => {
  it('is one idempotent relocate step checked by where vCenter says the VM runs', () => {
    const access = { host: '127.0.0.1', port: 443, user: 'u', secretId: 's', thumbprint: Array(32).fill('AB').join(':') };
    const plan = planSchema.parse(relocatePlan({ cluster: 'c', access, vm: 'vm-42', name: 'app', source: 'a1', target: 'b1', timeoutMs: 60_000 }));
    expect(plan.steps).toHaveLength(1);
    expect(plan.steps[0]).toMatchObject({ id: 'move', idempotent: true, destructive: false, action: { kind: 'stack', stack: 'vsan', op: 'relocate' }, precheck: { kind: 'stack', op: 'vm-on', args: { vm: 'vm-42', host: 'b1' } } });
    expect(plan.touches).toEqual([{ stack: 'vsan', cluster: 'c' }]);
  });
});

describe('the executor', () => {
  const executor = createVsanExecutor({ connections: new VsanConnections(new MemorySecretStore()), secrets: new MemorySecretStore() });
  const ctx = { signal: new AbortController().signal, timeoutMs: 1000, log: () => undefined, runId: 'r', stepId: 's' };
  it('refuses hostile plan arguments before reaching vCenter', async () => {
    const access = { host: '127.0.0.1', port: 443, user: 'u', secretId: 's', thumbprint: Array(32).fill('AB').join(':') };
    await expect(executor.act({ stack: 'vsan', op: 'relocate', args: { cluster: 'c', access, vm: 'vm-1; rm -rf /', name: 'x', source: 'a1', target: 'b1' } }, ctx)).rejects.toThrow(/vm: a VM reference/);
    await expect(executor.act({ stack: 'vsan', op: 'relocate', args: { cluster: 'c', access: { ...access, host: '-oProxyCommand=x' }, vm: 'vm-1', name: 'x', source: 'a1', target: 'b1' } }, ctx)).rejects.toThrow(/access\.host/);
    await expect(executor.act({ stack: 'vsan', op: 'nope', args: {} }, ctx)).rejects.toThrow(/vSAN has no plan operation "nope"/);
    await expect(executor.act({ stack: 'vsan', op: 'vm-on', args: { access, vm: 'vm-1', host: 'a1' } }, ctx)).rejects.toThrow(/is a vSAN check/);
  });
  it('needs a pinned vCenter certificate before it connects', async () => {
    const access = { host: '127.0.0.1', port: 9, user: 'u', secretId: 's' };
    await expect(executor.check({ stack: 'vsan', op: 'vm-on', args: { access, vm: 'vm-1', host: 'a1' } }, ctx)).rejects.toThrow(/certificate is not pinned/);
  });
});
