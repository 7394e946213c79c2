// One passing and one failing case per overlay rule; failing messages carry the measured figures.
import { describe, expect, it } from 'vitest';
import type { Facts } from '../workspace/facts.js';
import { validateWorkspace, type Rule } from '../workspace/rules/index.js';
import type { Workspace } from '../workspace/schema.js';
import type { OverlayFacts } from './facts.js';
import { estate, overlayRuleCases } from './test-estate.js';
import { hubSinglePoint, natKeepalive, overlayLatency, overlayMtu, overlayOnlyCorosyncLink, overlayRules, ridersAreMembers, staleHandshake } from './rules.js';

const run = (ws: Workspace, facts: Partial<OverlayFacts> | undefined, rule: Rule | readonly Rule[] = overlayRules) => {
  const overlays = facts ? [{ overlay: 'sites', interface: 'cw-sites', measuredAt: '2025-01-01T00:00:00Z', ...facts }] : undefined;
  return validateWorkspace(ws, (overlays ? { overlays } : {}) as Facts, 'check' in rule ? [rule] : rule);
};
const onlyLink1 = (ws: Workspace): Workspace => {
  ws.proxmox!.clusters[0]!.links = [{ link: 1, network: 'ring1' }];
  return ws;
};
const ping = (avgMs: number, mdevMs: number) => ({ sent: 20, received: 20, lossPercent: 0, avgMs, mdevMs });

