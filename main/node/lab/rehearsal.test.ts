import { describe, expect, it } from 'vitest';
import { parseWorkspace } from '../../common/workspace/parse.js';
import type { LatencyMatrix } from '../../common/workspace/facts.js';
import { rehearsalSpec } from './rehearsal.js';
import { normalizeLabSpec } from './spec.js';

const workspace = parseWorkspace(`version: 1
name: Two Offices
sites:
  - { name: HQ_1, kind: lan }
  - { name: branch, kind: wan }
  - { name: cloud, kind: internet }
networks:
  - { name: ring0, roles: [corosync], cidr: 10.0.0.0/24 }
nodes:
  - { name: PVE-1, site: HQ_1, addresses: { ring0: 10.0.0.1 } }
  - { name: pve.2, site: branch, addresses: { ring0: 10.0.0.2 } }
  - { name: w1, site: cloud, addresses: { ring0: 10.0.0.3 } }
`).workspace!;

const sample = (from: string, to: string, medianMs: number | undefined, mdevMs: number, lossPercent = 0) => ({
  network: 'ring0', from, to, toAddress: '10.0.0.9', sent: 10, received: 10, lossPercent, measuredAt: 'x', ...(medianMs !== undefined ? { medianMs, avgMs: medianMs } : {}), mdevMs,
});
const latency = {
  version: 1,
  measuredAt: 'x',
  runner: 'ssh',
  count: 10,
  intervalS: 0.2,
  samples: [sample('PVE-1', 'pve.2', 12.5, 1.2, 10), sample('pve.2', 'PVE-1', 13.5, 0.8, 0), sample('PVE-1', 'w1', undefined, 0, 100)],
} as LatencyMatrix;

describe('the rehearsal lab', () => {
  it('replays each site pair from its samples, names sites and hosts as the lab allows, and says what it could not replay', () => {
    const r = rehearsalSpec(workspace, latency);
    expect(r.mapping).toEqual([
      { node: 'PVE-1', host: 'pve-1', site: 'hq-1' },
      { node: 'pve.2', host: 'pve-2', site: 'branch' },
      { node: 'w1', host: 'w1', site: 'cloud' },
    ]);
    expect(r.links).toEqual([
      { between: ['hq-1', 'branch'], delayMs: 13, holdsMs: 13, jitterMs: 1, lossPercent: 5, samples: 2 },
      { between: ['hq-1', 'cloud'], delayMs: 0, jitterMs: 0, lossPercent: 0, samples: 0, preset: 'internet' },
      { between: ['branch', 'cloud'], delayMs: 0, jitterMs: 0, lossPercent: 0, samples: 0, preset: 'internet' },
    ]);
    expect(r.notes[0]).toBe('HQ_1–cloud: nothing measured (every probe lost); the lab uses the internet preset.');
    // The description is one the lab accepts as it is.
    const spec = normalizeLabSpec(r.spec);
    expect(spec.name).toBe('rehearse-two-offices');
    expect(spec.links.find((l) => l.a === 'hq-1' && l.b === 'branch')?.params).toEqual({ delayMs: 13, jitterMs: 1, lossPercent: 5, bandwidthMbit: 0 });
  });
});

describe("round trips between the lab's steps", () => {
  it('says what the lab will hold when a recording falls between its whole-millisecond steps, and leaves a small spread out', () => {
    const between = (rtt: number, mdev: number) => rehearsalSpec(workspace, { ...latency, samples: [sample('PVE-1', 'pve.2', rtt, mdev)] });
    const near = between(2.5, 0.1);
    expect(near.links[0]).toMatchObject({ delayMs: 2.5, holdsMs: 2.4, jitterMs: 0 });
    expect(near.notes).toContain('HQ_1–branch: the recorded spread of 0.1 ms is not replayed (below the lab\'s 1 ms step).');
    const far = between(3, 0);
    expect(far.links[0]).toMatchObject({ delayMs: 3, holdsMs: 3.4 });
    expect(far.notes).toContain('HQ_1–branch: the lab holds 3.4 ms for the recorded 3 ms (its links delay in whole milliseconds per direction).');
  });
});
