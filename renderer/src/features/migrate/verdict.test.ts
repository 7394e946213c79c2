import { describe, expect, it } from 'vitest';
import type { MigrationTarget } from '../../../../main/common/contract/inventory.js';
import { migrationVerdict } from './verdict.js';

const blocked: MigrationTarget = { node: 'pve2', allowed: false, reasons: ['local disk scsi0 on local-lvm: choose a target storage'], kind: 'live', details: { stack: 'proxmox', localDisks: [{ disk: 'scsi0', storage: 'local-lvm' }], targetStorages: ['local-lvm'] } };
const allowed: MigrationTarget = { ...blocked, allowed: true, reasons: [] };
const base = { rechecking: false, running: false, outcome: null, deleteApproved: true } as const;

describe('the migration dialog verdict', () => {
  it('never shows "blocked" with Move enabled: a storage chosen but not yet re-checked keeps Move off', () => {
    const waiting = migrationVerdict({ ...base, verdict: blocked, rechecking: true });
    expect(waiting).toMatchObject({ label: 'checking…', canMove: false });
    const stillBlocked = migrationVerdict({ ...base, verdict: blocked });
    expect(stillBlocked).toMatchObject({ label: 'blocked', canMove: false });
  });
  it('follows the re-checked precheck: allowed once the cluster accepts the chosen storage', () => {
    expect(migrationVerdict({ ...base, verdict: allowed })).toEqual({ label: 'allowed', color: 'green', canMove: true });
  });
  it('says "moving…" while the move runs, and how it ended afterwards', () => {
    expect(migrationVerdict({ ...base, verdict: allowed, running: true })).toMatchObject({ label: 'moving…', canMove: false });
    expect(migrationVerdict({ ...base, verdict: allowed, outcome: 'succeeded' })).toMatchObject({ label: 'moved', canMove: false });
    expect(migrationVerdict({ ...base, verdict: allowed, outcome: 'failed' })).toMatchObject({ label: 'move failed' });
  });
  it('keeps Move off until deleting the source is confirmed', () => {
    expect(migrationVerdict({ ...base, verdict: allowed, deleteApproved: false }).canMove).toBe(false);
  });
});
