// What each finding action does in the app: an edit of the workspace (checked and undoable like every
// canvas edit), a form or panel to open, a stack's wizard at the right place, or a measurement to run.
import { defaultStacks, groupsOf } from '../../../../main/common/stacks/compose.js';
import type { FindingAction } from '../../../../main/common/workspace/rules/actions.js';
import type { Workspace } from '../../../../main/common/workspace/schema.js';
import { stackUi } from '../../stacks/registry.js';
import type { FindingEdit } from '../../stacks/types.js';
import { useAppState } from '../../store/context.js';

export type { FindingEdit };

/** The workspace edit an action makes by itself, or null for actions that open something instead. */
export function findingEdit(action: FindingAction): FindingEdit | null {
  switch (action.id) {
    case 'set-overlay-keepalive':
    case 'set-overlay-mtu':
      return {
        label: action.id === 'set-overlay-mtu' ? `set the MTU of overlay ${action.overlay} to ${action.mtu}` : `set the keepalive of overlay ${action.overlay} to ${action.seconds} s`,
        apply(draft) {
          const overlay = draft.overlays?.find((o) => o.name === action.overlay);
          if (!overlay) throw new Error(`there is no overlay ${action.overlay} any more`);
          if (action.id === 'set-overlay-mtu') overlay.mtu = action.mtu;
          else overlay.keepalive = action.seconds;
        },
      };
    default:
      // A stack's own edits (its sections are its business).
      for (const stack of defaultStacks) {
        const edit = stackUi(stack.id).findingEdit?.(action);
        if (edit) return edit;
      }
      return null;
  }
}

/** The stack whose wizard builds the cluster of that name (the first with a wizard, when names repeat). */
export function wizardStackOf(workspace: Workspace | null, cluster: string): string | undefined {
  if (!workspace) return undefined;
  return groupsOf(workspace).find((g) => g.name === cluster && stackUi(g.stack).Wizard)?.stack;
}

/**
 * Runs a finding's action. Returns a problem to show (an edit the workspace checks refused), or null.
 * `onOpened` is told when a form or panel in the inspector was opened, so the shell can show it.
 */
export function useFindingActions({ onEdited, onOpened }: { onEdited(): void; onOpened?(): void }): (action: FindingAction) => string | null {
  const workspace = useAppState((s) => s.workspace);
  const select = useAppState((s) => s.select);
  const edit = useAppState((s) => s.edit);
  const openWizard = useAppState((s) => s.openWizard);
  const measureLatency = useAppState((s) => s.measureLatency);
  const wizardAt = (cluster: string, focus: 'api' | 'password' | 'checks'): string | null => {
    const stack = wizardStackOf(workspace, cluster);
    if (!stack) return `There is no cluster ${cluster} with a wizard in this workspace any more.`;
    openWizard({ stack, cluster, focus });
    return null;
  };
  return (action) => {
    const change = findingEdit(action);
    if (change) {
      const problem = edit(change.apply, change.label);
      if (!problem) onEdited();
      return problem;
    }
    switch (action.id) {
      case 'measure-latency':
        void measureLatency();
        break;
      case 'set-cluster-api':
        return wizardAt(action.cluster, 'api');
      case 'store-cluster-password':
        return wizardAt(action.cluster, 'password');
      case 'accept-wan-layout':
        return wizardAt(action.cluster, 'checks');
      case 'add-qdevice-host':
        select({ kind: 'add-node', qdeviceFor: action.cluster });
        onOpened?.();
        break;
      case 'add-corosync-link':
        select({ kind: 'add-network', cluster: action.cluster });
        onOpened?.();
        break;
      case 'open-networks':
        select({ kind: 'add-network' });
        onOpened?.();
        break;
    }
    return null;
  };
}
