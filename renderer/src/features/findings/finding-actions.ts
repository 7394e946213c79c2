// What each finding action does in the app: an edit of the workspace (checked and undoable like every
// canvas edit), a form or panel to open, the wizard at the right place, or a measurement to run.
import type { FindingAction } from '../../../../main/common/workspace/rules/actions.js';
import type { Workspace } from '../../../../main/common/workspace/schema.js';
import { useAppState } from '../../store/context.js';

export interface FindingEdit {
  label: string;
  apply(draft: Workspace): void;
}

/** The workspace edit an action makes by itself, or null for actions that open something instead. */
export function findingEdit(action: FindingAction): FindingEdit | null {
  switch (action.id) {
    case 'set-qdevice-algorithm':
      return {
        label: `use ${action.algorithm} for the QDevice of ${action.cluster}`,
        apply(draft) {
          const qdevice = draft.proxmox?.clusters.find((c) => c.name === action.cluster)?.qdevice;
          if (!qdevice) throw new Error(`cluster ${action.cluster} has no QDevice any more`);
          qdevice.algorithm = action.algorithm;
        },
      };
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
      return null;
  }
}

/**
 * Runs a finding's action. Returns a problem to show (an edit the workspace checks refused), or null.
 * `onOpened` is told when a form or panel in the inspector was opened, so the shell can show it.
 */
export function useFindingActions({ onEdited, onOpened }: { onEdited(): void; onOpened?(): void }): (action: FindingAction) => string | null {
  const select = useAppState((s) => s.select);
  const edit = useAppState((s) => s.edit);
  const openWizard = useAppState((s) => s.openWizard);
  const measureLatency = useAppState((s) => s.measureLatency);
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
        openWizard({ cluster: action.cluster, focus: 'api' });
        break;
      case 'store-cluster-password':
        openWizard({ cluster: action.cluster, focus: 'password' });
        break;
      case 'accept-wan-layout':
        openWizard({ cluster: action.cluster, focus: 'checks' });
        break;
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
