// The migration dialog a VM drop opens: the stack's precheck verdict (allowed or blocked, with the
// reasons), the kind of move, local disks and a target storage, live or offline; then the move itself.
import { Alert, Badge, Button, Group, Modal, Select, Stack, Switch, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { MigrationTarget, VmRecord } from '../../../../main/common/contract/inventory.js';
import { useAppState, useTransport } from '../../store/context.js';
import { describeError } from '../../store/describe-error.js';

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
  const [controller, setController] = useState<AbortController | null>(null);

  useEffect(() => {
    setVm(null);
    setVerdict(null);
    setError(null);
    setResult(null);
    setStorage(null);
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

  if (!request) return null;
  const needsStorage = (verdict?.localDisks.length ?? 0) > 0;
  const canRun = Boolean(verdict?.allowed || (needsStorage && storage && verdict?.reasons.every((r) => /storage/i.test(r)))) && !running && !result;

  const run = async () => {
    if (!vm) return;
    setRunning(true);
    setError(null);
    const abort = new AbortController();
    setController(abort);
    onMoving?.(vm.id);
    try {
      const outcome = await transport.call('vm.migrate', { vm: vm.id, target: request.target, online, ...(storage ? { targetStorage: storage } : {}) }, { signal: abort.signal });
      setResult(outcome.status === 'succeeded' ? `${vm.name} now runs on ${request.target} (${(outcome.durationMs / 1000).toFixed(1)} s).` : `${outcome.message}`);
      await loadInventory();
    } catch (e) {
      setError(describeError(e));
    } finally {
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
            <b>{vm.name}</b> ({vm.status}{vm.memoryMiB ? `, ${Math.round(vm.memoryMiB / 1024)} GiB memory` : ''}) from <b>{vm.node}</b> to <b>{request.target}</b>
          </Text>
        )}
        {verdict && (
          <Group gap="xs">
            <Badge color={verdict.allowed ? 'green' : 'red'} data-testid="migration-verdict">
              {verdict.allowed ? 'allowed' : 'blocked'}
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
            label={`Target storage for ${verdict!.localDisks.map((d) => `${d.disk} (${d.storage})`).join(', ')}`}
            data={verdict!.targetStorages}
            value={storage}
            onChange={setStorage}
            placeholder="Choose a storage on the target"
          />
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
