// The overlay's pure half: the section's schema, members and addresses, tunnels, configuration text,
// the path MTU search, the budget, tunnel states and the cross-reference checks.
import { describe, expect, it } from 'vitest';
import type { Workspace } from '../workspace/schema.js';
import { estate, keys } from './test-estate.js';
import { overlayBudget } from './budget.js';
import { CONFIG_MARKER, isWireguardKey, memberConfig, runningSignature } from './config.js';
import type { OverlayFacts } from './facts.js';
import { effectiveAddress, overlaysOf, resolveOverlay, resolveOverlays } from './model.js';
import { mtuHintOf, overlayMtuFor, searchPathMtu } from './mtu.js';
import { interfaceOf, overlaySchema, parseEndpoint } from './schema.js';
import { bandwidthSettings, trafficOn } from './stack-traffic.js';
import { handshakeState, tunnelStatuses } from './status.js';
import { checkOverlayReferences } from './validate.js';

describe('the overlays section', () => {
  it('fills defaults and derives the interface name from the overlay name', () => {
    const o = overlaySchema.parse({ name: 'between-the-three-sites', addressRange: '10.99.0.0/24', networks: ['ring1'] });
    expect(o).toMatchObject({ kind: 'wireguard', topology: 'mesh', port: 51820, sites: [], nodes: [], behindNat: [], endpoints: {} });
    expect(interfaceOf(o)).toBe('cw-between-the');
    expect(interfaceOf({ name: 'x', interface: 'wg7' })).toBe('wg7');
  });

  it('refuses names, interfaces and endpoints that could become code in a file or a command', () => {
    const bad = (patch: object) => overlaySchema.safeParse({ name: 'sites', addressRange: '10.99.0.0/24', networks: ['ring1'], ...patch }).success;
    expect(bad({ name: 'Sites; rm -rf /' })).toBe(false);
    expect(bad({ interface: 'wg0\nPostUp = curl evil' })).toBe(false);
    expect(bad({ interface: 'a-much-too-long-name' })).toBe(false);
    expect(bad({ endpoints: { pve3: 'host\nPostUp = x' } })).toBe(false);
    expect(bad({ endpoints: { pve3: 'host:99999' } })).toBe(false);
    expect(bad({ addressRange: '10.99.0.0' })).toBe(false);
    expect(bad({ keepalive: 0 })).toBe(false);
    expect(bad({ networks: [] })).toBe(false);
    expect(bad({ endpoints: { pve3: '[2001:db8::3]:51821' } })).toBe(true);
  });

  it('parses endpoints: host, host:port, bracketed IPv6 with a port, a bare IPv6 address', () => {
    expect(parseEndpoint('office.example.org')).toEqual({ host: 'office.example.org' });
    expect(parseEndpoint('203.0.113.7:51820')).toEqual({ host: '203.0.113.7', port: 51820, family: 4 });
    expect(parseEndpoint('[2001:db8::7]:4500')).toEqual({ host: '2001:db8::7', port: 4500, family: 6 });
    expect(parseEndpoint('2001:db8::7')).toEqual({ host: '2001:db8::7', family: 6 });
    expect(parseEndpoint('-o ProxyCommand=x')).toBeUndefined();
    expect(parseEndpoint('[192.0.2.1]:5')).toBeUndefined();
  });
});

