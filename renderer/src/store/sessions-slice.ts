// Terminal tabs: which exist, which stream each is attached to, its state, and broadcast input.
// The xterm.js instances themselves live outside the store (hot objects, see terminal/registry).
import type { SliceCreator } from './index.js';

export type TerminalState = 'connecting' | 'open' | 'closed' | 'failed';

export interface TerminalTab {
  id: string;
  /** Workspace node name, or user@host for ad-hoc targets. */
  title: string;
  node: string;
  site?: string;
  streamId: number | null;
  terminalId?: string;
  /** Where this session's output is logged, when logging is on. */
  logFile?: string;
  state: TerminalState;
  error?: string;
  reconnects: number;
}

export interface SessionsSlice {
  tabs: TerminalTab[];
  activeTab: string | null;
  /** Tabs that receive what is typed in any one of them, while broadcast is on. */
  broadcast: string[];
  /** Terminals mirror their rows as accessible text for screen readers. */
  screenReader: boolean;
  setScreenReader(on: boolean): void;
  /** New terminals also write their output to a file in the workspace folder. */
  logSessions: boolean;
  setLogSessions(on: boolean): void;
  addTab(tab: Omit<TerminalTab, 'state' | 'streamId' | 'reconnects'>): void;
  updateTab(id: string, change: Partial<TerminalTab>): void;
  removeTab(id: string): void;
  setActiveTab(id: string): void;
  toggleBroadcast(id: string): void;
  setBroadcast(ids: string[]): void;
}

export const createSessionsSlice: SliceCreator<SessionsSlice> = (set, get) => ({
  tabs: [],
  activeTab: null,
  broadcast: [],
  screenReader: false,
  setScreenReader: (screenReader) => set({ screenReader }),
  logSessions: false,
  setLogSessions: (logSessions) => set({ logSessions }),
  addTab: (tab) => set({ tabs: [...get().tabs, { ...tab, state: 'connecting', streamId: null, reconnects: 0 }], activeTab: tab.id, dockOpen: true }),
  updateTab: (id, change) => set({ tabs: get().tabs.map((t) => (t.id === id ? { ...t, ...change } : t)) }),
  removeTab: (id) => {
    const tabs = get().tabs.filter((t) => t.id !== id);
    set({ tabs, broadcast: get().broadcast.filter((b) => b !== id), activeTab: get().activeTab === id ? (tabs[tabs.length - 1]?.id ?? null) : get().activeTab });
  },
  setActiveTab: (activeTab) => set({ activeTab }),
  toggleBroadcast: (id) => {
    const current = get().broadcast;
    set({ broadcast: current.includes(id) ? current.filter((b) => b !== id) : [...current, id] });
  },
  setBroadcast: (broadcast) => set({ broadcast }),
});
