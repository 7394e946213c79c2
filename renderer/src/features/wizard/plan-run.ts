// What a wizard's run panel shows of a plan run, worked out from the job alone: how far it is, which step's
// log to show (the one the admin opened, else the one running), that log's text, and a step state's colour.
import type { Job, JobStep } from '../../store/jobs-slice.js';

/** Lines of a step's log the panel shows (the store keeps more; the job drawer shows them all). */
export const SHOWN_LOG_LINES = 300;

const finished = (step: JobStep) => step.state === 'succeeded' || step.state === 'skipped';

/** Percent of the steps done (skipped ones count), of the run's steps or the plan's, whichever is more; 100 once it succeeded. */
export function runProgress(job: Job | null, plannedSteps: number): number {
  if (job?.status === 'succeeded') return 100;
  if (!job || job.steps.length === 0) return 0;
  return Math.round((100 * job.steps.filter(finished).length) / Math.max(job.steps.length, plannedSteps, 1));
}

/** The step whose log is shown: the one the admin opened, else the latest one running, else the failed one, else the last. */
export function stepToShow(job: Job | null, opened: string | null): JobStep | null {
  const steps = job?.steps ?? [];
  if (opened) return steps.find((s) => s.id === opened) ?? null;
  const live = [...steps].reverse().find((s) => s.state === 'started' || s.state === 'checking' || s.state === 'retrying');
  return live ?? steps.find((s) => s.state === 'failed') ?? steps[steps.length - 1] ?? null;
}

/** The end of a step's log, stderr lines marked with `! `; its message (or a placeholder) while it has none. */
export function stepLogText(step: JobStep, lines = SHOWN_LOG_LINES): string {
  if (!step.log.length) return step.message ?? 'No output yet.';
  return step.log
    .slice(-lines)
    .map((l) => (l.stream === 'stderr' ? `! ${l.text}` : l.text))
    .join('\n');
}

/** A step's state in the admin's words: the engine skips a step only when its precheck says it is already done. */
export function stepStateLabel(state: string): string {
  return state === 'skipped' ? 'already done' : state;
}

export function stepStateColour(state: JobStep['state']): string {
  return state === 'failed' ? 'red' : state === 'succeeded' || state === 'skipped' ? 'green' : 'blue';
}