describe('members, addresses and tunnels', () => {
  it('takes every node of the listed sites, keeps given addresses and assigns the lowest free ones, per riding network', () => {
    const ws = estate();
    const r = resolveOverlay(ws, overlaysOf(ws)[0]!, 0);
    expect(r.problems).toEqual([]);
    expect(r.interface).toBe('cw-sites');
    expect(r.members.map((m) => [m.node, m.site, m.endpoint?.host, m.addresses.map((a) => `${a.network}=${a.address}/${a.prefix} ${a.source}`)])).toEqual([
      ['pve1', 'home', '192.0.2.11', ['ring1=10.99.0.1/24 assigned', 'mig=10.98.0.1/24 assigned']],
      ['pve2', 'office', '192.0.2.12', ['ring1=10.99.0.20/24 workspace', 'mig=10.98.0.2/24 assigned']],
      ['pve3', 'cloud', '192.0.2.13', ['ring1=10.99.0.2/24 assigned', 'mig=10.98.0.3/24 assigned']],
    ]);
    // A mesh: both directions of every pair, each carrying the peer's own addresses.
    expect(r.peers).toHaveLength(6);
    expect(r.peers.find((p) => p.from === 'pve1' && p.to === 'pve3')).toEqual({ from: 'pve1', to: 'pve3', allowedIps: ['10.99.0.2/32', '10.98.0.3/32'], endpoint: { host: '192.0.2.13', port: 51820, family: 4 }, keepalive: 25 });
    // Stacks use the overlay addresses for the networks riding on it.
    expect(effectiveAddress(ws, 'pve3', 'ring1')).toBe('10.99.0.2');
    expect(effectiveAddress(ws, 'pve2', 'ring1')).toBe('10.99.0.20');
    expect(effectiveAddress(ws, 'pve1', 'wan')).toBe('192.0.2.11');
    expect(effectiveAddress(ws, 'pve1', 'nowhere')).toBeUndefined();
  });

  it('hub-and-spoke: spokes tunnel to the hub only and send it the whole ranges; the hub sends each spoke its addresses', () => {
    const ws = estate({ topology: 'hub-and-spoke', hub: 'pve3' });
    const r = resolveOverlays(ws)[0]!;
    expect(r.members.find((m) => m.hub)?.node).toBe('pve3');
    expect(r.peers.map((p) => `${p.from}→${p.to}: ${p.allowedIps.join(' ')}`).sort()).toEqual([
      'pve1→pve3: 10.99.0.0/24 10.98.0.0/24',
      'pve2→pve3: 10.99.0.0/24 10.98.0.0/24',
      'pve3→pve1: 10.99.0.1/32 10.98.0.1/32',
      'pve3→pve2: 10.99.0.20/32 10.98.0.2/32',
    ]);
  });

  it('a member behind NAT gets no endpoint (it dials out); an endpoint override is used as given', () => {
    const ws = estate({ behindNat: ['pve1'], endpoints: { pve3: 'cloud.example.org:4500' } });
    const r = resolveOverlays(ws)[0]!;
    expect(r.members.find((m) => m.node === 'pve1')!.endpoint).toBeUndefined();
    expect(r.peers.find((p) => p.from === 'pve2' && p.to === 'pve1')!.endpoint).toBeUndefined();
    expect(r.peers.find((p) => p.from === 'pve1' && p.to === 'pve3')!.endpoint).toEqual({ host: 'cloud.example.org', port: 4500 });
  });

  it('says when a range has no address left, or a given address is outside its range', () => {
    const full = estate({ addressRange: '10.99.0.0/31', networks: ['ring1'] });
    full.nodes[1]!.addresses.ring1 = '10.99.0.1';
    const r = resolveOverlays(full)[0]!;
    expect(r.problems.map((p) => p.message).join('\n')).toMatch(/no free address left for pve3 on ring1/);
    const outside = estate();
    outside.nodes[1]!.addresses.ring1 = '10.50.0.1';
    expect(resolveOverlays(outside)[0]!.problems[0]).toMatchObject({ severity: 'error', path: ['nodes', 1, 'addresses', 'ring1'] });
  });

  it('tells which stack traffic rides on the overlay networks, with the limits each tolerates', () => {
    const riders = trafficOn(estate(), ['ring1', 'mig']);
    expect(riders.map((t) => [t.role, t.label, t.limits?.errorMs])).toEqual([
      ['corosync', 'corosync link1 of cluster homelab', 10],
      ['migration', 'migration traffic of cluster homelab', undefined],
    ]);
  });
});

