import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './app/global.css';
import { startTransition } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.js';
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
// A transition: the first render runs in small steps, not one long task before the first paint.
const app = createRoot(root);
startTransition(() => app.render(<App store={store} transport={transport} terminals={terminals} />));
