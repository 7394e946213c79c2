// What the "New overlay" panel proposes and writes (pure): for sites that meet over the Internet, a
// WireGuard mesh between them and the sites they talk to, over the management network, with a free
// address range, a keepalive for NAT, and a network of its own riding on it (corosync's second link).
import type { Workspace } from '../workspace/schema.js';
import { cidrsOverlap, parseCidr } from '../workspace/ip.js';
import { overlaysOf } from './model.js';
import { DEFAULT_WIREGUARD_PORT, type Overlay, type OverlayTopology } from './schema.js';

export interface OverlayChoices {
  name: string;
  sites: string[];
  topology: OverlayTopology;
  hub?: string;
  addressRange: string;
  port: number;
  /** Seconds; absent: none. */
  keepalive?: number;
  behindNat: string[];
  /** Existing networks whose traffic rides on the overlay … */
  carries: string[];
  /** … and a new one, made for it (roles: corosync, for a cluster's second link). */
  newNetwork?: string;
}

const taken = (workspace: Workspace) => [...workspace.networks.flatMap((n) => (n.cidr ? [n.cidr] : [])), ...overlaysOf(workspace).map((o) => o.addressRange)].flatMap((c) => parseCidr(c) ?? []);

/** The first 10.99.N.0/24 (then 10.98.N.0/24) that overlaps no network and no other overlay of the workspace. */
export function freeOverlayRange(workspace: Workspace): string {
  const used = taken(workspace);
  for (const second of [99, 98, 97]) {
    for (let third = 0; third < 256; third++) {
      const candidate = `10.${second}.${third}.0/24`;
      const prefix = parseCidr(candidate)!;
      if (!used.some((u) => cidrsOverlap(u, prefix))) return candidate;
    }
  }
  return '10.99.0.0/24';
}

function freeName(existing: readonly string[], base: string): string {
  if (!existing.includes(base)) return base;
  for (let i = 2; ; i++) if (!existing.includes(`${base}${i}`)) return `${base}${i}`;
}

/** The panel's first proposal: every site when one meets the others over the Internet (else none chosen), a free range, keepalive 25 s. */
export function suggestOverlay(workspace: Workspace): OverlayChoices {
  const internet = workspace.sites.filter((s) => s.kind === 'internet').map((s) => s.name);
  const names = overlaysOf(workspace).map((o) => o.name);
  const networks = workspace.networks.map((n) => n.name);
  return {
    name: freeName(names, 'sites'),
    sites: internet.length ? workspace.sites.map((s) => s.name) : [],
    topology: 'mesh',
    addressRange: freeOverlayRange(workspace),
    port: DEFAULT_WIREGUARD_PORT,
    keepalive: 25,
    behindNat: [],
    carries: [],
    newNetwork: freeName(networks, 'overlay'),
  };
}

/** Adds the overlay (and its new network) to a workspace draft; the caller checks the result like every edit. */
export function addOverlay(draft: Workspace, choices: OverlayChoices): void {
  const networks = [...choices.carries];
  if (choices.newNetwork) {
    draft.networks.push({ name: choices.newNetwork, roles: ['corosync'], cidr: choices.addressRange, notes: `rides on the WireGuard overlay ${choices.name}` });
    networks.push(choices.newNetwork);
  }
  // Peers send the tunnel's packets to the management addresses (the default underlay), said in the file.
  const underlay = draft.networks.find((n) => n.roles.includes('management'))?.name;
  const overlay: Overlay = {
    name: choices.name,
    kind: 'wireguard',
    topology: choices.topology,
    ...(choices.topology === 'hub-and-spoke' && choices.hub ? { hub: choices.hub } : {}),
    sites: choices.sites,
    nodes: [],
    addressRange: choices.addressRange,
    networks,
    ...(underlay ? { underlay } : {}),
    port: choices.port,
    ...(choices.keepalive !== undefined ? { keepalive: choices.keepalive } : {}),
    behindNat: choices.behindNat,
    endpoints: {},
  };
  draft.overlays = [...(draft.overlays ?? []), overlay];
}
