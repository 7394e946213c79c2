// Cross-reference checks of the overlays section (pure), in the shape the workspace parser reports:
// names that must exist, what must be unique per node, and overlays that cannot be built as written.
import type { FieldPath } from '../workspace/paths.js';
import type { ReferenceIssue, UnreadEntries } from '../workspace/references.js';
import { cidrsOverlap, parseCidr } from '../workspace/ip.js';
import type { Workspace } from '../workspace/schema.js';
import { overlaysOf, resolveOverlay, underlayOf } from './model.js';

function listOf(names: Iterable<string>): string {
  const all = [...names];
  if (all.length === 0) return 'none defined yet';
  return all.length > 8 ? `${all.slice(0, 8).join(', ')}, …` : all.join(', ');
}

/**
 * Every problem of the overlays section that makes it wrong as written (errors block saving, as other
 * reference errors do). With `unread` (entries of the file that failed the schema), names are checked
 * but not what depends on every member's entry (membership, tunnels, interfaces and ports).
 */
export function checkOverlayReferences(ws: Workspace, unread?: UnreadEntries): ReferenceIssue[] {
  const issues: ReferenceIssue[] = [];
  const overlays = overlaysOf(ws);
  if (overlays.length === 0) return issues;
  const sites = new Set(ws.sites.map((s) => s.name));
  const nodes = new Set(ws.nodes.map((n) => n.name));
  const networks = new Set(ws.networks.map((n) => n.name));
  const partial = !!unread && ['sites', 'nodes', 'networks'].some((list) => unread.count(list) > 0);
  const reference = (path: FieldPath, message: string, expected: string) => issues.push({ severity: 'error', code: 'reference', path, message, expected });
  const names = new Map<string, number>();
  const ridingOwner = new Map<string, string>();
  /** node → interface → overlay, and node → port → overlay */
  const ifaceOwner = new Map<string, string>();
  const portOwner = new Map<string, string>();

  overlays.forEach((overlay, o) => {
    const base: FieldPath = ['overlays', o];
    if (names.has(overlay.name)) issues.push({ severity: 'error', code: 'duplicate', path: [...base, 'name'], message: `The overlay name "${overlay.name}" is used twice; give each overlay its own name.`, expected: 'an overlay name not used before' });
    names.set(overlay.name, o);
    overlay.sites.forEach((s, i) => {
      if (!sites.has(s) && !unread?.has('sites', s)) reference([...base, 'sites', i], `Overlay ${overlay.name} joins site "${s}", but this workspace has no site of that name.`, `one of the sites: ${listOf(sites)}`);
    });
    overlay.nodes.forEach((n, i) => {
      if (!nodes.has(n) && !unread?.has('nodes', n)) reference([...base, 'nodes', i], `Overlay ${overlay.name} joins node "${n}", but this workspace has no node of that name.`, `one of the nodes: ${listOf(nodes)}`);
    });
    overlay.networks.forEach((n, i) => {
      if (!networks.has(n)) {
        if (!unread?.has('networks', n)) reference([...base, 'networks', i], `Network "${n}" rides on overlay ${overlay.name}, but this workspace has no network of that name. Add it, with the roles that travel on it.`, `one of the networks: ${listOf(networks)}`);
        return;
      }
      const owner = ridingOwner.get(n);
      if (owner !== undefined) issues.push({ severity: 'error', code: 'duplicate', path: [...base, 'networks', i], message: `Network ${n} rides on both overlay ${owner} and overlay ${overlay.name}; a network takes one path.`, expected: 'a network no other overlay carries' });
      else ridingOwner.set(n, overlay.name);
    });
    if (overlay.underlay && !networks.has(overlay.underlay) && !unread?.has('networks', overlay.underlay)) reference([...base, 'underlay'], `Overlay ${overlay.name} runs over network "${overlay.underlay}", but this workspace has no network of that name.`, `one of the networks: ${listOf(networks)}`);
    if (overlay.underlay && overlay.networks.includes(overlay.underlay)) reference([...base, 'underlay'], `Overlay ${overlay.name} would run over ${overlay.underlay}, a network that rides on it: the tunnel cannot carry itself.`, 'a network the nodes reach each other on without the overlay');
    // What follows depends on every member's entry: not judged while some of them could not be read.
    if (partial) return;
    if (!overlay.underlay && !underlayOf(ws, overlay) && Object.keys(overlay.endpoints).length === 0) {
      reference([...base, 'underlay'], `Overlay ${overlay.name} names no underlay and no network has the management role, so peers do not know where to send its packets.`, 'underlay: the network the members reach each other on (their public or WAN addresses)');
    }

    const resolved = resolveOverlay(ws, overlay, o);
    const members = new Set(resolved.members.map((m) => m.node));
    for (const problem of resolved.problems) issues.push({ severity: problem.severity, code: 'reference', path: problem.path, message: problem.message, expected: 'a layout the overlay can be built from' });
    if (resolved.members.length < 2 && overlay.sites.every((s) => sites.has(s)) && overlay.nodes.every((n) => nodes.has(n))) {
      reference([...base], `Overlay ${overlay.name} has ${resolved.members.length === 0 ? 'no members' : `one member (${resolved.members[0]!.node})`}; a tunnel needs two.`, 'sites or nodes with at least two nodes between them');
    }
    overlay.behindNat.forEach((n, i) => {
      if (!members.has(n)) reference([...base, 'behindNat', i], `Overlay ${overlay.name} counts "${n}" as behind NAT, but "${n}" is not one of its members.`, `a member: ${listOf(members)}`);
    });
    for (const n of Object.keys(overlay.endpoints)) {
      if (!members.has(n)) reference([...base, 'endpoints', n], `Overlay ${overlay.name} gives an endpoint for "${n}", which is not one of its members.`, `a member: ${listOf(members)}`);
    }
    // Every tunnel needs one end others can send to first.
    for (const peer of resolved.peers) {
      if (peer.from > peer.to) continue;
      const reverse = resolved.peers.find((p) => p.from === peer.to && p.to === peer.from);
      if (!peer.endpoint && !reverse?.endpoint) {
        const why = (name: string) => (overlay.behindNat.includes(name) ? 'behind NAT' : 'without an address on the underlay');
        reference([...base, overlay.topology === 'hub-and-spoke' ? 'hub' : 'behindNat'], `Neither ${peer.from} (${why(peer.from)}) nor ${peer.to} (${why(peer.to)}) can be reached first, so their tunnel never comes up.`, overlay.topology === 'hub-and-spoke' ? 'a hub with a reachable endpoint' : 'an endpoint for one of them (a forwarded port), or topology: hub-and-spoke with a reachable hub');
      }
    }
    for (const m of resolved.members) {
      const ifKey = `${m.node}\u0000${resolved.interface}`;
      const ifOwner = ifaceOwner.get(ifKey);
      if (ifOwner !== undefined) issues.push({ severity: 'error', code: 'duplicate', path: [...base, 'interface'], message: `${m.node} is in overlays ${ifOwner} and ${overlay.name}, both on interface ${resolved.interface}; give one of them another interface.`, expected: 'an interface name unique on every member' });
      else ifaceOwner.set(ifKey, overlay.name);
      const portKey = `${m.node}\u0000${overlay.port}`;
      const pOwner = portOwner.get(portKey);
      if (pOwner !== undefined) issues.push({ severity: 'error', code: 'duplicate', path: [...base, 'port'], message: `${m.node} is in overlays ${pOwner} and ${overlay.name}, both listening on UDP ${overlay.port}; give one of them another port.`, expected: 'a port unique on every member' });
      else portOwner.set(portKey, overlay.name);
    }
    const range = parseCidr(overlay.addressRange);
    for (const network of ws.networks) {
      if (overlay.networks.includes(network.name) || !network.cidr || !range) continue;
      const other = parseCidr(network.cidr);
      if (other && cidrsOverlap(range, other)) {
        issues.push({ severity: 'warning', code: 'reference', path: [...base, 'addressRange'], message: `The address range ${overlay.addressRange} of overlay ${overlay.name} overlaps network ${network.name} (${network.cidr}), which does not ride on it: packets for one would be routed into the other.`, expected: 'a range no other network uses' });
      }
    }
  });
  return issues;
}
