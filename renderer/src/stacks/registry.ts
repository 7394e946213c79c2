// The one list of stack screens (per stack id, beside main/common/stacks/registry.ts). Nothing else in the
// renderer names a stack.
import { openstackUi } from './openstack/index.js';
import { proxmoxUi } from './proxmox/index.js';
import type { StackUi } from './types.js';
import { vsanUi } from './vsan/index.js';

export const stackUis: Readonly<Record<string, StackUi>> = { proxmox: proxmoxUi, openstack: openstackUi, vsan: vsanUi };

/** A stack's screens; an unknown stack (a test's own) gets none and shows through the generic views. */
export function stackUi(id: string): StackUi {
  return stackUis[id] ?? {};
}
