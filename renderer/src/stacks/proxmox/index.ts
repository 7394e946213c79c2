// Proxmox VE in the app: the cluster wizard, the corosync links in the networks panel, the fields of a move
// (target storage; storage and bridge maps and the VMID for another cluster), and the corosync link style.
import type { StackUi } from '../types.js';
import { CorosyncLinks } from './CorosyncLinks.js';
import { addProxmoxQdeviceHost, proxmoxFindingEdit } from './finding-edits.js';
import { lazyNamed } from '../../components/lazy-named.js';

export const proxmoxUi: StackUi = {
  // Loaded when first shown: not on screen at first paint.
  Wizard: lazyNamed(() => import('./ProxmoxWizard.js'), 'ProxmoxWizard'),
  NetworksSection: CorosyncLinks,
  findingEdit: proxmoxFindingEdit,
  addQdeviceHost: addProxmoxQdeviceHost,
  MigrationFields: lazyNamed(() => import('./MigrationFields.js'), 'ProxmoxMigrationFields'),
  keptSourceNote: 'Off: Proxmox keeps the source VM stopped and locked (migrate) as a fallback; you remove it later. On: the source VM and its disks are destroyed once the copy runs on the target.',
  roleStyles: { corosync: { label: 'Corosync', hue: '#4263eb', width: 2.5, numbered: { link1: '7 4', more: '2 3' } } },
};
