// An overlay as the planner and the rules use it (pure): its members, each member's overlay address on
// every network riding on it, and the tunnels (who peers with whom, which addresses each carries,
// where packets go and how often keepalives are sent).
import { cidrContains, parseCidr, parseIp, type CidrPrefix } from '../workspace/ip.js';
import type { FieldPath } from '../workspace/paths.js';
import type { Network, Workspace } from '../workspace/schema.js';
import { interfaceOf, overlaysSchema, parseEndpoint, type Overlay } from './schema.js';

export interface OverlayAddress {
  network: string;
  address: string;
  /** Prefix length of the range the address was taken from (the interface's address is address/prefix). */
  prefix: number;
  /** From the workspace (nodes[].addresses) or assigned by the planner (write it back to keep it stable). */
  source: 'workspace' | 'assigned';
}

export interface OverlayMember {
  node: string;
  site: string;
  /** Where peers send its packets; absent when it is behind NAT without an endpoint, or has no underlay address. */
  endpoint?: { host: string; port: number; family?: 4 | 6 };
  behindNat: boolean;
  hub: boolean;
  addresses: OverlayAddress[];
}

/** One direction of a tunnel, as written into `from`'s configuration. */
export interface OverlayPeer {
  from: string;
  to: string;
  /** What `from` sends into this tunnel: `to`'s addresses, or (a spoke towards its hub) the whole ranges. */
  allowedIps: string[];
  endpoint?: { host: string; port: number; family?: 4 | 6 };
  keepalive?: number;
}

export interface OverlayProblem {
  severity: 'error' | 'warning';
  message: string;
  /** Field path in the workspace file. */
  path: FieldPath;
}

export interface ResolvedOverlay {
  overlay: Overlay;
  /** Index in the overlays section. */
  index: number;
  interface: string;
  members: OverlayMember[];
  /** Both directions of every tunnel. */
  peers: OverlayPeer[];
  /** Address family of the underlay (of the endpoints), when all agree; decides WireGuard's overhead. */
  underlayFamily: 4 | 6;
  problems: OverlayProblem[];
}

/** The overlays of a workspace, whether or not the composed schema has parsed the section yet. */
export function overlaysOf(workspace: Workspace): Overlay[] {
  const raw = (workspace as { overlays?: unknown }).overlays;
  if (raw === undefined) return [];
  const parsed = overlaysSchema.safeParse(raw);
  return parsed.success ? parsed.data : [];
}

/** The underlay network: the one named, else the first network with the management role. */
export function underlayOf(workspace: Workspace, overlay: Overlay): Network | undefined {
  if (overlay.underlay) return workspace.networks.find((n) => n.name === overlay.underlay);
  return workspace.networks.find((n) => n.roles.includes('management'));
}

/** Members in workspace order: every node of the listed sites, the listed nodes, and the hub. */
export function memberNames(workspace: Workspace, overlay: Overlay): string[] {
  const wanted = new Set([...overlay.nodes, ...(overlay.hub ? [overlay.hub] : [])]);
  const sites = new Set(overlay.sites);
  return workspace.nodes.filter((n) => sites.has(n.site) || wanted.has(n.name)).map((n) => n.name);
}

/** The prefix a riding network's addresses come from: its own cidr, else the overlay's range. */
function rangeFor(network: Network | undefined, overlay: Overlay): CidrPrefix | undefined {
  return parseCidr(network?.cidr ?? overlay.addressRange);
}

/** An address in the canonical text form `ip` and `wg` print (IPv6 compressed per RFC 5952). */
export function formatIp(family: 4 | 6, value: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 255n)).join('.');
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => ((value >> s) & 0xffffn).toString(16));
  // Compress the longest run of zero groups (RFC 5952).
  let best = { at: -1, len: 0 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len && j - i > 1) best = { at: i, len: j - i };
    i = j;
  }
  if (best.at < 0) return groups.join(':');
  return `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
}

/** At most this many candidates are tried per network when assigning (a /16 is not walked end to end). */
const maxCandidates = 4096;

/**
 * Each member's address on every riding network: the workspace's where given, else the lowest free
 * host address of the network's cidr (or the overlay's range), in member order.
 */
export function assignAddresses(workspace: Workspace, overlay: Overlay, members: readonly string[], problems: OverlayProblem[] = [], index = 0): Map<string, OverlayAddress[]> {
  const result = new Map<string, OverlayAddress[]>(members.map((m) => [m, []]));
  const nodeIndex = new Map(workspace.nodes.map((n, i) => [n.name, i]));
  overlay.networks.forEach((networkName, k) => {
    const network = workspace.networks.find((n) => n.name === networkName);
    const range = rangeFor(network, overlay);
    if (!range) return;
    const taken = new Set<bigint>();
    for (const node of workspace.nodes) {
      const text = node.addresses[networkName];
      const ip = text ? parseIp(text) : undefined;
      if (ip && ip.family === range.family) taken.add(ip.value);
    }
    const width = range.family === 4 ? 32 : 128;
    const size = 1n << BigInt(width - range.bits);
    const first = range.bits >= width - 1 ? range.network : range.network + 1n;
    const last = range.family === 4 && range.bits <= 30 ? range.network + size - 2n : range.network + size - 1n;
    let next = first;
    for (const member of members) {
      const node = workspace.nodes[nodeIndex.get(member)!]!;
      const given = node.addresses[networkName];
      if (given) {
        const ip = parseIp(given);
        if (!ip || !cidrContains(range, ip)) {
          problems.push({
            severity: 'error',
            path: ['nodes', nodeIndex.get(member)!, 'addresses', networkName],
            message: `${member}'s address ${given} on ${networkName} is outside ${network?.cidr ?? overlay.addressRange}, the range overlay ${overlay.name} carries that network in: the tunnel would not route it.`,
          });
          continue;
        }
        result.get(member)!.push({ network: networkName, address: formatIp(ip.family, ip.value), prefix: range.bits, source: 'workspace' });
        continue;
      }
      let tries = 0;
      while (next <= last && taken.has(next) && tries < maxCandidates) {
        next++;
        tries++;
      }
      if (next > last || tries >= maxCandidates) {
        problems.push({ severity: 'error', path: ['overlays', index, 'networks', k], message: `Overlay ${overlay.name} has no free address left for ${member} on ${networkName} (${network?.cidr ?? overlay.addressRange}): choose a larger range.` });
        continue;
      }
      taken.add(next);
      result.get(member)!.push({ network: networkName, address: formatIp(range.family, next), prefix: range.bits, source: 'assigned' });
      next++;
    }
  });
  return result;
}

