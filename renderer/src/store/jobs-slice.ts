// Plan runs as they happen, from the job events: each step's state and a bounded live log per step.
import type { JobStepUpdated, RunResult } from '../../../main/common/contract/plan.js';
import type { SliceCreator } from './index.js';

export const LOG_LINES_PER_STEP = 2000;

export interface JobStep {
  id: string;
  title: string;
  target: string;
  state: JobStepUpdated['state'];
  attempt: number;
  message?: string;
  log: { stream: 'stdout' | 'stderr' | 'info'; text: string }[];
}

export interface Job {
  runId: string;
  status: 'running' | RunResult['status'];
  steps: JobStep[];
  result?: RunResult;
  startedAt: string;
}

export interface JobsSlice {
  jobs: Job[];
  selectedJob: string | null;
  selectJob(runId: string | null): void;
}

export const createJobsSlice: SliceCreator<JobsSlice> = (set, get, transport) => {
  const withJob = (runId: string, at: string, change: (job: Job) => Job) => {
    const jobs = get().jobs;
    const existing = jobs.find((j) => j.runId === runId) ?? { runId, status: 'running' as const, steps: [], startedAt: at };
    const updated = change(existing);
    set({ jobs: jobs.some((j) => j.runId === runId) ? jobs.map((j) => (j.runId === runId ? updated : j)) : [updated, ...jobs] });
  };
  transport.on('job.stepUpdated', (e) =>
    withJob(e.runId, e.at, (job) => {
      const known = job.steps.find((s) => s.id === e.stepId);
      const step: JobStep = { ...(known ?? { log: [] }), id: e.stepId, title: e.title, target: e.target, state: e.state, attempt: e.attempt, ...(e.message ? { message: e.message } : {}) };
      return { ...job, steps: known ? job.steps.map((s) => (s.id === e.stepId ? step : s)) : [...job.steps, step] };
    }),
  );
  transport.on('job.log', (e) =>
    withJob(e.runId, new Date().toISOString(), (job) => {
      const line = { stream: e.stream, text: e.text };
      // A line can arrive before its step's first update: keep it under a placeholder the update fills in.
      if (!job.steps.some((s) => s.id === e.stepId)) {
        return { ...job, steps: [...job.steps, { id: e.stepId, title: e.stepId, target: '', state: 'started', attempt: 1, log: [line] }] };
      }
      return { ...job, steps: job.steps.map((s) => (s.id === e.stepId ? { ...s, log: [...s.log, line].slice(-LOG_LINES_PER_STEP) } : s)) };
    }),
  );
  transport.on('job.finished', (result) => withJob(result.runId, new Date().toISOString(), (job) => ({ ...job, status: result.status, result })));
  return {
    jobs: [],
    selectedJob: null,
    selectJob: (selectedJob) => set({ selectedJob }),
  };
};