describe('the configuration a member gets', () => {
  const ws = estate();
  const r = resolveOverlays(ws)[0]!;

  it('holds addresses, port, MTU and peers, and loads the private key from the node\'s own file (never in the text)', () => {
    const text = memberConfig({ resolved: r, node: 'pve1', publicKeys: keys, mtu: 1380 });
    expect(text.split('\n')[0]!.startsWith(CONFIG_MARKER)).toBe(true);
    expect(text).toContain('[Interface]\nAddress = 10.99.0.1/24\nAddress = 10.98.0.1/24\nListenPort = 51820\nMTU = 1380\nPostUp = wg set %i private-key /etc/wireguard/cw-sites.key\n');
    expect(text).toContain(`[Peer]\n# pve3 (site cloud)\nPublicKey = ${keys.pve3}\nAllowedIPs = 10.99.0.2/32, 10.98.0.3/32\nEndpoint = 192.0.2.13:51820\nPersistentKeepalive = 25\n`);
    expect(text).not.toMatch(/PrivateKey/i);
    expect(text.match(/\[Peer\]/g)).toHaveLength(2);
  });

  it('refuses a peer without a valid public key and an MTU out of range', () => {
    expect(() => memberConfig({ resolved: r, node: 'pve1', publicKeys: { ...keys, pve3: 'x\nPostUp = evil' }, mtu: 1380 })).toThrow(/No valid public key for pve3/);
    expect(() => memberConfig({ resolved: r, node: 'pve1', publicKeys: keys, mtu: 100 })).toThrow(/outside 576–9000/);
    expect(isWireguardKey(keys.pve1!)).toBe(true);
    expect(isWireguardKey('AAAA')).toBe(false);
  });

  it('describes the running state the node must report, sorted as LC_ALL=C sort does', () => {
    const lines = runningSignature({ resolved: r, node: 'pve1', publicKeys: keys, mtu: 1380 });
    expect(lines).toContain(`pub ${keys.pve1}`);
    expect(lines).toContain(`allowed ${keys.pve3} 10.98.0.3/32`);
    expect(lines).toContain(`keepalive ${keys.pve2} 25`);
    expect(lines).toContain('mtu 1380');
    expect([...lines].sort()).toEqual(lines);
  });
});

describe('path MTU', () => {
  /** A path that carries `mtu` bytes; beyond it, optionally, a router names its MTU (ICMP fragmentation needed). */
  const path = (mtu: number, hint = false) => {
    const tried: number[] = [];
    return {
      tried,
      probe: async (size: number) => {
        tried.push(size);
        return size <= mtu ? { passed: true } : { passed: false, ...(hint ? { mtuHint: mtu } : {}) };
      },
    };
  };

  it('finds the exact path MTU by a bounded binary search', async () => {
    for (const mtu of [1500, 1492, 1420, 1280, 1000, 577]) {
      const p = path(mtu);
      const result = await searchPathMtu(p.probe, { family: 4 });
      expect(result.mtu, `path ${mtu}`).toBe(mtu);
      expect(p.tried.length).toBeLessThanOrEqual(13);
    }
  });

  it('uses the MTU a router names to finish in three probes', async () => {
    const p = path(1420, true);
    expect(await searchPathMtu(p.probe, { family: 4 })).toMatchObject({ mtu: 1420 });
    expect(p.tried).toEqual([576, 1500, 1420]);
  });

  it('stops at its probe budget with the best size found, and says when nothing answers', async () => {
    const p = path(1333);
    const bounded = await searchPathMtu(p.probe, { family: 4, maxProbes: 5 });
    expect(p.tried).toHaveLength(5);
    expect(bounded.mtu).toBeLessThanOrEqual(1333);
    expect(await searchPathMtu(async () => ({ passed: false }), { family: 6 })).toEqual({ tried: [{ size: 1280, passed: false }], error: expect.stringMatching(/no reply even to 1280-byte packets/) });
  });

  it('subtracts WireGuard\'s overhead: 60 bytes over IPv4, 80 over IPv6', () => {
    expect(overlayMtuFor(1500, 4)).toBe(1440);
    expect(overlayMtuFor(1500, 6)).toBe(1420);
    expect(overlayMtuFor(1492, 4)).toBe(1432);
  });

  it('reads the MTU iputils prints for "fragmentation needed" and local "message too long"', () => {
    expect(mtuHintOf('From 198.18.1.1 icmp_seq=1 Frag needed and DF set (mtu = 1420)')).toBe(1420);
    expect(mtuHintOf('ping: local error: message too long, mtu=1400')).toBe(1400);
    expect(mtuHintOf('64 bytes from 10.0.0.1: icmp_seq=1 ttl=64 time=0.1 ms')).toBeUndefined();
  });
});

