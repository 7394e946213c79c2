import { MantineProvider } from '@mantine/core';
import { useEffect } from 'react';
import { BackendProvider } from '../store/context.js';
import type { AppStore } from '../store/index.js';
import type { Transport } from '../transport/index.js';
import { Shell } from './Shell.js';
import { theme } from './theme.js';

export function App({ store, transport }: { store: AppStore; transport: Transport }) {
  useEffect(() => {
    void store.getState().loadInfo();
  }, [store]);
  return (
    <MantineProvider theme={theme} defaultColorScheme="auto">
      <BackendProvider store={store} transport={transport}>
        <Shell />
      </BackendProvider>
    </MantineProvider>
  );
}
