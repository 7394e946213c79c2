// The migration dialog a VM drop opens: the stack's precheck verdict (allowed or blocked, with the reasons), the
// kind of move, what the VM's stack needs chosen (its fields, from the stack registry), live or offline, and for a
// move to another cluster whether to delete the source (the typed name approves that destructive step of the
// move's plan); then the move itself, run as a plan by the engine.
import { Alert, Badge, Button, Checkbox, Group, Modal, Stack, Switch, Text, TextInput } from '@mantine/core';
import { Suspense, useEffect, useState } from 'react';
import type { MigrationChoices, MigrationTarget, VmRecord } from '../../../../main/common/contract/inventory.js';
import { useTransport } from '../../store/context.js';
import { describeError } from '../../store/describe-error.js';
import { formatMiB } from '../../components/format-size.js';
import { stackUi } from '../../stacks/registry.js';
import { migrationVerdict } from './verdict.js';

const kindLabels: Record<MigrationTarget['kind'], string> = {
  live: 'Live migration inside the cluster',
  offline: 'Offline migration inside the cluster',
  remote: 'Cross-cluster move (remote migrate)',
  cold: 'Cross-region move (cold copy)',
};

export interface MigrationRequestView {
  vm: string;
  target: string;
}

export function MigrationDialog({ request, onClose, onMoving }: { request: MigrationRequestView | null; onClose(): void; onMoving?(vm: string | null): void }) {
  const transport = useTransport();
  const [vm, setVm] = useState<VmRecord | null>(null);
  const [verdict, setVerdict] = useState<MigrationTarget | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [online, setOnline] = useState(true);
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<'succeeded' | 'failed' | 'cancelled' | null>(null);
  const [controller, setController] = useState<AbortController | null>(null);
  // What the VM's stack needs chosen (its fields set them), and whether the source goes after a cross-cluster move.
  const [choices, setChoices] = useState<MigrationChoices | null>(null);
  const [deleteSource, setDeleteSource] = useState(false);
  const [confirmName, setConfirmName] = useState('');
  const [rechecking, setRechecking] = useState(false);

  useEffect(() => {
    setVm(null);
    setVerdict(null);
    setError(null);
    setResult(null);
    setOutcome(null);
    setChoices(null);
    setDeleteSource(false);
    if (!request) return;
    transport.call('vm.migratePrecheck', { vm: request.vm, targets: [request.target] }).then(
      (answer) => {
        setVm(answer.vm);
        setOnline(answer.vm.status === 'running');
        setVerdict(answer.targets.find((t) => t.node === request.target) ?? null);
      },
      (e) => setError(describeError(e)),
    );
  }, [request, transport]);

  // The verdict depends on the choices (a storage for local disks, a cross-cluster move's maps…): ask again when they change.
  const choiceKey = JSON.stringify(choices);
  useEffect(() => {
    if (!request || !choices || result) return;
    // Only the answer to the latest choices counts: an older one arriving late is dropped.
    let latest = true;
    setRechecking(true);
    const timer = setTimeout(() => {
      transport
        .call('vm.migratePrecheck', { vm: request.vm, targets: [request.target], choices })
        .then(
          (answer) => {
            if (!latest) return;
            setVerdict(answer.targets.find((t) => t.node === request.target) ?? null);
            setError(null);
          },
          (e) => latest && setError(describeError(e)),
        )
        .finally(() => latest && setRechecking(false));
    }, 250);
    return () => {
      latest = false;
      clearTimeout(timer);
    };
    // choiceKey stands for the choices (a new object each render would loop).
  }, [choiceKey, request, transport]);

  if (!request) return null;
  const ui = vm ? stackUi(vm.stack) : {};
  const Fields = ui.MigrationFields;
  // Moves to another cluster or region may end with the source destroyed: the admin's typed name approves it.
  const acrossClusters = verdict?.kind === 'remote' || verdict?.kind === 'cold';
  const deleteApproved = !acrossClusters || !deleteSource || confirmName === vm?.name;
  // The badge and Move both follow the latest precheck: never "blocked" with Move enabled, "moving…" while it runs.
  const shown = migrationVerdict({ verdict, rechecking, running, outcome, deleteApproved });
  const canRun = shown.canMove;

  const run = async () => {
    if (!vm) return;
    setRunning(true);
    setError(null);
    const abort = new AbortController();
    setController(abort);
    onMoving?.(vm.id);
    try {
      const outcome = await transport.call(
        'vm.migrate',
        { vm: vm.id, target: request.target, online, ...(choices ? { choices } : {}), ...(acrossClusters && deleteSource ? { deleteSource, confirmDeleteSource: confirmName } : {}) },
        { signal: abort.signal },
      );
      setOutcome(outcome.status);
      setResult(outcome.status === 'succeeded' ? (acrossClusters ? outcome.message : `${vm.name} now runs on ${request.target} (${(outcome.durationMs / 1000).toFixed(1)} s).`) : `${outcome.message}`);
    } catch (e) {
      setOutcome('failed');
      setError(describeError(e));
    } finally {
      // The canvas follows whatever happened: the move's clusters are read again when its run ends (inventory.changed).
      setRunning(false);
      setController(null);
      onMoving?.(null);
    }
  };

  return (
    <Modal opened onClose={onClose} title={vm ? `Move ${vm.name}` : 'Move VM'} size="lg" data-testid="migration-dialog">
      <Stack gap="sm">
        {!vm && !error && <Text size="sm">Asking the cluster whether {request.target} can take this VM…</Text>}
        {vm && (
          <Text size="sm">
            <b>{vm.name}</b> ({vm.status}{vm.memoryMiB ? `, ${formatMiB(vm.memoryMiB)} memory` : ''}) from <b>{vm.node}</b> to <b>{request.target}</b>
          </Text>
        )}
        {verdict && (
          <Group gap="xs">
            <Badge color={shown.color} data-testid="migration-verdict">
              {shown.label}
            </Badge>
            <Text size="sm">{kindLabels[verdict.kind]}</Text>
          </Group>
        )}
        {verdict && verdict.reasons.length > 0 && (
          <Alert color={verdict.allowed ? 'yellow' : 'red'} variant="light" data-testid="migration-reasons">
            {verdict.reasons.map((r, i) => (
              <Text key={i} size="sm">
                {r}
              </Text>
            ))}
          </Alert>
        )}
        {vm && verdict && Fields && (
          <Suspense fallback={<Text size="sm" c="dimmed">Loading…</Text>}>
            <Fields key={`${request.vm}>${request.target}`} vm={vm} target={request.target} verdict={verdict} onChoices={setChoices} />
          </Suspense>
        )}
        {acrossClusters && (
          <>
            <Checkbox
              label="Delete the source after a successful move"
              description={ui.keptSourceNote ?? 'Off: the source VM is kept, stopped, as a fallback; you remove it later. On: the source VM and its disks are destroyed once the copy runs on the target.'}
              checked={deleteSource}
              onChange={(e) => {
                setDeleteSource(e.currentTarget.checked);
                setConfirmName('');
              }}
              data-testid="migration-delete-source"
            />
            {deleteSource && (
              <TextInput
                label={`Type ${vm?.name ?? 'the VM name'} to approve destroying the source`}
                value={confirmName}
                onChange={(e) => setConfirmName(e.currentTarget.value)}
                error={confirmName && confirmName !== vm?.name ? 'does not match the VM name' : undefined}
                data-testid="migration-confirm-delete"
              />
            )}
          </>
        )}
        {vm?.status === 'running' && <Switch label="Live migration (the VM keeps running)" checked={online} onChange={(e) => setOnline(e.currentTarget.checked)} />}
        {error && (
          <Alert color="red" data-testid="migration-error">
            {error}
          </Alert>
        )}
        {result && (
          <Alert color="green" data-testid="migration-result">
            {result}
          </Alert>
        )}
        <Group justify="flex-end">
          {running && controller ? (
            <Button variant="default" color="red" onClick={() => controller.abort()} data-testid="migration-cancel">
              Stop the move
            </Button>
          ) : (
            <Button variant="default" onClick={onClose}>
              {result ? 'Close' : 'Cancel'}
            </Button>
          )}
          {!result && (
            <Button onClick={() => void run()} disabled={!canRun} loading={running} data-testid="migration-confirm">
              Move
            </Button>
          )}
        </Group>
        {running && (
          <Text size="xs" c="dimmed">
            The move runs as a plan: its steps and the cluster's task log stream into the Jobs tab of the dock. Stopping asks the cluster to stop the task; a live migration that is already switching over completes.
          </Text>
        )}
      </Stack>
    </Modal>
  );
}