describe('tunnel status and bandwidth budget', () => {
  const ws = estate();
  const r = resolveOverlays(ws)[0]!;
  const facts = (handshakes: OverlayFacts['handshakes'], throughput: OverlayFacts['throughput'] = []): OverlayFacts => ({ overlay: 'sites', interface: 'cw-sites', measuredAt: '2025-01-01T00:00:00Z', pathMtu: [], mtu: 1380, interfaces: [], handshakes, latency: [{ a: 'pve1', b: 'pve3', overlay: { sent: 10, received: 10, lossPercent: 0, avgMs: 82.5, mdevMs: 4 } }], throughput });

  it('is up within Reject-After-Time plus one keepalive, stale beyond, never without a handshake', () => {
    expect(handshakeState(30, 25)).toBe('up');
    expect(handshakeState(205, 25)).toBe('up');
    expect(handshakeState(206, 25)).toBe('stale');
    expect(handshakeState(undefined, 25)).toBe('never');
    expect(handshakeState(500, undefined)).toBe('idle');
    const all = (age: number) => r.peers.map((p) => ({ node: p.from, peer: p.to, ageS: age }));
    const statuses = tunnelStatuses(r, facts([...all(20).filter((h) => h.peer !== 'pve3' && h.node !== 'pve3'), { node: 'pve1', peer: 'pve3', ageS: 20 }, { node: 'pve3', peer: 'pve1', ageS: 300 }, { node: 'pve2', peer: 'pve3', ageS: 20 }, { node: 'pve3', peer: 'pve2', ageS: 20 }]));
    expect(statuses.map((s) => [s.a, s.b, s.state])).toEqual([
      ['pve1', 'pve2', 'up'],
      ['pve1', 'pve3', 'stale'],
      ['pve2', 'pve3', 'up'],
    ]);
    expect(statuses[1]!.label).toBe('82.5 ms over the overlay, MTU 1380, handshake 300 s ago');
    expect(tunnelStatuses(r, undefined).every((s) => s.state === 'unknown')).toBe(true);
    // An end whose interface is not running takes the tunnel down, whatever the other end last saw.
    const down = tunnelStatuses(r, facts([{ node: 'pve1', peer: 'pve3', ageS: 20 }, { node: 'pve3', peer: 'pve1', down: true }]));
    expect(down.find((s) => s.b === 'pve3' && s.a === 'pve1')).toMatchObject({ state: 'down', label: '82.5 ms over the overlay, MTU 1380, interface down on pve3' });
  });

  it('keeps a quarter (at least 5 Mbit/s) free of bulk traffic and configures the thinnest link\'s budget in each stack\'s unit', () => {
    const budget = overlayBudget(r, facts([], [
      { from: 'pve1', to: 'pve2', underlayMbit: 900, overlayMbit: 400, seconds: 3, tool: 't' },
      { from: 'pve1', to: 'pve3', underlayMbit: 50, overlayMbit: 40, seconds: 3, tool: 't' },
    ]));
    expect(budget.links).toEqual([
      { a: 'pve1', b: 'pve2', measuredMbit: 400, measuredOn: 'overlay', reserveMbit: 100, bulkMbit: 300 },
      { a: 'pve1', b: 'pve3', measuredMbit: 40, measuredOn: 'overlay', reserveMbit: 10, bulkMbit: 30 },
    ]);
    expect(budget.unmeasured).toEqual([{ a: 'pve2', b: 'pve3' }]);
    expect(budget.limitMbit).toBe(30);
    // 30 Mbit/s = 3,750,000 B/s = 3662 KiB/s = 3 MiB/s.
    expect(budget.settings.find((s) => s.stack === 'proxmox')!.example).toBe('bwlimit: migration=3662');
    expect(budget.settings.find((s) => s.stack === 'openstack')!.value).toBe(3);
    expect(bandwidthSettings(8).find((s) => s.where.startsWith('pvesr'))!.value).toBe(1);
  });
});

