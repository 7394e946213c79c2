// Builds what every rule gets (the model, indexed facts, look-ups) and small helpers rules share.
import { FactIndex, type Facts, type PairLatency } from '../facts.js';
import type { Network, Workspace, WorkspaceNode } from '../schema.js';
import type { ElementRef, RuleContext } from './types.js';

export interface ExtendedContext extends RuleContext {
  nodePath(name: string): string;
  networksWithRole(role: Network['roles'][number]): Network[];
}

export function createRuleContext(workspace: Workspace, facts: Facts = {}): ExtendedContext {
  const nodes = new Map<string, { node: WorkspaceNode; index: number }>();
  workspace.nodes.forEach((node, index) => {
    if (!nodes.has(node.name)) nodes.set(node.name, { node, index });
  });
  const networks = new Map<string, Network>();
  for (const network of workspace.networks) if (!networks.has(network.name)) networks.set(network.name, network);
  return {
    workspace,
    facts: new FactIndex(facts),
    rawFacts: facts,
    node: (name) => nodes.get(name)?.node,
    network: (name) => networks.get(name),
    nodePath: (name) => {
      const entry = nodes.get(name);
      return entry ? `nodes[${entry.index}]` : `nodes(${name})`;
    },
    networksWithRole: (role) => workspace.networks.filter((n) => n.roles.includes(role)),
  };
}

export function nodeRef(name: string): ElementRef {
  return { kind: 'node', name };
}

export function linkRef(a: string, b: string, network: string): ElementRef {
  return { kind: 'link', name: a, peer: b, network };
}

/** Every unordered pair of a list. */
export function pairsOf<T>(items: readonly T[]): [T, T][] {
  const pairs: [T, T][] = [];
  for (let i = 0; i < items.length; i++) for (let j = i + 1; j < items.length; j++) pairs.push([items[i]!, items[j]!]);
  return pairs;
}

/** Every pair with one end in each list. */
export function crossPairs<T>(left: readonly T[], right: readonly T[]): [T, T][] {
  const pairs: [T, T][] = [];
  for (const a of left) for (const b of right) pairs.push([a, b]);
  return pairs;
}

export function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

/** A pair with a round trip to weigh (rttMs: the median where measured; see PairLatency). */
export function isMeasured(p: PairLatency | undefined): p is PairLatency & { rttMs: number } {
  return p !== undefined && !p.error && p.rttMs !== undefined;
}
