// The state of each tunnel for the canvas and the rules (pure): round trip over the overlay, MTU,
// the latest handshake's age, and whether that age is more than the keepalive allows.
import type { OverlayFacts } from './facts.js';
import type { ResolvedOverlay } from './model.js';

/**
 * WireGuard's timers (the protocol description, "Timers"): a session is re-keyed every 120 s while
 * packets flow (Rekey-After-Time) and refused after 180 s (Reject-After-Time). With a keepalive
 * packets always flow, so a handshake older than 180 s plus one keepalive interval means the tunnel is down.
 */
export const REKEY_AFTER_TIME_S = 120;
export const REJECT_AFTER_TIME_S = 180;

/**
 * up: recent handshakes; stale: a handshake older than the keepalive allows; down: an end's interface
 * is not running; never: no handshake yet; idle: old handshake but no keepalive to tell; unknown: not read.
 */
export type TunnelState = 'up' | 'stale' | 'down' | 'never' | 'idle' | 'unknown';

/** The most a handshake may age on a tunnel with this keepalive before the tunnel counts as down. */
export function maxHandshakeAgeS(keepalive: number | undefined): number | undefined {
  return keepalive === undefined ? undefined : REJECT_AFTER_TIME_S + keepalive;
}

export function handshakeState(ageS: number | undefined, keepalive: number | undefined, measured = true): TunnelState {
  if (!measured) return 'unknown';
  if (ageS === undefined) return 'never';
  const limit = maxHandshakeAgeS(keepalive);
  if (limit === undefined) return ageS <= REJECT_AFTER_TIME_S ? 'up' : 'idle';
  return ageS <= limit ? 'up' : 'stale';
}

export interface TunnelStatus {
  a: string;
  b: string;
  state: TunnelState;
  /** The older of both ends' latest handshakes (s). */
  handshakeAgeS?: number;
  rttMs?: number;
  mdevMs?: number;
  mtu?: number;
  /** "12.3 ms over the overlay, MTU 1420, handshake 8 s ago" as a label. */
  label: string;
}

/** One status per tunnel (unordered pair) of the overlay, from its latest facts. */
export function tunnelStatuses(resolved: ResolvedOverlay, facts: OverlayFacts | undefined): TunnelStatus[] {
  const seen = new Set<string>();
  const out: TunnelStatus[] = [];
  for (const peer of resolved.peers) {
    const key = [peer.from, peer.to].sort().join('\u0000');
    if (seen.has(key)) continue;
    seen.add(key);
    const [a, b] = [peer.from, peer.to].sort() as [string, string];
    const ends = (facts?.handshakes ?? []).filter((h) => (h.node === a && h.peer === b) || (h.node === b && h.peer === a));
    const running = ends.filter((h) => !h.down);
    const ages = running.map((h) => h.ageS);
    const age = ages.length === 0 || ages.some((x) => x === undefined) ? undefined : Math.max(...(ages as number[]));
    const down = ends.filter((h) => h.down).map((h) => h.node);
    const state: TunnelState = down.length ? 'down' : handshakeState(age, resolved.overlay.keepalive, ends.length > 0);
    const latency = facts?.latency.find((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a))?.overlay;
    const parts: string[] = [];
    if ((latency?.medianMs ?? latency?.avgMs) !== undefined) parts.push(`${latency?.medianMs ?? latency?.avgMs} ms over the overlay`);
    if (facts?.mtu !== undefined) parts.push(`MTU ${facts.mtu}`);
    parts.push(state === 'down' ? `interface down on ${down.join(' and ')}` : state === 'never' ? 'no handshake yet' : age !== undefined ? `handshake ${Math.round(age)} s ago` : 'handshake not read');
    out.push({
      a,
      b,
      state,
      ...(age !== undefined ? { handshakeAgeS: age } : {}),
      ...((latency?.medianMs ?? latency?.avgMs) !== undefined ? { rttMs: latency?.medianMs ?? latency?.avgMs } : {}),
      ...(latency?.mdevMs !== undefined ? { mdevMs: latency.mdevMs } : {}),
      ...(facts?.mtu !== undefined ? { mtu: facts.mtu } : {}),
      label: parts.join(', '),
    });
  }
  return out;
}
