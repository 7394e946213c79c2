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
