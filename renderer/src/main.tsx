import '@mantine/core/styles.css';
import '@mantine/notifications/styles.css';
import './app/global.css';
import { startTransition } from 'react';
import { connectTransport } from './transport/index.js';
import { withUnlockRetry } from './transport/unlock-retry.js';

// Calls refused because the secret store is locked ask the admin to unlock it, then go again. The
// connection opens first, while the rest of the code loads.
const transport = withUnlockRetry(connectTransport());
const scheme = window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
const root = document.getElementById('root');
if (!root) throw new Error('The page has no #root element.');

/** Each stack's definitions (schemas, rules), found by their place in the stacks folder: named nowhere here. */
const stackDefinitions = import.meta.glob('../../main/common/stacks/*/definition.ts');

/** Resolves in a task of its own (a timer), so that what follows it starts a new task. */
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

// Start-up is a chain of short tasks: one module graph evaluated at once would be one long task. Each
// import below evaluates only what the ones before it have not (the schema library, the workspace's
// own schemas, each stack's definitions with their schemas and rules, the store, then the screens),
// in dependency order, so that no step evaluates much more than its own part.
async function start(): Promise<void> {
  await import('../../main/common/workspace/base.js');
  for (const load of Object.values(stackDefinitions)) await load();
  await import('../../main/common/workspace/schema.js');
  const [{ createAppStore }, { contractTerminalApi, TerminalController }] = await Promise.all([import('./store/index.js'), import('./features/terminal/controller.js')]);
  const store = createAppStore(transport);
  const terminals = new TerminalController(store, transport, contractTerminalApi(transport), scheme);
  // The first date formatted in a page loads the locale data (tens of milliseconds): here, in a task of
  // its own, rather than inside the first render that shows a time (the canvas's states say when they were measured).
  await nextTask();
  new Date(0).toLocaleString();
  await nextTask();
  // React DOM and the screens are evaluated in tasks of their own too.
  const [{ createRoot }, { App }] = await Promise.all([import('react-dom/client'), import('./app/App.js')]);
  // A transition: the first render runs in small steps, not one long task before the first paint.
  const app = createRoot(root!);
  startTransition(() => app.render(<App store={store} transport={transport} terminals={terminals} />));
}

start().catch((error: unknown) => {
  root.textContent = `The app could not load: ${error instanceof Error ? error.message : String(error)}. Reload the page.`;
});
