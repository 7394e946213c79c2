// The one list of stacks as a workspace sees them (each stack's workspace.ts: section, rules, groups, links,
// traffic…), in the order of registry.ts. The workspace schema and compose.ts derive from it, so what reads, checks
// and scores a workspace (validate) builds none of the stacks' contract schemas; registry.ts lists the same stacks
// whole. Nothing else here names a stack.
import { openstackWorkspaceStack } from './openstack/workspace.js';
import { proxmoxWorkspaceStack } from './proxmox/workspace.js';
import { vsanWorkspaceStack } from './vsan/workspace.js';

export const workspaceStacks = [proxmoxWorkspaceStack, openstackWorkspaceStack, vsanWorkspaceStack] as const;
