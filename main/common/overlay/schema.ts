// The workspace's `overlays:` section (pure zod): encrypted WireGuard tunnels between sites or nodes,
// their address range, port, keepalive, and the workspace networks whose traffic rides on them.
// It imports only ip.ts, so the composed workspace schema can import it without a cycle.
import * as z from 'zod';
import { isCidr, parseIp } from '../workspace/ip.js';

/** Names of sites, nodes and networks: checked against the workspace by validateOverlays. */
const refName = z.string().min(1, 'expected a name').max(63, 'expected a name of at most 63 characters');

/** An overlay's own name: it names plans, interfaces and files, so lower-case letters, digits and "-" only. */
export const overlayNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,30}$/, 'expected 1–31 lower-case letters, digits or "-", starting with a letter (it names the WireGuard interface and the plans)');

/**
 * A WireGuard interface name: wg-quick accepts [a-zA-Z0-9_=+.-]{1,15}; this is the part of it that is
 * safe everywhere (a file name under /etc/wireguard, a systemd instance name, a shell word).
 */
export const interfaceNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_-]{0,14}$/, 'expected an interface name of 1–15 characters: lower-case letters, digits, "_" or "-", starting with a letter');

const hostnamePattern = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

export interface ParsedEndpoint {
  host: string;
  port?: number;
  /** 4 or 6 for an address, undefined for a DNS name. */
  family?: 4 | 6;
}

/** Parses `host`, `host:port`, `[v6]:port` or a bare IPv6 address; undefined when it is none of these. */
export function parseEndpoint(text: string): ParsedEndpoint | undefined {
  let host = text;
  let portText: string | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed) {
    host = bracketed[1]!;
    portText = bracketed[2];
    if (parseIp(host)?.family !== 6) return undefined;
  } else if ((text.match(/:/g) ?? []).length === 1) {
    [host, portText] = text.split(':') as [string, string];
    if (!/^\d{1,5}$/.test(portText)) return undefined;
  }
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  const ip = parseIp(host);
  if (ip) return { host, family: ip.family, ...(port !== undefined ? { port } : {}) };
  if (!hostnamePattern.test(host)) return undefined;
  return { host, ...(port !== undefined ? { port } : {}) };
}

/** Where peers send a member's packets when its address on the underlay is not the one to use (a NAT's public address with a forwarded port). */
export const endpointSchema = z
  .string()
  .refine((text) => parseEndpoint(text) !== undefined, 'expected host, host:port or [IPv6]:port, e.g. 203.0.113.7:51820 or office.example.org');

export const overlayTopologies = ['mesh', 'hub-and-spoke'] as const;
export type OverlayTopology = (typeof overlayTopologies)[number];

export const DEFAULT_WIREGUARD_PORT = 51820;

export const overlaySchema = z.strictObject({
  name: overlayNameSchema,
  /** Only WireGuard today; the key leaves room for others. */
  kind: z.literal('wireguard').default('wireguard'),
  /** mesh: a tunnel between every two members; hub-and-spoke: every member tunnels to the hub only. */
  topology: z.enum(overlayTopologies).default('mesh'),
  /** hub-and-spoke: the node every spoke tunnels to (it forwards between spokes). */
  hub: refName.optional(),
  /** Every node of these sites is a member … */
  sites: z.array(refName).default([]),
  /** … and these nodes. */
  nodes: z.array(refName).default([]),
  /** The overlay's address range; members get addresses inside it (or inside a riding network's own cidr). */
  addressRange: z.string().refine(isCidr, 'expected a CIDR prefix such as 10.99.0.0/24'),
  /**
   * Workspace networks whose traffic rides on the overlay (a corosync link, migration, storage, an
   * OpenStack inter-region path, vSAN witness traffic): a member's address on such a network is an
   * overlay address, given under nodes[].addresses or assigned from the range.
   */
  networks: z.array(refName).min(1, 'expected at least one network riding on the overlay'),
  /** The network whose addresses peers send the tunnel's packets to; default: the network with the management role. */
  underlay: refName.optional(),
  /** UDP port every member listens on. */
  port: z.number().int().min(1).max(65535).default(DEFAULT_WIREGUARD_PORT),
  /** PersistentKeepalive in seconds on every tunnel: needed by members behind NAT (25 s suits most NATs). */
  keepalive: z.number().int().min(1).max(65535).optional(),
  /** Members behind NAT: nobody can send to them first, so they dial out and keep the mapping open. */
  behindNat: z.array(refName).default([]),
  /** Per member: where peers send its packets instead of its underlay address. */
  endpoints: z.record(refName, endpointSchema).default({}),
  /** The WireGuard interface on every member; default `cw-` + the overlay name (cut to 15 characters). */
  interface: interfaceNameSchema.optional(),
  /** A fixed interface MTU; left out, the plan sets the path MTU measured between the sites minus WireGuard's overhead. */
  mtu: z.number().int().min(576).max(9000).optional(),
});

export const overlaysSchema = z.array(overlaySchema);

export type Overlay = z.output<typeof overlaySchema>;
export type OverlayInput = z.input<typeof overlaySchema>;

/** The interface an overlay uses on its members. */
export function interfaceOf(overlay: Pick<Overlay, 'name' | 'interface'>): string {
  return overlay.interface ?? `cw-${overlay.name}`.slice(0, 15).replace(/-+$/, '');
}