describe('overlay rules', () => {
  it('weighs the round trip and jitter across the tunnel against corosync\'s limits, with the overlay\'s own cost', () => {
    const bad = run(estate(), { latency: [{ a: 'pve1', b: 'pve3', underlay: ping(78, 2), overlay: ping(82, 6) }] }, overlayLatency);
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({ ruleId: 'overlay.rtt-jitter', severity: 'error', figures: { rttMs: 82, jitterMs: 6, effectiveMs: 94, underlayMs: 78 } });
    expect(bad[0]!.message).toMatch(/corosync link1 of cluster homelab rides on overlay sites: across it pve1↔pve3 measured 82 ms ±6.*the overlay adds 4 ms.*average plus twice the jitter is 94 ms, above the 10 ms it tolerates/);
    // Jitter alone can push a link over the warning limit.
    const jittery = run(estate(), { latency: [{ a: 'pve1', b: 'pve2', overlay: ping(3, 1.5) }] }, overlayLatency);
    expect(jittery.map((f) => [f.severity, f.figures?.effectiveMs])).toEqual([['warning', 6]]);
    expect(run(estate(), { latency: [{ a: 'pve1', b: 'pve2', overlay: ping(1.2, 0.2) }] }, overlayLatency)).toEqual([]);
    // An accepted WAN layout is still reported, marked accepted.
    const accepted = estate();
    accepted.proxmox!.clusters[0]!.wanTuning = { accepted: true };
    expect(run(accepted, { latency: [{ a: 'pve1', b: 'pve3', overlay: ping(82, 6) }] }, overlayLatency)[0]!.accepted).toBe(true);
  });

  it('asks for a measurement across the overlay when only the underlay was measured', () => {
    const found = run(estate(), { latency: [{ a: 'pve1', b: 'pve3', underlay: ping(78, 2) }] }, overlayLatency);
    expect(found.map((f) => [f.severity, f.message])).toEqual([['warning', expect.stringMatching(/pve1↔pve3 was measured only under the tunnel \(78 ms ±2, 0 % loss\)/)]]);
  });

  it('calls a hub-and-spoke hub carrying every corosync link of a cluster a single point of failure', () => {
    const found = run(onlyLink1(estate({ topology: 'hub-and-spoke', hub: 'pve3' })), undefined, hubSinglePoint);
    expect(found.map((f) => [f.severity, f.message])).toEqual([['error', expect.stringMatching(/Every corosync link of cluster homelab \(link1\) runs through hub pve3 of overlay sites: if pve3 or its uplink fails, 2 nodes lose each other/)]]);
    // With link0 outside the overlay, the hub is not the only path.
    expect(run(estate({ topology: 'hub-and-spoke', hub: 'pve3' }), undefined, hubSinglePoint)).toEqual([]);
  });

  it('recommends a second corosync link when the overlay is the only one', () => {
    const found = run(onlyLink1(estate()), undefined, overlayOnlyCorosyncLink);
    expect(found.map((f) => [f.severity, f.message])).toEqual([['warning', expect.stringMatching(/Every corosync link of cluster homelab \(link1 on ring1\) rides on overlay sites/)]]);
    expect(run(estate(), undefined, overlayOnlyCorosyncLink)).toEqual([]);
  });

  it('compares the MTU with the measured path: fixed too high, a node running above it, members that differ', () => {
    const pathMtu = [{ from: 'pve1', to: 'pve3', fromSite: 'home', toSite: 'cloud', address: '192.0.2.13', family: 4 as const, mtu: 1420, probes: 4 }];
    expect(run(estate(), undefined, overlayMtu).map((f) => f.severity)).toEqual(['info']);
    const fixed = run(estate({ mtu: 1420 }), { pathMtu }, overlayMtu);
    expect(fixed).toHaveLength(1);
    expect(fixed[0]).toMatchObject({ severity: 'error', figures: { pathMtu: 1420, allowedMtu: 1360, mtu: 1420, overheadBytes: 60 } });
    expect(fixed[0]!.message).toMatch(/set to MTU 1420, but the narrowest path \(home→cloud, pve1→pve3\) carries 1420 bytes, so the tunnel fits 1360.*corosync link1 of cluster homelab and migration traffic of cluster homelab ride on it/);
    const running = run(estate(), { pathMtu, interfaces: [{ node: 'pve1', up: true, mtu: 1420 }, { node: 'pve2', up: true, mtu: 1360 }] }, overlayMtu);
    expect(running.map((f) => [f.severity, f.figures?.mtu ?? f.figures?.distinct])).toEqual([
      ['error', 1420],
      ['warning', 2],
    ]);
    expect(run(estate(), { pathMtu, interfaces: [{ node: 'pve1', up: true, mtu: 1360 }, { node: 'pve2', up: true, mtu: 1360 }] }, overlayMtu)).toEqual([]);
  });

  it('needs a keepalive for members behind NAT, and a short one', () => {
    const missing = run(estate({ behindNat: ['pve1'], keepalive: undefined }), undefined, natKeepalive);
    expect(missing.map((f) => [f.severity, f.message])).toEqual([['error', expect.stringMatching(/pve1 is behind NAT in overlay sites, which sets no keepalive/)]]);
    expect(run(estate({ behindNat: ['pve1'], keepalive: 120 }), undefined, natKeepalive).map((f) => [f.severity, f.figures])).toEqual([['warning', { keepaliveS: 120 }]]);
    expect(run(estate({ behindNat: ['pve1'], keepalive: 25 }), undefined, natKeepalive)).toEqual([]);
  });

  it('refuses riding traffic from nodes outside the overlay (they have no overlay address)', () => {
    const found = run(estate({ sites: ['home', 'office'] }), undefined, ridersAreMembers);
    expect(found.map((f) => f.message)).toEqual([
      expect.stringMatching(/corosync link1 of cluster homelab uses network ring1, which rides on overlay sites, but pve3 is not a member: it has no overlay address, so corosync would bind that link to another network/),
      expect.stringMatching(/migration traffic of cluster homelab uses network mig.*pve3 is not a member/),
    ]);
    expect(run(estate(), undefined, ridersAreMembers)).toEqual([]);
  });

  it('reports a member whose interface is not running, once', () => {
    const found = run(estate(), { handshakes: [{ node: 'pve3', peer: 'pve1', down: true }, { node: 'pve3', peer: 'pve2', down: true }, { node: 'pve1', peer: 'pve3', ageS: 30 }] }, staleHandshake);
    expect(found.map((f) => f.message)).toEqual([expect.stringMatching(/cw-sites is not running on pve3 .*every tunnel of overlay sites to pve3 is down/)]);
  });

  it('reports a tunnel whose handshake is older than the keepalive allows, or never happened', () => {
    const found = run(estate(), { handshakes: [{ node: 'pve1', peer: 'pve3', ageS: 300 }, { node: 'pve3', peer: 'pve1' }, { node: 'pve1', peer: 'pve2', ageS: 40 }] }, staleHandshake);
    expect(found.map((f) => f.message)).toEqual([
      expect.stringMatching(/pve1's latest handshake with pve3 on overlay sites is 300 s old, more than the 205 s a 25 s keepalive allows/),
      expect.stringMatching(/pve3 has never completed a handshake with pve1/),
    ]);
  });

  it('finds nothing in a sound overlay with good figures', () => {
    const facts: Partial<OverlayFacts> = {
      pathMtu: [{ from: 'pve1', to: 'pve2', fromSite: 'home', toSite: 'office', address: '192.0.2.12', family: 4, mtu: 1500, probes: 2 }],
      interfaces: ['pve1', 'pve2', 'pve3'].map((node) => ({ node, up: true, mtu: 1440 })),
      handshakes: [{ node: 'pve1', peer: 'pve2', ageS: 12 }],
      latency: [{ a: 'pve1', b: 'pve2', overlay: ping(1.1, 0.1) }],
    };
    const ws = estate();
    ws.proxmox!.clusters[0]!.nodes = ['pve1', 'pve2'];
    expect(run(ws, facts)).toEqual([]);
  });

  // The table the workspace rules' test will run once the overlay rules join allRules.
  for (const [id, c] of Object.entries(overlayRuleCases)) {
    it(`${id}: nothing on a sound layout, a ${c.severity} quoting the figure on a broken one`, () => {
      const rule = overlayRules.find((r) => r.id === id)!;
      const blocking = (ws: Workspace, f: Facts | undefined) => validateWorkspace(ws, f ?? {}, [rule]).filter((x) => x.severity !== 'info');
      const pass = c.pass();
      expect(blocking(pass.ws, pass.facts)).toEqual([]);
      const fail = c.fail();
      const [finding] = blocking(fail.ws, fail.facts);
      expect(finding).toMatchObject({ ruleId: id, severity: c.severity });
      expect(finding!.message).toMatch(c.figure);
    });
  }
  it('the table covers every overlay rule', () => {
    expect(Object.keys(overlayRuleCases).sort()).toEqual(overlayRules.map((r) => r.id).sort());
  });
});
