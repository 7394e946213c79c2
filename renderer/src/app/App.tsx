import { MantineProvider } from '@mantine/core';
import { Notifications } from '@mantine/notifications';
import { JobNotifications } from '../features/jobs/JobNotifications.js';
import { useEffect, useMemo, useRef } from 'react';
import { BackendProvider } from '../store/context.js';
import type { AppStore } from '../store/index.js';
import type { Transport } from '../transport/index.js';
import type { TerminalController } from '../features/terminal/controller.js';
import { Shell } from './Shell.js';
import { theme } from './theme.js';

const AUTOSAVE_DELAY_MS = 500;

export function App({ store, transport, terminals = null }: { store: AppStore; transport: Transport; terminals?: TerminalController | null }) {
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    void store.getState().loadInfo();
    void store.getState().loadSecretStatus();
    void store.getState().loadWorkspace();
    // The VMs on the canvas follow changes made elsewhere (a VM created on a node) without a reload.
    return store.getState().startInventoryRefresh();
  }, [store]);
  // Autosave: a short while after the last edit; the backend refuses a model that fails the schema.
  const onEdited = useMemo(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => void store.getState().saveWorkspace(), AUTOSAVE_DELAY_MS);
    },
    [store],
  );
  return (
    <MantineProvider theme={theme} defaultColorScheme="auto">
      <Notifications position="bottom-right" limit={5} />
      <BackendProvider store={store} transport={transport}>
        <JobNotifications />
        <Shell terminals={terminals} onEdited={onEdited} />
      </BackendProvider>
    </MantineProvider>
  );
}
