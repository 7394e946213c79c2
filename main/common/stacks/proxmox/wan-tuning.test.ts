// Totem timing from measured links: LAN needs nothing, a ≈30 ms WAN gets a longer join, the Internet gets "separate clusters".
import { describe, expect, it } from 'vitest';
import { effectiveToken, tuneTotem } from './wan-tuning.js';

describe('totem tuning from a measured link', () => {
  it('leaves a LAN link alone', () => {
    const t = tuneTotem({ rttMs: 0.3, jitterMs: 0.05 }, 3);
    expect(t.verdict).toBe('lan');
    expect(t.totem).toEqual({});
    expect(t.effectiveTokenMs).toBe(3125);
    expect(t.consensusMs).toBe(3750);
  });

  it('tunes the ≈30 ms ± 5 WAN preset for three nodes: join covers two worst-case round trips', () => {
    const t = tuneTotem({ rttMs: 30, jitterMs: 5, lossPct: 0.5 }, 3);
    expect(t.verdict).toBe('wan-tuned');
    expect(t.worstRttMs).toBe(45);
    expect(t.rotationMs).toBeCloseTo(70.5);
    expect(t.totem).toEqual({ join: 90 });
    expect(t.reasoning.join('\n')).toMatch(/join: 90/);
  });

  it('raises the token when a rotation gets long, and writes consensus = 1.2 × effective token', () => {
    const t = tuneTotem({ rttMs: 60, jitterMs: 3, lossPct: 0 }, 3, 650);
    expect(t.rotationMs).toBeCloseTo(3 * (34.5 + 1));
    expect(t.verdict).toBe('separate-clusters');
    // 400 ± 10 ms, 2 nodes: rotation 2 × (215 + 1) = 432 ms, retransmit ≥ 864 ms, token ≥ 864 × 4.2 → 3700 ms.
    const slow = tuneTotem({ rttMs: 400, jitterMs: 10 }, 2);
    expect(slow.totem.token).toBe(3700);
    expect(slow.totem.consensus).toBe(4440);
    expect(slow.failoverDetectionMs).toBe(3700 + 4440);
  });

  it('recommends separate clusters on the Internet preset (≈80 ms ± 20, 1–2 % loss)', () => {
    const t = tuneTotem({ rttMs: 80, jitterMs: 20, lossPct: 1.5 }, 3);
    expect(t.verdict).toBe('separate-clusters');
    expect(t.reasoning.at(-1)).toMatch(/cross-cluster migration/);
  });

  it('recommends separate clusters on loss alone', () => {
    expect(tuneTotem({ rttMs: 2, jitterMs: 0.5, lossPct: 3 }, 3).verdict).toBe('separate-clusters');
    expect(tuneTotem({ rttMs: 30, jitterMs: 5, lossPct: 1.5 }, 3).verdict).toBe('wan-tuned');
  });

  it('does not condemn a link on one lost probe of a short sample, and says to measure longer', () => {
    // The lab's wan preset loses 0.5 %: one probe of 20 lost reads as 5 %.
    const short = tuneTotem({ rttMs: 33, jitterMs: 5, lossPct: 5, probes: 20 }, 3);
    expect(short.verdict).toBe('wan-tuned');
    expect(short.reasoning.join(' ')).toMatch(/1 of 20 probes.*measure longer/);
    // Two of 20, or ten of 200, is clearly above 2 %.
    expect(tuneTotem({ rttMs: 33, jitterMs: 5, lossPct: 10, probes: 20 }, 3).verdict).toBe('separate-clusters');
    const long = tuneTotem({ rttMs: 33, jitterMs: 5, lossPct: 5, probes: 200 }, 3);
    expect(long.verdict).toBe('separate-clusters');
    expect(long.reasoning.join(' ')).toMatch(/10 of 200 probes\) exceeds 2 %/);
  });

  it('computes corosync\'s effective token: token + (nodes − 2) × coefficient', () => {
    expect(effectiveToken(3000, 650, 2)).toBe(3000);
    expect(effectiveToken(3000, 650, 5)).toBe(4950);
  });
});
