// inventory.* and vm.* methods: VMs per node from every stack that has a client, and the
// migration precheck behind drag-to-migrate.
import { CwError } from '../../common/errors.js';
import type { Workspace } from '../../common/workspace/schema.js';
import type { Handlers } from '../dispatcher.js';
import { choicesOf, type InventoryRegistry } from '../stacks/inventory.js';

export function inventoryHandlers(registry: InventoryRegistry, currentWorkspace: () => Promise<Workspace | undefined>): Pick<Handlers, 'inventory.list' | 'vm.migratePrecheck' | 'vm.migrate'> {
  const requireWorkspace = async () => {
    const workspace = await currentWorkspace();
    if (!workspace) throw new CwError('INVALID_INPUT', 'The open workspace file has errors, so its clusters are unknown: fix the file first.');
    return workspace;
  };
  return {
    'inventory.list': async (_input, ctx) => registry.list(await requireWorkspace(), ctx.signal),
    'vm.migratePrecheck': async (input, ctx) => registry.migratePrecheck(await requireWorkspace(), input.vm, input.targets, ctx.signal, choicesOf(input)),
    'vm.migrate': async (input, ctx) => {
      const workspace = await requireWorkspace();
      if (input.deleteSource) {
        // Destroying the source VM and its disks is a destructive remote action: it needs the admin's explicit approval.
        const vm = (await registry.list(workspace, ctx.signal)).vms.find((v) => v.id === input.vm);
        const name = vm?.name ?? input.vm;
        if (input.confirmDeleteSource !== name) {
          throw new CwError('INVALID_INPUT', `Deleting the source after the move destroys VM ${name} and its disks on cluster '${vm?.cluster ?? '?'}'. Confirm it by giving the VM's name (${name}) as confirmDeleteSource, or keep the source (Proxmox leaves it stopped and locked).`, { field: 'confirmDeleteSource' });
        }
      }
      return registry.migrate(workspace, input.vm, { target: input.target, online: input.online, ...choicesOf(input), ...(input.deleteSource ? { deleteSource: true } : {}) }, ctx.signal);
    },
  };
}
