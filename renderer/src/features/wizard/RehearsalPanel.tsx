// "Rehearse in the lab first", beside a wizard's plan: builds the rehearsal lab from the workspace's recorded
// latency file, runs the same generated plan there, and shows what happened — each step's outcome, whether the
// group reached quorum, each site pair's round trip in the lab against the recording, when it ran, and the hash
// of the plan it rehearsed (stale once the plan shown differs). The result is kept beside the workspace, so it is
// read back when the wizard opens again. Stack-independent: the backend says when a stack cannot rehearse.
import { Alert, Badge, Button, Group, Paper, Stack, Table, Text, Tooltip } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { MethodOutput } from '../../../../main/common/contract/index.js';
import type { PlanInput } from '../../../../main/common/plan/schema.js';
import { useTransport } from '../../store/context.js';
import { describeError } from '../../store/describe-error.js';
import { PlanNotes } from './PlanNotes.js';
import { stepStateLabel } from './plan-run.js';

type RehearsalResult = MethodOutput<'lab.rehearsePlan'>;

export interface RehearsalPanelProps {
  /** The stack and group (cluster) the plan is for. */
  stack: string;
  group: string;
  /** The real plan the wizard shows, and its hash. */
  plan: PlanInput;
  planHash: string;
}

const short = (hash: string) => `${hash.slice(0, 12)}…`;
const ms = (v: number | undefined) => (v === undefined ? '—' : `${v.toFixed(2)} ms`);
const stateColor = (state: string) => (state === 'failed' ? 'red' : state === 'succeeded' || state === 'skipped' ? 'green' : state === 'pending' || state === 'blocked' ? 'gray' : 'blue');

