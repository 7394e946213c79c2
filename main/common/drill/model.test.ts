import { describe, expect, it } from 'vitest';
import { compareDrill, measureDrill, type DrillClusterPrediction, type DrillReading } from './model.js';

const prediction: DrillClusterPrediction = {
  stack: 'proxmox',
  cluster: 'homelab',
  groups: [
    { members: ['a1'], sites: ['a'], keepsQuorum: false },
    { members: ['b1', 'c1'], sites: ['b', 'c'], keepsQuorum: true },
  ],
  services: [{ sid: 'vm:101', from: 'a1', to: 'b1', backAfterS: 12 }],
  detectS: 4,
  selfFence: [],
  timings: 't',
};

const whole = ['a1', 'b1', 'c1'];
function reading(at: number, view: Record<string, { quorate: boolean; members: string[] } | undefined>, service: { node: string; state: string; running: boolean }): DrillReading {
  return { at, nodes: whole.map((n) => (view[n] ? { name: n, reachable: true, ...view[n] } : { name: n, reachable: false })), services: [{ sid: 'vm:101', ...service }] };
}
const all = { quorate: true, members: whole };
const cutA = { a1: { quorate: false, members: ['a1'] }, b1: { quorate: true, members: ['b1', 'c1'] }, c1: { quorate: true, members: ['b1', 'c1'] } };

describe('the failover drill measures from its readings', () => {
  const readings = [
    reading(1000, { a1: all, b1: all, c1: all }, { node: 'a1', state: 'started', running: true }),
    reading(5000, { a1: all, b1: { quorate: true, members: ['b1', 'c1'] }, c1: all }, { node: 'a1', state: 'started', running: true }),
    reading(5500, cutA, { node: 'a1', state: 'started', running: true }),
    reading(10_000, cutA, { node: 'a1', state: 'fence', running: false }),
    reading(14_000, cutA, { node: 'b1', state: 'started', running: true }),
    reading(20_000, cutA, { node: 'b1', state: 'started', running: true }),
    reading(23_000, { a1: all, b1: all, c1: all }, { node: 'b1', state: 'started', running: true }),
  ];

  it('times the loss, the quorum change, each guest back elsewhere and the rejoin', () => {
    const m = measureDrill(prediction, readings, 1000, 20_000);
    expect(m.lossDetectedS).toBe(4);
    expect(m.quorumChangedS).toBe(4.5);
    expect(m.services).toEqual([{ sid: 'vm:101', node: 'b1', backAfterS: 13 }]);
    expect(m.rejoinedS).toBe(3);
    expect(compareDrill({ failure: { kind: 'site', site: 'a' }, title: 'x', clusters: [prediction], lostNodes: ['a1'] }, { homelab: m }).outcome).toBe('as-predicted');
  });

  it('says when a guest came back elsewhere than predicted, or not at all', () => {
    const elsewhere = readings.map((r) => ({ ...r, services: r.services.map((s) => (s.node === 'b1' ? { ...s, node: 'c1' } : s)) }));
    const m = measureDrill(prediction, elsewhere, 1000, 20_000);
    const c = compareDrill({ failure: { kind: 'site', site: 'a' }, title: 'x', clusters: [prediction], lostNodes: ['a1'] }, { homelab: m });
    expect(c.outcome).toBe('differs');
    expect(c.lines.join('\n')).toMatch(/ran on c1 after 13 s \(another node than predicted\)/);
    const never = measureDrill(prediction, readings.slice(0, 4), 1000);
    expect(never.services[0]!.backAfterS).toBeUndefined();
    expect(compareDrill({ failure: { kind: 'site', site: 'a' }, title: 'x', clusters: [prediction], lostNodes: ['a1'] }, { homelab: never }).outcome).toBe('incomplete');
  });
});
