import { describe, expect, it } from 'vitest';
import { lossClearlyAbove, lossLowerBoundPct, probesLost } from './loss.js';

describe('loss from a ping sample', () => {
  it('keeps one lost probe of 20 from reading as a link above 2 %', () => {
    expect(lossLowerBoundPct(5, 20)).toBeGreaterThan(0.5);
    expect(lossLowerBoundPct(5, 20)).toBeLessThan(2);
    expect(lossClearlyAbove(5, 2, 20)).toBe(false);
  });

  it('calls a loss clearly above the limit when the sample carries it', () => {
    expect(lossClearlyAbove(10, 2, 20)).toBe(true); // 2 of 20
    expect(lossClearlyAbove(5, 2, 200)).toBe(true); // 10 of 200
    expect(lossClearlyAbove(3, 2, 100)).toBe(false); // 3 of 100: could be a 2 % link
    expect(lossClearlyAbove(100, 2, 5)).toBe(true);
  });

  it('takes a figure without a probe count as it is, and never calls a loss at or under the limit above it', () => {
    expect(lossClearlyAbove(2.5, 2)).toBe(true);
    expect(lossClearlyAbove(2, 2, 1_000_000)).toBe(false);
    expect(lossClearlyAbove(0, 2, 20)).toBe(false);
    expect(lossLowerBoundPct(0, 20)).toBe(0);
  });

  it('the lower bound grows towards the figure as the sample grows', () => {
    const bounds = [20, 200, 2000, 20000].map((n) => lossLowerBoundPct(5, n));
    for (let i = 1; i < bounds.length; i++) expect(bounds[i]!).toBeGreaterThan(bounds[i - 1]!);
    expect(bounds[3]!).toBeGreaterThan(4.6);
    expect(probesLost(5, 20)).toBe('1 of 20 probes');
    expect(probesLost(5)).toBe('');
  });
});
