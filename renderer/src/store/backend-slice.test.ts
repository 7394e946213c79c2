import { describe, expect, it } from 'vitest';
import { CwError } from '../../../main/common/errors.js';
import { createFakeTransport } from '../transport/fake.js';
import { createAppStore } from './index.js';

const info = {
  name: 'Clusterwright' as const,
  version: '9.9.9',
  hostKind: 'test' as const,
  platform: 'Linux',
  arch: 'x64',
  nodeVersion: '20',
  workspaceDir: '/w',
  startedAt: new Date(0).toISOString(),
};

describe('backend slice', () => {
  it('loads app.info through the transport it was built with', async () => {
    const transport = createFakeTransport({ 'app.info': () => info });
    const store = createAppStore(transport);
    await store.getState().loadInfo();
    expect(store.getState().info).toEqual(info);
    expect(transport.calls).toEqual([{ method: 'app.info', input: {} }]);
  });

  it('keeps a readable error, with its code, when the backend refuses', async () => {
    const transport = createFakeTransport({
      'app.info': () => {
        throw new CwError('UNREACHABLE', 'The backend is gone.');
      },
    });
    const store = createAppStore(transport);
    await store.getState().loadInfo();
    expect(store.getState().info).toBeNull();
    expect(store.getState().infoError).toBe('The backend is gone. (UNREACHABLE)');
  });

  it('gives every store its own state', () => {
    const a = createAppStore(createFakeTransport({}));
    const b = createAppStore(createFakeTransport({}));
    a.getState().toggleDock();
    expect(a.getState().dockOpen).toBe(false);
    expect(b.getState().dockOpen).toBe(true);
  });
});
