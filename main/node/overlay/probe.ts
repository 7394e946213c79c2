// Read-only probes of an overlay on its members (through the RemoteRunner the latency matrix uses):
// the underlay's path MTU per site pair, the public keys, each interface's state and handshakes, and
// round trips over and under the tunnel. Nothing here changes a node, and no private key is read.
import { CwError, isCwError } from '../../common/errors.js';
import { isWireguardKey, overlayPaths } from '../../common/overlay/config.js';
import type { HandshakeFact, OverlayLatencyFact, OverlayPingStats, PathMtuFact } from '../../common/overlay/facts.js';
import type { ResolvedOverlay } from '../../common/overlay/model.js';
import { mtuHintOf, PING_HEADERS, searchPathMtu } from '../../common/overlay/mtu.js';
import { parseIp } from '../../common/workspace/ip.js';
import { parsePingOutput, pingArgv, pingDeadlineS } from '../workspace/ping.js';
import type { RemoteRunner } from '../workspace/runner.js';

export interface ProbeOptions {
  signal?: AbortSignal;
  /** Probes running at once (each a few pings). */
  concurrency?: number;
}

async function inBatches<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(Math.max(1, limit), items.length) }, async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await task(items[i]!);
  });
  await Promise.all(workers);
  return out;
}

const familyOf = (address: string): 4 | 6 => (parseIp(address)?.family === 6 ? 6 : 4);

/** One direction per site pair that has a tunnel (and one inside each site with two members): whom to probe from, and which address. */
export function pathMtuPairs(resolved: ResolvedOverlay): { from: string; to: string; fromSite: string; toSite: string; address: string }[] {
  const site = new Map(resolved.members.map((m) => [m.node, m]));
  const chosen = new Map<string, { from: string; to: string; fromSite: string; toSite: string; address: string }>();
  for (const peer of resolved.peers) {
    if (!peer.endpoint) continue;
    const a = site.get(peer.from)!;
    const b = site.get(peer.to)!;
    const key = [a.site, b.site].sort().join('\u0000');
    if (!chosen.has(key)) chosen.set(key, { from: a.node, to: b.node, fromSite: a.site, toSite: b.site, address: peer.endpoint.host });
  }
  return [...chosen.values()];
}

/** Probes the underlay's path MTU for every site pair of the overlay with don't-fragment pings (a bounded binary search per pair). */
export async function measurePathMtu(runner: RemoteRunner, resolved: ResolvedOverlay, options: ProbeOptions & { maxMtu?: number } = {}): Promise<PathMtuFact[]> {
  return inBatches(pathMtuPairs(resolved), options.concurrency ?? 4, async (pair) => {
    const family = familyOf(pair.address);
    let probes = 0;
    try {
      const search = await searchPathMtu(
        async (size) => {
          probes++;
          const argv = ['ping', ...(family === 6 ? ['-6'] : []), '-n', '-c', '3', '-i', '0.2', '-W', '1', '-w', '3', '-M', 'do', '-s', String(size - PING_HEADERS[family]), pair.address];
          const result = await runner.exec(pair.from, argv, { timeoutMs: 10_000, ...(options.signal ? { signal: options.signal } : {}) });
          const summary = parsePingOutput(result.stdout);
          const hint = mtuHintOf(`${result.stdout}\n${result.stderr}`);
          return { passed: (summary?.received ?? 0) > 0, ...(hint !== undefined ? { mtuHint: hint } : {}) };
        },
        { family, max: options.maxMtu ?? 1500 },
      );
      return { ...pair, family, probes, ...(search.mtu !== undefined ? { mtu: search.mtu } : {}), ...(search.error ? { error: search.error } : {}) };
    } catch (error) {
      if (isCwError(error) && error.code === 'CANCELLED') throw error;
      return { ...pair, family, probes, error: error instanceof Error ? error.message : String(error) };
    }
  });
}

/** Reads each member's public key file (written by the keys plan); a reply that is not a WireGuard key is refused. */
export async function readPublicKeys(runner: RemoteRunner, resolved: ResolvedOverlay, options: ProbeOptions = {}): Promise<Record<string, string>> {
  const path = overlayPaths(resolved.interface).publicKey;
  const entries = await inBatches(resolved.members, options.concurrency ?? 8, async (m) => {
    const result = await runner.exec(m.node, ['cat', '--', path], { timeoutMs: 15_000, ...(options.signal ? { signal: options.signal } : {}) });
    const key = result.stdout.trim();
    if (result.code !== 0) throw new CwError('REMOTE_FAILED', `Could not read ${m.node}'s public key from ${path}: ${(result.stderr || `exit ${result.code}`).trim()}. Run the keys plan first.`);
    if (!isWireguardKey(key)) throw new CwError('REMOTE_FAILED', `${m.node}'s ${path} does not hold a WireGuard public key; run the keys plan again.`);
    return [m.node, key] as const;
  });
  const byKey = new Map<string, string>();
  for (const [node, key] of entries) {
    const other = byKey.get(key);
    if (other) throw new CwError('CONFLICT', `${node} and ${other} have the same WireGuard public key (a copied key file?); remove ${path} and its .key on one of them and run the keys plan again.`);
    byKey.set(key, node);
  }
  return Object.fromEntries(entries);
}

export interface InterfaceState {
  node: string;
  up: boolean;
  mtu?: number;
  publicKey?: string;
  implementation?: 'kernel' | 'wireguard-go';
  /** Seconds since the latest handshake per peer public key; null: never. */
  handshakes: Record<string, number | null>;
  error?: string;
}

