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
    'vm.migrate': async (input, ctx) =>
      registry.migrate(await requireWorkspace(), input.vm, { target: input.target, online: input.online, ...choicesOf(input), ...(input.deleteSource ? { deleteSource: true } : {}) }, ctx.signal),
  };
}
