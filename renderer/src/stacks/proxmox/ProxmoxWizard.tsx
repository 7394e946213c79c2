// The Proxmox VE cluster wizard: choose the cluster → checks (findings with their figures; errors
// block, a WAN layout can be accepted explicitly) → the plan (every command, destructive steps to
// approve) → run (live progress per step and node) → verify (quorum from the cluster itself).
import { Alert, Badge, Button, Checkbox, Drawer, Group, MultiSelect, Select, Stack, Stepper, Text, TextInput } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { findingActionLabel, type FindingAction } from '../../../../main/common/workspace/rules/actions.js';
import type { MethodOutput } from '../../../../main/common/contract/index.js';
import { useAppState, useAppStore, useTransport } from '../../store/context.js';
import { describeError } from '../../store/describe-error.js';
import { ClusterApiPanel, type ApiFocus } from './ClusterApiPanel.js';
import { FindingCard } from '../../features/findings/FindingCard.js';
import type { WizardRequest } from '../../store/ui-slice.js';
import { JoinInfoPanel } from './JoinInfoPanel.js';
import { PlanApproval, PlanRunProgress, planRunTestIds, PlanNotes, ToPlanButton } from '../../features/wizard/PlanRunPanel.js';
import { usePlanRun, useWizardGuard } from '../../features/wizard/use-plan-run.js';
import { RehearsalPanel } from '../../features/wizard/RehearsalPanel.js';

type PlanAnswer = MethodOutput<'proxmox.planCluster'>;
type StatusAnswer = MethodOutput<'proxmox.clusterStatus'>;
type LinksAnswer = MethodOutput<'proxmox.linkStatus'>;
type CredentialsAnswer = MethodOutput<'proxmox.credentialCheck'>;
type JoinInfoAnswer = MethodOutput<'proxmox.joinInformation'>;

const testIds = planRunTestIds('wizard');

/**
 * `request`: what the wizard was opened for (a finding's action): a cluster, and its API panel, root's
 * password or the checks step. `onFindingAction` runs the actions that lead out of the wizard.
 */
