// Layout state of the main window: which aside panel shows, whether the dock is open.
import type { SliceCreator } from './index.js';

export type AsidePanel = 'inspector' | 'log';

export interface UiSlice {
  asidePanel: AsidePanel;
  dockOpen: boolean;
  setAsidePanel(panel: AsidePanel): void;
  toggleDock(): void;
}

export const createUiSlice: SliceCreator<UiSlice> = (set, get) => ({
  asidePanel: 'inspector',
  dockOpen: true,
  setAsidePanel: (asidePanel) => set({ asidePanel }),
  toggleDock: () => set({ dockOpen: !get().dockOpen }),
});
