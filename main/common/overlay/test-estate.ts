// A small estate for the overlay's tests: three sites, a Proxmox cluster whose corosync link1 and
// migration network ride on a WireGuard overlay, and real-looking public keys.
import type { Facts } from '../workspace/facts.js';
import type { Workspace } from '../workspace/schema.js';
import type { OverlayFacts } from './facts.js';
import { overlaySchema, type OverlayInput } from './schema.js';

export const keys: Record<string, string> = {
  pve1: 'DgVuMC1xL0O1FlmHCfaWa3n56XNN2wh8YxCvKgqrAQU=',
  pve2: '/uqM6UXBvUT62bOET0nB4PK5/c7O/GAJXcwn7SJ6h2A=',
  pve3: 'CO5ateHL7Whoq0tPqG3AoVogBX9+xZz6UNU5wf5/Sy4=',
  pve4: 'faWyL6cEZvx7G/aVOdvFA50Wp4oGTzjeVTCxrkn1MRU=',
};

/** Three sites, a Proxmox cluster whose link1 and migration network ride on an overlay. */
export function estate(overlay: Partial<OverlayInput> = {}, extra: Partial<Workspace> = {}): Workspace {
  const ws: Workspace = {
    version: 1,
    name: 'overlay',
    sites: [
      { name: 'home', kind: 'lan' },
      { name: 'office', kind: 'wan' },
      { name: 'cloud', kind: 'internet' },
    ],
    networks: [
      { name: 'wan', roles: ['management', 'corosync'], cidr: '192.0.2.0/24' },
      { name: 'ring1', roles: ['corosync'] },
      { name: 'mig', roles: ['migration'], cidr: '10.98.0.0/24' },
    ],
    nodes: [
      { name: 'pve1', site: 'home', addresses: { wan: '192.0.2.11' } },
      { name: 'pve2', site: 'office', addresses: { wan: '192.0.2.12', ring1: '10.99.0.20' } },
      { name: 'pve3', site: 'cloud', addresses: { wan: '192.0.2.13' } },
    ],
    proxmox: {
      clusters: [
        {
          name: 'homelab',
          nodes: ['pve1', 'pve2', 'pve3'],
          links: [
            { link: 0, network: 'wan' },
            { link: 1, network: 'ring1' },
          ],
          migrationNetwork: 'mig',
        },
      ],
    },
    ...extra,
  };
  const section = overlaySchema.parse({ name: 'sites', sites: ['home', 'office', 'cloud'], addressRange: '10.99.0.0/24', networks: ['ring1', 'mig'], keepalive: 25, ...overlay });
  return { ...ws, overlays: [section] } as Workspace;
}

type CaseFacts = Partial<OverlayFacts>;

/** Workspace facts holding one overlay's facts (the `overlays` key of the facts file). */
export function overlayFacts(facts: CaseFacts): Facts {
  return { overlays: [{ overlay: 'sites', interface: 'cw-sites', measuredAt: '2026-01-01T00:00:00Z', pathMtu: [], interfaces: [], handshakes: [], latency: [], throughput: [], ...facts }] } as Facts;
}

const ping = (avgMs: number, mdevMs: number) => ({ sent: 20, received: 20, lossPercent: 0, avgMs, mdevMs });
const onlyLink1 = (ws: Workspace): Workspace => {
  ws.proxmox!.clusters[0]!.links = [{ link: 1, network: 'ring1' }];
  return ws;
};
const narrowPath = [{ from: 'pve1', to: 'pve3', fromSite: 'home', toSite: 'cloud', address: '192.0.2.13', family: 4 as const, mtu: 1420, probes: 4 }];

/**
 * One passing and one failing layout per overlay rule, in the shape of the workspace rules' table
 * (main/common/workspace/rules/rules.test.ts): add `...overlayRuleCases` to its `cases` when the
 * overlay rules join allRules.
 */
export const overlayRuleCases: Record<string, { pass: () => { ws: Workspace; facts?: Facts }; fail: () => { ws: Workspace; facts?: Facts }; severity: 'error' | 'warning'; figure: RegExp }> = {
  'overlay.rtt-jitter': {
    pass: () => ({ ws: estate(), facts: overlayFacts({ latency: [{ a: 'pve1', b: 'pve3', underlay: ping(1, 0.1), overlay: ping(1.4, 0.2) }] }) }),
    fail: () => ({ ws: estate(), facts: overlayFacts({ latency: [{ a: 'pve1', b: 'pve3', underlay: ping(78, 2), overlay: ping(82, 6) }] }) }),
    severity: 'error',
    figure: /measured 82 ms ±6.*94 ms, above the 10 ms/,
  },
  'overlay.hub-single-point': {
    pass: () => ({ ws: estate({ topology: 'hub-and-spoke', hub: 'pve3' }), facts: {} }),
    fail: () => ({ ws: onlyLink1(estate({ topology: 'hub-and-spoke', hub: 'pve3' })), facts: {} }),
    severity: 'error',
    figure: /runs through hub pve3 of overlay sites: if pve3 or its uplink fails, 2 nodes/,
  },
  'overlay.only-corosync-link': {
    pass: () => ({ ws: estate(), facts: {} }),
    fail: () => ({ ws: onlyLink1(estate()), facts: {} }),
    severity: 'warning',
    figure: /\(link1 on ring1\) rides on overlay sites/,
  },
  'overlay.mtu': {
    pass: () => ({ ws: estate({ mtu: 1360 }), facts: overlayFacts({ pathMtu: narrowPath }) }),
    fail: () => ({ ws: estate({ mtu: 1420 }), facts: overlayFacts({ pathMtu: narrowPath }) }),
    severity: 'error',
    figure: /MTU 1420, but the narrowest path .* carries 1420 bytes, so the tunnel fits 1360/,
  },
  'overlay.nat-keepalive': {
    pass: () => ({ ws: estate({ behindNat: ['pve1'], keepalive: 25 }), facts: {} }),
    fail: () => ({ ws: estate({ behindNat: ['pve1'], keepalive: 120 }), facts: {} }),
    severity: 'warning',
    figure: /every 120 s with 1 member behind NAT/,
  },
  'overlay.riders-are-members': {
    pass: () => ({ ws: estate(), facts: {} }),
    fail: () => ({ ws: estate({ sites: ['home', 'office'] }), facts: {} }),
    severity: 'error',
    figure: /but pve3 is not a member/,
  },
  'overlay.handshake': {
    pass: () => ({ ws: estate(), facts: overlayFacts({ handshakes: [{ node: 'pve1', peer: 'pve3', ageS: 40 }] }) }),
    fail: () => ({ ws: estate(), facts: overlayFacts({ handshakes: [{ node: 'pve1', peer: 'pve3', ageS: 300 }] }) }),
    severity: 'warning',
    figure: /is 300 s old, more than the 205 s a 25 s keepalive allows/,
  },
};
