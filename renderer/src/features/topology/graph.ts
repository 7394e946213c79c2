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

export interface TopologyGraph {
  sites: GraphSite[];
  nodes: GraphNode[];
  links: GraphLink[];
}

export function linkLabel(link: GraphLink): string {
  if (link.knet && !link.knet.connected) return `link${link.linkNumber ?? ''} down (knet)`;
  if (!link.metric) return 'not measured';
  const { rttMs, jitterMs, lossPct } = link.metric;
  const rtt = rttMs < 10 ? rttMs.toFixed(1) : rttMs.toFixed(0);
  return `${rtt} ms ±${jitterMs.toFixed(1)}, ${lossPct.toFixed(lossPct > 0 && lossPct < 1 ? 1 : 0)} % loss`;
}
