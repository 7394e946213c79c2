// The latency matrix on a lab whose neighbour caches are empty: the first probe of a pair waits for
// address resolution across the delayed link (a whole extra round trip), so it must not count. The
// figure the app quotes (the median) of every pair, in both directions and on both networks, reads
// within ±10 % (or ±0.3 ms) of the link's configured delay. (Before the warm-up probe was set aside,
// this measurement read e.g. 33.9 ms ±9.0 on a 30 ms link, and no median existed.)
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import type { LatencySample } from '../../main/common/workspace/facts.js';
import { presets, type Lab } from '../../main/node/lab/index.js';
import { describeLab, useLab, useLabWorkspaceCore } from '../support/lab.js';

const LAB = `
name: cold-cache
sites:
  - name: a
    hosts: [a1, a2]
  - name: b
    hosts: [b1]
    link: man
  - name: c
    hosts: [c1]
    link: wan
`;

/** Empties the neighbour (ARP) cache of every host and router namespace of the lab. */
function flushNeighbourCaches(lab: Lab): number {
  const namespaces = [...lab.plan.sites.map((s) => s.routerNetns), ...lab.hosts.map((h) => h.netns)];
  for (const ns of namespaces) {
    const result = spawnSync('ip', ['-n', ns, 'neigh', 'flush', 'all'], { encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`ip -n ${ns} neigh flush all failed: ${result.stderr}`);
  }
  return namespaces.length;
}

/** The configured round trip between two hosts: the site link's delay, or the lan preset within a site. */
function configuredDelayMs(lab: Lab, network: string, from: string, to: string): number {
  const a = lab.host(from).site;
  const b = lab.host(to).site;
  if (a === b) return presets.lan.delayMs;
  const link = lab.links.find((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a))!;
  return link.networks[network === 'management' ? 0 : 1].params.delayMs;
}

describeLab('latency matrix with cold neighbour caches', () => {
  const handle = useLab(LAB, 'cwcc');
  const app = useLabWorkspaceCore(handle);

  it('reads every pair within ±10 % (or ±0.3 ms) of its configured delay, the warm-up probe set aside', { timeout: 120_000, retry: 2 }, async () => {
    const lab = handle.lab;
    expect(flushNeighbourCaches(lab)).toBe(lab.plan.sites.length + lab.hosts.length);
    // What the app does when the admin clicks "Measure": the default probe count and interval.
    const result = await app.core.call('latency.measure', {});
    expect(result.unreachable).toBe(0);
    const samples: LatencySample[] = result.matrix.samples;
    expect(samples.length).toBe(2 * 4 * 3);
    const off: string[] = [];
    for (const s of samples) {
      const want = configuredDelayMs(lab, s.network, s.from, s.to);
      const tolerance = Math.max(0.1 * want, 0.3);
      const line = `${s.network.padEnd(14)} ${s.from}→${s.to}  configured ${want} ms: median ${s.medianMs} ms, mean ${s.avgMs} ±${s.mdevMs}, min ${s.minMs}, p95 ${s.p95Ms}, loss ${s.lossPercent} %, sent ${s.sent}`;
      console.log(line);
      // The quoted figure. (The mean is logged, not asserted: on a busy 2-core machine a delay line
      // stalled for tens of ms now and then adds an outlier the mean cannot shrug off; that is why
      // validation quotes the median. The warm-up itself is checked exactly in measure.test.ts.)
      if (s.medianMs === undefined || Math.abs(s.medianMs - want) > tolerance) off.push(line);
    }
    expect(off, `pairs off by more than ±10 % / ±0.3 ms:\n${off.join('\n')}`).toEqual([]);
    // The result says that a warm-up probe was sent and not counted.
    expect(result.matrix.warmupProbes).toBe(1);
    // ping runs with a count and a deadline, so a probe lost on a lossy link (wan: 0.5 %) is replaced
    // by another one: every pair got its count of replies, and `sent` says how many it took.
    for (const s of samples) {
      expect(s.sent, `${s.from}→${s.to} on ${s.network}`).toBeGreaterThanOrEqual(result.matrix.count);
      expect(s.received, `${s.from}→${s.to} on ${s.network}`).toBeLessThanOrEqual(result.matrix.count);
    }
    // A retry starts over with flushed caches: it absorbs another program loading this 2-core machine
    // (a 3.4 ms link leaves 0.34 ms of room), never a bias, which repeats every time.
  });
});
