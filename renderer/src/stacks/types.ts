// What a stack shows in the app: its wizard (the "New cluster" entry), its section of the networks panel, the
// fields its moves need in the migration dialog, and the styles of the link roles it adds to the canvas. The
// shell, the canvas, the inspector and the dialog render what renderer/src/stacks/registry.ts holds; a stack with
// nothing registered still shows its clusters, VMs and findings through the generic views.
import type { ComponentType } from 'react';
import type { MigrationChoices, MigrationTarget, VmRecord } from '../../../main/common/contract/inventory.js';
import type { Workspace } from '../../../main/common/workspace/schema.js';
import type { WorkspaceEdit } from '../features/inspector/EditForms.js';
import type { FindingAction } from '../../../main/common/workspace/rules/actions.js';
import type { WizardRequest } from '../store/ui-slice.js';

/** A workspace edit a finding's action makes: checked and undoable like every canvas edit. */
export interface FindingEdit {
  label: string;
  apply(draft: Workspace): void;
}

/** How a link role looks: its legend label, colour and width; `dash` for the line, `numbered` for a cluster's numbered links (link0 solid, link1, link2+). */
export interface RoleStyle {
  label: string;
  hue: string;
  width: number;
  dash?: string;
  /** Dashes of link1 and of link2 and above, for roles whose links are numbered inside a cluster. */
  numbered?: { link1: string; more: string };
}

export interface WizardProps {
  opened: boolean;
  /** What it was opened for (a finding's action): a cluster, and the place in the wizard. */
  request?: WizardRequest | null;
  onClose(): void;
  onEdited(): void;
  /** Runs a finding's action that leads out of the wizard (the shell's own handler). */
  onFindingAction?(action: FindingAction): string | null;
}

export interface NetworksSectionProps {
  workspace: Workspace;
  onEdit(edit: WorkspaceEdit, label: string): string | null;
  /** A cluster to show and scroll to (a finding's "Add a corosync link"). */
  focusGroup?: string;
}

export interface MigrationFieldsProps {
  vm: VmRecord;
  target: string;
  /** The latest precheck verdict for this target (its `details` are the stack's). */
  verdict: MigrationTarget;
  /** Called with the admin's choices as they change (null: nothing chosen yet); the dialog asks the precheck again. */
  onChoices(choices: MigrationChoices | null): void;
}

export interface StackUi {
  /** The "New cluster" entry's wizard; a stack without one is listed as "no wizard yet". */
  Wizard?: ComponentType<WizardProps>;
  /** Its part of the networks panel (a cluster's numbered links…). */
  NetworksSection?: ComponentType<NetworksSectionProps>;
  /** Makes `host` the QDevice of its cluster named `cluster` (the node form's "Add a QDevice host"); false when it has no such cluster. */
  addQdeviceHost?(draft: Workspace, cluster: string, host: string): boolean;
  /** The workspace edits its findings' actions make by themselves (a QDevice's algorithm…); null for others. */
  findingEdit?(action: FindingAction): FindingEdit | null;
  /** What its moves need chosen in the migration dialog (target storage, maps…). */
  MigrationFields?: ComponentType<MigrationFieldsProps>;
  /** What happens to a source kept after a move to another cluster (shown beside "Delete the source"). */
  keptSourceNote?: string;
  /** Styles of the network roles it adds (the general ones are the canvas's own). */
  roleStyles?: Record<string, RoleStyle>;
}
