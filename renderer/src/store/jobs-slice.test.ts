import { describe, expect, it } from 'vitest';
import { createFakeTransport } from '../transport/fake.js';
import { createAppStore } from './index.js';
import { LOG_LINES_PER_STEP } from './jobs-slice.js';

const hash = 'a'.repeat(64);

describe('jobs slice', () => {
  it('follows a run from the job events: steps, bounded logs and the result', () => {
    const transport = createFakeTransport({});
    const store = createAppStore(transport);
    const at = new Date().toISOString();
    transport.emit('job.stepUpdated', { runId: 'r1', stepId: 's1', title: 'Write corosync.conf', target: 'pve1', state: 'started', attempt: 1, at });
    for (let i = 0; i < LOG_LINES_PER_STEP + 10; i++) transport.emit('job.log', { runId: 'r1', stepId: 's1', stream: 'stdout', text: `line ${i}` });
    transport.emit('job.stepUpdated', { runId: 'r1', stepId: 's1', title: 'Write corosync.conf', target: 'pve1', state: 'succeeded', attempt: 1, at });
    transport.emit('job.finished', { runId: 'r1', planId: 'p', planHash: hash, status: 'succeeded', changed: 1, skipped: 0, failed: 0, notRun: 0, nothingChanged: false, message: 'done', durationMs: 5 });
    const job = store.getState().jobs[0]!;
    expect(job.status).toBe('succeeded');
    expect(job.steps[0]).toMatchObject({ state: 'succeeded', target: 'pve1' });
    expect(job.steps[0]!.log).toHaveLength(LOG_LINES_PER_STEP);
    expect(job.steps[0]!.log.at(-1)?.text).toBe(`line ${LOG_LINES_PER_STEP + 9}`);
  });

  it('keeps a log line that arrives before its step, and the step update keeps it', () => {
    const transport = createFakeTransport({});
    const store = createAppStore(transport);
    transport.emit('job.log', { runId: 'r2', stepId: 'join', stream: 'stderr', text: 'waiting for quorum' });
    transport.emit('job.stepUpdated', { runId: 'r2', stepId: 'join', title: 'Join b1', target: 'b1', state: 'started', attempt: 1, at: new Date().toISOString() });
    const step = store.getState().jobs[0]!.steps[0]!;
    expect(step).toMatchObject({ title: 'Join b1', target: 'b1' });
    expect(step.log).toEqual([{ stream: 'stderr', text: 'waiting for quorum' }]);
  });
});

describe('job notices', () => {
  const base = { planId: 'proxmox-homelab', planHash: hash, changed: 0, skipped: 0, failed: 0, notRun: 0, nothingChanged: false, durationMs: 5 };
  it('announces a finished run once, and a failed one with the step and node where it stopped', () => {
    const transport = createFakeTransport({});
    const store = createAppStore(transport);
    transport.emit('job.stepUpdated', { runId: 'r3', stepId: 'join-pve2', title: 'Join pve2', target: 'pve2', state: 'failed', attempt: 1, at: new Date().toISOString() });
    transport.emit('job.finished', { ...base, runId: 'r3', status: 'failed', failed: 1, message: 'Step join-pve2 failed.', failure: { stepId: 'join-pve2', target: 'pve2', code: 'REMOTE_FAILED', message: 'pvecm add exited 255' } });
    transport.emit('job.finished', { ...base, runId: 'r4', status: 'succeeded', changed: 3, skipped: 1, message: 'Done.' });
    expect(store.getState().notices).toEqual([
      { runId: 'r3', tone: 'error', title: 'Plan proxmox-homelab failed', message: 'Join pve2 on pve2: pvecm add exited 255' },
      { runId: 'r4', tone: 'success', title: 'Plan proxmox-homelab finished', message: '3 steps changed, 1 already done. Done.' },
    ]);
    store.getState().takeNotices(['r3']);
    expect(store.getState().notices.map((n) => n.runId)).toEqual(['r4']);
  });

  it('does not announce a run a view on screen shows, and does again once that view has closed', () => {
    const transport = createFakeTransport({});
    const store = createAppStore(transport);
    const unwatch = store.getState().watchRun('w1');
    transport.emit('job.finished', { ...base, runId: 'w1', status: 'succeeded', changed: 2, message: 'Done.' });
    expect(store.getState().notices).toEqual([]);
    expect(store.getState().jobs[0]).toMatchObject({ runId: 'w1', status: 'succeeded' });
    unwatch();
    expect(store.getState().watchedRuns).toEqual([]);
    transport.emit('job.finished', { ...base, runId: 'w1', status: 'failed', failed: 1, message: 'Resumed and failed.' });
    expect(store.getState().notices.map((n) => n.runId)).toEqual(['w1']);
  });

  it('says when nothing needed changing, and how to go on after a cancel or an interruption', () => {
    const transport = createFakeTransport({});
    const store = createAppStore(transport);
    transport.emit('job.finished', { ...base, runId: 'a', status: 'succeeded', skipped: 4, nothingChanged: true, message: 'Nothing to do.' });
    transport.emit('job.finished', { ...base, runId: 'b', status: 'cancelled', notRun: 2, message: 'Cancelled.' });
    transport.emit('job.finished', { ...base, runId: 'c', status: 'interrupted', message: 'The app stopped.' });
    const [a, b, c] = store.getState().notices;
    expect(a).toMatchObject({ tone: 'success', title: 'Plan proxmox-homelab: nothing to change' });
    expect(b).toMatchObject({ tone: 'warning', title: 'Plan proxmox-homelab cancelled', message: expect.stringMatching(/2 steps not run; resume/) });
    expect(c).toMatchObject({ tone: 'warning', message: expect.stringMatching(/Resume it from the job/) });
  });
});
