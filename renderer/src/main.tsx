import '@mantine/core/styles.css';
import './app/global.css';
import { createRoot } from 'react-dom/client';
import { App } from './app/App.js';
import { createAppStore } from './store/index.js';
import { connectTransport } from './transport/index.js';

const transport = connectTransport();
const store = createAppStore(transport);
const root = document.getElementById('root');
if (!root) throw new Error('The page has no #root element.');
createRoot(root).render(<App store={store} transport={transport} />);
