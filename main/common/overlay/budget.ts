// A bandwidth budget per tunnel from its measured throughput (pure): how much migration and replication
// may take so corosync, management and the guests keep the rest, in each stack's own setting.
import type { OverlayFacts } from './facts.js';
import type { ResolvedOverlay } from './model.js';
import { bandwidthSettings, type BandwidthSetting } from './stack-traffic.js';

export interface BudgetOptions {
  /** Share of the link kept free of bulk traffic (default a quarter). */
  reserveFraction?: number;
  /** Never keep less than this free (Mbit/s; default 5: corosync, SSH and the API stay responsive). */
  minReserveMbit?: number;
}

export interface LinkBudget {
  a: string;
  b: string;
  /** What the link carried in the measurement (Mbit/s), through the tunnel where measured there. */
  measuredMbit: number;
  /** Whether the figure was taken through the tunnel or under it. */
  measuredOn: 'overlay' | 'underlay';
  reserveMbit: number;
  /** What migrations and replication may use (0: too thin for bulk traffic). */
  bulkMbit: number;
}

export interface OverlayBudget {
  links: LinkBudget[];
  /**
   * Stacks set their limits per cluster, not per link, and a migration may take any tunnel: the
   * thinnest link's budget is the one to configure.
   */
  limitMbit?: number;
  settings: BandwidthSetting[];
  /** Tunnels without a throughput measurement. */
  unmeasured: { a: string; b: string }[];
}

export function linkBudget(a: string, b: string, measuredMbit: number, measuredOn: LinkBudget['measuredOn'], options: BudgetOptions = {}): LinkBudget {
  const fraction = options.reserveFraction ?? 0.25;
  const reserve = Math.max(options.minReserveMbit ?? 5, measuredMbit * fraction);
  const bulk = Math.max(0, Math.floor((measuredMbit - reserve) * 10) / 10);
  return { a, b, measuredMbit, measuredOn, reserveMbit: Math.round(reserve * 10) / 10, bulkMbit: bulk };
}

/** The budget of every tunnel of an overlay from its facts, and the settings each stack offers for it. */
export function overlayBudget(resolved: ResolvedOverlay, facts: OverlayFacts | undefined, options: BudgetOptions = {}): OverlayBudget {
  const seen = new Set<string>();
  const links: LinkBudget[] = [];
  const unmeasured: OverlayBudget['unmeasured'] = [];
  for (const peer of resolved.peers) {
    const [a, b] = [peer.from, peer.to].sort() as [string, string];
    const key = `${a}\u0000${b}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const measured = (facts?.throughput ?? []).filter((t) => !t.error && ((t.from === a && t.to === b) || (t.from === b && t.to === a)));
    const overlay = measured.map((t) => t.overlayMbit).filter((x): x is number => x !== undefined);
    const underlay = measured.map((t) => t.underlayMbit).filter((x): x is number => x !== undefined);
    if (overlay.length) links.push(linkBudget(a, b, Math.min(...overlay), 'overlay', options));
    else if (underlay.length) links.push(linkBudget(a, b, Math.min(...underlay), 'underlay', options));
    else unmeasured.push({ a, b });
  }
  const limitMbit = links.length ? Math.min(...links.map((l) => l.bulkMbit)) : undefined;
  return { links, ...(limitMbit !== undefined ? { limitMbit } : {}), settings: limitMbit ? bandwidthSettings(limitMbit) : [], unmeasured };
}
