// What the migration dialog says about the move, and whether Move is enabled: both follow the latest precheck
// (re-asked after every choice), so the badge never says "blocked" while Move is enabled, and says "moving…" while the move runs.
import type { MigrationTarget } from '../../../../main/common/contract/inventory.js';

export interface MigrationDialogState {
  verdict: MigrationTarget | null;
  /** A precheck for the latest choices is on its way. */
  rechecking: boolean;
  running: boolean;
  outcome: 'succeeded' | 'failed' | 'cancelled' | null;
  /** Deleting the source after a cross-cluster move was confirmed by typing the VM's name (or is not asked for). */
  deleteApproved: boolean;
}

export interface MigrationVerdictView {
  label: string;
  color: 'green' | 'red' | 'blue' | 'gray' | 'orange';
  canMove: boolean;
}

export function migrationVerdict(state: MigrationDialogState): MigrationVerdictView {
  if (state.running) return { label: 'moving…', color: 'blue', canMove: false };
  if (state.outcome === 'succeeded') return { label: 'moved', color: 'green', canMove: false };
  if (state.outcome === 'failed') return { label: 'move failed', color: 'red', canMove: false };
  if (state.outcome === 'cancelled') return { label: 'move stopped', color: 'orange', canMove: false };
  if (!state.verdict || state.rechecking) return { label: 'checking…', color: 'gray', canMove: false };
  if (!state.verdict.allowed) return { label: 'blocked', color: 'red', canMove: false };
  return { label: 'allowed', color: 'green', canMove: state.deleteApproved };
}
