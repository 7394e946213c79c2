// The one list of stacks. The workspace schema, the contract, the rule runner, element references, the VM
// record's stack and the migration choices derive from it; nothing outside a stack's folders names a stack.
import { openstackStack } from './openstack/definition.js';
import { proxmoxStack } from './proxmox/definition.js';
import { vsanStack } from './vsan/definition.js';

export const stacks = [proxmoxStack, openstackStack, vsanStack] as const;

export type RegisteredStack = (typeof stacks)[number];
export type StackId = RegisteredStack['id'];
