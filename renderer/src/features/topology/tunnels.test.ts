import { describe, expect, it } from 'vitest';
import { estate, overlayFacts } from '../../../../main/common/overlay/test-estate.js';
import { buildGraph } from './from-workspace.js';
import { tunnelLabel } from './graph.js';

const handshakes = (ages: Record<string, number | 'down' | undefined>) =>
  Object.entries(ages).flatMap(([pair, age]) => {
    const [a, b] = pair.split('-') as [string, string];
    return [a, b].map((node) => ({ node, peer: node === a ? b : a, ...(age === 'down' ? { down: node === b } : age !== undefined ? { ageS: age } : {}) }));
  });

describe('overlay tunnels on the canvas', () => {
  it('draws one tunnel per member pair, grey until its state is read', () => {
    const graph = buildGraph(estate(), {});
    expect(graph.tunnels?.map((t) => [t.source, t.target, t.state, t.tunnelState])).toEqual([
      ['pve1', 'pve2', 'unmeasured', 'unknown'],
      ['pve1', 'pve3', 'unmeasured', 'unknown'],
      ['pve2', 'pve3', 'unmeasured', 'unknown'],
    ]);
    expect(tunnelLabel(graph.tunnels![0]!)).toBe('not read');
  });

  it('labels a tunnel with the RTT over it, the MTU and the handshake age; green within the keepalive, red past it or with an end down', () => {
    const facts = overlayFacts({
      mtu: 1360,
      handshakes: handshakes({ 'pve1-pve2': 12, 'pve1-pve3': 206, 'pve2-pve3': 'down' }),
      latency: [{ a: 'pve1', b: 'pve2', overlay: { sent: 20, received: 20, lossPercent: 0, medianMs: 31.4, avgMs: 31.9, mdevMs: 0.4 } }],
    });
    const tunnels = buildGraph(estate(), facts).tunnels!;
    const byPair = Object.fromEntries(tunnels.map((t) => [`${t.source}-${t.target}`, t]));
    expect(byPair['pve1-pve2']).toMatchObject({ state: 'ok', tunnelState: 'up', rttMs: 31.4, mtu: 1360, handshakeAgeS: 12 });
    expect(tunnelLabel(byPair['pve1-pve2']!)).toBe('31 ms · MTU 1360 · hs 12 s');
    // 180 s Reject-After-Time + 25 s keepalive = 205 s: one second more and the tunnel is red.
    expect(byPair['pve1-pve3']).toMatchObject({ state: 'error', tunnelState: 'stale' });
    expect(byPair['pve2-pve3']).toMatchObject({ state: 'error', tunnelState: 'down' });
    expect(byPair['pve2-pve3']!.label).toMatch(/interface down on pve3/);
    expect(tunnelLabel(byPair['pve2-pve3']!)).toBe('MTU 1360 · down');
  });

  it('keeps a tunnel green at exactly the age the keepalive allows', () => {
    const facts = overlayFacts({ handshakes: handshakes({ 'pve1-pve2': 205, 'pve1-pve3': 5, 'pve2-pve3': 5 }) });
    expect(buildGraph(estate(), facts).tunnels!.find((t) => t.target === 'pve2')?.state).toBe('ok');
  });

  it('draws no tunnels for a workspace without overlays', () => {
    const { overlays: _none, ...plain } = estate();
    expect(buildGraph(plain as never, {}).tunnels).toBeUndefined();
  });
});
