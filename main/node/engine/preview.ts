// The preview an admin approves: every command (secrets redacted), every API call, and a unified
// diff of each remote file against what is there now, read live through the runner.
import type { PlanPreview, StepPreview } from '../../common/contract/plan.js';
import { isCwError } from '../../common/errors.js';
import { parsePlan } from '../../common/plan/dag.js';
import { describeTarget, precheckOf, type Plan } from '../../common/plan/schema.js';
import { collectSecretIds, secretMarker } from '../../common/plan/secrets.js';
import { destructiveStepIds, unapprovedDestructive, type Approval } from './approvals.js';
import { AuditLog } from './audit.js';
import { describeCheck } from './describe.js';
import { unifiedDiff } from './diff.js';
import { planHash } from './hash.js';
import { bodyText, redactedCommand, redactedText, Redactor, resolveSecrets, type SecretResolver } from './render.js';
import type { StepRunner } from './runner.js';
import type { StackExecutors } from './stack-ops.js';

export interface PreviewOptions {
  runner: StepRunner;
  /** Used only to scrub secret values out of remote files shown in diffs. */
  secrets: SecretResolver;
  approval: Approval | null;
  auditFile?: string;
  signal?: AbortSignal;
  /** Per file read; a node that does not answer becomes a warning, not a failure. */
  readTimeoutMs?: number;
  /** How each stack describes its operations. */
  stacks?: StackExecutors;
}

export async function previewPlan(rawPlan: unknown, options: PreviewOptions): Promise<PlanPreview> {
  const plan: Plan = parsePlan(rawPlan);
  const hash = planHash(plan);
  const redactor = new Redactor();
  const warnings: string[] = [];
  const readFailures: PlanPreview['readFailures'] = [];
  try {
    await resolveSecrets(plan, options.secrets, redactor);
  } catch (error) {
    warnings.push(`Not every secret could be looked up (${(error as Error).message}); the run will fail until it can.`);
  }
  const audit = options.auditFile ? new AuditLog(options.auditFile, redactor) : null;
  const signal = options.signal ?? new AbortController().signal;

  const steps = await Promise.all(
    plan.steps.map(async (step): Promise<StepPreview> => {
      const precheck = precheckOf(step);
      const preview: StepPreview = {
        id: step.id,
        title: step.title,
        target: describeTarget(step.target),
        kind: step.action.kind,
        destructive: step.destructive,
        idempotent: step.idempotent,
        dependsOn: step.dependsOn,
        ...(precheck ? { precheck: describeCheck(precheck, options.stacks) } : {}),
        ...(step.verify ? { verify: describeCheck(step.verify, options.stacks) } : {}),
        ...(step.rollback ? { rollback: step.rollback } : {}),
        timeoutMs: step.timeoutMs,
        retryAttempts: step.retry.attempts,
      };
      const action = step.action;
      if (action.kind === 'exec') preview.command = redactedCommand(action.command);
      if (action.kind === 'api') {
        const body = bodyText(action.request.body, secretMarker);
        preview.request = { method: action.request.method, path: action.request.path, ...(body !== undefined ? { body } : {}) };
      }
      if (action.kind === 'wait') preview.wait = { until: describeCheck(action.until, options.stacks), intervalMs: action.intervalMs, deadlineMs: action.deadlineMs };
      if (action.kind === 'stack') preview.operation = { stack: action.stack, op: action.op, text: options.stacks?.(action.stack)?.describe(action) ?? `${action.op} ${JSON.stringify(action.args)}` };
      if (action.kind === 'upload' && 'node' in step.target) {
        const wanted = redactedText(action.content);
        let current: string | null = null;
        let mode: number | undefined;
        try {
          const file = await options.runner.readFile(step.target, action.path, { signal, timeoutMs: options.readTimeoutMs ?? 15_000 });
          current = file === null ? null : redactor.redact(file.content);
          mode = file?.mode;
          audit?.append({ at: new Date().toISOString(), runId: 'preview', stepId: step.id, target: describeTarget(step.target), operation: 'read', purpose: 'preview', what: action.path, outcome: file ? 'read' : 'absent' });
        } catch (error) {
          warnings.push(`Could not read ${action.path} on ${describeTarget(step.target)} for step "${step.id}": ${isCwError(error) ? error.message : String(error)}`);
          readFailures.push({ stepId: step.id, target: describeTarget(step.target), code: isCwError(error) ? error.code : 'INTERNAL' });
        }
        const diff = unifiedDiff(action.path, current, wanted);
        const modeSame = mode === undefined || mode === parseInt(action.mode, 8);
        preview.upload = {
          path: action.path,
          mode: action.mode,
          ...(action.owner ? { owner: action.owner } : {}),
          diff: redactor.redact(diff),
          exists: current !== null,
          unchanged: current !== null && diff === '' && modeSame,
        };
      }
      return preview;
    }),
  );

  return {
    planId: plan.id,
    title: plan.title,
    planHash: hash,
    approved: options.approval?.planHash === hash && unapprovedDestructive(plan, hash, options.approval).length === 0,
    destructiveSteps: destructiveStepIds(plan),
    unapprovedDestructive: unapprovedDestructive(plan, hash, options.approval),
    secrets: [...collectSecretIds(plan)],
    steps,
    warnings,
    readFailures,
  };
}
