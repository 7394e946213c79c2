import { describe, expect, it } from 'vitest';
import type { Workspace } from '../../common/workspace/schema.js';
import type { VmRecord } from '../../common/contract/inventory.js';
import { InventoryRegistry } from './inventory.js';

const workspace = {
  version: 1,
  name: 't',
  sites: [{ name: 'a', kind: 'lan' }],
  networks: [],
  nodes: [
    { name: 'esx1', site: 'a', addresses: {} },
    { name: 'esx2', site: 'a', addresses: {} },
    { name: 'wit', site: 'a', addresses: {} },
  ],
  vsan: { clusters: [{ name: 'v', vcenter: { endpoint: 'x' }, preferredSite: { site: 'a', hosts: ['esx1'] }, secondarySite: { site: 'a', hosts: ['esx2'] }, witness: { host: 'wit', site: 'a' } }] },
} as unknown as Workspace;

const vm: VmRecord = { id: 'vsphere:v:vm-1', stack: 'vsphere', cluster: 'v', node: 'esx1', name: 'web', status: 'running' };
const signal = new AbortController().signal;

describe('inventory registry', () => {
  it('shows nothing when no stack client is registered (no fake data)', async () => {
    expect(await new InventoryRegistry().list(workspace, signal)).toEqual({ vms: [], sources: [] });
  });

  it('keeps the VMs of healthy clusters when one cluster fails, and says which failed', async () => {
    const registry = new InventoryRegistry();
    registry.register({
      stack: 'vsphere',
      clusters: () => ['v', 'broken'],
      list: async (_ws, cluster) => {
        if (cluster === 'broken') throw new Error('vCenter 198.18.0.9 did not answer');
        return [vm];
      },
    });
    const result = await registry.list(workspace, signal);
    expect(result.vms).toEqual([vm]);
    expect(result.sources).toContainEqual({ stack: 'vsphere', cluster: 'broken', ok: false, vms: 0, error: 'vCenter 198.18.0.9 did not answer' });
  });

  it('never offers the vSAN witness host as a drop target', async () => {
    const registry = new InventoryRegistry();
    registry.register({
      stack: 'vsphere',
      clusters: () => ['v'],
      list: async () => [vm],
      migratePrecheck: async (_ws, _vm, targets) => targets.map((node) => ({ node, allowed: true, reasons: [], kind: 'live' as const, localDisks: [], targetStorages: [] })),
    });
    const { targets } = await registry.migratePrecheck(workspace, vm.id, undefined, signal);
    expect(targets.find((t) => t.node === 'esx2')?.allowed).toBe(true);
    expect(targets.find((t) => t.node === 'wit')).toMatchObject({ allowed: false });
    expect(targets.find((t) => t.node === 'esx1')).toBeUndefined();
  });
});