export function RehearsalPanel({ stack, group, plan, planHash }: RehearsalPanelProps) {
  const transport = useTransport();
  const [record, setRecord] = useState<RehearsalResult | null>(null);
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [labProblem, setLabProblem] = useState<string | null>(null);
  /** A lab already running here (the rehearsal would replace it, and says so first). */
  const [runningLab, setRunningLab] = useState<string | null>(null);

  // The kept result of the last rehearsal of this group, and whether a lab can run here at all.
  useEffect(() => {
    let live = true;
    setRecord(null);
    transport.call('lab.rehearsal', { stack, group }).then(
      (kept) => live && setRecord(kept),
      () => undefined,
    );
    transport.call('lab.status', {}).then(
      (status) => {
        if (!live) return;
        setLabProblem(status.available ? null : (status.reason ?? 'A lab cannot run on this machine.'));
        setRunningLab(status.running ? (status.name ?? 'unnamed') : null);
      },
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [transport, stack, group]);

  const rehearse = async () => {
    setRunning(true);
    setError(null);
    try {
      setRecord(await transport.call('lab.rehearsePlan', { stack, group, plan, ...(runningLab ? { replace: true } : {}) }));
      setRunningLab(null);
    } catch (e) {
      setError(describeError(e));
    } finally {
      setRunning(false);
    }
  };

  const stale = record !== null && record.planHash !== planHash;
  const reached = record?.quorum?.quorate === true;

  return (
    <Paper withBorder p="xs" data-testid="rehearsal-panel" data-plan-hash={planHash}>
      <Stack gap={6}>
        <Group justify="space-between" wrap="nowrap">
          <Stack gap={0}>
            <Text size="sm" fw={600}>
              Rehearse in the lab first
            </Text>
            <Text size="xs" c="dimmed">
              A local lab replays this workspace's recorded links; the same plan runs there before it touches a real node. This plan:{' '}
              <Text span ff="monospace" size="xs" data-testid="rehearsal-real-hash" data-hash={planHash}>
                {short(planHash)}
              </Text>
            </Text>
          </Stack>
          <Tooltip label={labProblem ?? 'Builds the lab, runs the plan there, reads quorum, takes the lab down (a minute or so)'} multiline w={280}>
            <Button size="xs" variant="light" onClick={() => void rehearse()} loading={running} disabled={labProblem !== null} data-testid="rehearsal-start">
              {runningLab ? `Replace lab ${runningLab} and rehearse` : record ? 'Rehearse again' : 'Rehearse in the lab first'}
            </Button>
          </Tooltip>
        </Group>
        {runningLab && !running && (
          <Text size="xs" c="orange" data-testid="rehearsal-replaces">
            The lab {runningLab} is running here: the rehearsal stops it first (one lab at a time).
          </Text>
        )}
        {running && (
          <Text size="xs" c="dimmed" data-testid="rehearsal-running">
            Building the lab from the recorded latencies, measuring its links, running the plan there…
          </Text>
        )}
        {error && (
          <Alert color="red" variant="light" title="The rehearsal did not run" data-testid="rehearsal-error">
            {error}
          </Alert>
        )}
        {record && (
          <Stack gap={6} data-testid="rehearsal-result" data-status={record.status} data-rehearsed-hash={record.planHash} data-stale={stale ? 'true' : 'false'}>
            {stale && (
              <Alert color="orange" variant="light" p="xs" data-testid="rehearsal-stale">
                Stale: the plan changed since this rehearsal (it rehearsed {short(record.planHash)}, the plan now is {short(planHash)}). Rehearse again.
              </Alert>
            )}
            <Group gap="xs">
              <Badge color={record.status === 'succeeded' ? 'green' : 'red'} data-testid="rehearsal-status">
                plan {record.status}
              </Badge>
              <Badge color={reached ? 'green' : 'red'} data-testid="rehearsal-quorum" data-quorate={reached ? 'true' : 'false'}>
                {reached ? 'quorum reached' : 'no quorum'}
              </Badge>
              {record.quorum?.votes && <Text size="xs">{record.quorum.votes}</Text>}
              <Text size="xs" c="dimmed" data-testid="rehearsal-ran-at" data-ran-at={record.ranAt}>
                {new Date(record.ranAt).toLocaleString()} · {(record.wallMs / 1000).toFixed(1)} s · rehearsed{' '}
                <Text span ff="monospace" size="xs" data-testid="rehearsal-hash" data-hash={record.planHash}>
                  {short(record.planHash)}
                </Text>
              </Text>
            </Group>
            {record.quorumError && (
              <Text size="xs" c="orange">
                Quorum could not be read in the lab: {record.quorumError}
              </Text>
            )}
            {record.quorum && (
              <Text size="xs" c="dimmed" data-testid="rehearsal-members">
                {record.quorum.members.map((m) => `${m.name} ${m.online ? 'online' : 'offline'}`).join(', ')} ({record.quorum.source})
              </Text>
            )}
            <Text size="xs" fw={600}>
              Round trips in the lab against the recording
            </Text>
            <Table fz="xs" verticalSpacing={1} data-testid="rehearsal-links">
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Sites</Table.Th>
                  <Table.Th>Recorded</Table.Th>
                  <Table.Th>Lab (median of {record.links[0]?.probes ?? 0})</Table.Th>
                  <Table.Th />
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {record.links.map((l) => (
                  <Table.Tr
                    key={l.sites.join('|')}
                    data-testid="rehearsal-link"
                    data-sites={l.sites.join('|')}
                    data-recorded-ms={l.recordedMs ?? ''}
                    data-measured-ms={l.measuredMs ?? ''}
                    data-holds-ms={l.holdsMs ?? ''}
                    data-matches={l.matches === undefined ? '' : String(l.matches)}
                  >
                    <Table.Td>
                      {l.sites[0]} ↔ {l.sites[1]}
                    </Table.Td>
                    <Table.Td>
                      {l.recordedMs !== undefined ? ms(l.recordedMs) : `${l.preset ?? 'preset'} (not measured)`}
                      {l.holdsMs !== undefined && l.recordedMs !== undefined && Math.abs(l.holdsMs - l.recordedMs) >= 0.005 ? (
                        <Text span size="xs" c="dimmed" title="The lab's links delay in whole milliseconds per direction: the replay is held to this step.">
                          {' '}
                          (lab holds {ms(l.holdsMs)})
                        </Text>
                      ) : null}
                    </Table.Td>
                    <Table.Td>
                      {ms(l.measuredMs)}
                      {l.lossPercent ? `, ${l.lossPercent} % loss` : ''}
                    </Table.Td>
                    <Table.Td>{l.matches === undefined ? null : <Badge size="xs" color={l.matches ? 'green' : 'orange'} title="Within ±10 % or ±0.3 ms of what the lab holds for this pair">{l.matches ? 'matches' : 'off'}</Badge>}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <Text size="xs" fw={600}>
              Steps in the lab ({record.steps.length}
              {record.notRehearsed.length ? `; not rehearsed: ${record.notRehearsed.join(', ')}` : `; every step of the ${record.planSteps}-step plan`})
            </Text>
            <Table fz="xs" verticalSpacing={1} data-testid="rehearsal-steps">
              <Table.Tbody>
                {record.steps.map((s) => (
                  <Table.Tr key={s.id} data-testid={`rehearsal-step-${s.id}`} data-state={s.state}>
                    <Table.Td>{s.target}</Table.Td>
                    <Table.Td>
                      {s.title}
                      {s.message && s.state === 'failed' ? ` — ${s.message}` : ''}
                    </Table.Td>
                    <Table.Td>
                      <Badge size="xs" color={stateColor(s.state)}>
                        {stepStateLabel(s.state)}
                      </Badge>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
            <PlanNotes notes={record.notes} dimmed />
          </Stack>
        )}
      </Stack>
    </Paper>
  );
}
