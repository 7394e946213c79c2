// The failover drill from the canvas: the prediction for a site's loss (who keeps quorum, which guests HA
// restarts where, how long it should take), then — in the lab — the cut as an approved engine plan with the
// live readings as they come, and the report (measured times beside the prediction) once everything rejoined.
import { Alert, Badge, Button, Code, Group, Loader, Modal, Stack, Text } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import type { MethodOutput } from '../../../../main/common/contract/index.js';
import { useTransport } from '../../store/context.js';

type Planned = MethodOutput<'drill.plan'>;
type Report = MethodOutput<'drill.reports'>['reports'][number];

export function DrillDialog({ site, onClose }: { site: string; onClose(): void }) {
  const transport = useTransport();
  const [planned, setPlanned] = useState<Planned | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [lines, setLines] = useState<string[]>([]);
  const [report, setReport] = useState<Report | null>(null);
  const runId = useRef<string | null>(null);

  useEffect(() => {
    let live = true;
    transport.call('drill.plan', { failure: { kind: 'site', site } }).then(
      (p) => live && setPlanned(p),
      (e: Error) => live && setError(e.message),
    );
    return () => {
      live = false;
    };
  }, [transport, site]);

  useEffect(
    () =>
      transport.on('job.log', (e) => {
        if (runId.current && e.runId === runId.current) setLines((l) => [...l.slice(-200), `${e.stepId}: ${e.text}`]);
      }),
    [transport],
  );

  const run = async () => {
    if (!planned) return;
    setRunning(true);
    setError(null);
    try {
      const approval = await transport.call('plan.approve', { plan: planned.plan, acknowledgeDestructive: planned.destructive });
      const started = await transport.call('plan.apply', { plan: planned.plan, planHash: approval.planHash, wait: false });
      runId.current = started.runId;
      const off = transport.on('job.finished', async (result) => {
        if (result.runId !== runId.current) return;
        off();
        setRunning(false);
        if (result.status !== 'succeeded') setError(result.message);
        const { reports } = await transport.call('drill.reports', {});
        setReport(reports[0] ?? null);
      });
    } catch (e) {
      setRunning(false);
      setError((e as Error).message);
    }
  };

  return (
    <Modal opened onClose={onClose} title={`Failover drill: site ${site}`} size="lg" data-testid="drill-dialog">
      <Stack gap="sm">
        {!planned && !error && <Loader size="sm" />}
        {planned && (
          <Stack gap={4} data-testid="drill-prediction">
            <Group gap="xs">
              <Text fw={600}>{planned.prediction.title}</Text>
              <Badge color={planned.mode === 'lab' ? 'orange' : 'blue'}>{planned.mode === 'lab' ? 'lab: cut for real' : 'checklist: you pull the cable'}</Badge>
            </Group>
            {planned.prediction.clusters.map((c) => (
              <Stack key={c.cluster} gap={2}>
                <Text size="sm">
                  {c.cluster}: {c.groups.map((g) => `${g.members.join(', ')} ${g.keepsQuorum ? 'keeps' : 'loses'} quorum`).join('; ')}
                </Text>
                {c.services.map((s) => (
                  <Text size="sm" key={s.sid}>
                    {s.sid} on {s.from}: {s.to ? `restarted on ${s.to} after ~${s.backAfterS} s` : (s.note ?? 'stays')}
                  </Text>
                ))}
                <Text size="xs" c="dimmed">
                  {c.timings}
                </Text>
              </Stack>
            ))}
          </Stack>
        )}
        {planned && !report && (
          <Group>
            <Button color={planned.mode === 'lab' ? 'red' : 'blue'} onClick={() => void run()} loading={running} data-testid="drill-run">
              {planned.mode === 'lab' ? `Cut site ${site} now` : 'Start the checklist'}
            </Button>
          </Group>
        )}
        {lines.length > 0 && (
          <Code block data-testid="drill-log" style={{ maxHeight: 220, overflow: 'auto' }}>
            {lines.join('\n')}
          </Code>
        )}
        {report && (
          <Stack gap={2} data-testid="drill-report">
            <Group gap="xs">
              <Text fw={600}>Report</Text>
              <Badge data-testid="drill-outcome" color={report.outcome === 'as-predicted' ? 'green' : report.outcome === 'differs' ? 'red' : 'yellow'}>
                {report.outcome}
              </Badge>
              <Text size="xs">{report.date}</Text>
            </Group>
            {report.comparison.map((l, i) => (
              <Text size="sm" key={i} style={{ whiteSpace: 'pre' }}>
                {l}
              </Text>
            ))}
            <Text size="xs" c="dimmed">
              Saved as {report.file}
            </Text>
          </Stack>
        )}
        {error && (
          <Alert color="red" data-testid="drill-error">
            {error}
          </Alert>
        )}
      </Stack>
    </Modal>
  );
}
