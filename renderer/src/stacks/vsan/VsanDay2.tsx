// Day 2 of a built vSAN stretched cluster, in the wizard's Verify step: change the preferred site, replace
// the witness (a workspace node outside the cluster, its measured round trips beside vSAN's limit, its
// certificate pinned first) or disable stretching; once stretching is disabled, stretch it again with a
// witness chosen the same way. Each shows what it means, then its plan (every vCenter call; the destructive
// step ticked), runs it, and records in the workspace what vCenter then shows.
import { Alert, Badge, Button, Code, Group, SegmentedControl, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { MethodOutput } from '../../../../main/common/contract/index.js';
import type { VsanDay2Change } from '../../../../main/common/stacks/vsan/contract.js';
import type { VsanCluster } from '../../../../main/common/stacks/vsan/schema.js';
import { dataHostsOf, witnessOf } from '../../../../main/common/stacks/vsan/stretching.js';
import { PlanApproval, PlanNotes, PlanRunProgress, planRunTestIds } from '../../features/wizard/PlanRunPanel.js';
import { usePlanRun, useWizardGuard } from '../../features/wizard/use-plan-run.js';
import { useAppState, useTransport } from '../../store/context.js';

type Day2Answer = MethodOutput<'vsan.planDay2'>;
type Kind = VsanDay2Change['kind'];

const testIds = planRunTestIds('vsan-day2');
const labels: Record<Kind, string> = { 'preferred-site': 'Change the preferred site', witness: 'Change the witness', unstretch: 'Disable stretching', restretch: 'Stretch again' };
const destructive: Record<Kind, boolean> = { 'preferred-site': false, witness: false, unstretch: true, restretch: true };

export function VsanDay2({ cluster, onChanged }: { cluster: VsanCluster; onChanged(): Promise<void> }) {
  const transport = useTransport();
  const workspace = useAppState((s) => s.workspace);
  const loadWorkspace = useAppState((s) => s.loadWorkspace);
  const witness = witnessOf(cluster);
  // A cluster whose stretching was disabled has one day-2 change: stretching it again.
  const kinds: Kind[] = witness ? ['preferred-site', 'witness', 'unstretch'] : ['restretch'];
  const [kind, setKind] = useState<Kind>(kinds[0]!);
  const [site, setSite] = useState<string | null>(cluster.secondarySite.site);
  // Never a data host of a vSAN cluster, nor the witness it has.
  const members = new Set([...(workspace?.vsan?.clusters ?? []).flatMap(dataHostsOf), ...dataHostsOf(cluster), ...(witness ? [witness.host] : [])]);
  const candidates = (workspace?.nodes ?? []).filter((n) => !members.has(n.name)).map((n) => ({ value: n.name, label: `${n.name} (site ${n.site})` }));
  const [host, setHost] = useState<string | null>(candidates[0]?.value ?? null);
  const [answer, setAnswer] = useState<{ view: Day2Answer; change: VsanDay2Change; n: number } | null>(null);
  const { busy, error, guard } = useWizardGuard();

  const change = (): VsanDay2Change | null => {
    switch (kind) {
      case 'preferred-site':
        return site ? { kind, site } : null;
      case 'witness':
      case 'restretch':
        return host ? { kind, host } : null;
      case 'unstretch':
        return { kind };
    }
  };
  const plan = () =>
    guard(async () => {
      const c = change();
      if (!c) return;
      const view = await transport.call('vsan.planDay2', { cluster: cluster.name, change: c });
      setAnswer((a) => ({ view, change: c, n: (a?.n ?? 0) + 1 }));
    });
  const pinWitness = () =>
    guard(async () => {
      const cert = answer?.view.certificate;
      if (!cert?.thumbprint) return;
      await transport.call('vsan.pinCertificates', { cluster: cluster.name, hosts: { [cert.host]: cert.thumbprint } });
      await loadWorkspace();
      await plan();
    });
  const choose = (next: Kind) => {
    setKind(next);
    setAnswer(null);
  };

  return (
    <Stack gap="xs" data-testid="vsan-day2">
      <Title order={5}>Day 2</Title>
      <SegmentedControl size="xs" value={kind} onChange={(v) => choose(v as Kind)} data={kinds.map((k) => ({ value: k, label: labels[k] }))} data-testid="vsan-day2-kind" />
      {kind === 'preferred-site' && (
        <Select size="xs" label="Preferred site (keeps running when the data sites lose each other)" data={[cluster.preferredSite.site, cluster.secondarySite.site]} value={site} onChange={setSite} allowDeselect={false} data-testid="vsan-day2-site" />
      )}
      {(kind === 'witness' || kind === 'restretch') && (
        <Select
          size="xs"
          label={kind === 'witness' ? 'New witness: a workspace node outside the cluster' : `Witness: a workspace node at a third site, outside the cluster (${cluster.preferredSite.site} stays preferred, ${cluster.secondarySite.site} secondary)`}
          data={candidates}
          value={host}
          onChange={setHost}
          allowDeselect={false}
          nothingFoundMessage="Add a node at a third site to the workspace first"
          data-testid="vsan-day2-host"
        />
      )}
      <Group justify="flex-end">
        <Button size="xs" variant="default" onClick={() => void plan()} loading={busy} disabled={!change()} data-testid="vsan-day2-show">
          What it means, and the plan
        </Button>
      </Group>
      {answer && <Day2Plan key={answer.n} cluster={cluster.name} answer={answer.view} change={answer.change} busy={busy} onPin={() => void pinWitness()} onChanged={onChanged} />}
      {error && (
        <Alert color="red" data-testid="vsan-day2-error">
          {error}
        </Alert>
      )}
    </Stack>
  );
}

/** One day-2 answer: what it means, what stops it, its plan to approve and run, then the record in the workspace. */
function Day2Plan({ cluster, answer, change, busy: parentBusy, onPin, onChanged }: { cluster: string; answer: Day2Answer; change: VsanDay2Change; busy: boolean; onPin(): void; onChanged(): Promise<void> }) {
  const transport = useTransport();
  const loadWorkspace = useAppState((s) => s.loadWorkspace);
  const planRun = usePlanRun();
  const { busy, error, guard } = useWizardGuard();
  const [recorded, setRecorded] = useState<string | null>(null);
  const { show } = planRun;
  useEffect(() => {
    if (!answer.blocking) void guard(async () => void (await show(answer.plan)));
    // Shown once per answer: the parent keys this part by its answer.
  }, []);
  const run = () =>
    guard(async () => {
      if (planRun.preview) await planRun.start(answer.plan);
    });
  const record = () =>
    guard(async () => {
      const out = await transport.call('vsan.recordDay2', { cluster, change });
      setRecorded(out.message);
      await loadWorkspace();
      await onChanged();
    });
  const kind = change.kind;
  return (
    <Stack gap="xs" data-testid="vsan-day2-answer">
      <Alert color={destructive[kind] ? 'red' : 'blue'} variant="light" p="xs" data-testid="vsan-day2-meaning">
        {answer.meaning.map((m, i) => (
          <Text key={i} size="xs">
            {m}
          </Text>
        ))}
      </Alert>
      {answer.roundTrips.length > 0 && (
        <Table fz="xs" verticalSpacing={2} data-testid="vsan-day2-round-trips">
          <Table.Tbody>
            {answer.roundTrips.map((r) => (
              <Table.Tr key={`${r.a}-${r.b}`}>
                <Table.Td>
                  {r.a} ↔ {r.b}
                </Table.Td>
                <Table.Td>{r.network}</Table.Td>
                <Table.Td c={r.ok === false ? 'red' : r.ok ? 'green' : 'dimmed'}>{r.rttMs === undefined ? 'not measured' : `${r.rttMs} ms`}</Table.Td>
                <Table.Td>≤ {r.limitMs} ms</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
      {answer.certificate && (
        <Group gap="xs" data-testid="vsan-day2-certificate">
          <Text size="xs">{answer.certificate.host}'s certificate:</Text>
          <Code fz="xs">{answer.certificate.thumbprint ?? answer.certificate.pinned ?? ''}</Code>
          <Badge size="xs" color={answer.certificate.state === 'pinned' || answer.certificate.state === 'in-vcenter' ? 'green' : answer.certificate.state === 'new' ? 'blue' : 'red'}>
            {answer.certificate.state}
          </Badge>
          {answer.certificate.state === 'new' && (
            <Button size="xs" variant="default" onClick={onPin} loading={parentBusy} data-testid="vsan-day2-pin">
              It matches the host's: pin it
            </Button>
          )}
        </Group>
      )}
      {answer.problems.map((p, i) => (
        <Text key={i} size="xs" c="red">
          {p}
        </Text>
      ))}
      <PlanNotes notes={answer.notes} dimmed />
      {!answer.blocking && !planRun.runId && <PlanApproval run={planRun} busy={busy} onRun={() => void run()} testIds={testIds} runLabel={labels[kind]} />}
      {planRun.runId && (
        <PlanRunProgress run={planRun} busy={busy} guard={guard} onVerify={() => void record()} testIds={testIds} progressLabel={labels[kind]}>
          <Text size="xs" c="dimmed">
            Verify reads vCenter again and records in the workspace what it shows.
          </Text>
        </PlanRunProgress>
      )}
      {recorded && (
        <Text size="xs" data-testid="vsan-day2-recorded">
          {recorded}
        </Text>
      )}
      {error && (
        <Alert color="red" data-testid="vsan-day2-run-error">
          {error}
        </Alert>
      )}
    </Stack>
  );
}
