// React access to the store and the transport.
import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { Transport } from '../transport/index.js';
import type { AppState, AppStore } from './index.js';

interface Backend {
  store: AppStore;
  transport: Transport;
}

const BackendContext = createContext<Backend | null>(null);

export function BackendProvider({ store, transport, children }: Backend & { children: ReactNode }) {
  return <BackendContext.Provider value={{ store, transport }}>{children}</BackendContext.Provider>;
}

function useBackend(): Backend {
  const backend = useContext(BackendContext);
  if (!backend) throw new Error('BackendProvider is missing above this component.');
  return backend;
}

export function useAppState<T>(selector: (state: AppState) => T): T {
  return useStore(useBackend().store, selector);
}

export function useTransport(): Transport {
  return useBackend().transport;
}

/** The store itself, for reading the state right after an action (inside an event handler). */
export function useAppStore(): AppStore {
  return useBackend().store;
}
