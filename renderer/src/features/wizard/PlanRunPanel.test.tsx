// The wizards' shared plan and run parts, rendered without a browser: the run button waits for every
// destructive step's approval, the run shows each step with the log of the one running, the result in the
// wizard's words, Resume after a failure and Verify only after success; a wizard's test ids are kept.
import { MantineProvider } from '@mantine/core';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { PlanPreview, RunResult } from '../../../../main/common/contract/plan.js';
import type { Job, JobStep } from '../../store/jobs-slice.js';
import { PlanApproval, PlanRunProgress, planRunTestIds } from './PlanRunPanel.js';
import { runProgress, stepLogText, stepToShow } from './plan-run.js';
import type { PlanRun } from './use-plan-run.js';

const previewStep = (id: string, destructive = false): PlanPreview['steps'][number] => ({ id, title: `Step ${id}`, target: 'node n1', kind: 'exec', destructive, idempotent: !destructive, dependsOn: [], timeoutMs: 30_000, retryAttempts: 1, command: 'true' });
const preview: PlanPreview = {
  planId: 'build',
  title: 'Build the cluster',
  planHash: 'b'.repeat(64),
  approved: false,
  destructiveSteps: ['wipe'],
  unapprovedDestructive: ['wipe'],
  secrets: [],
  warnings: ['n2 was not read live: UNREACHABLE'],
  readFailures: [],
  steps: [previewStep('check'), previewStep('wipe', true), previewStep('join'), previewStep('verify')],
};

const jobStep = (id: string, state: JobStep['state'], log: JobStep['log'] = [], message?: string): JobStep => ({ id, title: `Step ${id}`, target: `node ${id === 'join' ? 'n2' : 'n1'}`, state, attempt: 1, log, ...(message ? { message } : {}) });
const result = (status: RunResult['status'], message: string): RunResult => ({ runId: 'r1', planId: 'build', planHash: preview.planHash, status, changed: 2, skipped: 1, failed: status === 'failed' ? 1 : 0, notRun: 0, nothingChanged: false, message, durationMs: 1000 });
const job = (status: Job['status'], steps: JobStep[], res?: RunResult): Job => ({ runId: 'r1', status, steps, startedAt: '2026-12-05T03:00:00Z', ...(res ? { result: res } : {}) });

const planRun = (over: Partial<PlanRun> = {}): PlanRun => ({
  preview,
  acknowledged: [],
  acknowledge: () => undefined,
  runId: null,
  job: null,
  show: () => Promise.resolve(preview),
  start: () => Promise.resolve('r1'),
  cancel: () => Promise.resolve(),
  resume: () => Promise.resolve(),
  ...over,
});
const ids = planRunTestIds('wizard');
const html = (node: React.ReactNode) => renderToStaticMarkup(<MantineProvider>{node}</MantineProvider>).replace(/<!-- -->/g, '');
/** The opening tag of the element with this test id. */
const tag = (markup: string, testId: string) => new RegExp(`<[^>]*data-testid="${testId}"[^>]*>`).exec(markup)?.[0] ?? '';

describe('the plan to approve', () => {
  it('keeps the run button disabled until each destructive step is ticked, and shows what was not read live', () => {
    const before = html(<PlanApproval run={planRun()} busy={false} onRun={() => undefined} testIds={ids} />);
    expect(before).toContain('data-testid="wizard-plan"');
    expect(before).toContain('data-testid="approve-wipe"');
    expect(tag(before, 'wizard-run')).toMatch(/disabled/);
    expect(before).toContain('n2 was not read live: UNREACHABLE');
    const ticked = html(<PlanApproval run={planRun({ acknowledged: ['wipe'] })} busy={false} onRun={() => undefined} testIds={ids} />);
    expect(tag(ticked, 'wizard-run')).not.toMatch(/disabled/);
    expect(ticked).toMatch(/data-testid="wizard-run"[^]*Run the plan/);
  });

  it("uses the wizard's own label and test ids, shows what the wizard adds, and hides the button when told", () => {
    const named = planRunTestIds('os', { run: 'os-register' });
    const shown = html(
      <PlanApproval run={planRun({ preview: { ...preview, destructiveSteps: [], unapprovedDestructive: [] } })} busy={false} onRun={() => undefined} testIds={named} runLabel="Register">
        <span data-testid="rehearsal">rehearsed</span>
      </PlanApproval>,
    );
    expect(shown).toMatch(/data-testid="os-plan"[^]*data-testid="rehearsal"[^]*data-testid="os-register"[^]*Register/);
    const hidden = html(<PlanApproval run={planRun()} busy={false} onRun={() => undefined} testIds={named} runnable={false} />);
    expect(hidden).toContain('data-testid="os-plan"');
    expect(hidden).not.toContain('os-register');
    expect(html(<PlanApproval run={planRun({ preview: null })} busy={false} onRun={() => undefined} testIds={ids} />)).not.toContain('data-testid=');
  });
});

