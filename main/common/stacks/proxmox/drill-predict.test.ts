import { describe, expect, it } from 'vitest';
import { detectionSeconds, predictProxmoxDrill } from './drill-predict.js';
import { proxmoxHaTimings } from './ha-model.js';

describe('the Proxmox drill prediction', () => {
  it("sees a loss after corosync's token and consensus timeouts", () => {
    // 3 nodes: token 3000 + 650 = 3650 ms, consensus 1.2 × that = 4380 ms.
    expect(detectionSeconds({}, 3)).toBe(8);
    expect(detectionSeconds({ token: 1000, consensus: 1200 }, 2)).toBe(2.2);
  });

  it('restarts the guests of a cut-off node on a quorate node after fence delay and lock expiry', () => {
    const p = predictProxmoxDrill({
      cluster: 'homelab',
      groups: [
        { members: ['a1'], sites: ['a'], keepsQuorum: false },
        { members: ['b1', 'c1'], sites: ['b', 'c'], keepsQuorum: true },
      ],
      ha: { nodes: ['a1', 'b1', 'c1'], resources: [{ sid: 'vm:101', node: 'a1', state: 'started' }, { sid: 'vm:102', node: 'b1', state: 'started' }] },
      timings: proxmoxHaTimings,
      totem: { token: 3000 },
    });
    const moved = p.services.find((s) => s.sid === 'vm:101')!;
    expect(['b1', 'c1']).toContain(moved.to);
    // Proxmox's numbers: the lock expires 120 s after the last renewal, the fence delay is 60 s; more when a1 was master.
    expect(moved.backAfterS).toBeGreaterThanOrEqual(120);
    expect(moved.backAfterS).toBeLessThanOrEqual(200);
    expect(p.services.find((s) => s.sid === 'vm:102')).toMatchObject({ from: 'b1', note: 'its node keeps quorum' });
    expect(p.selfFence.map((f) => f.node)).toEqual(['a1']);
  });

  it('predicts no recovery when no quorate node remains', () => {
    const p = predictProxmoxDrill({
      cluster: 'pair',
      groups: [
        { members: ['a1'], sites: ['a'], keepsQuorum: false },
        { members: ['b1'], sites: ['b'], keepsQuorum: false },
      ],
      ha: { nodes: ['a1', 'b1'], resources: [{ sid: 'vm:101', node: 'a1', state: 'started' }] },
      timings: proxmoxHaTimings,
      totem: {},
    });
    expect(p.services[0]!.to).toBeUndefined();
  });
});
