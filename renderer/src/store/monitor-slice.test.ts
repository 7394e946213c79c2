import { describe, expect, it } from 'vitest';
import type { MonitorAlert, MonitorSample } from '../../../main/common/monitor/model.js';
import { createFakeTransport } from '../transport/fake.js';
import { createAppStore } from './index.js';
import { ROUNDS_KEPT } from './monitor-slice.js';

const round = (t: number): MonitorSample => ({ t, links: [{ network: 'ring0', a: 'a1', b: 'b1', rttMs: 1, lossPercent: 0, source: 'ping' }], clusters: [] });
const status = { running: true, intervalS: 2, rounds: 2, alerts: [], cleared: [], backingOff: [] };
const alert: MonitorAlert = { id: 'down:link/ring0/a1|b1', kind: 'down', severity: 'error', subject: 'link/ring0/a1|b1', message: 'a1–b1 on ring0: down (every probe lost)', startedAt: 5 };

describe('monitor slice', () => {
  it('starts from the kept history and adds each round, keeping a bounded number', async () => {
    const transport = createFakeTransport({ 'monitor.status': () => status, 'monitor.history': () => ({ rounds: [round(1), round(2)], total: 2 }) });
    const store = createAppStore(transport);
    await store.getState().loadMonitor();
    expect(store.getState().rounds.map((r) => r.t)).toEqual([1, 2]);
    transport.emit('monitor.sampled', round(2)); // a repeat is ignored
    for (let t = 3; t < ROUNDS_KEPT + 10; t++) transport.emit('monitor.sampled', round(t));
    expect(store.getState().rounds).toHaveLength(ROUNDS_KEPT);
    expect(store.getState().rounds.at(-1)!.t).toBe(ROUNDS_KEPT + 9);
  });

  it('turns raised and cleared alerts into notices once, and keeps the ones active', () => {
    const transport = createFakeTransport({});
    const store = createAppStore(transport);
    transport.emit('monitor.alertRaised', alert);
    expect(store.getState().alerts).toEqual([alert]);
    transport.emit('monitor.alertCleared', { ...alert, clearedAt: 9 });
    expect(store.getState().alerts).toEqual([]);
    expect(store.getState().alertNotices.map((n) => n.change)).toEqual(['raised', 'cleared']);
    store.getState().takeAlertNotices(2);
    expect(store.getState().alertNotices).toEqual([]);
  });

  it('picks and unpicks what-if failures by what they are', () => {
    const store = createAppStore(createFakeTransport({}));
    store.getState().toggleFailure({ kind: 'link', between: ['a', 'b'] });
    store.getState().toggleFailure({ kind: 'site', site: 'c' });
    store.getState().toggleFailure({ kind: 'link', between: ['a', 'b'] });
    expect(store.getState().whatIfFailures).toEqual([{ kind: 'site', site: 'c' }]);
  });
});
