// A wizard's plan, from preview to run: the preview and the destructive steps the admin ticked, the approval
// against the plan's hash, the run it started (followed in the job events) with cancel and resume, and a
// guard that shows the wizard busy and keeps the last error for it to show.
import { useEffect, useState } from 'react';
import type { MethodInput } from '../../../../main/common/contract/index.js';
import type { PlanPreview } from '../../../../main/common/contract/plan.js';
import { useAppState, useTransport } from '../../store/context.js';
import { describeError } from '../../store/describe-error.js';
import type { Job } from '../../store/jobs-slice.js';

type Plan = MethodInput<'plan.preview'>['plan'];

/** Runs the wizard's actions one at a time: busy while one runs, its failure described in `error`. */
export function useWizardGuard() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const guard = async (work: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (e) {
      setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, setError, guard };
}

export interface PlanRun {
  preview: PlanPreview | null;
  /** The destructive steps the admin ticked in this preview. */
  acknowledged: string[];
  acknowledge(stepId: string, on: boolean): void;
  runId: string | null;
  /** The run as the job events tell it (null before the first event). */
  job: Job | null;
  /** Previews a plan; what was ticked for an earlier preview is forgotten. */
  show(plan: Plan): Promise<PlanPreview>;
  /** Approves the ticked destructive steps against the previewed hash (when it has any), then starts the plan; resolves with the run's id. */
  start(plan: Plan): Promise<string>;
  cancel(): Promise<void>;
  resume(): Promise<void>;
}

/**
 * The plan a wizard previews and runs. Its run is watched: the wizard shows it step by step, so the app puts
 * no notification over it when it ends.
 */
export function usePlanRun(): PlanRun {
  const transport = useTransport();
  const jobs = useAppState((s) => s.jobs);
  const watchRun = useAppState((s) => s.watchRun);
  const [preview, setPreview] = useState<PlanPreview | null>(null);
  const [acknowledged, setAcknowledged] = useState<string[]>([]);
  const [runId, setRunId] = useState<string | null>(null);
  useEffect(() => (runId ? watchRun(runId) : undefined), [runId, watchRun]);
  return {
    preview,
    acknowledged,
    acknowledge: (stepId, on) => setAcknowledged((a) => (on ? [...a, stepId] : a.filter((x) => x !== stepId))),
    runId,
    job: jobs.find((j) => j.runId === runId) ?? null,
    show: async (plan) => {
      const shown = await transport.call('plan.preview', { plan });
      setPreview(shown);
      setAcknowledged([]);
      return shown;
    },
    start: async (plan) => {
      if (!preview) throw new Error('Show the plan before running it: it runs only as previewed.');
      if (preview.destructiveSteps.length > 0) await transport.call('plan.approve', { plan, planHash: preview.planHash, acknowledgeDestructive: acknowledged });
      const started = await transport.call('plan.apply', { plan, planHash: preview.planHash, wait: false });
      setRunId(started.runId);
      return started.runId;
    },
    cancel: async () => {
      if (runId) await transport.call('plan.cancel', { runId });
    },
    resume: async () => {
      if (runId) await transport.call('plan.resume', { runId, wait: false });
    },
  };
}
