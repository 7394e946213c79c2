import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './app/global.css';
import { startTransition } from 'react';
import { createAppStore } from './store/index.js';
import { connectTransport } from './transport/index.js';
import { withUnlockRetry } from './transport/unlock-retry.js';
import { contractTerminalApi, TerminalController } from './features/terminal/controller.js';

// Calls refused because the secret store is locked ask the admin to unlock it, then go again.
const transport = withUnlockRetry(connectTransport());
const store = createAppStore(transport);
const scheme = window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
const terminals = new TerminalController(store, transport, contractTerminalApi(transport), scheme);
const root = document.getElementById('root');
if (!root) throw new Error('The page has no #root element.');
// The screens (React DOM, Mantine, the features) are evaluated in tasks of their own, after this one:
// one module graph evaluated at start-up would be one long task.
void Promise.all([import('react-dom/client'), import('./app/App.js')]).then(
  ([{ createRoot }, { App }]) => {
    // A transition: the first render runs in small steps, not one long task before the first paint.
    const app = createRoot(root);
    startTransition(() => app.render(<App store={store} transport={transport} terminals={terminals} />));
  },
  (error: unknown) => {
    root.textContent = `The app could not load: ${error instanceof Error ? error.message : String(error)}. Reload the page.`;
  },
);