export function ProxmoxWizard({ opened, request = null, onClose, onEdited, onFindingAction }: { opened: boolean; request?: WizardRequest | null; onClose(): void; onEdited(): void; onFindingAction?(action: FindingAction): string | null }) {
  const transport = useTransport();
  const workspace = useAppState((s) => s.workspace);
  const edit = useAppState((s) => s.edit);
  const loadInventory = useAppState((s) => s.loadInventory);
  const reloadFacts = useAppState((s) => s.reloadFacts);
  /** knet's link state on the cluster's members (stored with the facts), then the canvas redraws from it. */
  const readClusterLinks = async (name: string) => {
    const status = await transport.call('proxmox.linkStatus', { cluster: name });
    await reloadFacts();
    return status;
  };
  const readClusterStatus = useAppState((s) => s.readClusterStatus);
  const revision = useAppState((s) => s.revision);
  const saveState = useAppState((s) => s.saveState);
  const saveWorkspace = useAppState((s) => s.saveWorkspace);
  const store = useAppStore();
  const [active, setActive] = useState(0);
  const [cluster, setCluster] = useState<string | null>(null);
  const [answer, setAnswer] = useState<PlanAnswer | null>(null);
  const [acceptWan, setAcceptWan] = useState(false);
  const planRun = usePlanRun();
  const { preview, runId, job } = planRun;
  const [status, setStatus] = useState<StatusAnswer | null>(null);
  const [links, setLinks] = useState<LinksAnswer | null>(null);
  const [linksError, setLinksError] = useState<string | null>(null);
  const [credentials, setCredentials] = useState<CredentialsAnswer | null>(null);
  const [manualJoin, setManualJoin] = useState<string[]>([]);
  const [joinInfo, setJoinInfo] = useState<JoinInfoAnswer | null>(null);
  const [joinInfoError, setJoinInfoError] = useState<string | null>(null);
  const { busy, error, setError, guard } = useWizardGuard();
  // A new cluster from the workspace's nodes and corosync networks.
  const [newName, setNewName] = useState('');
  const [newNodes, setNewNodes] = useState<string[]>([]);
  const [newLinks, setNewLinks] = useState<string[]>([]);
  const [apiFocus, setApiFocus] = useState<ApiFocus | null>(null);
  const [pending, setPending] = useState<WizardRequest | null>(null);
  const acceptWanBox = useRef<HTMLInputElement>(null);
  /** Opened by "Accept the WAN layout": once the checks are in, bring the acceptance box to the admin. */
  const [showAcceptWan, setShowAcceptWan] = useState(0);
  const focusSeq = useRef(0);
  const focusApi = (field: ApiFocus['field']) => {
    setActive(0);
    setApiFocus({ field, seq: ++focusSeq.current });
  };

  const clusters = workspace?.proxmox?.clusters ?? [];
  useEffect(() => {
    if (opened && !cluster && clusters[0]) setCluster(clusters[0].name);
  }, [opened, cluster, clusters]);
  // Opened for a finding: choose its cluster, then go where the action points (once the cluster is chosen).
  useEffect(() => {
    if (!request) return;
    if (request.cluster && clusters.some((c) => c.name === request.cluster)) setCluster(request.cluster);
    setPending(request);
  }, [request?.seq]);

  // Create and join need root@pam's password: say so before anything runs when the workspace has only a token.
  useEffect(() => {
    setManualJoin([]);
    setJoinInfo(null);
    setJoinInfoError(null);
  }, [cluster]);
  useEffect(() => {
    setCredentials(null);
    if (!opened || !cluster) return;
    let live = true;
    transport.call('proxmox.credentialCheck', { cluster }).then(
      (answer) => live && setCredentials(answer),
      (e: unknown) => live && setCredentials({ ok: false, kind: 'none', message: describeError(e) }),
    );
    return () => {
      live = false;
    };
    // The check reads the saved file: follow its revision, not every unsaved edit.
  }, [opened, cluster, transport, revision]);

  // Nodes joined by hand: once the plan waits for them, the join information is fetched from the new cluster.
  const awaitingJoin = (job?.steps ?? []).some((st) => st.id.startsWith('await-join-') && (st.state === 'started' || st.state === 'retrying'));
  const [joinInfoAttempt, setJoinInfoAttempt] = useState(0);
  useEffect(() => {
    if (!awaitingJoin || joinInfo || !cluster) return;
    let live = true;
    transport.call('proxmox.joinInformation', { cluster, nodes: manualJoin }).then(
      (answer) => live && (setJoinInfo(answer), setJoinInfoError(null)),
      (e: unknown) => live && setJoinInfoError(describeError(e)),
    );
    return () => {
      live = false;
    };
  }, [awaitingJoin, joinInfo, cluster, manualJoin, transport, runId, joinInfoAttempt]);
  const chosen = clusters.find((c) => c.name === cluster);
  const corosyncNetworks = (workspace?.networks ?? []).filter((n) => n.roles.includes('corosync')).map((n) => n.name);

  const check = (accept = acceptWan) =>
    guard(async () => {
      if (!cluster) return;
      // The plan is built from the saved file: write pending edits first, and stop if that fails.
      if (saveState !== 'saved') {
        await saveWorkspace();
        const after = store.getState();
        if (after.saveState !== 'saved') throw new Error(`The workspace could not be saved, so the plan would not see your changes: ${after.saveError ?? 'unknown reason'}`);
      }
      const result = await transport.call('proxmox.planCluster', { cluster, ...(accept ? { acceptWan: true } : {}), ...(manualJoin.length ? { manualJoin } : {}) });
      setAnswer(result);
      setActive(1);
    });

  const toPlan = () =>
    guard(async () => {
      if (!answer) return;
      await planRun.show(answer.plan);
      setActive(2);
    });

  useEffect(() => {
    if (!pending || (pending.cluster && cluster !== pending.cluster && clusters.some((c) => c.name === pending.cluster))) return;
    setPending(null);
    // A plan that runs keeps the wizard on it.
    if (runId && job?.status === 'running') return;
    if (pending.focus === 'checks') {
      setShowAcceptWan((n) => n + 1);
      void check();
    }
    else if (pending.focus) focusApi(pending.focus === 'password' ? 'password' : 'endpoint');
  }, [pending, cluster]);

  useEffect(() => {
    if (!showAcceptWan || !answer || active !== 1) return;
    setShowAcceptWan(0);
    acceptWanBox.current?.scrollIntoView({ block: 'center' });
    acceptWanBox.current?.focus();
  }, [showAcceptWan, answer, active]);

  /** A finding's button inside the wizard: its own panels here; anything else closes the wizard and opens it. */
  const findingAction = (action: FindingAction) => {
    const here = 'cluster' in action && action.cluster === cluster;
    if (here && action.id === 'accept-wan-layout') {
      acceptWanBox.current?.scrollIntoView({ block: 'center' });
      acceptWanBox.current?.focus();
      return;
    }
    if (here && (action.id === 'set-cluster-api' || action.id === 'store-cluster-password')) {
      focusApi(action.id === 'store-cluster-password' ? 'password' : 'endpoint');
      return;
    }
    if (action.id !== 'measure-latency') onClose();
    const problem = onFindingAction?.(action);
    if (problem) setError(problem);
  };

  const run = () =>
    guard(async () => {
      if (!answer || !preview) return;
      await planRun.start(answer.plan);
      setJoinInfo(null);
      setJoinInfoError(null);
      setActive(3);
    });

  const verify = () =>
    guard(async () => {
      if (!cluster) return;
      setStatus(await readClusterStatus(cluster));
      // knet's own view of every link, from every member; the canvas redraws from the stored facts.
      try {
        setLinks(await readClusterLinks(cluster));
        setLinksError(null);
      } catch (e) {
        setLinks(null);
        setLinksError(describeError(e));
      }
      await loadInventory();
      setActive(4);
    });

  const createCluster = () => {
    const problem = edit((ws) => {
      ws.proxmox = ws.proxmox ?? { clusters: [] };
      ws.proxmox.clusters.push({ name: newName.trim(), nodes: newNodes, links: newLinks.map((network, link) => ({ link, network })) });
    }, `add the Proxmox cluster ${newName.trim()}`);
    if (problem) setError(problem);
    else {
      onEdited();
      setCluster(newName.trim());
      setError(null);
    }
  };

  return (
    <Drawer opened={opened} onClose={onClose} position="right" size={720} title="New Proxmox VE cluster" data-testid="proxmox-wizard">
      <Stepper active={active} onStepClick={(i) => i < active && !runId && setActive(i)} orientation="vertical" size="sm">
        <Stepper.Step label="Cluster" description="Which nodes, which links">
          <Stack gap="xs">
            {clusters.length > 0 && (
              <Select
                label="Cluster from the workspace"
                data={clusters.map((c) => ({ value: c.name, label: `${c.name} — ${c.nodes.join(', ')}` }))}
                value={cluster}
                onChange={setCluster}
                data-testid="wizard-cluster"
                allowDeselect={false}
              />
            )}
            {chosen && (
              <Text size="sm">
                {chosen.nodes.length} nodes; corosync links: {chosen.links.map((l) => `link${l.link} on ${l.network}`).join(', ')}
                {chosen.qdevice ? `; QDevice on ${chosen.qdevice.host}` : ''}
                {chosen.api?.endpoint ? `; API at ${chosen.api.endpoint}` : ''}
              </Text>
            )}
            <Text size="sm" fw={600} mt="sm">
              Or describe a new one
            </Text>
            <Group grow align="flex-end">
              <TextInput label="Name (≤ 15 characters)" value={newName} onChange={(e) => setNewName(e.currentTarget.value)} maxLength={15} />
              <MultiSelect label="Nodes (the first creates it)" data={(workspace?.nodes ?? []).map((n) => n.name)} value={newNodes} onChange={setNewNodes} />
            </Group>
            <MultiSelect label="Corosync links (link0 first)" data={corosyncNetworks} value={newLinks} onChange={setNewLinks} />
            {chosen && <ClusterApiPanel cluster={chosen} onEdited={onEdited} focus={apiFocus} />}
            {chosen && chosen.nodes.length > 1 && (
              <MultiSelect
                label="Nodes the app cannot reach (you join them by hand)"
                description="The plan creates the cluster and joins the others, then shows the join information for these and waits for them."
                data={chosen.nodes.slice(1)}
                value={manualJoin}
                onChange={setManualJoin}
                clearable
                data-testid="wizard-manual-join"
              />
            )}
            {credentials && !credentials.ok && (
              <Alert color="red" variant="light" title="These credentials cannot build the cluster" data-testid="wizard-credentials">
                <Stack gap={4}>
                  <Text size="sm">{credentials.message}</Text>
                  {credentials.action && (
                    <Group>
                      <Button size="compact-xs" variant="light" color="red" onClick={() => findingAction(credentials.action!)} data-testid="wizard-credentials-action">
                        {findingActionLabel(credentials.action)}
                      </Button>
                    </Group>
                  )}
                  {credentials.field && (
                    <Text size="10px" c="dimmed" ff="monospace">
                      in the file: {credentials.field}
                    </Text>
                  )}
                </Stack>
              </Alert>
            )}
            <Group justify="space-between">
              <Button variant="default" size="xs" onClick={createCluster} disabled={!newName.trim() || newNodes.length === 0 || newLinks.length === 0}>
                Add to the workspace
              </Button>
              <Button onClick={() => void check()} loading={busy} disabled={!cluster || credentials?.ok === false} data-testid="wizard-check">
                Run the checks
              </Button>
            </Group>
          </Stack>
        </Stepper.Step>

        <Stepper.Step label="Checks" description="Measured against the limits">
          {answer && (
            <Stack gap="xs" data-testid="wizard-findings">
              {answer.findings.length === 0 && <Text size="sm">Every rule passes for this cluster with what was measured.</Text>}
              {answer.findings.map((f, i) => (
                <FindingCard key={i} finding={f} onAction={findingAction} />
              ))}
              {answer.tuning && (
                <Alert color="blue" variant="light" title={`WAN timing: ${answer.tuning.verdict}`}>
                  {answer.tuning.reasoning.map((line, i) => (
                    <Text key={i} size="xs">
                      {line}
                    </Text>
                  ))}
                </Alert>
              )}
              {answer.findings.some((f) => f.ruleId === 'proxmox.corosync-latency' && f.severity === 'error') && (
                <Checkbox
                  ref={acceptWanBox}
                  data-testid="wizard-accept-wan"
                  label="I accept a WAN-tuned corosync layout (recorded in the workspace)"
                  checked={acceptWan}
                  onChange={(e) => {
                    setAcceptWan(e.currentTarget.checked);
                    void check(e.currentTarget.checked);
                  }}
                />
              )}
              <PlanNotes notes={answer.notes} dimmed />
              <ToPlanButton blocking={answer.blocking} busy={busy} onClick={() => void toPlan()} testId="wizard-to-plan" />
            </Stack>
          )}
        </Stepper.Step>

        <Stepper.Step label="Plan" description="Every command, before it runs">
          <PlanApproval run={planRun} busy={busy} onRun={() => void run()} testIds={testIds}>
            {answer && cluster && preview && <RehearsalPanel stack="proxmox" group={cluster} plan={answer.plan} planHash={preview.planHash} />}
          </PlanApproval>
        </Stepper.Step>

        <Stepper.Step label="Run" description="Live, step by step">
          <PlanRunProgress run={planRun} busy={busy} guard={guard} onVerify={() => void verify()} testIds={testIds}>
            {(awaitingJoin || joinInfo) && manualJoin.length > 0 && (
              <JoinInfoPanel joinInfo={joinInfo} error={joinInfoError} onRetry={() => (setJoinInfoError(null), setJoinInfoAttempt((n) => n + 1))} />
            )}
          </PlanRunProgress>
        </Stepper.Step>

        <Stepper.Step label="Verify" description="Quorum, votes, nodes">
          {status && (
            <Stack gap="xs" data-testid="wizard-status">
              <Group gap="xs">
                <Badge color={status.quorate ? 'green' : 'red'} data-testid="wizard-quorate">
                  {status.quorate ? 'quorate' : 'not quorate'}
                </Badge>
                {status.totalVotes !== undefined && (
                  <Text size="sm" data-testid="wizard-votes">
                    {status.totalVotes} of {status.expectedVotes ?? '?'} votes{status.quorum !== undefined ? `, quorum ${status.quorum}` : ''}
                    {status.qdevice ? ', QDevice voting' : ''}
                  </Text>
                )}
              </Group>
              {status.votesFrom && (
                <Text size="xs" c="dimmed">
                  Votes: {status.votesFrom}
                </Text>
              )}
              {status.nodes.map((n) => (
                <Text key={n.name} size="sm">
                  {n.name}: {n.online ? 'online' : 'offline'}
                </Text>
              ))}
              {links && (
                <Stack gap={2} data-testid="wizard-links">
                  <Group gap="xs">
                    <Badge color={links.allUp ? 'green' : 'red'} data-testid="wizard-links-state">
                      {links.allUp ? 'every knet link up' : 'knet links down'}
                    </Badge>
                    <Text size="xs" c="dimmed">
                      corosync's own view from every member, read {new Date(links.readAt).toLocaleTimeString()}; shown on the canvas
                    </Text>
                  </Group>
                  {links.down.map((d) => (
                    <Text key={`${d.link}-${d.a}-${d.b}`} size="sm" c="red">
                      link{d.link} {d.a} ↔ {d.b} down (seen from {d.seenFrom.join(', ')})
                    </Text>
                  ))}
                  {links.unreadable.map((u) => (
                    <Text key={u.node} size="sm" c="orange">
                      {u.node}: {u.error}
                    </Text>
                  ))}
                </Stack>
              )}
              {linksError && (
                <Text size="sm" c="orange">
                  The link state could not be read: {linksError}
                </Text>
              )}
              <Group justify="flex-end">
                <Button variant="default" onClick={() => void verify()} loading={busy} data-testid="wizard-reverify">
                  Read quorum and links again
                </Button>
                <Button onClick={onClose}>Done</Button>
              </Group>
            </Stack>
          )}
        </Stepper.Step>
      </Stepper>
      {error && (
        <Alert color="red" mt="sm" data-testid="wizard-error">
          {error}
        </Alert>
      )}
    </Drawer>
  );
}
