import { describe, expect, it } from 'vitest';
import { partitionsFromViews } from './ha-runtime.js';

describe('the lab HA runtime reads membership from each node', () => {
  it('groups nodes by the members they see, leaves out nodes whose corosync does not answer', () => {
    const p = partitionsFromViews(['a1', 'b1', 'c1', 'd1'], {
      a1: { quorate: false, members: ['a1'] },
      b1: { quorate: true, members: ['b1', 'c1'] },
      c1: { quorate: true, members: ['c1', 'b1'] },
      d1: undefined,
    });
    expect(p).toEqual([
      { nodes: ['a1'], quorate: false },
      { nodes: ['b1', 'c1'], quorate: true },
    ]);
  });
});
