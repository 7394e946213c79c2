// What the app can do about a finding: a fixed list of remedy actions, each an id with its arguments.
// A rule names the action; the renderer maps it to what it does (open a form, run a measurement, make
// an edit), and the CLI names the button. The label is the button's text, in the admin's words.
import * as z from 'zod';

const name = z.string().min(1).max(200);

export const findingActionSchema = z.discriminatedUnion('id', [
  /** Measure the latency matrix on every network (the header's "Measure latency"). */
  z.object({ id: z.literal('measure-latency') }),
  /** The wizard's Cluster API panel for this cluster: its endpoint and certificate. */
  z.object({ id: z.literal('set-cluster-api'), cluster: name }),
  /** The wizard's Cluster API panel, at root@pam's password (sent to the secret store; the workspace keeps its id). */
  z.object({ id: z.literal('store-cluster-password'), cluster: name }),
  /** The wizard's checks step for this cluster, where a WAN-tuned layout is accepted and recorded. */
  z.object({ id: z.literal('accept-wan-layout'), cluster: name }),
  /** The node form, adding a host that becomes this cluster's QDevice (ffsplit). */
  z.object({ id: z.literal('add-qdevice-host'), cluster: name }),
  /** The networks panel at this cluster's corosync links. */
  z.object({ id: z.literal('add-corosync-link'), cluster: name }),
  /** The networks panel. */
  z.object({ id: z.literal('open-networks') }),
  /** Edits the workspace: the cluster's QDevice uses ffsplit. */
  z.object({ id: z.literal('set-qdevice-algorithm'), cluster: name, algorithm: z.literal('ffsplit') }),
  /** Edits the workspace: the overlay's persistent keepalive, in seconds. */
  z.object({ id: z.literal('set-overlay-keepalive'), overlay: name, seconds: z.number().int().positive() }),
  /** Edits the workspace: the overlay's MTU. */
  z.object({ id: z.literal('set-overlay-mtu'), overlay: name, mtu: z.number().int().positive() }),
]);
export type FindingAction = z.infer<typeof findingActionSchema>;
export type FindingActionId = FindingAction['id'];

/** Every action id, in the order of the list above. */
export const findingActionIds = findingActionSchema.options.map((o) => o.shape.id.value) as FindingActionId[];

/** The button's text. */
export function findingActionLabel(action: FindingAction): string {
  switch (action.id) {
    case 'measure-latency':
      return 'Measure latency';
    case 'set-cluster-api':
      return "Set the cluster's API endpoint";
    case 'store-cluster-password':
      return "Store root@pam's password";
    case 'accept-wan-layout':
      return 'Accept the WAN layout';
    case 'add-qdevice-host':
      return 'Add a QDevice host';
    case 'add-corosync-link':
      return 'Add a corosync link';
    case 'open-networks':
      return 'Open the networks';
    case 'set-qdevice-algorithm':
      return `Use ${action.algorithm}`;
    case 'set-overlay-keepalive':
      return `Set the keepalive to ${action.seconds} s`;
    case 'set-overlay-mtu':
      return `Set the MTU to ${action.mtu}`;
  }
}
