// VMs per node as the stacks report them, for the canvas and the inspector; nothing is invented:
// a stack without a client reports nothing and the canvas shows no VMs for it.
import type { VmRecord } from '../../../main/common/contract/inventory.js';
import type { SliceCreator } from './index.js';
import { describeError } from './describe-error.js';

export interface InventorySlice {
  vms: VmRecord[];
  inventoryProblems: string[];
  loadInventory(): Promise<void>;
}

export const createInventorySlice: SliceCreator<InventorySlice> = (set, get, transport) => {
  transport.on('inventory.changed', () => void get().loadInventory());
  return {
    vms: [],
    inventoryProblems: [],
    async loadInventory() {
      try {
        const { vms, sources } = await transport.call('inventory.list', {});
        set({ vms, inventoryProblems: sources.filter((s) => !s.ok).map((s) => `${s.stack} ${s.cluster}: ${s.error ?? 'not reachable'}`) });
      } catch (error) {
        set({ inventoryProblems: [describeError(error)] });
      }
    },
  };
};
