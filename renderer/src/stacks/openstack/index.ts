// OpenStack in the app: the multi-region wizard (regions, Keystone, Kolla-Ansible files, the shared catalog),
// the fields of a server move (live inside a region, cold copy between regions) and the inter-region link style.
import type { StackUi } from '../types.js';
import { lazyNamed } from '../../components/lazy-named.js';

export const openstackUi: StackUi = {
  // Loaded when first shown: not on screen at first paint.
  Wizard: lazyNamed(() => import('./OpenstackWizard.js'), 'OpenstackWizard'),
  MigrationFields: lazyNamed(() => import('./MigrationFields.js'), 'OpenstackMigrationFields'),
  keptSourceNote: 'Off: the original keeps running in its region; you delete it once the copy serves. On: the original server is deleted once the copy runs in the target region.',
  roleStyles: { 'inter-region': { label: 'Inter-region (OpenStack)', hue: '#ae3ec9', width: 2.5, dash: '10 4' } },
};
