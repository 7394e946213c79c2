// The one list of stack modules (the I/O half of main/common/stacks/registry.ts, in the same order). The core,
// the contract wiring, the lab service and the CLI iterate it; nothing else names a stack.
import { openstackModule } from './openstack/module.js';
import { proxmoxModule } from './proxmox/module.js';
import type { StackModule } from './types.js';
import { vsanModule } from './vsan/module.js';

export const stackModules: readonly StackModule[] = [proxmoxModule, openstackModule, vsanModule];
