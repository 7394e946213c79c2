// The OpenStack module's pure parts: VM ids, the move plans (live inside a region, cold copy across), the
// catalog's registration plan, the lab's region layout, and the executor refusing arguments a plan file forged.
import { describe, expect, it } from 'vitest';
import type { VmRecord } from '../../../common/contract/inventory.js';
import { parsePlan } from '../../../common/plan/dag.js';
import { checkServiceUrl } from '../../../common/stacks/openstack/schema.js';
import { workspaceSchema, WORKSPACE_VERSION } from '../../../common/workspace/schema.js';
import { loadLabSpec } from '../../lab/spec.js';
import { registrationPlan } from './handlers.js';
import { parseServerVmId, serverVmId } from './inventory.js';
import { labRegionLayout } from './lab.js';
import { createOpenstackMoves, openstackMovePlan } from './migration.js';
import type { OpenstackClouds } from './cloud.js';

const uuid = '3f0c8a1e-1b2c-4d5e-8f90-0123456789ab';

const workspace = workspaceSchema.parse({
  version: WORKSPACE_VERSION,
  name: 'two-regions',
  sites: [{ name: 'one', kind: 'lan' }, { name: 'two', kind: 'wan' }],
  networks: [],
  nodes: ['r1a', 'r1b', 'r2a', 'r2b'].map((name) => ({ name, site: name.startsWith('r1') ? 'one' : 'two' })),
  openstack: {
    keystone: { authUrl: 'http://127.0.0.1:5000/v3', passwordSecret: 'sec-1' },
    regions: [
      { name: 'RegionOne', keystone: true, controllers: ['r1a'], networkNodes: ['r1a'], compute: ['r1a', 'r1b'], endpoints: { compute: 'http://127.0.0.1:8774/v2.1', image: 'http://127.0.0.1:9292' } },
      { name: 'RegionTwo', controllers: ['r2a'], networkNodes: ['r2a'], compute: ['r2a', 'r2b'], novaHosts: { r2b: 'compute-2b' }, endpoints: { compute: 'http://127.0.0.1:18774/v2.1' } },
    ],
  },
});

const vm: VmRecord = { id: serverVmId('RegionOne', uuid), stack: 'openstack', cluster: 'RegionOne', node: 'r1a', name: 'web', status: 'running' };

describe('OpenStack server ids', () => {
  it('name the region and the server, and refuse anything else', () => {
    expect(parseServerVmId(vm.id)).toEqual({ region: 'RegionOne', server: uuid });
    for (const bad of ['openstack:RegionOne', `proxmox:RegionOne:${uuid}`, 'openstack:RegionOne:101', `openstack::${uuid}`, `openstack:RegionOne:${uuid}:x`]) expect(() => parseServerVmId(bad)).toThrow(/not an OpenStack server id/);
  });
});

describe('service URLs in the workspace', () => {
  it('accepts http(s) URLs with a path and refuses credentials, queries and other schemes', () => {
    expect(checkServiceUrl('http://127.0.0.1:8774/v2.1')).toBeUndefined();
    expect(checkServiceUrl('https://[fd00::1]:5000/v3')).toBeUndefined();
    for (const bad of ['ftp://x/', 'http://admin:pw@host/', 'http://host/?a=1', 'http://host/#x', 'http://host:70000/', 'http://host/a b', 'javascript:alert(1)']) expect(checkServiceUrl(bad)).toBeDefined();
  });
});

describe('the move plan', () => {
  it('live-migrates inside the region in one idempotent step checked by where nova runs the server', () => {
    const { plan } = openstackMovePlan(workspace, vm, { target: 'r1b', online: true }, { node: 'r1b', allowed: true, kind: 'live', reasons: [] });
    const parsed = parsePlan(plan);
    expect(parsed.steps).toHaveLength(1);
    const [step] = parsed.steps;
    expect(step!.action).toMatchObject({ stack: 'openstack', op: 'live-migrate', args: { region: 'RegionOne', server: uuid, source: 'r1a', target: 'r1b' } });
    expect(step!.precheck).toMatchObject({ op: 'server-on', args: { host: 'r1b' } });
    expect(step!.idempotent).toBe(true);
    expect(step!.destructive).toBe(false);
    expect(parsed.touches).toEqual([{ stack: 'openstack', cluster: 'RegionOne' }]);
  });

  it('cold-copies into another region, with the deletion of the original only when asked, as a destructive step after the boot', () => {
    const verdict = { node: 'r2b', allowed: true, kind: 'cold' as const, reasons: [], details: { stack: 'openstack' as const, region: 'RegionOne', sourceHost: 'r1a', targetHost: 'compute-2b', coldCopy: { targetRegion: 'RegionTwo', steps: [] } } };
    const kept = parsePlan(openstackMovePlan(workspace, vm, { target: 'r2b', online: true }, verdict).plan);
    expect(kept.steps.map((s) => s.id)).toEqual(['snapshot', 'transfer', 'boot']);
    expect(kept.steps.some((s) => s.destructive)).toBe(false);
    const gone = parsePlan(openstackMovePlan(workspace, vm, { target: 'r2b', online: true, deleteSource: true }, verdict).plan);
    expect(gone.steps.map((s) => [s.id, s.destructive])).toEqual([
      ['snapshot', false],
      ['transfer', false],
      ['boot', false],
      ['delete-source', true],
    ]);
    expect(gone.steps[2]!.action).toMatchObject({ op: 'cold-boot', args: { targetRegion: 'RegionTwo', target: 'compute-2b' } });
    expect(gone.steps[3]!.dependsOn).toEqual(['boot']);
    expect(gone.touches).toEqual([
      { stack: 'openstack', cluster: 'RegionOne' },
      { stack: 'openstack', cluster: 'RegionTwo' },
    ]);
  });
});

