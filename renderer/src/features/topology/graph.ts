// The canvas's view of an estate: sites, nodes and typed links with their measured state.
// Built from the workspace and the latency facts; pure data, no DOM.

export type SiteKind = 'lan' | 'man' | 'wan' | 'internet';
/** A network role: the general ones and those the registered stacks add (corosync, storage data…). */
export type LinkRole = string;
/** green = checked and within limits, amber = warning, red = over a limit or down, grey = not measured (see element-state.ts). */
export type LinkState = 'ok' | 'warning' | 'error' | 'unmeasured';

export interface GraphSite {
  id: string;
  name: string;
  kind: SiteKind;
}

export interface GraphNode {
  id: string;
  name: string;
  siteId: string;
  roles: string[];
  stack?: string;
  state: LinkState;
  /** Why it has that state, in the admin's words (tooltips, inspector). */
  stateReason?: string;
  /** Saved position, if the admin placed the node. */
  x?: number;
  y?: number;
}

export interface LinkMetric {
  /** The robust round trip (the median where measured), as validation quotes it. */
  rttMs: number;
  jitterMs: number;
  lossPct: number;
  /** Every figure in words (median, mean ± mdev, min, p95, loss) for the link's tooltip. */
  detail?: string;
}

export interface GraphLink {
  id: string;
  source: string;
  target: string;
  role: LinkRole;
  /** Corosync link number (0 solid, 1 dashed…). */
  linkNumber?: number;
  network: string;
  metric?: LinkMetric;
  state: LinkState;
  stateReason?: string;
  /** corosync's own view of a corosync link (knet, read on the members): down when either end says so. */
  knet?: { connected: boolean; seenFrom: string[]; readAt: string };
}

/** A WireGuard tunnel of an overlay between two nodes: drawn as a double line, its own link type. */
export interface GraphTunnel {
  id: string;
  overlay: string;
  interface: string;
  source: string;
  target: string;
  /** up, stale, down, never, idle or unknown (main/common/overlay/status.ts). */
  tunnelState: string;
  /** The colour it gets: green up, red stale or down, amber never or idle, grey not read. */
  state: LinkState;
  /** "82.5 ms over the overlay, MTU 1360, handshake 8 s ago". */
  label: string;
  rttMs?: number;
  mtu?: number;
  handshakeAgeS?: number;
  /** When the tunnel's state was read. */
  readAt?: string;
}

export interface TopologyGraph {
  sites: GraphSite[];
  nodes: GraphNode[];
  links: GraphLink[];
  /** The overlays' tunnels (absent or empty: no overlay). */
  tunnels?: GraphTunnel[];
}

/** The short label on a tunnel: RTT over it, MTU, the latest handshake's age (or why there is none). */
export function tunnelLabel(t: GraphTunnel): string {
  const parts: string[] = [];
  if (t.rttMs !== undefined) parts.push(`${t.rttMs < 10 ? t.rttMs.toFixed(1) : t.rttMs.toFixed(0)} ms`);
  if (t.mtu !== undefined) parts.push(`MTU ${t.mtu}`);
  if (t.tunnelState === 'down') parts.push('down');
  else if (t.tunnelState === 'never') parts.push('no handshake');
  else if (t.tunnelState === 'unknown') parts.push('not read');
  else if (t.handshakeAgeS !== undefined) parts.push(`hs ${Math.round(t.handshakeAgeS)} s`);
  return parts.join(' · ');
}

export function linkLabel(link: GraphLink): string {
  if (link.knet && !link.knet.connected) return `link${link.linkNumber ?? ''} down (knet)`;
  if (!link.metric) return 'not measured';
  const { rttMs, jitterMs, lossPct } = link.metric;
  const rtt = rttMs < 10 ? rttMs.toFixed(1) : rttMs.toFixed(0);
  return `${rtt} ms ±${jitterMs.toFixed(1)}, ${lossPct.toFixed(lossPct > 0 && lossPct < 1 ? 1 : 0)} % loss`;
}
