// A member's /etc/wireguard/<if>.conf and the running state it must produce (pure). The file holds no
// private key: PostUp loads it from the node's own key file, so the text can be previewed, journalled
// and exported. Every value is checked here once more, so nothing but data reaches the file.
import { CwError } from '../errors.js';
import { parseIp } from '../workspace/ip.js';
import type { ResolvedOverlay } from './model.js';

/** A WireGuard public (or private) key: 32 bytes, base64 — 43 characters and "=". */
export const wireguardKeyPattern = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$/;

export function isWireguardKey(text: string): boolean {
  return wireguardKeyPattern.test(text);
}

/** The first line of every file the overlay writes: a file without it is not ours and is never overwritten. */
export const CONFIG_MARKER = '# Written by Clusterwright';

export const wireguardDir = '/etc/wireguard';

export function overlayPaths(iface: string): { config: string; key: string; publicKey: string; stamp: string; sysctl: string } {
  return {
    config: `${wireguardDir}/${iface}.conf`,
    key: `${wireguardDir}/${iface}.key`,
    publicKey: `${wireguardDir}/${iface}.pub`,
    /** The sha256 of the configuration last brought up (tmpfs: gone after a reboot, like the interface). */
    stamp: `/run/clusterwright/overlay-${iface}.applied`,
    sysctl: `/etc/sysctl.d/90-clusterwright-${iface}.conf`,
  };
}

function assertInert(value: string, what: string): string {
  if (!/^[A-Za-z0-9.:/+=_[\]-]+$/.test(value)) throw new CwError('INVALID_INPUT', `${what} "${value}" is not a plain address, key or name; refusing to write it into a WireGuard configuration.`);
  return value;
}

function formatEndpoint(endpoint: { host: string; port: number }): string {
  const host = parseIp(endpoint.host)?.family === 6 ? `[${endpoint.host}]` : endpoint.host;
  return assertInert(`${host}:${endpoint.port}`, 'The endpoint');
}

export interface MemberConfigInput {
  resolved: ResolvedOverlay;
  node: string;
  /** Public keys by node, read back from the members. */
  publicKeys: Record<string, string>;
  mtu: number;
}

/** The wg-quick configuration of one member. */
export function memberConfig({ resolved, node, publicKeys, mtu }: MemberConfigInput): string {
  const member = resolved.members.find((m) => m.node === node);
  if (!member) throw new CwError('INVALID_INPUT', `${node} is not a member of overlay ${resolved.overlay.name}.`);
  if (!Number.isInteger(mtu) || mtu < 576 || mtu > 9000) throw new CwError('INVALID_INPUT', `An MTU of ${mtu} is outside 576–9000.`);
  const iface = assertInert(resolved.interface, 'The interface name');
  const paths = overlayPaths(iface);
  const lines = [
    `${CONFIG_MARKER} for overlay ${resolved.overlay.name} on ${node}. The private key stays in ${paths.key}.`,
    '[Interface]',
    ...member.addresses.map((a) => `Address = ${assertInert(`${a.address}/${a.prefix}`, 'The address')}`),
    `ListenPort = ${resolved.overlay.port}`,
    `MTU = ${mtu}`,
    `PostUp = wg set %i private-key ${paths.key}`,
  ];
  for (const peer of resolved.peers.filter((p) => p.from === node)) {
    const key = publicKeys[peer.to];
    if (!key || !isWireguardKey(key)) throw new CwError('INVALID_INPUT', `No valid public key for ${peer.to}; generate the keys first (the keys plan).`);
    const to = resolved.members.find((m) => m.node === peer.to)!;
    lines.push('', '[Peer]', `# ${peer.to} (site ${to.site})`, `PublicKey = ${key}`, `AllowedIPs = ${peer.allowedIps.map((ip) => assertInert(ip, 'An allowed IP')).join(', ')}`);
    if (peer.endpoint) lines.push(`Endpoint = ${formatEndpoint(peer.endpoint)}`);
    if (peer.keepalive !== undefined) lines.push(`PersistentKeepalive = ${peer.keepalive}`);
  }
  return lines.join('\n') + '\n';
}

/**
 * What `wg show` and `ip` report once the member's interface runs this configuration, one fact per
 * line, sorted (byte order, as `LC_ALL=C sort` on the node): its public key, port, MTU, addresses,
 * and per peer its allowed IPs and keepalive. Endpoints are left out: WireGuard follows a roaming peer.
 * Addresses are in the canonical form `ip` and `wg` print (the model keeps them so).
 */
export function runningSignature({ resolved, node, publicKeys, mtu }: MemberConfigInput): string[] {
  const member = resolved.members.find((m) => m.node === node)!;
  const lines = [`pub ${publicKeys[node]}`, `port ${resolved.overlay.port}`, `mtu ${mtu}`, ...member.addresses.map((a) => `addr ${a.address}/${a.prefix}`)];
  for (const peer of resolved.peers.filter((p) => p.from === node)) {
    const key = publicKeys[peer.to]!;
    for (const ip of peer.allowedIps) lines.push(`allowed ${key} ${ip}`);
    lines.push(`keepalive ${key} ${peer.keepalive ?? 'off'}`);
  }
  return lines.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
