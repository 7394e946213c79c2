// The migration dialog a VM drop opens: the stack's precheck verdict (allowed or blocked, with the
// reasons), the kind of move, local disks and a target storage, live or offline; for a move to another
// cluster the storage and bridge maps, the target VMID and whether to delete the source; then the move itself.
import { Alert, Badge, Button, Checkbox, Group, Modal, NumberInput, Select, Stack, Switch, Text, TextInput } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { MigrationTarget, VmRecord } from '../../../../main/common/contract/inventory.js';
import { useAppState, useTransport } from '../../store/context.js';
import { describeError } from '../../store/describe-error.js';
import { formatGiB, formatMiB } from '../../components/format-size.js';
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
  const loadInventory = useAppState((s) => s.loadInventory);
  const [vm, setVm] = useState<VmRecord | null>(null);
  const [verdict, setVerdict] = useState<MigrationTarget | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [online, setOnline] = useState(true);
  const [storage, setStorage] = useState<string | null>(null);
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<'succeeded' | 'failed' | 'cancelled' | null>(null);
  const [controller, setController] = useState<AbortController | null>(null);
  // Cross-cluster choices: source storage/bridge → target, the VMID there, and whether the source goes.
  const [storageMap, setStorageMap] = useState<Record<string, string>>({});
  const [bridgeMap, setBridgeMap] = useState<Record<string, string>>({});
  const [targetVmid, setTargetVmid] = useState<number | null>(null);
  const [deleteSource, setDeleteSource] = useState(false);
  const [confirmName, setConfirmName] = useState('');
  const [rechecking, setRechecking] = useState(false);

  useEffect(() => {
    setVm(null);
    setVerdict(null);
    setError(null);
    setResult(null);
    setOutcome(null);
    setStorage(null);
    setStorageMap({});
    setBridgeMap({});
    setTargetVmid(null);
    setDeleteSource(false);
    if (!request) return;
    transport.call('vm.migratePrecheck', { vm: request.vm, targets: [request.target] }).then(
      (answer) => {
        setVm(answer.vm);
        setOnline(answer.vm.status === 'running');
        const found = answer.targets.find((t) => t.node === request.target) ?? null;
        setVerdict(found);
        if (found?.remote) {
          // Start from "same name on the target" where the target has it; the admin picks the rest.
          const r = found.remote;
          setStorageMap(Object.fromEntries(r.sourceStorages.filter((s) => found.targetStorages.includes(s)).map((s) => [s, s])));
          setBridgeMap(Object.fromEntries(r.sourceBridges.filter((b) => r.targetBridges.includes(b)).map((b) => [b, b])));
          setTargetVmid(r.suggestedVmid);
        }
      },
      (e) => setError(describeError(e)),
    );
  }, [request, transport]);

  // The verdict depends on the choices (the storage for local disks; a cross-cluster move's maps and VMID): ask again when they change.
  const isRemote = verdict?.kind === 'remote' && Boolean(verdict.remote);
  const choiceKey = JSON.stringify(isRemote ? { storageMap, bridgeMap, targetVmid } : { storage });
  const hasChoices = isRemote || storage !== null;
  useEffect(() => {
    if (!request || !hasChoices || result) return;
    // Only the answer to the latest choices counts: an older one arriving late is dropped.
    let latest = true;
    setRechecking(true);
    const timer = setTimeout(() => {
      transport
        .call('vm.migratePrecheck', isRemote ? { vm: request.vm, targets: [request.target], storageMap, bridgeMap, ...(targetVmid ? { targetVmid } : {}) } : { vm: request.vm, targets: [request.target], ...(storage ? { targetStorage: storage } : {}) })
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
    // choiceKey stands for the storage, storageMap, bridgeMap and targetVmid (new objects each render would loop).
  }, [choiceKey, hasChoices, isRemote, request, transport]);

  if (!request) return null;
  const needsStorage = !isRemote && (verdict?.localDisks.length ?? 0) > 0;
  const deleteApproved = !isRemote || !deleteSource || confirmName === vm?.name;
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
      const remoteChoices = isRemote ? { storageMap, bridgeMap, ...(targetVmid ? { targetVmid } : {}), ...(deleteSource ? { deleteSource, confirmDeleteSource: confirmName } : {}) } : {};
      const outcome = await transport.call('vm.migrate', { vm: vm.id, target: request.target, online, ...(storage && !isRemote ? { targetStorage: storage } : {}), ...remoteChoices }, { signal: abort.signal });
      setOutcome(outcome.status);
      setResult(outcome.status === 'succeeded' ? (isRemote ? outcome.message : `${vm.name} now runs on ${request.target} (${(outcome.durationMs / 1000).toFixed(1)} s).`) : `${outcome.message}`);
    } catch (e) {
      setOutcome('failed');
      setError(describeError(e));
    } finally {
      // The canvas follows whatever happened: read the VMs again after every move, failed ones too.
      void loadInventory();
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
        {needsStorage && (
          <Select
            label={`Target storage for ${verdict!.localDisks.map((d) => `${d.disk} (${d.storage}${d.sizeGiB !== undefined ? `, ${formatGiB(d.sizeGiB)}` : ''})`).join(', ')}`}
            data={verdict!.targetStorages}
            value={storage}
            onChange={setStorage}
            placeholder="Choose a storage on the target"
            data-testid="migration-target-storage"
          />
        )}
        {isRemote && verdict?.remote && (
          <Stack gap="xs" data-testid="migration-remote">
            <Text size="sm">
              Into cluster <b>{verdict.remote.cluster}</b>: every disk is copied to a storage there, and each network bridge needs its counterpart.
            </Text>
            {verdict.remote.sourceStorages.map((s) => (
              <Select
                key={`storage-${s}`}
                label={`Target storage for disks on ${s}`}
                data={verdict.targetStorages}
                value={storageMap[s] ?? null}
                onChange={(v) => setStorageMap((m) => (v ? { ...m, [s]: v } : Object.fromEntries(Object.entries(m).filter(([k]) => k !== s))))}
                placeholder={`Choose a storage in ${verdict.remote!.cluster}`}
                data-testid={`migration-storage-${s}`}
              />
            ))}
            {verdict.remote.sourceBridges.map((b) => (
              <Select
                key={`bridge-${b}`}
                label={`Target bridge for NICs on ${b}`}
                data={verdict.remote!.targetBridges}
                value={bridgeMap[b] ?? null}
                onChange={(v) => setBridgeMap((m) => (v ? { ...m, [b]: v } : Object.fromEntries(Object.entries(m).filter(([k]) => k !== b))))}
                placeholder={`Choose a bridge on ${request.target}`}
                data-testid={`migration-bridge-${b}`}
              />
            ))}
            <NumberInput
              label="VMID on the target cluster"
              description={verdict.remote.usedVmids.includes(targetVmid ?? -1) ? `${targetVmid} is taken there; ${verdict.remote.suggestedVmid} is free` : 'Must be free in the target cluster'}
              min={100}
              max={999999999}
              value={targetVmid ?? ''}
              onChange={(v) => setTargetVmid(typeof v === 'number' ? v : null)}
              data-testid="migration-target-vmid"
            />
            <Checkbox
              label="Delete the source after a successful move"
              description="Off: Proxmox keeps the source VM stopped and locked (migrate) as a fallback; you remove it later. On: the source VM and its disks are destroyed once the copy runs on the target."
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
          </Stack>
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
            The cluster's task log streams into the Jobs tab of the dock. Stopping asks the cluster to stop the task; a live migration that is already switching over completes.
          </Text>
        )}
      </Stack>
    </Modal>
  );
}