describe('the executor', () => {
  const { executor } = createOpenstackMoves({ clouds: {} as OpenstackClouds, workspaces: { current: () => Promise.reject(new Error('not reached')), save: async () => undefined, storeFacts: async () => '' } });
  it('refuses forged arguments before anything is sent', async () => {
    await expect(executor.act({ stack: 'openstack', op: 'live-migrate', args: { region: 'RegionOne', server: uuid, name: 'web', source: 'r1a', target: '--host=evil' } }, {} as never)).rejects.toThrow(/target/);
    await expect(executor.act({ stack: 'openstack', op: 'live-migrate', args: { region: 'RegionOne', server: '../../os-services', name: 'web', source: 'r1a', target: 'r1b' } }, {} as never)).rejects.toThrow(/server/);
    await expect(executor.act({ stack: 'openstack', op: 'rm-rf', args: {} }, {} as never)).rejects.toThrow(/no plan operation "rm-rf"/);
  });
  it('exports a live migration as the openstack CLI with the server after --', () => {
    const c = executor.command!({ stack: 'openstack', op: 'live-migrate', args: { region: 'RegionOne', server: uuid, name: 'web', source: 'r1a', target: 'r1b' } });
    expect(c?.argv.slice(-2)).toEqual(['--', uuid]);
  });
});

describe('the catalog registration plan', () => {
  it('registers the Keystone region first, then the others, and ends with the fresh-token check; no secret in it', () => {
    const { plan, registrations } = registrationPlan(workspace);
    const parsed = parsePlan(plan);
    expect(parsed.steps.map((s) => s.id)).toEqual(['register-regionone', 'register-regiontwo', 'verify-catalog']);
    expect(parsed.steps[1]!.dependsOn).toEqual(['register-regionone']);
    expect(registrations).toContainEqual({ region: 'RegionTwo', type: 'identity', name: 'keystone', url: 'http://127.0.0.1:5000/v3' });
    expect(registrations.filter((r) => r.region === 'RegionTwo').map((r) => r.type)).toEqual(['identity', 'compute']);
    expect(JSON.stringify(plan)).not.toContain('sec-1');
  });
});

describe("the lab's regions", () => {
  const lab = { spec: { sites: [{ name: 'a', hosts: [{ name: 'a1' }, { name: 'a2' }] }, { name: 'b', hosts: [{ name: 'b1' }, { name: 'b2' }] }] } } as never;
  it('makes a region of each site with Keystone in the first, and one server on its first host', () => {
    expect(labRegionLayout(lab, true)).toEqual([
      { name: 'RegionOne', keystone: true, hosts: ['a1', 'a2'], servers: { 'web-regionone': 'a1' } },
      { name: 'RegionTwo', keystone: false, hosts: ['b1', 'b2'], servers: { 'web-regiontwo': 'b1' } },
    ]);
  });
});

describe("a lab description's openstack section", () => {
  it('takes true or regions of its hosts, and refuses a host the lab does not have or one in two regions', () => {
    expect(loadLabSpec('name: o\nopenstack: true\nsites:\n  - name: a\n    hosts: [a1, a2]\n').stacks?.openstack).toBe(true);
    expect(() => loadLabSpec('name: o\nopenstack:\n  regions:\n    - { name: RegionOne, hosts: [a9] }\nsites:\n  - name: a\n    hosts: [a1, a2]\n', 'o.yml')).toThrow(/openstack\.regions\[0\]\.hosts\[0\]: "a9" is not a host of this lab/);
    expect(() => loadLabSpec('name: o\nopenstack:\n  regions:\n    - { name: R1, hosts: [a1] }\n    - { name: R2, hosts: [a1] }\nsites:\n  - name: a\n    hosts: [a1, a2]\n', 'o.yml')).toThrow(/already a compute node of another region/);
  });
});
