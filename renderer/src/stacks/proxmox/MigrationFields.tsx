// What a Proxmox move needs chosen in the migration dialog: a target storage for disks on local storage; for a
// node of another cluster (remote_migrate), a target storage per source storage, a bridge per source bridge and
// the VMID there (a free one suggested). The dialog asks the precheck again whenever these change.
import { NumberInput, Select, Stack, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import type { ProxmoxMigrationDetails } from '../../../../main/common/stacks/proxmox/contract.js';
import { formatGiB } from '../../components/format-size.js';
import type { MigrationFieldsProps } from '../types.js';

export function ProxmoxMigrationFields({ target, verdict, onChoices }: MigrationFieldsProps) {
  const details = verdict.details?.stack === 'proxmox' ? (verdict.details as ProxmoxMigrationDetails) : undefined;
  const remote = verdict.kind === 'remote' ? details?.remote : undefined;
  const [storage, setStorage] = useState<string | null>(null);
  // Cross-cluster choices: source storage/bridge → target, and the VMID there.
  const [storageMap, setStorageMap] = useState<Record<string, string> | null>(null);
  const [bridgeMap, setBridgeMap] = useState<Record<string, string>>({});
  const [targetVmid, setTargetVmid] = useState<number | null>(null);

  // Start from "same name on the target" where the target has it; the admin picks the rest.
  useEffect(() => {
    if (!remote || storageMap !== null) return;
    setStorageMap(Object.fromEntries(remote.sourceStorages.filter((s) => details!.targetStorages.includes(s)).map((s) => [s, s])));
    setBridgeMap(Object.fromEntries(remote.sourceBridges.filter((b) => remote.targetBridges.includes(b)).map((b) => [b, b])));
    setTargetVmid(remote.suggestedVmid);
  }, [remote, storageMap, details]);

  const key = JSON.stringify(remote ? { storageMap, bridgeMap, targetVmid } : { storage });
  useEffect(() => {
    if (remote) {
      if (storageMap !== null) onChoices({ stack: 'proxmox', storageMap, bridgeMap, ...(targetVmid ? { targetVmid } : {}) });
    } else if (storage) onChoices({ stack: 'proxmox', targetStorage: storage });
    // key stands for the choices (new objects each render would loop).
  }, [key]);

  if (remote) {
    return (
      <Stack gap="xs" data-testid="migration-remote">
        <Text size="sm">
          Into cluster <b>{remote.cluster}</b>: every disk is copied to a storage there, and each network bridge needs its counterpart.
        </Text>
        {remote.sourceStorages.map((s) => (
          <Select
            key={`storage-${s}`}
            label={`Target storage for disks on ${s}`}
            data={details!.targetStorages}
            value={storageMap?.[s] ?? null}
            onChange={(v) => setStorageMap((m) => (v ? { ...m, [s]: v } : Object.fromEntries(Object.entries(m ?? {}).filter(([k]) => k !== s))))}
            placeholder={`Choose a storage in ${remote.cluster}`}
            data-testid={`migration-storage-${s}`}
          />
        ))}
        {remote.sourceBridges.map((b) => (
          <Select
            key={`bridge-${b}`}
            label={`Target bridge for NICs on ${b}`}
            data={remote.targetBridges}
            value={bridgeMap[b] ?? null}
            onChange={(v) => setBridgeMap((m) => (v ? { ...m, [b]: v } : Object.fromEntries(Object.entries(m).filter(([k]) => k !== b))))}
            placeholder={`Choose a bridge on ${target}`}
            data-testid={`migration-bridge-${b}`}
          />
        ))}
        <NumberInput
          label="VMID on the target cluster"
          description={remote.usedVmids.includes(targetVmid ?? -1) ? `${targetVmid} is taken there; ${remote.suggestedVmid} is free` : 'Must be free in the target cluster'}
          min={100}
          max={999999999}
          value={targetVmid ?? ''}
          onChange={(v) => setTargetVmid(typeof v === 'number' ? v : null)}
          data-testid="migration-target-vmid"
        />
      </Stack>
    );
  }
  if (!details?.localDisks.length) return null;
  return (
    <Select
      label={`Target storage for ${details.localDisks.map((d) => `${d.disk} (${d.storage}${d.sizeGiB !== undefined ? `, ${formatGiB(d.sizeGiB)}` : ''})`).join(', ')}`}
      data={details.targetStorages}
      value={storage}
      onChange={setStorage}
      placeholder="Choose a storage on the target"
      data-testid="migration-target-storage"
    />
  );
}
