// Questions the core asks every stack of a list (the registry's by default, a test's own list otherwise):
// rules, network roles, groups, links, hosts that never run VMs, traffic, bandwidth settings, quorum models.
// Nothing here names a stack.
import type { TrafficKind } from '../workspace/base.js';
import { generalNetworkRoles } from '../workspace/base.js';
import type { Rule } from '../workspace/rules/types.js';
import type { QuorumModel } from '../whatif/scenarios.js';
import type { AnyStackWorkspace, BandwidthSetting, NoVmHost, StackGroup, StackLink, StackTraffic, StackWorkspace } from './types.js';
import { workspaceStacks } from './workspace-registry.js';

/** Stacks as a workspace sees them: the registered ones' workspace parts, their whole definitions, or a test's own. */
export type StackList = readonly AnyStackWorkspace[];

/** The registered stacks (their workspace parts), unless a caller (a test) gives its own list. */
export const defaultStacks: StackList = workspaceStacks;

/** Every network role a workspace may use with these stacks: theirs first, then the general ones. */
export function networkRolesOf(list: StackList = defaultStacks): [string, ...string[]] {
  return [...new Set([...list.flatMap((s) => Object.keys(s.networkRoles)), ...Object.keys(generalNetworkRoles)])] as [string, ...string[]];
}

/** The kind of traffic each network role carries (the rule that wants them on separate networks reads it). */
export function trafficKindsOf(list: StackList = defaultStacks): Record<string, TrafficKind> {
  return Object.assign({}, ...list.map((s) => s.networkRoles), generalNetworkRoles) as Record<string, TrafficKind>;
}

export function stackRulesOf(list: StackList = defaultStacks): Rule[] {
  return list.flatMap((s) => [...s.rules]);
}

export function stackById(id: string, list: StackList = defaultStacks): AnyStackWorkspace | undefined {
  return list.find((s) => s.id === id);
}

export function groupsOf(workspace: StackWorkspace, list: StackList = defaultStacks): StackGroup[] {
  return list.flatMap((s) => s.groups(workspace));
}

export function groupOf(workspace: StackWorkspace, stack: string, name: string, list: StackList = defaultStacks): StackGroup | undefined {
  return stackById(stack, list)
    ?.groups(workspace)
    .find((g) => g.name === name);
}

export function linksOf(workspace: StackWorkspace, list: StackList = defaultStacks): StackLink[] {
  return list.flatMap((s) => s.links(workspace));
}

export function noVmHostsOf(workspace: StackWorkspace, list: StackList = defaultStacks): NoVmHost[] {
  return list.flatMap((s) => s.noVmHosts?.(workspace) ?? []);
}

export function trafficOf(workspace: StackWorkspace, list: StackList = defaultStacks): StackTraffic[] {
  return list.flatMap((s) => s.traffic?.(workspace) ?? []);
}

export function bandwidthSettingsOf(mbit: number, list: StackList = defaultStacks): BandwidthSetting[] {
  return list.flatMap((s) => s.bandwidthSettings?.(mbit) ?? []);
}

export function quorumModelsOf(workspace: StackWorkspace, list: StackList = defaultStacks): QuorumModel[] {
  return list.flatMap((s) => s.quorumModels?.(workspace) ?? []);
}
