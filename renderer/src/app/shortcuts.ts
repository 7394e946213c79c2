// The keyboard shortcuts the app binds, as data: the handlers match key events against this table and
// the shortcut sheet (`?`) prints it, so the sheet can only list what is really bound. Pure.

export type ShortcutId = 'search' | 'dock' | 'undo' | 'redo' | 'fit' | 'zoomSelection' | 'delete' | 'escape' | 'help';

/** One key combination. `mod` is Ctrl, or ⌘ on a Mac (either is accepted). `code` matches the physical key. */
export interface Combo {
  key?: string;
  code?: string;
  mod?: boolean;
  shift?: boolean;
}

export interface Shortcut {
  id: ShortcutId;
  description: string;
  group: 'Anywhere' | 'Canvas' | 'Dialogs';
  combos: Combo[];
  /** Also works while typing in the terminal (the dock toggle does, like an IDE's). */
  inTerminal?: boolean;
  /** Bound by the dialogs themselves (Mantine's modals, drawers and menus), not by the app's handler. */
  builtIn?: boolean;
}

export const shortcuts: readonly Shortcut[] = [
  { id: 'search', group: 'Anywhere', description: 'Find a node by name', combos: [{ key: 'k', mod: true }] },
  { id: 'dock', group: 'Anywhere', description: 'Show or hide the terminal dock', combos: [{ code: 'Backquote', mod: true }], inTerminal: true },
  { id: 'help', group: 'Anywhere', description: 'This list of shortcuts', combos: [{ key: '?' }] },
  { id: 'undo', group: 'Canvas', description: 'Undo the last edit', combos: [{ key: 'z', mod: true }] },
  { id: 'redo', group: 'Canvas', description: 'Redo', combos: [{ key: 'z', mod: true, shift: true }, { key: 'y', mod: true }] },
  { id: 'fit', group: 'Canvas', description: 'Zoom to fit the whole estate', combos: [{ key: 'f' }] },
  { id: 'zoomSelection', group: 'Canvas', description: 'Zoom to the selection (a node, a site, or the nodes of a finding)', combos: [{ key: 'f', shift: true }] },
  { id: 'delete', group: 'Canvas', description: 'Remove the selected node', combos: [{ key: 'Delete' }, { key: 'Backspace' }] },
  { id: 'escape', group: 'Dialogs', description: 'Close a dialog, a menu or the node search', combos: [{ key: 'Escape' }], builtIn: true },
];

export interface KeyLike {
  key: string;
  code?: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

function matches(combo: Combo, e: KeyLike): boolean {
  if (e.altKey) return false;
  const mod = e.ctrlKey || e.metaKey;
  if (Boolean(combo.mod) !== mod) return false;
  if (combo.code) return e.code === combo.code;
  if (combo.key === '?') return e.key === '?';
  // Letters: the case follows Shift, so compare without it and check Shift explicitly.
  if (Boolean(combo.shift) !== e.shiftKey) return false;
  return e.key.toLowerCase() === combo.key?.toLowerCase();
}

/** The shortcut a key event triggers, if any (built-in ones are left to the dialogs). */
export function shortcutFor(e: KeyLike): ShortcutId | null {
  for (const s of shortcuts) if (!s.builtIn && s.combos.some((c) => matches(c, e))) return s.id;
  return null;
}

const keyNames: Record<string, string> = { Escape: 'Esc', Delete: 'Delete', Backspace: 'Backspace' };
const codeNames: Record<string, string> = { Backquote: '`' };

/** A combination as the sheet prints it: ["Ctrl", "Shift", "Z"] (["⌘", "⇧", "Z"] on a Mac). */
export function comboKeys(combo: Combo, mac: boolean): string[] {
  const keys: string[] = [];
  if (combo.mod) keys.push(mac ? '⌘' : 'Ctrl');
  if (combo.shift) keys.push(mac ? '⇧' : 'Shift');
  const key = combo.code ? (codeNames[combo.code] ?? combo.code) : combo.key ? (keyNames[combo.key] ?? (combo.key.length === 1 ? combo.key.toUpperCase() : combo.key)) : '';
  keys.push(key === '?' ? '?' : key);
  return keys;
}

/** "Ctrl+Shift+Z" for tooltips. */
export function comboLabel(id: ShortcutId, mac: boolean): string {
  const s = shortcuts.find((x) => x.id === id);
  return s?.combos[0] ? comboKeys(s.combos[0], mac).join(mac ? '' : '+') : '';
}

export const isMac = (): boolean => typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform || navigator.userAgent);

/** Key events aimed at a text field (or the terminal) are the admin typing, not shortcuts. */
export function isTyping(target: EventTarget | null): { field: boolean; terminal: boolean } {
  const el = target as HTMLElement | null;
  if (!el || typeof el.closest !== 'function') return { field: false, terminal: false };
  const terminal = Boolean(el.closest('.xterm'));
  const field = terminal || el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
  return { field, terminal };
}