const stateScript = [
  'i=$1',
  'date +%s',
  'if ip link show dev "$i" >/dev/null 2>&1; then',
  '  echo up',
  `  ip -o link show dev "$i" | sed -n 's/.* mtu \\([0-9][0-9]*\\) .*/mtu \\1/p'`,
  '  if ip -d link show dev "$i" | grep -qw wireguard; then echo impl kernel; else echo impl wireguard-go; fi',
  '  printf "pub %s\\n" "$(wg show "$i" public-key)"',
  '  wg show "$i" latest-handshakes | sed "s/^/hs /"',
  'else',
  '  echo down',
  'fi',
].join('\n');

/** Parses the state script's output (pure). */
export function parseInterfaceState(node: string, stdout: string): InterfaceState {
  const lines = stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  const now = Number(lines[0]);
  const state: InterfaceState = { node, up: lines[1] === 'up', handshakes: {} };
  for (const line of lines.slice(2)) {
    const [kind, a, b] = line.split(/\s+/);
    if (kind === 'mtu' && a && /^\d+$/.test(a)) state.mtu = Number(a);
    else if (kind === 'impl' && (a === 'kernel' || a === 'wireguard-go')) state.implementation = a;
    else if (kind === 'pub' && a && isWireguardKey(a)) state.publicKey = a;
    else if (kind === 'hs' && a && isWireguardKey(a) && b && /^\d+$/.test(b)) state.handshakes[a] = Number(b) === 0 ? null : Math.max(0, now - Number(b));
  }
  return state;
}

/** Each member's interface: up, MTU, implementation, public key and the age of every peer's latest handshake. */
export async function readInterfaces(runner: RemoteRunner, resolved: ResolvedOverlay, options: ProbeOptions = {}): Promise<InterfaceState[]> {
  return inBatches(resolved.members, options.concurrency ?? 8, async (m) => {
    try {
      const result = await runner.exec(m.node, ['sh', '-c', stateScript, 'sh', resolved.interface], { timeoutMs: 15_000, ...(options.signal ? { signal: options.signal } : {}) });
      return parseInterfaceState(m.node, result.stdout);
    } catch (error) {
      if (isCwError(error) && error.code === 'CANCELLED') throw error;
      return { node: m.node, up: false, handshakes: {}, error: error instanceof Error ? error.message : String(error) };
    }
  });
}

/** Handshake facts (node, peer, age) from interface states, naming peers by their public keys. */
export function handshakeFacts(resolved: ResolvedOverlay, states: readonly InterfaceState[], publicKeys: Record<string, string>): HandshakeFact[] {
  const facts: HandshakeFact[] = [];
  for (const peer of resolved.peers) {
    const state = states.find((s) => s.node === peer.from);
    if (!state?.up) {
      facts.push({ node: peer.from, peer: peer.to, down: true });
      continue;
    }
    const key = publicKeys[peer.to];
    const age = key !== undefined ? state.handshakes[key] : undefined;
    facts.push({ node: peer.from, peer: peer.to, ...(age !== undefined && age !== null ? { ageS: age } : {}) });
  }
  return facts;
}

function stats(output: string): OverlayPingStats | undefined {
  const s = parsePingOutput(output);
  if (!s) return undefined;
  return { sent: s.sent, received: s.received, lossPercent: s.lossPercent, ...(s.avgMs !== undefined ? { avgMs: s.avgMs } : {}), ...(s.medianMs !== undefined ? { medianMs: s.medianMs } : {}), ...(s.mdevMs !== undefined ? { mdevMs: s.mdevMs } : {}), ...(s.maxMs !== undefined ? { maxMs: s.maxMs } : {}) };
}

/** Round trips between every two members, under the tunnel (underlay endpoints) and through it (first overlay address). */
export async function measureOverlayLatency(runner: RemoteRunner, resolved: ResolvedOverlay, options: ProbeOptions & { count?: number; intervalS?: number } = {}): Promise<OverlayLatencyFact[]> {
  const pairs: [string, string][] = [];
  const members = resolved.members;
  for (let i = 0; i < members.length; i++) for (let j = i + 1; j < members.length; j++) pairs.push([members[i]!.node, members[j]!.node]);
  const byName = new Map(members.map((m) => [m.node, m]));
  const ping = async (from: string, address: string | undefined) => {
    if (!address) return undefined;
    const plan = { address, count: options.count ?? 20, intervalS: options.intervalS ?? 0.2, replyTimeoutS: 2 };
    const argv = pingArgv(plan);
    if (familyOf(address) === 6) argv.splice(1, 0, '-6');
    const result = await runner.exec(from, argv, { timeoutMs: (pingDeadlineS(plan) + 10) * 1000, ...(options.signal ? { signal: options.signal } : {}) });
    return stats(result.stdout);
  };
  return inBatches(pairs, options.concurrency ?? 4, async ([a, b]) => {
    const target = byName.get(b)!;
    const source = byName.get(a)!;
    // Under the tunnel: towards b's endpoint, or (b behind NAT) from b towards a's.
    const [from, to] = target.endpoint ? [a, target] : [b, source];
    const [underlay, overlay] = await Promise.all([ping(from, to.endpoint?.host), ping(a, target.addresses[0]?.address)]);
    return { a, b, ...(underlay ? { underlay } : {}), ...(overlay ? { overlay } : {}) };
  });
}
