// Which stacks and roles each node has, derived from the stack sections (the single place they are
// declared, read through each stack's groups), for node cards, the navbar and the inspector.
import { defaultStacks, type StackList } from '../stacks/compose.js';
import type { StackWorkspace } from '../stacks/types.js';

export interface NodeMembership {
  stack: string;
  /** Cluster or region name. */
  group: string;
  /** The node's part in it, in the stack's words (pve, qdevice, controller, compute, esxi, witness…). */
  role: string;
  /** False for hosts that serve the group without belonging to it (a QDevice host). */
  member: boolean;
}

export function nodeMemberships(ws: StackWorkspace, list: StackList = defaultStacks): Map<string, NodeMembership[]> {
  const result = new Map<string, NodeMembership[]>();
  for (const stack of list) {
    for (const group of stack.groups(ws)) {
      for (const m of group.members) result.set(m.node, [...(result.get(m.node) ?? []), { stack: stack.id, group: group.name, role: m.role, member: m.member }]);
    }
  }
  return result;
}
