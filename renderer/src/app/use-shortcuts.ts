// Binds handlers to the shortcuts of the one table (shortcuts.ts) for as long as a component is mounted.
import { useEffect, useRef } from 'react';
import { isTyping, shortcutFor, shortcuts, type ShortcutId } from './shortcuts.js';

export type ShortcutHandlers = Partial<Record<ShortcutId, (e: KeyboardEvent) => void>>;

export function useShortcuts(handlers: ShortcutHandlers): void {
  const current = useRef(handlers);
  current.current = handlers;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const id = shortcutFor(e);
      if (!id) return;
      const handler = current.current[id];
      if (!handler) return;
      const typing = isTyping(e.target);
      if (typing.field && !(typing.terminal && shortcuts.find((s) => s.id === id)?.inTerminal)) return;
      e.preventDefault();
      handler(e);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
