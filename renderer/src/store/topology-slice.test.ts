import { describe, expect, it, vi } from 'vitest';
import { emptyWorkspace } from '../../../main/common/workspace/empty.js';
import { createFakeTransport } from '../transport/fake.js';
import { createAppStore } from './index.js';

function storeWithWorkspace() {
  const store = createAppStore(createFakeTransport({}));
  const ws = emptyWorkspace('test');
  ws.sites.push({ name: 'a', kind: 'lan' });
  store.getState().setWorkspace(ws);
  return store;
}

describe('topology slice edits', () => {
  it('keeps a valid edit and can undo and redo it', () => {
    const store = storeWithWorkspace();
    expect(store.getState().edit((ws) => ws.nodes.push({ name: 'pve1', site: 'a', addresses: {} }), 'add node pve1')).toBeNull();
    expect(store.getState().workspace?.nodes.map((n) => n.name)).toEqual(['pve1']);
    store.getState().undo();
    expect(store.getState().workspace?.nodes).toEqual([]);
    store.getState().redo();
    expect(store.getState().workspace?.nodes.map((n) => n.name)).toEqual(['pve1']);
  });

  it('refuses an edit that breaks the schema or a reference, and keeps the model as it was', () => {
    const store = storeWithWorkspace();
    const before = store.getState().workspace;
    const bad = store.getState().edit((ws) => ws.nodes.push({ name: 'bad name!', site: 'a', addresses: {} }), 'add node');
    expect(bad).toMatch(/Could not add node: nodes\.0\.name/);
    const dangling = store.getState().edit((ws) => ws.nodes.push({ name: 'pve9', site: 'nowhere', addresses: {} }), 'add node pve9');
    expect(dangling).toMatch(/nowhere/);
    expect(store.getState().workspace).toBe(before);
    expect(store.getState().past).toHaveLength(0);
  });

  it('a new edit clears the redo list', () => {
    const store = storeWithWorkspace();
    store.getState().edit((ws) => ws.sites.push({ name: 'b', kind: 'wan' }), 'add site b');
    store.getState().undo();
    expect(store.getState().future).toHaveLength(1);
    store.getState().edit((ws) => ws.sites.push({ name: 'c', kind: 'man' }), 'add site c');
    expect(store.getState().future).toHaveLength(0);
    expect(store.getState().redo()).toBeNull();
  });
});

describe('latency schedule', () => {
  it('re-measures on the chosen interval and stops when set back to on demand', async () => {
    vi.useFakeTimers();
    try {
      const transport = createFakeTransport({
        'latency.measure': () => ({ matrix: { version: 1, measuredAt: '', runner: 'ssh', count: 1, intervalS: 0.2, samples: [] }, file: '/w/l.json', runsOnNodes: true, unreachable: 0 }),
        'latency.current': () => ({ facts: {}, file: '/w/l.json' }),
        'workspace.validate': () => ({ issues: [], findings: [], counts: { error: 0, warning: 0, info: 0, accepted: 0 }, ok: true }),
      });
      const store = createAppStore(transport);
      store.getState().setWorkspace(emptyWorkspace('t'));
      store.getState().setLatencySchedule(5);
      await vi.advanceTimersByTimeAsync(5 * 60_000 + 10);
      await vi.advanceTimersByTimeAsync(5 * 60_000 + 10);
      expect(transport.calls.filter((c) => c.method === 'latency.measure')).toHaveLength(2);
      store.getState().setLatencySchedule(null);
      await vi.advanceTimersByTimeAsync(20 * 60_000);
      expect(transport.calls.filter((c) => c.method === 'latency.measure')).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('a latency measurement started elsewhere', () => {
  it('shows its progress, then its figures when it ends, and leaves the schedule free to measure again', async () => {
    vi.useFakeTimers();
    try {
      const samples = [{ network: 'mgmt', from: 'a1', to: 'w2', toAddress: '198.18.0.2', sent: 3, received: 3, lossPercent: 0, avgMs: 30, measuredAt: '2026-01-01T00:00:00Z' }];
      let stored = {};
      const transport = createFakeTransport({
        'latency.measure': () => ({ matrix: { version: 1, measuredAt: '', runner: 'ssh', count: 1, intervalS: 0.2, samples: [] }, file: '/w/l.json', runsOnNodes: true, unreachable: 0 }),
        'latency.current': () => ({ facts: stored, file: '/w/l.json' }),
        'workspace.validate': () => ({ issues: [], findings: [], counts: { error: 0, warning: 0, info: 0, accepted: 0 }, ok: true }),
      });
      const store = createAppStore(transport);
      store.getState().setWorkspace(emptyWorkspace('t'));
      store.getState().setLatencySchedule(5);
      // The CLI's core (or another window) measures: this window sees its progress, then its end.
      transport.emit('latency.progress', { runId: 'elsewhere', done: 9, total: 10, network: 'mgmt', from: 'a1', to: 'w2', lossPercent: 0 });
      expect(store.getState().measuring).toEqual({ done: 9, total: 10 });
      stored = { latency: { version: 1, measuredAt: '2026-01-01T00:00:00Z', runner: 'ssh', count: 3, intervalS: 0.2, samples } };
      transport.emit('latency.measured', { runId: 'elsewhere', path: '/w/clusterwright.yaml', measuredAt: '2026-01-01T00:00:00Z', pairs: 1, unreachable: 0, runner: 'ssh' });
      await vi.advanceTimersByTimeAsync(0);
      expect(store.getState().measuring).toBeNull();
      expect(store.getState().facts.latency?.samples).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(5 * 60_000 + 10);
      expect(transport.calls.filter((c) => c.method === 'latency.measure')).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('cluster badges after a reload', () => {
  it('loads the last quorum reading of each cluster from the facts when the workspace opens', async () => {
    const ws = emptyWorkspace('estate');
    const reading = { quorate: true, totalVotes: 3, expectedVotes: 3, nodes: [{ name: 'pve1', online: true }], checkedAt: '2026-11-25T10:00:00Z' };
    const transport = createFakeTransport({
      'workspace.current': () => ({ path: '/w/clusterwright.yaml', folder: '/w', revision: 'r', workspace: ws, issues: [], findings: [], counts: { error: 0, warning: 0, info: 0, accepted: 0 }, ok: true, latency: null }),
      'latency.current': () => ({ facts: { quorum: [{ cluster: 'homelab', status: reading }] }, file: '/w/clusterwright.latency.json' }),
      'inventory.list': () => ({ vms: [], sources: [] }),
    });
    const store = createAppStore(transport);
    await store.getState().loadWorkspace();
    expect(store.getState().clusterStatuses.homelab).toEqual(reading);
  });
});
