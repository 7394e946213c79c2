// VMware vSAN in the app: the stretched-cluster wizard and the style of its data links on the canvas (its
// witness links use the general witness role).
import type { StackUi } from '../types.js';
import { lazyNamed } from '../../components/lazy-named.js';

export const vsanUi: StackUi = {
  // Loaded when first shown: not on screen at first paint.
  Wizard: lazyNamed(() => import('./VsanWizard.js'), 'VsanWizard'),
  roleStyles: { vsan: { label: 'vSAN data', hue: '#0ca678', width: 2.5 } },
};
