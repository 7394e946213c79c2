// Latency accuracy against the lab's presets (needs root): the app measures the latency matrix the way
// an admin asks for it (`latency.measure`: ping on the nodes over SSH), on a lab whose sites sit on
// lan, man, wan and internet links; the median it quotes for each link against the delay configured.
// Target: within ±10 % or ±0.3 ms, whichever is larger (as the latency-matrix lab test holds it).
import { afterAll, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLabSpec, presets, startLab, stopLab, type PresetName } from '../../main/node/lab/index.js';
import { labSkipReason, labWorkspaceCore } from '../support/lab.js';
import { benchRow, benchSkipped, median } from './results.js';

const LAB = `
name: latency-accuracy
sites:
  - name: a
    hosts: [a1, a2]
  - name: b
    hosts: [b1]
    link: man
  - name: c
    hosts: [c1]
    link: wan
  - name: d
    hosts: [d1]
    link: internet
`;
/** The host pair whose link has each preset. */
const pairs: Record<PresetName, [string, string]> = { lan: ['a1', 'a2'], man: ['a1', 'b1'], wan: ['a1', 'c1'], internet: ['a1', 'd1'] };
const ROUNDS = Number(process.env.CW_BENCH_ROUNDS ?? 5);
const cleanup: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const step of cleanup.reverse()) await step();
}, 120_000);

it('latency accuracy against the lab presets', async () => {
  if (labSkipReason) {
    console.error(`\n!!! latency accuracy benchmark NOT RUN: ${labSkipReason}\n`);
    benchSkipped('latency accuracy against the lab presets', '±10 % or ±0.3 ms', labSkipReason);
    return;
  }
  const stateDir = fs.mkdtempSync('/tmp/cwla-');
  cleanup.push(async () => {
    await stopLab(stateDir, { prefix: 'cwla' });
    fs.rmSync(stateDir, { recursive: true, force: true });
  });
  const lab = await startLab(loadLabSpec(LAB, '(latency accuracy bench)'), { stateDir, prefix: 'cwla', replace: true });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-latency-bench-'));
  const core = labWorkspaceCore(lab, home);
  cleanup.push(async () => {
    await core.close();
    fs.rmSync(home, { recursive: true, force: true });
  });
  await core.call('workspace.open', { path: lab.workspacePath, remember: false });
  // Each round: the whole matrix, as the app measures it; the median it quotes per link and network.
  const quoted = new Map<PresetName, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    const result = await core.call('latency.measure', { count: 20, intervalS: 0.2, concurrency: 6 });
    for (const [preset, [a, b]] of Object.entries(pairs) as [PresetName, [string, string]][]) {
      for (const sample of result.matrix.samples.filter((s) => (s.from === a && s.to === b) || (s.from === b && s.to === a))) {
        if (sample.medianMs !== undefined) quoted.set(preset, [...(quoted.get(preset) ?? []), sample.medianMs]);
      }
    }
  }
  console.log(`\nLatency accuracy: the median the app quotes per link (both directions, both networks, ${ROUNDS} rounds of 20 probes) against the preset\n`);
  console.log('| link | configured RTT | quoted median (median of runs) | range | error |\n|---|---|---|---|---|');
  for (const preset of Object.keys(pairs) as PresetName[]) {
    const configured = presets[preset].delayMs;
    const values = quoted.get(preset) ?? [];
    const tolerance = Math.max(0.1 * configured, 0.3);
    if (!values.length) {
      benchRow({ measure: `latency accuracy, ${preset} link (configured ${configured} ms RTT)`, target: `${configured} ± ${tolerance.toFixed(1)} ms`, figure: 'no figure: every probe was lost', met: false });
      continue;
    }
    const measured = median(values);
    const error = measured - configured;
    const worst = values.reduce((w, v) => (Math.abs(v - configured) > Math.abs(w - configured) ? v : w), values[0]!);
    console.log(`| ${preset} | ${configured} ms | ${measured.toFixed(2)} ms | ${Math.min(...values).toFixed(2)}–${Math.max(...values).toFixed(2)} ms | ${error >= 0 ? '+' : ''}${error.toFixed(2)} ms (${((100 * error) / configured).toFixed(1)} %) |`);
    benchRow({
      measure: `latency accuracy, ${preset} link (configured ${configured} ms RTT${presets[preset].jitterMs ? ` ± ${presets[preset].jitterMs} ms jitter` : ''})`,
      target: `${configured} ± ${tolerance.toFixed(1)} ms`,
      figure: `${measured.toFixed(2)} ms quoted (median of ${values.length} link medians; worst ${worst.toFixed(2)} ms)`,
      met: Math.abs(error) <= tolerance,
    });
  }
}, 600_000);
