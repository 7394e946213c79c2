// The plan and run parts every stack's wizard shows: the plan to approve (every command, API call and file
// diff; destructive steps ticked one by one; warnings) with its run button, and the run itself (progress, each
// step's state, the live log of the running step or of the one clicked, the result, Cancel / Resume, Verify).
// A wizard keeps its own data-testids: they are `<prefix>-plan`, `<prefix>-run`… unless it names them.
import { Alert, Badge, Button, Code, Group, Progress, ScrollArea, Stack, Table, Text } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import type { RunResult } from '../../../../main/common/contract/plan.js';
export { PlanNotes } from './PlanNotes.js';
import { PlanPreviewView } from './PlanPreviewView.js';
import { runProgress, stepLogText, stepStateColour, stepStateLabel, stepToShow } from './plan-run.js';
import type { PlanRun } from './use-plan-run.js';

export interface PlanRunTestIds {
  /** The plan part. */
  plan: string;
  /** Its run button. */
  run: string;
  /** The run part. */
  progress: string;
  /** A step's row is `<step>-<step id>`. */
  step: string;
  log: string;
  result: string;
  resume: string;
  verify: string;
}

/** The test ids under one prefix, some named otherwise. */
export function planRunTestIds(prefix: string, named: Partial<PlanRunTestIds> = {}): PlanRunTestIds {
  return {
    plan: `${prefix}-plan`,
    run: `${prefix}-run`,
    progress: `${prefix}-run-progress`,
    step: `${prefix}-step`,
    log: `${prefix}-step-log`,
    result: `${prefix}-run-result`,
    resume: `${prefix}-resume`,
    verify: `${prefix}-verify`,
    ...named,
  };
}

/** The checks step's way on to the plan: disabled while an error finding stands. */
export function ToPlanButton({ blocking, busy, onClick, testId }: { blocking: boolean; busy: boolean; onClick(): void; testId: string }) {
  return (
    <Group justify="flex-end">
      <Button onClick={onClick} disabled={blocking} loading={busy} data-testid={testId}>
        {blocking ? 'Fix the errors first' : 'Show the plan'}
      </Button>
    </Group>
  );
}

/** The plan to approve and its run button (red when it has destructive steps, enabled once each is ticked). */
export function PlanApproval({
  run,
  busy,
  onRun,
  testIds,
  runLabel = 'Run the plan',
  runnable = true,
  children,
}: {
  run: PlanRun;
  busy: boolean;
  onRun(): void;
  testIds: PlanRunTestIds;
  runLabel?: string;
  /** False hides the run button (the plan has been started from here already). */
  runnable?: boolean;
  /** Shown under the plan, above the run button. */
  children?: ReactNode;
}) {
  const preview = run.preview;
  if (!preview) return null;
  return (
    <Stack gap="xs" data-testid={testIds.plan}>
      <ScrollArea.Autosize mah="calc(100vh - 330px)" type="auto">
        <PlanPreviewView preview={preview} acknowledged={run.acknowledged} onAcknowledge={run.acknowledge} />
      </ScrollArea.Autosize>
      {preview.warnings.map((w, i) => (
        <Text key={i} size="xs" c="orange">
          {w}
        </Text>
      ))}
      {children}
      {runnable && (
        <Group justify="flex-end">
          <Button color={preview.destructiveSteps.length ? 'red' : undefined} onClick={onRun} loading={busy} disabled={preview.destructiveSteps.some((s) => !run.acknowledged.includes(s))} data-testid={testIds.run}>
            {runLabel}
          </Button>
        </Group>
      )}
    </Stack>
  );
}

/** The run, step by step: a step's row opens its log (click again to follow the running one). */
export function PlanRunProgress({
  run,
  busy,
  guard,
  onVerify,
  testIds,
  progressLabel = 'Plan progress',
  resultText = (result) => result.message,
  verifyLabel = 'Verify',
  children,
}: {
  run: PlanRun;
  busy: boolean;
  /** The wizard's guard: Cancel and Resume show their failure where the wizard shows errors. */
  guard(work: () => Promise<void>): Promise<void>;
  onVerify(): void;
  testIds: PlanRunTestIds;
  progressLabel?: string;
  resultText?(result: RunResult): string;
  /** The label of the button that goes on once the run succeeded. */
  verifyLabel?: string;
  /** Shown under the log (what the run waits for from the admin…). */
  children?: ReactNode;
}) {
  const { job, runId } = run;
  // The step the admin opened, for this run only.
  const [opened, setOpened] = useState<{ runId: string | null; step: string } | null>(null);
  const openStep = opened && opened.runId === runId ? opened.step : null;
  const shownStep = stepToShow(job, openStep);
  const done = job?.status === 'succeeded';
  return (
    <Stack gap="xs" data-testid={testIds.progress}>
      <Progress value={runProgress(job, run.preview?.steps.length ?? 0)} animated={!job || job.status === 'running'} aria-label={progressLabel} />
      <Table fz="xs" verticalSpacing={2}>
        <Table.Tbody>
          {(job?.steps ?? []).map((s) => (
            <Table.Tr key={s.id} onClick={() => setOpened(openStep === s.id ? null : { runId, step: s.id })} style={{ cursor: 'pointer' }} bg={shownStep?.id === s.id ? 'var(--mantine-color-default-hover)' : undefined} data-testid={`${testIds.step}-${s.id}`}>
              <Table.Td>{s.target}</Table.Td>
              <Table.Td>{s.title}</Table.Td>
              <Table.Td style={{ width: 132 }}>
                <Badge size="xs" color={stepStateColour(s.state)}>
                  {stepStateLabel(s.state)}
                </Badge>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      {shownStep && (
        <Stack gap={2}>
          <Text size="xs" c="dimmed">
            {openStep ? 'Log of' : 'Live log of'} {shownStep.title} on {shownStep.target} {openStep ? '(click the step again to follow the running one)' : '(click a step to read its log)'}
          </Text>
          <ScrollArea.Autosize mah={180} type="auto">
            <Code block fz="xs" data-testid={testIds.log}>
              {stepLogText(shownStep)}
            </Code>
          </ScrollArea.Autosize>
        </Stack>
      )}
      {children}
      {job?.result && (
        <Alert color={job.result.status === 'succeeded' ? 'green' : 'red'} data-testid={testIds.result}>
          {resultText(job.result)}
        </Alert>
      )}
      <Group justify="flex-end">
        {job?.status === 'running' && (
          <Button variant="default" color="red" onClick={() => void guard(run.cancel)}>
            Cancel
          </Button>
        )}
        {job && job.status !== 'running' && job.status !== 'succeeded' && runId && (
          <Button variant="default" onClick={() => void guard(run.resume)} data-testid={testIds.resume}>
            Resume
          </Button>
        )}
        <Button onClick={onVerify} disabled={!done} loading={busy} data-testid={testIds.verify}>
          {verifyLabel}
        </Button>
      </Group>
    </Stack>
  );
}
