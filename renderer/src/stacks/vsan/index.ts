// VMware vSAN in the app: the stretched-cluster wizard and the style of its data links on the canvas (its
// witness links use the general witness role).
import type { StackUi } from '../types.js';
import { VsanWizard } from './VsanWizard.js';

export const vsanUi: StackUi = {
  Wizard: VsanWizard,
  roleStyles: { vsan: { label: 'vSAN data', hue: '#0ca678', width: 2.5 } },
};
