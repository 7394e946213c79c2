// Plan runs as they happen, from the job events: each step's state, a bounded live log per step, and a
// notice when a run ends (shown as a notification).
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

/** What the app tells the admin when a run ends (a notification), until it has been shown. */
export interface JobNotice {
  runId: string;
  tone: 'success' | 'warning' | 'error';
  title: string;
  message: string;
}

export interface JobsSlice {
  jobs: Job[];
  selectedJob: string | null;
  selectJob(runId: string | null): void;
  /** Runs that ended and have not been announced yet (job.finished events). */
  notices: JobNotice[];
  /** The notifications layer took these and showed them. */
  takeNotices(runIds: string[]): void;
  /** Runs a view on screen shows as they go (the wizard's run): their end is not announced again over that view. */
  watchedRuns: string[];
  /** Marks a run as shown by a view; the returned function ends that (when the view closes). */
  watchRun(runId: string): () => void;
}

/** The notification for a run that ended: finished, finished with nothing to do, failed (where), cancelled, interrupted. */
export function jobNotice(result: RunResult, job?: Job): JobNotice {
  const failedStep = result.failure ? job?.steps.find((s) => s.id === result.failure!.stepId) : undefined;
  switch (result.status) {
    case 'succeeded':
      return {
        runId: result.runId,
        tone: 'success',
        title: result.nothingChanged ? `Plan ${result.planId}: nothing to change` : `Plan ${result.planId} finished`,
        message: result.nothingChanged ? `Every step was already done. ${result.message}` : `${result.changed} ${result.changed === 1 ? 'step' : 'steps'} changed, ${result.skipped} already done. ${result.message}`,
      };
    case 'failed':
      return {
        runId: result.runId,
        tone: 'error',
        title: `Plan ${result.planId} failed`,
        message: result.failure ? `${failedStep?.title ?? result.failure.stepId} on ${result.failure.target}: ${result.failure.message}` : result.message,
      };
    case 'cancelled':
      return { runId: result.runId, tone: 'warning', title: `Plan ${result.planId} cancelled`, message: `${result.notRun} ${result.notRun === 1 ? 'step' : 'steps'} not run; resume it from the job when you are ready. ${result.message}` };
    default:
      return { runId: result.runId, tone: 'warning', title: `Plan ${result.planId} interrupted`, message: `${result.message} Resume it from the job to carry on where it stopped.` };
  }
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
  transport.on('job.finished', (result) => {
    withJob(result.runId, new Date().toISOString(), (job) => ({ ...job, status: result.status, result }));
    const job = get().jobs.find((j) => j.runId === result.runId);
    if (get().watchedRuns.includes(result.runId)) return;
    set({ notices: [...get().notices.filter((n) => n.runId !== result.runId), jobNotice(result, job)] });
  });
  return {
    jobs: [],
    selectedJob: null,
    selectJob: (selectedJob) => set({ selectedJob }),
    notices: [],
    takeNotices: (runIds) => set({ notices: get().notices.filter((n) => !runIds.includes(n.runId)) }),
    watchedRuns: [],
    watchRun: (runId) => {
      set({ watchedRuns: [...get().watchedRuns, runId] });
      return () => {
        const watched = [...get().watchedRuns];
        watched.splice(watched.indexOf(runId), 1);
        set({ watchedRuns: watched });
      };
    },
  };
};
