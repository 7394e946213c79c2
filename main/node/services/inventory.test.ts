// The inventory service across stacks: nothing invented, one failing cluster never hides the others, and hosts a
// stack says never run VMs (a vSAN witness) are never drop targets.
import { describe, expect, it } from 'vitest';
import type { VmRecord } from '../../common/contract/inventory.js';
import { defaultStacks } from '../../common/stacks/compose.js';
import type { Workspace } from '../../common/workspace/schema.js';
import type { CallContext } from '../context.js';
import type { PlanEngine } from '../engine/engine.js';
import { EventBus } from '../events.js';
import type { StackInventory, StackMigration } from '../stacks/types.js';
import { createInventoryService, type InventoryStack } from './inventory.js';

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

const vm: VmRecord = { id: 'vsan:v:vm-1', stack: 'vsan', cluster: 'v', node: 'esx1', name: 'web', status: 'running' };
const ctx = { signal: new AbortController().signal, session: { openStream: () => 0 } } as CallContext;

function service(stacks: InventoryStack[]) {
  return createInventoryService({ stacks, definitions: defaultStacks, events: new EventBus(), currentWorkspace: async () => workspace, engine: {} as PlanEngine }).handlers;
}

describe('inventory service', () => {
  it('shows nothing when no stack client is registered (no fake data)', async () => {
    expect(await service([])['inventory.list']({}, ctx)).toEqual({ vms: [], sources: [] });
  });

  it('keeps the VMs of healthy clusters when one cluster fails, and says which failed', async () => {
    const inventory: StackInventory = {
      clusters: () => ['v', 'broken'],
      list: async (_ws, cluster) => {
        if (cluster === 'broken') throw new Error('vCenter 198.18.0.9 did not answer');
        return [vm];
      },
      find: async () => vm,
    };
    const result = await service([{ id: 'vsan', inventory }])['inventory.list']({}, ctx);
    expect(result.vms).toEqual([vm]);
    expect(result.sources).toContainEqual({ stack: 'vsan', cluster: 'broken', ok: false, vms: 0, error: 'vCenter 198.18.0.9 did not answer' });
  });

  it('reads only the clusters asked for', async () => {
    const read: string[] = [];
    const inventory: StackInventory = { clusters: () => ['v', 'w'], list: async (_ws, cluster) => (read.push(cluster), []), find: async () => undefined };
    await service([{ id: 'vsan', inventory }])['inventory.list']({ clusters: [{ stack: 'vsan', cluster: 'w' }] }, ctx);
    expect(read).toEqual(['w']);
  });

  it('never offers the vSAN witness host as a drop target', async () => {
    const inventory: StackInventory = { clusters: () => ['v'], list: async () => [vm], find: async () => vm };
    const migration: StackMigration = {
      precheck: async (_ws, _vm, targets) => targets.map((node) => ({ node, allowed: true, reasons: [], kind: 'live' as const })),
      plan: () => {
        throw new Error('not used');
      },
    };
    const { targets } = await service([{ id: 'vsan', inventory, migration }])['vm.migratePrecheck']({ vm: vm.id }, ctx);
    expect(targets.find((t) => t.node === 'esx2')?.allowed).toBe(true);
    expect(targets.find((t) => t.node === 'wit')).toMatchObject({ allowed: false });
    expect(targets.find((t) => t.node === 'esx1')).toBeUndefined();
  });
});
