// Cross-reference checks the schema alone cannot make: every name a node, stack or layout uses
// exists, names are unique, and no two nodes share an address on one network. Each stack checks its
// own section through the same look-ups.
import type { FieldPath } from './paths.js';
import type { Workspace } from './schema.js';
import { checkOverlayReferences } from '../overlay/validate.js';
import { defaultStacks, type StackList } from '../stacks/compose.js';
import type { ReferenceChecks } from '../stacks/types.js';

export interface ReferenceIssue {
  severity: 'error' | 'warning';
  code: 'reference' | 'duplicate';
  message: string;
  path: FieldPath;
  expected?: string;
}

function listOf(names: Iterable<string>): string {
  const all = [...names];
  if (all.length === 0) return 'none defined yet';
  return all.length > 8 ? `${all.slice(0, 8).join(', ')}, …` : all.join(', ');
}

/**
 * Names that exist in the file although their entries could not be read (they failed the schema):
 * references to them are not reported, so one broken entry does not make every use of it an error.
 * `list` is where the entries live: "sites", "networks", "nodes", or a section's list ("<section>.<list>").
 */
export interface UnreadEntries {
  has(list: string, name: string): boolean;
  /** How many entries of `list` could not be read. */
  count(list: string): number;
}

export function checkReferences(ws: Workspace, list: StackList = defaultStacks, unread?: UnreadEntries): ReferenceIssue[] {
  const issues: ReferenceIssue[] = [];
  const sites = new Set<string>();
  const networks = new Set<string>();
  const nodes = new Set<string>();

  const unique = (kind: string, items: { name: string }[], base: FieldPath, into: Set<string>) => {
    items.forEach((item, i) => {
      if (into.has(item.name)) {
        issues.push({ severity: 'error', code: 'duplicate', path: [...base, i, 'name'], message: `The ${kind} name "${item.name}" is used twice; give each ${kind} its own name.`, expected: `a ${kind} name not used before` });
      }
      into.add(item.name);
    });
  };
  unique('site', ws.sites, ['sites'], sites);
  unique('network', ws.networks, ['networks'], networks);
  unique('node', ws.nodes, ['nodes'], nodes);

  // `clause` ends where the name goes: "Node pve1 is placed in site" + ` "hom", but this workspace has no site of that name.`
  const need = (kind: 'node' | 'site' | 'network', known: Set<string>, name: string, path: FieldPath, clause: string) => {
    if (known.has(name) || unread?.has(`${kind}s`, name)) return;
    issues.push({ severity: 'error', code: 'reference', path, message: `${clause} "${name}", but this workspace has no ${kind} of that name. Add a ${kind} named "${name}", or correct the name.`, expected: `one of the ${kind}s: ${listOf(known)}` });
  };
  const needNode = (name: string, path: FieldPath, clause: string) => need('node', nodes, name, path, clause);
  const needSite = (name: string, path: FieldPath, clause: string) => need('site', sites, name, path, clause);
  const needNetwork = (name: string, path: FieldPath, clause: string) => need('network', networks, name, path, clause);

  const addressOwner = new Map<string, string>();
  ws.nodes.forEach((node, i) => {
    needSite(node.site, ['nodes', i, 'site'], `Node ${node.name} is placed in site`);
    for (const [network, address] of Object.entries(node.addresses)) {
      needNetwork(network, ['nodes', i, 'addresses', network], `Node ${node.name} has an address on network`);
      const key = `${network}|${address.toLowerCase()}`;
      const owner = addressOwner.get(key);
      if (owner !== undefined) {
        issues.push({ severity: 'error', code: 'duplicate', path: ['nodes', i, 'addresses', network], message: `Address ${address} on network ${network} is used by both ${owner} and ${node.name}; each node needs its own address.`, expected: 'an address no other node uses on this network' });
      } else addressOwner.set(key, node.name);
    }
  });

  // Each stack checks the names its own section uses.
  const checks: ReferenceChecks = { node: needNode, site: needSite, network: needNetwork, issue: (issue) => issues.push(issue), listOf, unread: (where, name) => unread?.has(where, name) === true };
  for (const stack of list) stack.references(ws, checks);

  for (const name of Object.keys(ws.layout?.nodes ?? {})) {
    if (!nodes.has(name)) issues.push({ severity: 'warning', code: 'reference', path: ['layout', 'nodes', name], message: `The canvas position of "${name}" belongs to no node; it is ignored (saving keeps it).`, expected: 'a node name' });
  }
  for (const name of Object.keys(ws.layout?.sites ?? {})) {
    if (!sites.has(name)) issues.push({ severity: 'warning', code: 'reference', path: ['layout', 'sites', name], message: `The canvas position of "${name}" belongs to no site; it is ignored (saving keeps it).`, expected: 'a site name' });
  }
  issues.push(...checkOverlayReferences(ws, unread));
  return issues;
}
