import { describe, expect, it } from 'vitest';
import type { GraphLink } from './graph.js';
import { aggregateSitePairs, placeSitePairs } from './site-pair-labels.js';

const siteOf = new Map([
  ['pve1', 'home'],
  ['pve2', 'home'],
  ['pve3', 'office'],
  ['w', 'cloud'],
]);
const link = (source: string, target: string, network: string, extra: Partial<GraphLink> = {}): GraphLink => ({
  id: `${network}:${source}~${target}:${extra.linkNumber ?? ''}`,
  source,
  target,
  role: 'corosync',
  network,
  state: 'ok',
  ...extra,
});
const m = (rttMs: number, lossPct = 0) => ({ metric: { rttMs, jitterMs: 0.2, lossPct } });

describe('latency labels per site pair', () => {
  it('makes one label per site pair, with the worst figure in the worst state and the figures per network behind it', () => {
    const links = [
      link('pve1', 'pve3', 'ring0', { linkNumber: 0, ...m(3.4) }),
      link('pve2', 'pve3', 'ring0', { linkNumber: 0, ...m(6.2), state: 'warning' }),
      link('pve1', 'pve3', 'ring1', { linkNumber: 1, ...m(3.6) }),
      link('pve2', 'pve3', 'ring1', { linkNumber: 1, ...m(3.5) }),
      link('pve1', 'pve2', 'ring0', { linkNumber: 0, ...m(0.3) }),
      link('pve3', 'w', 'witness-net', { role: 'witness', ...m(40) }),
    ];
    const pairs = aggregateSitePairs(links, siteOf);
    expect(pairs.map((p) => p.id)).toEqual(['cloud|office', 'home|home', 'home|office']);
    const homeOffice = pairs.find((p) => p.id === 'home|office')!;
    expect(homeOffice).toMatchObject({ sites: ['home', 'office'], state: 'warning', links: 4, text: '6.2 ms ±0.2, 0 % loss · worst of 4' });
    // Per network: the worst link of each, the warning first.
    expect(homeOffice.figures.map((f) => [f.name, f.text, f.state, f.links])).toEqual([
      ['ring0 · Corosync link0', '6.2 ms ±0.2, 0 % loss', 'warning', 2],
      ['ring1 · Corosync link1', '3.6 ms ±0.2, 0 % loss', 'ok', 2],
    ]);
    expect(homeOffice.figures[0]!.worst).toEqual({ a: 'pve2', b: 'pve3' });
    expect(pairs.find((p) => p.id === 'cloud|office')!.text).toBe('40 ms ±0.2, 0 % loss');
  });

  it('ranks a link corosync reports down, then loss, above a slow one, and skips links with nothing to say', () => {
    const links = [
      link('pve1', 'pve3', 'ring0', { linkNumber: 0, ...m(30) }),
      link('pve2', 'pve3', 'ring0', { linkNumber: 0, ...m(2, 5) }),
      link('pve1', 'pve3', 'ring1', { linkNumber: 1, state: 'unmeasured' }),
    ];
    expect(aggregateSitePairs(links, siteOf)[0]).toMatchObject({ text: '2.0 ms ±0.2, 5 % loss · worst of 2', links: 2 });
    const down = [...links, link('pve2', 'pve3', 'ring1', { linkNumber: 1, state: 'error', knet: { connected: false, seenFrom: ['pve3'], readAt: '' } })];
    expect(aggregateSitePairs(down, siteOf)[0]).toMatchObject({ text: 'link1 down (knet) · worst of 3', state: 'error' });
  });

  it('places the labels apart: between sites in the gap on the line joining them, within a site on its lower edge', () => {
    const links = [link('pve1', 'pve3', 'ring0', m(3)), link('pve1', 'pve2', 'ring0', m(0.3)), link('pve3', 'w', 'witness-net', m(40)), link('pve1', 'w', 'witness-net', m(41))];
    const regions = new Map([
      ['home', { x: 0, y: 0, width: 200, height: 100 }],
      ['office', { x: 400, y: 0, width: 200, height: 100 }],
      ['cloud', { x: 200, y: 0, width: 200, height: 100 }],
    ]);
    const placed = placeSitePairs(aggregateSitePairs(links, siteOf), regions);
    expect(placed).toHaveLength(4);
    expect(placed.find((p) => p.id === 'home|home')).toMatchObject({ x: 100, y: 100 });
    // cloud–office: in the gap between the two regions (x 400), not over either.
    expect(placed.find((p) => p.id === 'cloud|office')).toMatchObject({ x: 400, y: 50 });
    // home–office passes over cloud's centre line; every label keeps clear of the others.
    for (const a of placed) {
      for (const b of placed) {
        if (a === b) continue;
        const clear = Math.abs(a.x - b.x) * 2 >= a.width + b.width || Math.abs(a.y - b.y) >= 16;
        expect(clear, `${a.id} and ${b.id} overlap`).toBe(true);
      }
    }
  });
});

describe('labels between regions with a gap', () => {
  it('sits in the gap between two regions, clear of both', () => {
    const links = [link('pve1', 'pve3', 'ring0', m(3))];
    const regions = new Map([
      ['home', { x: 0, y: 0, width: 200, height: 100 }],
      ['office', { x: 0, y: 160, width: 200, height: 100 }],
    ]);
    const [label] = placeSitePairs(aggregateSitePairs(links, siteOf), regions);
    expect(label!.x).toBe(100);
    expect(label!.y).toBe(130);
  });
});