describe('the run, step by step', () => {
  const running = job('running', [jobStep('check', 'succeeded', [{ stream: 'stdout', text: 'checked' }]), jobStep('wipe', 'skipped'), jobStep('join', 'started', [{ stream: 'stdout', text: 'joining n2' }, { stream: 'stderr', text: 'waiting for quorum' }]), jobStep('verify', 'pending')]);

  it('lists every step with its node and state, follows the running one, and offers Cancel but not yet Verify', () => {
    const markup = html(<PlanRunProgress run={planRun({ runId: 'r1', job: running })} busy={false} guard={(w) => w()} onVerify={() => undefined} testIds={ids} />);
    for (const id of ['check', 'wipe', 'join', 'verify']) expect(markup).toContain(`data-testid="wizard-step-${id}"`);
    expect(markup).toMatch(/data-testid="wizard-step-join"[^]*node n2[^]*Step join[^]*started/);
    // A step the engine skipped because its precheck found it done reads as such, not as "skipped".
    expect(markup).toMatch(/data-testid="wizard-step-wipe"[^]*Step wipe[^]*>already done</);
    expect(markup).not.toContain('>skipped<');
    expect(markup).toContain('Live log of Step join on node n2 (click a step to read its log)');
    expect(markup).toMatch(/data-testid="wizard-step-log"[^>]*>joining n2\n! waiting for quorum</);
    expect(markup).toMatch(/aria-valuenow="50"/);
    expect(markup).toContain('>Cancel<');
    expect(markup).not.toContain('wizard-resume');
    expect(tag(markup, 'wizard-verify')).toMatch(/disabled/);
    expect(markup).not.toContain('wizard-run-result');
  });

  it('after a failure shows the failed step, the result and Resume; after success the result in the wizard\'s words and Verify', () => {
    const failed = job('failed', [jobStep('check', 'succeeded'), jobStep('wipe', 'failed', [], 'wipefs: device busy'), jobStep('join', 'pending')], result('failed', 'Step wipe failed on node n1'));
    const afterFailure = html(<PlanRunProgress run={planRun({ runId: 'r1', job: failed })} busy={false} guard={(w) => w()} onVerify={() => undefined} testIds={ids} />);
    expect(afterFailure).toMatch(/data-testid="wizard-step-log"[^>]*>wipefs: device busy</);
    expect(afterFailure).toMatch(/data-testid="wizard-run-result"[^]*Step wipe failed on node n1/);
    expect(afterFailure).toContain('data-testid="wizard-resume"');
    expect(afterFailure).not.toContain('>Cancel<');

    const succeeded = job('succeeded', running.steps.map((s) => ({ ...s, state: 'succeeded' as const })), result('succeeded', 'Done'));
    const named = planRunTestIds('os', { result: 'os-catalog-result' });
    const afterSuccess = html(<PlanRunProgress run={planRun({ runId: 'r1', job: succeeded })} busy={false} guard={(w) => w()} onVerify={() => undefined} testIds={named} resultText={(r) => `Registered: ${r.changed} steps changed`} progressLabel="Registration progress" />);
    expect(afterSuccess).toMatch(/data-testid="os-catalog-result"[^]*Registered: 2 steps changed/);
    expect(afterSuccess).toMatch(/aria-label="Registration progress"[^>]*aria-valuenow="100"|aria-valuenow="100"[^>]*aria-label="Registration progress"/);
    expect(tag(afterSuccess, 'os-verify')).not.toMatch(/disabled/);
    expect(afterSuccess).not.toContain('os-resume');
  });
});

describe('what the run panel works out from the job', () => {
  it('counts skipped steps as done, of the run or the plan, whichever has more steps; 100 once it succeeded, 0 before any step', () => {
    expect(runProgress(job('running', [jobStep('a', 'succeeded'), jobStep('b', 'skipped'), jobStep('c', 'started')]), 8)).toBe(25);
    expect(runProgress(job('running', [jobStep('a', 'succeeded'), jobStep('b', 'skipped'), jobStep('c', 'started')]), 0)).toBe(67);
    expect(runProgress(job('succeeded', [jobStep('a', 'started')]), 4)).toBe(100);
    expect(runProgress(job('running', []), 4)).toBe(0);
    expect(runProgress(null, 4)).toBe(0);
  });

  it('shows the step the admin opened, else the latest running, else the failed one, else the last', () => {
    const steps = [jobStep('a', 'succeeded'), jobStep('b', 'retrying'), jobStep('c', 'checking'), jobStep('d', 'pending')];
    expect(stepToShow(job('running', steps), 'a')?.id).toBe('a');
    expect(stepToShow(job('running', steps), 'gone')).toBeNull();
    expect(stepToShow(job('running', steps), null)?.id).toBe('c');
    expect(stepToShow(job('failed', [jobStep('a', 'failed'), jobStep('b', 'pending')]), null)?.id).toBe('a');
    expect(stepToShow(job('succeeded', [jobStep('a', 'succeeded'), jobStep('b', 'succeeded')]), null)?.id).toBe('b');
    expect(stepToShow(null, null)).toBeNull();
  });

  it("shows the end of a step's log with stderr marked, else its message", () => {
    const log = Array.from({ length: 400 }, (_, i) => ({ stream: i % 2 ? ('stderr' as const) : ('stdout' as const), text: `line ${i}` }));
    const text = stepLogText(jobStep('a', 'started', log)).split('\n');
    expect(text).toHaveLength(300);
    expect(text[0]).toBe('line 100');
    expect(text[299]).toBe('! line 399');
    expect(stepLogText(jobStep('a', 'failed', [], 'exit 1'))).toBe('exit 1');
    expect(stepLogText(jobStep('a', 'pending'))).toBe('No output yet.');
  });
});
