// Layout state of the main window: which aside panel shows, whether the dock is open.
import type { SliceCreator } from './index.js';

export type AsidePanel = 'inspector' | 'log';

export interface UiSlice {
  asidePanel: AsidePanel;
  dockOpen: boolean;
  /** Height of the terminal/job dock in pixels (the admin drags its top edge). */
  dockHeight: number;
  setAsidePanel(panel: AsidePanel): void;
  toggleDock(): void;
  setDockHeight(height: number): void;
}

export const createUiSlice: SliceCreator<UiSlice> = (set, get) => ({
  asidePanel: 'inspector',
  dockOpen: true,
  dockHeight: 260,
  setAsidePanel: (asidePanel) => set({ asidePanel }),
  toggleDock: () => set({ dockOpen: !get().dockOpen }),
  setDockHeight: (height) => set({ dockHeight: Math.round(Math.min(Math.max(height, 120), window.innerHeight - 200)) }),
});
