// Site-to-site links: measured round-trip times match each preset, cut means 100 % loss, restore brings the link back.
import { expect, it } from 'vitest';
import { presetNames, presets, type PresetName } from '../../main/node/lab/index.js';
import { describeLab, pingFrom, useLab } from '../support/lab.js';

const spec = `
name: links
sites:
  - name: a
    hosts: [a1]
  - name: b
    hosts: [b1]
    link: lan
`;

const samples: Record<PresetName, { count: number; interval: number }> = {
  lan: { count: 30, interval: 0.05 },
  man: { count: 30, interval: 0.05 },
  wan: { count: 40, interval: 0.1 },
  internet: { count: 50, interval: 0.1 },
};

describeLab('lab links between sites', () => {
  const handle = useLab(spec, 'cwtl');

  for (const name of presetNames) {
    it(`measures the ${name} preset's round-trip time (${presets[name].delayMs} ms) within ±10 % or ±0.3 ms`, async () => {
      const lab = handle.lab;
      await lab.setLink('a', 'b', name);
      const b1 = lab.host('b1').addresses.management!;
      await pingFrom(lab, 'a1', b1, 2, 0.05); // neighbours resolved before measuring
      const result = await pingFrom(lab, 'a1', b1, samples[name].count, samples[name].interval);
      const want = presets[name].delayMs;
      const tolerance = Math.max(0.1 * want, 0.3);
      console.log(`${name}: nominal ${want} ms, measured median ${result.medianMs} ms, avg ${result.avgMs} ms (mdev ${result.mdevMs}), loss ${result.lossPercent.toFixed(1)} %`);
      expect(result.medianMs).toBeDefined();
      expect(Math.abs(result.medianMs! - want)).toBeLessThanOrEqual(tolerance);
      // Losses stay near the preset (a generous bound: these are small samples).
      expect(result.lossPercent).toBeLessThanOrEqual(presets[name].lossPercent * 2 + 8);
    });
  }

  it('cuts a link (100 % loss on both networks) and restores it', async () => {
    const lab = handle.lab;
    await lab.setLink('a', 'b', 'lan');
    const b1 = lab.host('b1');
    await lab.cut('a', 'b');
    expect(lab.links[0]!.networks.map((n) => n.cut)).toEqual([true, true]);
    for (const address of b1.addressList) expect((await pingFrom(lab, 'a1', address, 10, 0.05)).lossPercent).toBe(100);
    await lab.restore('a', 'b');
    for (const address of b1.addressList) expect((await pingFrom(lab, 'a1', address, 10, 0.05)).lossPercent).toBe(0);
  });

  it('cuts one network only, leaving the other one up', async () => {
    const lab = handle.lab;
    const b1 = lab.host('b1');
    await lab.cut('a', 'b', { network: 0 });
    expect((await pingFrom(lab, 'a1', b1.addressList[0], 10, 0.05)).lossPercent).toBe(100);
    expect((await pingFrom(lab, 'a1', b1.addressList[1], 10, 0.05)).lossPercent).toBe(0);
    await lab.restore('a', 'b', { network: 0 });
    expect((await pingFrom(lab, 'a1', b1.addressList[0], 10, 0.05)).lossPercent).toBe(0);
  });

  it('changes a link while it carries traffic, with explicit parameters', async () => {
    const lab = handle.lab;
    await lab.setLink('a', 'b', { delayMs: 12 });
    const b1 = lab.host('b1').addresses.management!;
    const result = await pingFrom(lab, 'a1', b1, 20, 0.05);
    expect(Math.abs(result.medianMs! - 12)).toBeLessThanOrEqual(1.2);
  });
});
