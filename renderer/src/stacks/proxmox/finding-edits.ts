// The workspace edits a Proxmox finding's action makes: the QDevice's algorithm, and a new host as the QDevice.
import type { FindingAction } from '../../../../main/common/workspace/rules/actions.js';
import type { Workspace } from '../../../../main/common/workspace/schema.js';
import type { FindingEdit } from '../types.js';

export function proxmoxFindingEdit(action: FindingAction): FindingEdit | null {
  if (action.id !== 'set-qdevice-algorithm') return null;
  return {
    label: `use ${action.algorithm} for the QDevice of ${action.cluster}`,
    apply(draft) {
      const qdevice = draft.proxmox?.clusters.find((c) => c.name === action.cluster)?.qdevice;
      if (!qdevice) throw new Error(`cluster ${action.cluster} has no QDevice any more`);
      qdevice.algorithm = action.algorithm;
    },
  };
}

/** The node form's "Add a QDevice host": the new node becomes the cluster's QDevice (ffsplit unless one is set). */
export function addProxmoxQdeviceHost(draft: Workspace, clusterName: string, host: string): boolean {
  const cluster = draft.proxmox?.clusters.find((c) => c.name === clusterName);
  if (!cluster) return false;
  cluster.qdevice = { host, algorithm: cluster.qdevice?.algorithm ?? 'ffsplit' };
  return true;
}
