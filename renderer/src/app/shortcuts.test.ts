import { describe, expect, it } from 'vitest';
import { comboKeys, comboLabel, shortcutFor, shortcuts, type KeyLike } from './shortcuts.js';

const key = (k: string, extra: Partial<KeyLike> = {}): KeyLike => ({ key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...extra });

describe('keyboard shortcuts', () => {
  it('binds every combination the sheet lists to that same shortcut (the sheet cannot list what is not bound)', () => {
    for (const s of shortcuts) {
      if (s.builtIn) continue;
      for (const c of s.combos) {
        const shifted = c.shift || c.key === '?';
        const event = key(c.key ? (shifted && c.key.length === 1 ? c.key.toUpperCase() : c.key) : '', { ...(c.code ? { code: c.code } : {}), ctrlKey: Boolean(c.mod), shiftKey: Boolean(shifted) });
        expect(shortcutFor(event), `${s.id}: ${comboKeys(c, false).join('+')}`).toBe(s.id);
        if (c.mod) expect(shortcutFor({ ...event, ctrlKey: false, metaKey: true }), `${s.id} with ⌘`).toBe(s.id);
      }
    }
  });

  it('lists what the UI brief asks for: search, terminal dock, undo/redo, fit, zoom to selection, Esc, Delete, and this sheet', () => {
    expect(shortcuts.map((s) => s.id).sort()).toEqual(['delete', 'dock', 'escape', 'fit', 'help', 'redo', 'search', 'undo', 'zoomSelection']);
  });

  it('tells plain keys from their shifted and modified forms', () => {
    expect(shortcutFor(key('f'))).toBe('fit');
    expect(shortcutFor(key('F', { shiftKey: true }))).toBe('zoomSelection');
    expect(shortcutFor(key('f', { ctrlKey: true }))).toBeNull();
    expect(shortcutFor(key('z', { ctrlKey: true }))).toBe('undo');
    expect(shortcutFor(key('Z', { ctrlKey: true, shiftKey: true }))).toBe('redo');
    expect(shortcutFor(key('`', { code: 'Backquote', ctrlKey: true }))).toBe('dock');
    // A layout where the backquote key types something else still toggles the dock (physical key).
    expect(shortcutFor(key('^', { code: 'Backquote', ctrlKey: true }))).toBe('dock');
    expect(shortcutFor(key('?', { shiftKey: true }))).toBe('help');
    expect(shortcutFor(key('k', { ctrlKey: true, altKey: true }))).toBeNull();
    // Esc belongs to the dialogs themselves.
    expect(shortcutFor(key('Escape'))).toBeNull();
  });

  it('prints combinations for this platform', () => {
    expect(comboLabel('redo', false)).toBe('Ctrl+Shift+Z');
    expect(comboLabel('redo', true)).toBe('⌘⇧Z');
    expect(comboLabel('dock', false)).toBe('Ctrl+`');
    expect(comboLabel('zoomSelection', false)).toBe('Shift+F');
  });
});
