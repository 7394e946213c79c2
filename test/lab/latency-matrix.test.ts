// The latency matrix measured for real: ping runs on the lab hosts over SSH (the app's own engine),
// and the figures between sites match the lab's link presets.
import { expect, it } from 'vitest';
import fs from 'node:fs';
import { presets } from '../../main/node/lab/index.js';
import { describeLab, useLab, useLabWorkspaceCore } from '../support/lab.js';

const LAB = `
name: latency
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

describeLab('latency matrix over SSH in the lab', () => {
  const handle = useLab(LAB, 'cwlm');
  const app = useLabWorkspaceCore(handle);

  it('measures every pair on every network from the nodes themselves, within ±10 % (or ±0.3 ms) of the presets', async () => {
    const progress: number[] = [];
    app.core.events.subscribe((name, payload) => {
      if (name === 'latency.progress') progress.push((payload as { done: number }).done);
    });
    const result = await app.core.call('latency.measure', { count: 20, intervalS: 0.2, concurrency: 6 });
    expect(result.runsOnNodes).toBe(true);
    expect(result.unreachable).toBe(0);
    expect(progress.length).toBeGreaterThan(0);
    const networks = new Set(result.matrix.samples.map((s) => s.network));
    expect(networks.size).toBe(2);
    const rtt = (network: string, a: string, b: string) => {
      const samples = result.matrix.samples.filter((s) => s.network === network && ((s.from === a && s.to === b) || (s.from === b && s.to === a)));
      expect(samples.length, `${a}↔${b} on ${network}`).toBeGreaterThan(0);
      // The figure the app quotes: the median (a stalled probe on this busy machine moves the mean, not the median).
      return Math.min(...samples.map((s) => s.medianMs ?? Infinity));
    };
    const within = (measured: number, nominal: number) => Math.abs(measured - nominal) <= Math.max(0.1 * nominal, 0.3);
    for (const network of networks) {
      const lan = rtt(network, 'a1', 'a2');
      const man = rtt(network, 'a1', 'b1');
      const wan = rtt(network, 'a1', 'c1');
      expect(within(lan, presets.lan.delayMs), `lan ${lan} ms on ${network}`).toBe(true);
      expect(within(man, presets.man.delayMs), `man ${man} ms on ${network}`).toBe(true);
      expect(within(wan, presets.wan.delayMs), `wan ${wan} ms on ${network}`).toBe(true);
      console.log(`${network}: lan ${lan.toFixed(2)} ms, man ${man.toFixed(2)} ms, wan ${wan.toFixed(2)} ms`);
    }
    // Stored beside the workspace, not inside it.
    expect(fs.existsSync(result.file)).toBe(true);
    expect(fs.readFileSync(handle.lab.workspacePath, 'utf8')).not.toContain('avgMs');
  }, 120_000);
});
