// The renderer's one zustand store, built from slices by a factory that takes the transport,
// so every test (and every window) gets a fresh store over its own backend.
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { Transport } from '../transport/index.js';
import { createBackendSlice, type BackendSlice } from './backend-slice.js';
import { createUiSlice, type UiSlice } from './ui-slice.js';
import { createTopologySlice, type TopologySlice } from './topology-slice.js';
import { createSessionsSlice, type SessionsSlice } from './sessions-slice.js';
import { createJobsSlice, type JobsSlice } from './jobs-slice.js';
import { createPromptsSlice, type PromptsSlice } from './prompts-slice.js';
import { createInventorySlice, type InventorySlice } from './inventory-slice.js';
import { createSecretsSlice, type SecretsSlice } from './secrets-slice.js';
import { createMonitorSlice, type MonitorSlice } from './monitor-slice.js';
import { isUnlockingTransport } from '../transport/unlock-retry.js';

export type AppState = BackendSlice & UiSlice & TopologySlice & SessionsSlice & JobsSlice & PromptsSlice & InventorySlice & SecretsSlice & MonitorSlice;
export type AppStore = StoreApi<AppState>;

export type SliceCreator<S> = (
  set: StoreApi<AppState>['setState'],
  get: StoreApi<AppState>['getState'],
  transport: Transport,
) => S;

export function createAppStore(transport: Transport): AppStore {
  const store = createStore<AppState>()((set, get) => ({
    ...createBackendSlice(set, get, transport),
    ...createUiSlice(set, get, transport),
    ...createTopologySlice(set, get, transport),
    ...createSessionsSlice(set, get, transport),
    ...createJobsSlice(set, get, transport),
    ...createPromptsSlice(set, get, transport),
    ...createInventorySlice(set, get, transport),
    ...createSecretsSlice(set, get, transport),
    ...createMonitorSlice(set, get, transport),
  }));
  // A call refused with SECRETS_LOCKED opens the unlock dialog, then is sent again (transport/unlock-retry.ts).
  if (isUnlockingTransport(transport)) transport.setUnlockHandler((reason) => store.getState().requestUnlock(reason));
  transport.onConnectionChange((connection) => store.setState({ connection }));
  return store;
}
