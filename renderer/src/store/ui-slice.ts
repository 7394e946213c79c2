// Layout state of the main window: which aside panel shows, whether the dock is open and on which tab.
import type { SliceCreator } from './index.js';

export type AsidePanel = 'inspector' | 'log';
export type DockTab = 'terminals' | 'jobs';

/** Opening a stack's "New cluster" wizard, optionally at a cluster and at the place a finding's action points to. */
export interface WizardRequest {
  /** The stack whose wizard opens. */
  stack: string;
  cluster?: string;
  /** The cluster's API panel (endpoint and certificate), its administrator's password, or the checks step. */
  focus?: 'api' | 'password' | 'checks';
  /** Tells two requests for the same place apart, so asking again focuses again. */
  seq: number;
}

export interface UiSlice {
  asidePanel: AsidePanel;
  dockOpen: boolean;
  /** Height of the terminal/job dock in pixels (the admin drags its top edge). */
  dockHeight: number;
  setAsidePanel(panel: AsidePanel): void;
  toggleDock(): void;
  setDockHeight(height: number): void;
  /** The open wizard and what it was opened for; null when closed. */
  wizard: WizardRequest | null;
  openWizard(request: Omit<WizardRequest, 'seq'>): void;
  closeWizard(): void;
  /** Which tab of the dock shows. */
  dockTab: DockTab;
  /** Opens the dock on a tab (a job's notification opens its log). */
  showDock(tab: DockTab): void;
  setDockTab(tab: DockTab): void;
  /** Nodes the canvas should bring into view (navbar "Show in canvas"); seq tells repeated requests apart. */
  zoomRequest: { nodes: string[]; seq: number } | null;
  requestZoom(nodes: string[]): void;
}

export const createUiSlice: SliceCreator<UiSlice> = (set, get) => {
  let wizardRequests = 0;
  return {
  asidePanel: 'inspector',
  dockOpen: true,
  dockHeight: 260,
  setAsidePanel: (asidePanel) => set({ asidePanel }),
  toggleDock: () => set({ dockOpen: !get().dockOpen }),
  dockTab: 'terminals',
  showDock: (dockTab) => set({ dockOpen: true, dockTab }),
  setDockTab: (dockTab) => set({ dockTab }),
  zoomRequest: null,
  requestZoom: (nodes) => set({ zoomRequest: { nodes, seq: (get().zoomRequest?.seq ?? 0) + 1 } }),
  setDockHeight: (height) => set({ dockHeight: Math.round(Math.min(Math.max(height, 120), window.innerHeight - 200)) }),
  wizard: null,
  openWizard: (request) => set({ wizard: { ...request, seq: ++wizardRequests } }),
  closeWizard: () => set({ wizard: null }),
  };
};
