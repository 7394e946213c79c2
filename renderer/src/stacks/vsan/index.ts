// VMware vSAN in the app: the style of its data links on the canvas (its witness links use the general witness role).
import type { StackUi } from '../types.js';

export const vsanUi: StackUi = {
  roleStyles: { vsan: { label: 'vSAN data', hue: '#0ca678', width: 2.5 } },
};
