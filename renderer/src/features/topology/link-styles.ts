// The one visual language for link roles and states, shared by canvas, legend and inspector. The general roles
// are styled here; each stack styles the roles it adds (renderer/src/stacks/registry.ts).
import { defaultStacks } from '../../../../main/common/stacks/compose.js';
import { stackUi } from '../../stacks/registry.js';
import type { RoleStyle } from '../../stacks/types.js';
import type { GraphLink, LinkState } from './graph.js';

export type { RoleStyle } from '../../stacks/types.js';

const generalRoleStyles: Record<string, RoleStyle> = {
  witness: { label: 'Witness', hue: '#ae3ec9', width: 2, dash: '2 4' },
  management: { label: 'Management', hue: '#868e96', width: 1 },
  'vm-data': { label: 'VM data', hue: '#f76707', width: 2 },
  storage: { label: 'Storage', hue: '#1098ad', width: 2, dash: '8 3 2 3' },
  migration: { label: 'Migration', hue: '#d6336c', width: 1.5, dash: '10 4' },
};

/** Every role's style: the stacks' roles first (in registry order), then the general ones. */
export const roleStyles: Record<string, RoleStyle> = Object.assign({}, ...defaultStacks.map((s) => stackUi(s.id).roleStyles ?? {}), generalRoleStyles);

/** A role no stack or general style knows (a test's own stack): drawn plainly. */
const unknownRole: RoleStyle = { label: 'Other', hue: '#868e96', width: 1.5 };

export function roleStyle(role: string): RoleStyle {
  return roleStyles[role] ?? { ...unknownRole, label: role };
}

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

/** A cluster's numbered links (corosync's): link0 solid, link1 dashed, link2+ dotted, same hue. */
export function dashFor(link: Pick<GraphLink, 'role' | 'linkNumber'>): string | undefined {
  const style = roleStyle(link.role);
  if (style.numbered && link.linkNumber !== undefined) {
    if (!link.linkNumber) return undefined;
    return link.linkNumber === 1 ? style.numbered.link1 : style.numbered.more;
  }
  return style.dash;
}