/** Resolves one overlay against its workspace: members, addresses, tunnels and what is wrong with it. */
export function resolveOverlay(workspace: Workspace, overlay: Overlay, index = 0): ResolvedOverlay {
  const problems: OverlayProblem[] = [];
  const at = (...rest: (string | number)[]): FieldPath => ['overlays', index, ...rest];
  const names = memberNames(workspace, overlay);
  const addresses = assignAddresses(workspace, overlay, names, problems, index);
  const underlay = underlayOf(workspace, overlay);
  const nat = new Set(overlay.behindNat);
  const families = new Set<4 | 6>();
  const members: OverlayMember[] = names.map((name) => {
    const node = workspace.nodes.find((n) => n.name === name)!;
    const override = overlay.endpoints[name] ? parseEndpoint(overlay.endpoints[name]) : undefined;
    const underlayAddress = underlay ? node.addresses[underlay.name] : undefined;
    let endpoint: OverlayMember['endpoint'];
    if (override) endpoint = { host: override.host, port: override.port ?? overlay.port, ...(override.family ? { family: override.family } : {}) };
    else if (!nat.has(name) && underlayAddress) endpoint = { host: underlayAddress, port: overlay.port, family: parseIp(underlayAddress)!.family };
    if (endpoint?.family) families.add(endpoint.family);
    return { node: name, site: node.site, ...(endpoint ? { endpoint } : {}), behindNat: nat.has(name), hub: overlay.topology === 'hub-and-spoke' && overlay.hub === name, addresses: addresses.get(name) ?? [] };
  });
  const byName = new Map(members.map((m) => [m.node, m]));
  const ownIps = (m: OverlayMember) => m.addresses.map((a) => `${a.address}/${parseIp(a.address)!.family === 4 ? 32 : 128}`);
  const ranges = overlay.networks.map((n) => {
    const network = workspace.networks.find((x) => x.name === n);
    const r = rangeFor(network, overlay);
    return r ? `${formatIp(r.family, r.network)}/${r.bits}` : undefined;
  }).filter((r): r is string => r !== undefined);
  const peers: OverlayPeer[] = [];
  const tunnel = (from: OverlayMember, to: OverlayMember, allowedIps: string[]) => {
    peers.push({ from: from.node, to: to.node, allowedIps, ...(to.endpoint ? { endpoint: to.endpoint } : {}), ...(overlay.keepalive !== undefined ? { keepalive: overlay.keepalive } : {}) });
  };
  if (overlay.topology === 'mesh') {
    for (const a of members) for (const b of members) if (a !== b) tunnel(a, b, ownIps(b));
  } else {
    const hub = overlay.hub ? byName.get(overlay.hub) : undefined;
    if (!overlay.hub) problems.push({ severity: 'error', path: at('hub'), message: `Overlay ${overlay.name} is hub-and-spoke but names no hub: set hub to the node every spoke tunnels to.` });
    else if (!hub) problems.push({ severity: 'error', path: at('hub'), message: `The hub "${overlay.hub}" of overlay ${overlay.name} is not a node of this workspace.` });
    if (hub) {
      for (const spoke of members) {
        if (spoke === hub) continue;
        tunnel(hub, spoke, ownIps(spoke));
        // The spoke sends the whole ranges to the hub, which forwards between spokes.
        tunnel(spoke, hub, [...new Set(ranges)]);
      }
    }
  }
  if (overlay.topology === 'mesh' && overlay.hub) problems.push({ severity: 'warning', path: at('hub'), message: `Overlay ${overlay.name} is a mesh, so its hub (${overlay.hub}) has no meaning; remove it or set topology: hub-and-spoke.` });
  return { overlay, index, interface: interfaceOf(overlay), members, peers, underlayFamily: families.has(6) && !families.has(4) ? 6 : 4, problems };
}

/** Every overlay of the workspace, resolved. */
export function resolveOverlays(workspace: Workspace): ResolvedOverlay[] {
  return overlaysOf(workspace).map((overlay, i) => resolveOverlay(workspace, overlay, i));
}

/**
 * The address a node uses on a network: the workspace's, else the one an overlay carrying that network
 * assigns it. Stacks use this for corosync ringX_addr and the migration network.
 */
export function effectiveAddress(workspace: Workspace, node: string, network: string): string | undefined {
  const given = workspace.nodes.find((n) => n.name === node)?.addresses[network];
  if (given) return given;
  for (const resolved of resolveOverlays(workspace)) {
    const member = resolved.members.find((m) => m.node === node);
    const address = member?.addresses.find((a) => a.network === network);
    if (address) return address.address;
  }
  return undefined;
}

/** The overlay a network rides on, if any. */
export function overlayCarrying(workspace: Workspace, network: string): ResolvedOverlay | undefined {
  return resolveOverlays(workspace).find((r) => r.overlay.networks.includes(network));
}
