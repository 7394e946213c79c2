import { describe, expect, it } from 'vitest';
import type { GraphLink } from './graph.js';
import { placeLabels } from './label-placement.js';

const link = (id: string, source: string, target: string, extra: Partial<GraphLink> = {}): GraphLink => ({ id, source, target, role: 'corosync', network: 'n', state: 'ok', metric: { rttMs: 3.4, jitterMs: 0.1, lossPct: 0 }, ...extra });

describe('placeLabels', () => {
  it('keeps a lone label in the middle of its line and skips links with nothing to say', () => {
    const positions = new Map([
      ['a', { x: 0, y: 0 }],
      ['b', { x: 200, y: 0 }],
    ]);
    const [only, ...rest] = placeLabels([link('l', 'a', 'b'), link('m', 'a', 'b', { metric: undefined })], positions);
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ id: 'l', x: 100, y: 0 });
  });

  it('slides the label of a converging link along its line instead of covering its neighbour', () => {
    // Two nodes 160 px apart at the top, one far node below between them: the midpoints are 80 px apart.
    const positions = new Map([
      ['a1', { x: 0, y: 0 }],
      ['a2', { x: 160, y: 0 }],
      ['b1', { x: 80, y: 300 }],
    ]);
    const down = { metric: undefined, knet: { connected: false, seenFrom: ['a1'], readAt: '' }, linkNumber: 0 };
    const [first, second] = placeLabels([link('x', 'a1', 'b1', down), link('y', 'a2', 'b1', down)], positions);
    expect(first!.y).toBe(150);
    const apart = Math.abs(first!.x - second!.x) * 2 >= first!.width + second!.width || Math.abs(first!.y - second!.y) >= 16;
    expect(apart).toBe(true);
    // Still on its own line: between a2 and b1.
    expect(second!.x).toBeGreaterThan(80);
    expect(second!.x).toBeLessThan(160);
  });
});
