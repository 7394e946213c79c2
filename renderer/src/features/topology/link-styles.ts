// The one visual language for link roles and states, shared by canvas, legend and inspector.
import type { GraphLink, LinkRole, LinkState } from './graph.js';

export interface RoleStyle {
  label: string;
  hue: string;
  width: number;
  dash?: string;
}

export const roleStyles: Record<LinkRole, RoleStyle> = {
  corosync: { label: 'Corosync', hue: '#4263eb', width: 2.5 },
  vsan: { label: 'vSAN data', hue: '#0ca678', width: 2.5 },
  witness: { label: 'Witness', hue: '#ae3ec9', width: 2, dash: '2 4' },
  management: { label: 'Management', hue: '#868e96', width: 1 },
  'vm-data': { label: 'VM data', hue: '#f76707', width: 2 },
  storage: { label: 'Storage', hue: '#1098ad', width: 2, dash: '8 3 2 3' },
  migration: { label: 'Migration', hue: '#d6336c', width: 1.5, dash: '10 4' },
};

export const stateColours: Record<LinkState, string> = {
  ok: '#2f9e44',
  warning: '#f08c00',
  error: '#e03131',
  unmeasured: '#adb5bd',
};

export const stateLabels: Record<LinkState, string> = {
  ok: 'checked, within limits',
  warning: 'warning',
  error: 'over a limit or down',
  unmeasured: 'not measured',
};

/** What each colour means, for the legend: green is earned by a check, never by default. */
export const stateMeanings: Record<LinkState, string> = {
  ok: 'a node reached this session (measured, a terminal, its cluster) or a link measured, with no finding against it',
  warning: 'a finding warns about it',
  error: 'over a limit, down, or every attempt to reach it failed',
  unmeasured: 'nothing has measured or reached it yet',
};

/** Corosync link0 is solid, link1 dashed, link2+ dotted: same hue. */
export function dashFor(link: Pick<GraphLink, 'role' | 'linkNumber'>): string | undefined {
  if (link.role === 'corosync') {
    if (!link.linkNumber) return undefined;
    return link.linkNumber === 1 ? '7 4' : '2 3';
  }
  return roleStyles[link.role].dash;
}
