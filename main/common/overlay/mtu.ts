// Path MTU and the overlay MTU (pure): WireGuard's overhead, the bounded binary search that finds the
// largest packet a path carries with don't-fragment pings, and the overlay MTU that fits every path.

/**
 * What WireGuard adds to every packet: the outer IP header (20 bytes IPv4, 40 IPv6), UDP (8) and its
 * own data message header and authentication tag (16 + 16). The WireGuard protocol description and
 * wg-quick(8) (which subtracts 80, the IPv6 figure, from the route's MTU).
 */
export const WIREGUARD_OVERHEAD = { 4: 60, 6: 80 } as const;

/** ICMP echo: the size `ping -s` takes is the packet size minus the IP and ICMP headers. */
export const PING_HEADERS = { 4: 28, 6: 48 } as const;

/** The smallest MTU every IPv4 path carries (RFC 791: 576) and every IPv6 path (RFC 8200: 1280). */
export const MIN_PATH_MTU = { 4: 576, 6: 1280 } as const;

/** Inner packets of IPv6 need at least 1280 (RFC 8200), so an overlay carrying IPv6 cannot go below it. */
export const MIN_IPV6_OVERLAY_MTU = 1280;

export function overlayMtuFor(pathMtu: number, underlayFamily: 4 | 6): number {
  return pathMtu - WIREGUARD_OVERHEAD[underlayFamily];
}

export interface PathMtuProbeResult {
  /** At least one reply came back for this packet size. */
  passed: boolean;
  /** The MTU an ICMP "fragmentation needed" / "message too long" named, when one did. */
  mtuHint?: number;
}

export interface PathMtuSearch {
  /** The largest packet (IP header included) that got through; undefined when even the smallest did not. */
  mtu?: number;
  /** Packet sizes tried, in order. */
  tried: { size: number; passed: boolean }[];
  /** Why there is no figure. */
  error?: string;
}

export interface PathMtuOptions {
  family: 4 | 6;
  /** Largest packet to try: 1500 on Ethernet, up to 9000 with jumbo frames. */
  max?: number;
  /** Upper bound on probes (each is a few pings); the search stops there with the best size found. */
  maxProbes?: number;
}

/**
 * Binary search for the largest packet size `probe` gets through, between the family's minimum and
 * `max`. A hint from the network (an ICMP "fragmentation needed" naming the next hop's MTU) caps the
 * upper bound. Bounded: at most `maxProbes` probes (default: enough for the range, ≤ 16).
 */
export async function searchPathMtu(probe: (packetSize: number) => Promise<PathMtuProbeResult>, options: PathMtuOptions): Promise<PathMtuSearch> {
  const min: number = MIN_PATH_MTU[options.family];
  const top = Math.max(min, Math.min(options.max ?? 1500, 65535));
  let hi = top;
  const budget = options.maxProbes ?? Math.min(16, Math.ceil(Math.log2(hi - min + 1)) + 3);
  const tried: PathMtuSearch['tried'] = [];
  const run = async (size: number) => {
    const result = await probe(size);
    tried.push({ size, passed: result.passed });
    if (!result.passed && result.mtuHint !== undefined && result.mtuHint >= min && result.mtuHint < hi) hi = result.mtuHint;
    return result.passed;
  };
  if (!(await run(min))) return { tried, error: `no reply even to ${min}-byte packets: the peer does not answer pings on this path` };
  let lo = min;
  if (tried.length < budget && (await run(hi))) return { mtu: hi, tried };
  // The hint may have lowered hi: try it directly once, it is usually the answer.
  if (hi < top && tried.length < budget && (await run(hi))) return { mtu: hi, tried };
  hi -= 1;
  while (lo < hi && tried.length < budget) {
    const mid = Math.ceil((lo + hi) / 2);
    if (await run(mid)) lo = mid;
    else hi = mid - 1;
  }
  return { mtu: lo, tried };
}

/** The MTU named in ping's output: iputils "Frag needed and DF set (mtu = 1400)", "message too long, mtu=1400", "Packet too big: mtu=1280". */
export function mtuHintOf(output: string): number | undefined {
  const match = /mtu ?= ?(\d{3,5})/i.exec(output);
  return match ? Number(match[1]) : undefined;
}

/** The overlay MTU for a set of measured path MTUs: the smallest path minus WireGuard's overhead. */
export function overlayMtuFromPaths(pathMtus: readonly number[], underlayFamily: 4 | 6): number | undefined {
  if (pathMtus.length === 0) return undefined;
  return overlayMtuFor(Math.min(...pathMtus), underlayFamily);
}
