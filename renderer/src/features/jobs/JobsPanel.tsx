// Plan runs in the dock: a progress bar per run, each step's state per node, and its live log.
import { Accordion, Badge, Code, Group, Progress, ScrollArea, Stack, Text } from '@mantine/core';
import { useEffect } from 'react';
import { useAppState } from '../../store/context.js';
import type { Job, JobStep } from '../../store/jobs-slice.js';
import { stepStateLabel } from '../wizard/plan-run.js';

const stateColour: Record<JobStep['state'], string> = {
  pending: 'gray',
  checking: 'blue',
  started: 'blue',
  retrying: 'orange',
  succeeded: 'green',
  skipped: 'teal',
  failed: 'red',
  blocked: 'red',
};

function progressOf(job: Job): number {
  if (job.steps.length === 0) return job.status === 'running' ? 0 : 100;
  const done = job.steps.filter((s) => s.state === 'succeeded' || s.state === 'skipped').length;
  return Math.round((100 * done) / job.steps.length);
}

export function JobsPanel() {
  const jobs = useAppState((s) => s.jobs);
  const selectedJob = useAppState((s) => s.selectedJob);
  // A notification's "Show the log" selects a run: bring it into view.
  useEffect(() => {
    if (selectedJob) document.querySelector(`[data-testid="job-${CSS.escape(selectedJob)}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [selectedJob]);
  if (jobs.length === 0) {
    return (
      <Text c="dimmed" size="sm" p="sm">
        No plan has run in this session. Runs started by a wizard or the CLI show their steps and live logs here.
      </Text>
    );
  }
  return (
    <ScrollArea h="100%" type="auto">
      <Stack gap="sm" p="xs" data-testid="jobs">
        {jobs.map((job) => (
          <Stack key={job.runId} gap={4} data-testid={`job-${job.runId}`} data-selected={job.runId === selectedJob || undefined} className="cw-job">
            <Group justify="space-between">
              <Text size="sm" fw={600}>
                Run {job.runId}
              </Text>
              <Badge color={job.status === 'succeeded' ? 'green' : job.status === 'running' ? 'blue' : 'red'}>{job.status}</Badge>
            </Group>
            <Progress value={progressOf(job)} animated={job.status === 'running'} aria-label={`Progress of run ${job.runId}`} />
            {job.result && (
              <Text size="xs" c={job.result.status === 'succeeded' ? 'dimmed' : 'red'}>
                {job.result.message}
              </Text>
            )}
            <Accordion multiple variant="contained" chevronPosition="left">
              {job.steps.map((step) => (
                <Accordion.Item key={step.id} value={step.id}>
                  <Accordion.Control>
                    <Group gap="xs" wrap="nowrap">
                      <Badge size="xs" color={stateColour[step.state]} style={{ flexShrink: 0 }}>
                        {stepStateLabel(step.state)}
                      </Badge>
                      <Text size="xs" truncate>
                        {step.target}: {step.title}
                      </Text>
                      {step.attempt > 1 && (
                        <Text size="xs" c="orange">
                          attempt {step.attempt}
                        </Text>
                      )}
                    </Group>
                  </Accordion.Control>
                  <Accordion.Panel>
                    {step.message && (
                      <Text size="xs" c={step.state === 'failed' ? 'red' : 'dimmed'}>
                        {step.message}
                      </Text>
                    )}
                    <Code block fz="xs" mah={180} style={{ overflow: 'auto' }}>
                      {step.log.map((l) => (l.stream === 'stderr' ? `! ${l.text}` : l.text)).join('\n') || '(no output)'}
                    </Code>
                  </Accordion.Panel>
                </Accordion.Item>
              ))}
            </Accordion>
          </Stack>
        ))}
      </Stack>
    </ScrollArea>
  );
}