describe('cross-reference checks of the overlays section', () => {
  const messages = (ws: Workspace) => checkOverlayReferences(ws).map((i) => `${i.severity} ${i.path.join('.')}: ${i.message}`);

  it('finds nothing wrong with a sound overlay', () => {
    expect(messages(estate())).toEqual([]);
  });

  it('names unknown sites, nodes and networks, and members that do not exist', () => {
    const found = messages(estate({ sites: ['home', 'moon'], nodes: ['pve9'], networks: ['ring1', 'nope'], behindNat: ['pve9'], endpoints: { ghost: '203.0.113.1' } }));
    expect(found).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^error overlays\.0\.sites\.1: Overlay sites joins site "moon"/),
        expect.stringMatching(/^error overlays\.0\.nodes\.0: Overlay sites joins node "pve9"/),
        expect.stringMatching(/^error overlays\.0\.networks\.1: Network "nope" rides on overlay sites, but this workspace has no network of that name/),
        expect.stringMatching(/^error overlays\.0\.behindNat\.0: Overlay sites counts "pve9" as behind NAT, but "pve9" is not one of its members/),
        expect.stringMatching(/^error overlays\.0\.endpoints\.ghost: Overlay sites gives an endpoint for "ghost", which is not one of its members/),
      ]),
    );
  });

  it('refuses two members behind NAT in a mesh (neither can be reached first) and a hub-and-spoke without a hub', () => {
    expect(messages(estate({ behindNat: ['pve1', 'pve2'] })).join('\n')).toMatch(/Neither pve1 \(behind NAT\) nor pve2 \(behind NAT\) can be reached first/);
    expect(messages(estate({ topology: 'hub-and-spoke' })).join('\n')).toMatch(/hub-and-spoke but names no hub/);
  });

  it('refuses an overlay over a network that rides on it, a network on two overlays, and interface or port clashes on a node', () => {
    expect(messages(estate({ underlay: 'ring1' })).join('\n')).toMatch(/would run over ring1, a network that rides on it/);
    const two = estate();
    const second = overlaySchema.parse({ name: 'again', nodes: ['pve1', 'pve2'], addressRange: '10.97.0.0/24', networks: ['ring1'], interface: 'cw-sites' });
    (two as unknown as { overlays: unknown[] }).overlays.push(second);
    const text = messages(two).join('\n');
    expect(text).toMatch(/Network ring1 rides on both overlay sites and overlay again/);
    expect(text).toMatch(/pve1 is in overlays sites and again, both on interface cw-sites/);
    expect(text).toMatch(/pve1 is in overlays sites and again, both listening on UDP 51820/);
  });

  it('warns when the range overlaps a network that does not ride on it', () => {
    expect(messages(estate({ addressRange: '192.0.2.0/25' })).join('\n')).toMatch(/^warning overlays\.0\.addressRange: The address range 192\.0\.2\.0\/25 of overlay sites overlaps network wan/m);
  });
});
