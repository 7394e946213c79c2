// The canvas's VMs stay current without a page reload: read on a schedule while visible, backing off while a
// cluster does not answer, and after every job; the time of the last read is kept to say how fresh they are.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CwError } from '../../../main/common/errors.js';
import type { VmRecord } from '../../../main/common/contract/inventory.js';
import { createFakeTransport } from '../transport/fake.js';
import { createAppStore } from './index.js';
import { nextInventoryDelay } from './inventory-slice.js';

const vm = (node: string): VmRecord => ({ id: 'proxmox:homelab:101', stack: 'proxmox', cluster: 'homelab', node, name: 'web', status: 'running' });

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function backend() {
  const answers: (() => { vms: VmRecord[]; sources: { stack: 'proxmox'; cluster: string; ok: boolean; vms: number; error?: string }[] })[] = [];
  const transport = createFakeTransport({
    'inventory.list': () => {
      const next = answers.shift();
      if (!next) throw new CwError('UNREACHABLE', 'no answer');
      return next();
    },
  });
  const store = createAppStore(transport);
  store.setState({ workspace: { name: 'estate' } as never });
  return { transport, store, answers, reads: () => transport.calls.filter((c) => c.method === 'inventory.list').length };
}

describe('inventory refresh', () => {
  it('reads the VMs every 30 s while visible, so a VM created on a node appears without a reload', async () => {
    const { store, answers, reads } = backend();
    answers.push(() => ({ vms: [], sources: [{ stack: 'proxmox', cluster: 'homelab', ok: true, vms: 0 }] }));
    answers.push(() => ({ vms: [vm('pve1')], sources: [{ stack: 'proxmox', cluster: 'homelab', ok: true, vms: 1 }] }));
    const stop = store.getState().startInventoryRefresh({ isVisible: () => true });
    await vi.advanceTimersByTimeAsync(29_000);
    expect(reads()).toBe(0);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(reads()).toBe(1);
    await vi.advanceTimersByTimeAsync(30_000);
    expect(reads()).toBe(2);
    expect(store.getState().vms.map((v) => v.node)).toEqual(['pve1']);
    expect(Date.parse(store.getState().inventoryReadAt!)).toBe(Date.now());
    stop();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(reads()).toBe(2);
  });

  it('backs off while reads fail (30 s, 60 s, 120 s…) and returns to 30 s once they succeed; nothing is read while hidden', async () => {
    expect([0, 1, 2, 3, 10].map((f) => nextInventoryDelay(f))).toEqual([30_000, 60_000, 120_000, 240_000, 300_000]);
    const { store, answers, reads } = backend();
    let visible = false;
    const stop = store.getState().startInventoryRefresh({ isVisible: () => visible });
    await vi.advanceTimersByTimeAsync(90_000);
    expect(reads()).toBe(0);
    visible = true;
    await vi.advanceTimersByTimeAsync(30_000); // fails (no answer queued)
    expect(reads()).toBe(1);
    expect(store.getState().inventoryFailures).toBe(1);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(reads()).toBe(1);
    answers.push(() => ({ vms: [vm('pve2')], sources: [{ stack: 'proxmox', cluster: 'homelab', ok: true, vms: 1 }] }));
    await vi.advanceTimersByTimeAsync(1_000);
    expect(reads()).toBe(2);
    expect(store.getState().inventoryFailures).toBe(0);
    stop();
  });

  it('reads again when a job (a migration, a wizard run) has finished', async () => {
    const { transport, store, answers, reads } = backend();
    answers.push(() => ({ vms: [vm('pve3')], sources: [] }));
    transport.emit('job.finished', { runId: 'r1', planId: 'p', planHash: 'h', status: 'succeeded', steps: [], startedAt: new Date().toISOString(), finishedAt: new Date().toISOString() } as never);
    await vi.advanceTimersByTimeAsync(0);
    expect(reads()).toBe(1);
    expect(store.getState().vms[0]?.node).toBe('pve3');
  });
});
