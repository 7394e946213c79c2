// The vSAN stretched-cluster wizard: choose the cluster (vCenter's certificate pinned) → the ESXi hosts'
// certificates as vCenter reports them, confirmed and pinned → checks (findings, the measured round trips
// beside vSAN's 5 ms and 200 ms limits, what stays manual) → the plan (every step; claiming disks is
// destructive and approved) → run (live, resumable) → verify (witness, fault domains, vSAN health), and for a
// built stretched cluster the day-2 changes (preferred site, witness, stretching off: VsanDay2). A cluster
// whose stretching was disabled is shown as such, with what stretching it again takes: no build is offered,
// and its Verify step offers the day-2 "Stretch again".
import { Alert, Badge, Button, Code, Drawer, Group, Select, Stack, Stepper, Table, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { MethodOutput } from '../../../../main/common/contract/index.js';
import { useAppState, useTransport } from '../../store/context.js';
import { PlanApproval, PlanRunProgress, planRunTestIds, PlanNotes, ToPlanButton } from '../../features/wizard/PlanRunPanel.js';
import { usePlanRun, useWizardGuard } from '../../features/wizard/use-plan-run.js';
import type { WizardProps } from '../types.js';
import { VsanDay2 } from './VsanDay2.js';
import { unstretchedText, witnessOf } from '../../../../main/common/stacks/vsan/stretching.js';

type PlanAnswer = MethodOutput<'vsan.planCluster'>;
type CertificatesAnswer = MethodOutput<'vsan.hostCertificates'>;
type VerifyAnswer = MethodOutput<'vsan.verify'>;
type ProbeAnswer = MethodOutput<'vsan.probeCertificate'>;

const severityColour = { error: 'red', warning: 'orange', info: 'blue' } as const;
const healthColour: Record<string, string> = { green: 'green', yellow: 'yellow', red: 'red', info: 'blue', skipped: 'gray', unknown: 'gray' };
const testIds = planRunTestIds('vsan');

export function VsanWizard({ opened, onClose, onEdited }: WizardProps) {
  const transport = useTransport();
  const workspace = useAppState((s) => s.workspace);
  const loadInventory = useAppState((s) => s.loadInventory);
  const loadWorkspace = useAppState((s) => s.loadWorkspace);
  const [active, setActive] = useState(0);
  const [cluster, setCluster] = useState<string | null>(null);
  const [probe, setProbe] = useState<ProbeAnswer | null>(null);
  const [certificates, setCertificates] = useState<CertificatesAnswer | null>(null);
  const [answer, setAnswer] = useState<PlanAnswer | null>(null);
  const planRun = usePlanRun();
  const [report, setReport] = useState<VerifyAnswer | null>(null);
  const { busy, error, guard } = useWizardGuard();

  const clusters = workspace?.vsan?.clusters ?? [];
  useEffect(() => {
    if (opened && !cluster && clusters[0]) setCluster(clusters[0].name);
  }, [opened, cluster, clusters]);
  const chosen = clusters.find((c) => c.name === cluster);
  const chosenIndex = clusters.findIndex((c) => c.name === cluster);
  const chosenWitness = chosen ? witnessOf(chosen) : undefined;
  /** Once stretching was disabled: what the cluster is, and what stretching it again takes (the build is not offered). */
  const unstretched = chosen && !chosenWitness ? unstretchedText(chosen, `vsan.clusters[${chosenIndex}]`) : undefined;
  /** The methods read the saved file: after pinning, the app reloads it so the canvas and the next step agree. */
  const afterSave = async () => {
    await loadWorkspace();
    onEdited();
  };

  const readVcenter = () =>
    guard(async () => {
      if (cluster) setProbe(await transport.call('vsan.probeCertificate', { cluster }));
    });
  const trustVcenter = () =>
    guard(async () => {
      if (!cluster || !probe) return;
      await transport.call('vsan.pinCertificates', { cluster, hosts: {}, vcenter: probe.thumbprint });
      await afterSave();
      setProbe({ ...probe, pinned: probe.thumbprint });
    });
  const readHosts = () =>
    guard(async () => {
      if (!cluster) return;
      setCertificates(await transport.call('vsan.hostCertificates', { cluster }));
      setActive(1);
    });
  const trustHosts = () =>
    guard(async () => {
      if (!cluster || !certificates) return;
      const hosts = Object.fromEntries(certificates.hosts.filter((h) => h.state === 'new' && h.thumbprint).map((h) => [h.host, h.thumbprint!]));
      if (Object.keys(hosts).length) await transport.call('vsan.pinCertificates', { cluster, hosts });
      await afterSave();
      setCertificates(await transport.call('vsan.hostCertificates', { cluster }));
    });
  const check = () =>
    guard(async () => {
      if (!cluster) return;
      setAnswer(await transport.call('vsan.planCluster', { cluster }));
      setActive(2);
    });
  const toPlan = () =>
    guard(async () => {
      if (!answer) return;
      await planRun.show(answer.plan);
      setActive(3);
    });
  const run = () =>
    guard(async () => {
      if (!answer || !planRun.preview) return;
      await planRun.start(answer.plan);
      setActive(4);
    });
  const verify = () =>
    guard(async () => {
      if (!cluster) return;
      setReport(await transport.call('vsan.verify', { cluster }));
      await loadInventory();
      setActive(5);
    });

  const vcenterPinned = !!chosen?.vcenter.thumbprint || !!probe?.pinned;
  const certificatesOk = certificates?.hosts.every((h) => h.state === 'pinned' || h.state === 'in-vcenter') ?? false;

  return (
    <Drawer opened={opened} onClose={onClose} position="right" size={720} title="New vSAN stretched cluster" data-testid="vsan-wizard">
      <Stepper active={active} onStepClick={(i) => i < active && !planRun.runId && setActive(i)} orientation="vertical" size="sm">
        <Stepper.Step label="Cluster" description="Sites, witness, vCenter">
          <Stack gap="xs">
            <Select label="vSAN cluster from the workspace" data={clusters.map((c) => ({ value: c.name, label: c.name }))} value={cluster} onChange={setCluster} allowDeselect={false} data-testid="vsan-cluster" />
            {chosen && (
              <Table fz="xs" verticalSpacing={2} data-testid="vsan-layout">
                <Table.Tbody>
                  <Table.Tr>
                    <Table.Td>{chosenWitness ? 'Preferred site' : 'Fault domain'} {chosen.preferredSite.site}</Table.Td>
                    <Table.Td>{chosen.preferredSite.hosts.join(', ')}</Table.Td>
                  </Table.Tr>
                  <Table.Tr>
                    <Table.Td>{chosenWitness ? 'Secondary site' : 'Fault domain'} {chosen.secondarySite.site}</Table.Td>
                    <Table.Td>{chosen.secondarySite.hosts.join(', ')}</Table.Td>
                  </Table.Tr>
                  {chosenWitness ? (
                    <Table.Tr>
                      <Table.Td>Witness site {chosenWitness.site}</Table.Td>
                      <Table.Td>{chosenWitness.host} (added to the datacenter, never to the cluster)</Table.Td>
                    </Table.Tr>
                  ) : (
                    <Table.Tr>
                      <Table.Td>Witness</Table.Td>
                      <Table.Td>none: not stretched</Table.Td>
                    </Table.Tr>
                  )}
                  <Table.Tr>
                    <Table.Td>vCenter</Table.Td>
                    <Table.Td>
                      {chosen.vcenter.endpoint}, datacenter {chosen.datacenter ?? '(not set)'}{' '}
                      <Badge size="xs" color={vcenterPinned ? 'green' : 'orange'} data-testid="vsan-vcenter-state">
                        {vcenterPinned ? 'certificate pinned' : 'certificate not confirmed'}
                      </Badge>
                    </Table.Td>
                  </Table.Tr>
                </Table.Tbody>
              </Table>
            )}
            {unstretched && <NotStretched text={unstretched} />}
            {chosen && !vcenterPinned && (
              <Group>
                <Button size="xs" variant="default" onClick={() => void readVcenter()} loading={busy} data-testid="vsan-read-vcenter">
                  Read vCenter's certificate
                </Button>
                {probe && (
                  <>
                    <Code data-testid="vsan-vcenter-thumbprint">{probe.thumbprint}</Code>
                    <Button size="xs" onClick={() => void trustVcenter()} data-testid="vsan-trust-vcenter">
                      It matches vCenter's: trust it
                    </Button>
                  </>
                )}
              </Group>
            )}
            <Group justify="flex-end">
              <Button variant="default" onClick={() => void verify()} loading={busy} disabled={!chosen || !vcenterPinned} data-testid="vsan-verify-built">
                Already built: verify, day 2
              </Button>
              <Button onClick={() => void readHosts()} loading={busy} disabled={!chosen || !vcenterPinned || !!unstretched} data-testid="vsan-read-hosts">
                Ask vCenter for the hosts' certificates
              </Button>
            </Group>
          </Stack>
        </Stepper.Step>

        <Stepper.Step label="Certificates" description="Each ESXi host's thumbprint">
          {certificates && (
            <Stack gap="xs" data-testid="vsan-certificates">
              <Text size="xs" c="dimmed">
                vCenter reports the thumbprint each host presents; nothing was added. Compare each with the host's console (F2 → View Support Information) before you trust it.
              </Text>
              <Table fz="xs" verticalSpacing={2}>
                <Table.Tbody>
                  {certificates.hosts.map((h) => (
                    <Table.Tr key={h.host} data-testid={`vsan-cert-${h.host}`}>
                      <Table.Td>{h.host}</Table.Td>
                      <Table.Td>{h.role}</Table.Td>
                      <Table.Td>
                        <Code fz="xs">{h.thumbprint ?? h.pinned ?? ''}</Code>
                      </Table.Td>
                      <Table.Td>
                        <Badge size="xs" color={h.state === 'pinned' || h.state === 'in-vcenter' ? 'green' : h.state === 'new' ? 'blue' : 'red'} data-testid={`vsan-cert-state-${h.host}`}>
                          {h.state}
                        </Badge>
                        {h.message && <Text size="xs">{h.message}</Text>}
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              {certificates.hosts.some((h) => h.state === 'changed') && (
                <Alert color="red" variant="light">
                  A host presents another certificate than the one pinned: if it was not renewed on purpose, treat it as an attack. Change the pin in the workspace to go on.
                </Alert>
              )}
              <Group justify="flex-end">
                {certificates.hosts.some((h) => h.state === 'new') && (
                  <Button variant="default" onClick={() => void trustHosts()} loading={busy} data-testid="vsan-trust-hosts">
                    They match the hosts': pin them
                  </Button>
                )}
                <Button onClick={() => void check()} loading={busy} disabled={!certificatesOk} data-testid="vsan-check">
                  Run the checks
                </Button>
              </Group>
            </Stack>
          )}
        </Stepper.Step>

        <Stepper.Step label="Checks" description="Against vSAN's limits">
          {answer && (
            <Stack gap="xs" data-testid="vsan-findings">
              <Table fz="xs" verticalSpacing={2} data-testid="vsan-round-trips">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>Between</Table.Th>
                    <Table.Th>Network</Table.Th>
                    <Table.Th>Round trip</Table.Th>
                    <Table.Th>vSAN's limit</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {answer.roundTrips.map((r) => (
                    <Table.Tr key={`${r.kind}-${r.a}-${r.b}`}>
                      <Table.Td>
                        {r.a} ↔ {r.b} ({r.kind === 'data' ? 'data sites' : 'witness'})
                      </Table.Td>
                      <Table.Td>{r.network}</Table.Td>
                      <Table.Td c={r.ok === false ? 'red' : undefined}>{r.rttMs === undefined ? 'not measured' : `${r.rttMs} ms`}</Table.Td>
                      <Table.Td>≤ {r.limitMs} ms</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              {answer.findings.map((f, i) => (
                <Alert key={i} color={severityColour[f.severity]} variant="light" p="xs" title={f.message}>
                  <Text size="xs">{f.remedy}</Text>
                  <Text size="xs" c="dimmed">
                    {f.source.document}
                    {f.source.section ? `, ${f.source.section}` : ''}
                  </Text>
                </Alert>
              ))}
              {answer.manual.length > 0 && (
                <Stack gap={2}>
                  <Text size="xs" fw={600}>
                    Left to you (shown, never run):
                  </Text>
                  {answer.manual.map((m, i) => (
                    <Text key={i} size="xs">
                      {m.host}: {m.why} — <Code fz="xs">{m.command}</Code>
                    </Text>
                  ))}
                </Stack>
              )}
              <PlanNotes notes={answer.notes} dimmed />
              <ToPlanButton blocking={answer.blocking} busy={busy} onClick={() => void toPlan()} testId="vsan-to-plan" />
            </Stack>
          )}
        </Stepper.Step>

        <Stepper.Step label="Plan" description="Every step, before it runs">
          <PlanApproval run={planRun} busy={busy} onRun={() => void run()} testIds={testIds} />
        </Stepper.Step>

        <Stepper.Step label="Run" description="Live, step by step">
          <PlanRunProgress run={planRun} busy={busy} guard={guard} onVerify={() => void verify()} testIds={testIds} />
        </Stepper.Step>

        <Stepper.Step label="Verify" description="Witness, fault domains, health">
          {report && (
            <Stack gap="xs" data-testid="vsan-report">
              <Text size="sm" data-testid="vsan-witness">
                Witness: {report.witnesses.map((w) => `${w.host} (preferred fault domain ${w.preferredFaultDomain}, unicast agent ${w.unicastAgentAddress})`).join('; ') || 'none'}
              </Text>
              <Table fz="xs" verticalSpacing={2} data-testid="vsan-fault-domains">
                <Table.Tbody>
                  {Object.entries(report.faultDomains).map(([host, fd]) => (
                    <Table.Tr key={host}>
                      <Table.Td>{host}</Table.Td>
                      <Table.Td>fault domain {fd || '(none)'}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <Group gap="xs" data-testid="vsan-health">
                <Text size="sm">vSAN health:</Text>
                <Badge color={healthColour[report.health.overallHealth]} data-testid="vsan-health-overall">
                  {report.health.overallHealth}
                </Badge>
                {report.health.groups.map((g) => (
                  <Badge key={g.id} variant="light" color={healthColour[g.health]} data-testid={`vsan-health-group-${g.id.slice(g.id.lastIndexOf('.') + 1)}`}>
                    {g.name}: {g.health}
                  </Badge>
                ))}
              </Group>
              {report.problems.map((p, i) => (
                <Text key={i} size="xs" c="orange">
                  {p}
                </Text>
              ))}
              <Group justify="flex-end">
                <Button variant="default" onClick={() => void verify()} loading={busy}>
                  Read again
                </Button>
                <Button onClick={onClose}>Done</Button>
              </Group>
              {unstretched && <NotStretched text={unstretched} />}
              {/* Day 2 once vCenter agrees with the workspace: the stretched changes, or stretching again. */}
              {chosen && (chosenWitness ? report.witnesses.length > 0 : report.witnesses.length === 0) && <VsanDay2 key={`${chosen.name}:${chosenWitness ? 'stretched' : 'not stretched'}`} cluster={chosen} onChanged={verify} />}
            </Stack>
          )}
        </Stepper.Step>
      </Stepper>
      {error && (
        <Alert color="red" mt="sm" data-testid="vsan-error">
          {error}
        </Alert>
      )}
    </Drawer>
  );
}

/** A cluster whose stretching was disabled: what it is now, and what stretching it again takes. */
function NotStretched({ text }: { text: { what: string; restretch: string } }) {
  return (
    <Alert color="gray" variant="light" p="xs" title="Not stretched" data-testid="vsan-not-stretched">
      <Text size="xs">{text.what}</Text>
      <Text size="xs">{text.restretch}</Text>
    </Alert>
  );
}
