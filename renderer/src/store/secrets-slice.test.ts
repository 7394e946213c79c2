// A call refused because the secret store is locked opens the unlock dialog, once for every waiting call, and
// goes again after the unlock; closing the dialog fails the calls with their SECRETS_LOCKED.
import { describe, expect, it } from 'vitest';
import { CwError } from '../../../main/common/errors.js';
import type { SecretStoreStatus } from '../../../main/common/contract/secrets.js';
import { createFakeTransport } from '../transport/fake.js';
import { withUnlockRetry } from '../transport/unlock-retry.js';
import { createAppStore } from './index.js';

function lockedBackend() {
  let unlocked = false;
  const status = (): SecretStoreStatus => ({ kind: 'passphrase', description: 'passphrase-sealed file /data/secrets.sealed.json', state: unlocked ? 'unlocked' : 'locked', exists: true, lockable: true, keychain: { available: false, reason: 'no D-Bus session bus', remembered: false } });
  const fake = createFakeTransport({
    'secrets.status': status,
    'secrets.unlock': ({ passphrase }) => {
      if (passphrase !== 'the right passphrase') throw new CwError('AUTH_FAILED', 'The secret store passphrase is wrong.');
      unlocked = true;
      return status();
    },
    'secrets.lock': () => {
      unlocked = false;
      return status();
    },
    'lab.up': () => {
      if (!unlocked) throw new CwError('SECRETS_LOCKED', 'The secret store is locked: unlock it in the app.');
      return { name: 'proxmox-three-nodes', workspacePath: '/lab/workspace/clusterwright.yaml', upMs: 1, hosts: 3, stackServices: ['Proxmox test servers'] };
    },
  });
  const transport = withUnlockRetry(fake);
  const store = createAppStore(transport);
  return { fake, transport, store };
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

describe('unlocking the secret store from the app', () => {
  it('turns SECRETS_LOCKED into one unlock dialog for every waiting call, then sends each call again', async () => {
    const { fake, transport, store } = lockedBackend();
    const first = transport.call('lab.up', { example: 'proxmox-three-nodes' });
    const second = transport.call('lab.up', { example: 'proxmox-three-nodes' });
    await until(() => store.getState().unlockPrompt !== null);
    expect(store.getState().unlockPrompt?.reason).toContain('locked');
    expect(await store.getState().unlockSecrets('a wrong passphrase')).toContain('AUTH_FAILED');
    expect(store.getState().unlockPrompt).not.toBeNull();
    expect(await store.getState().unlockSecrets('the right passphrase')).toBeNull();
    await expect(first).resolves.toMatchObject({ hosts: 3 });
    await expect(second).resolves.toMatchObject({ hosts: 3 });
    expect(store.getState().unlockPrompt).toBeNull();
    expect(store.getState().secretStatus?.state).toBe('unlocked');
    expect(fake.calls.filter((c) => c.method === 'lab.up')).toHaveLength(4);
    expect(fake.calls.filter((c) => c.method === 'secrets.unlock')).toHaveLength(2);
    // The passphrase is not kept anywhere in the renderer's state.
    expect(JSON.stringify(store.getState(), (_k, v: unknown) => (typeof v === 'function' ? undefined : v))).not.toContain('the right passphrase');
  });

  it('closing the dialog fails the waiting call with its SECRETS_LOCKED; "lock now" shows the lock closed again', async () => {
    const { transport, store } = lockedBackend();
    const call = transport.call('lab.up', { example: 'proxmox-three-nodes' });
    await until(() => store.getState().unlockPrompt !== null);
    store.getState().dismissUnlock();
    await expect(call).rejects.toMatchObject({ code: 'SECRETS_LOCKED' });
    await store.getState().unlockSecrets('the right passphrase');
    expect(await store.getState().lockSecrets()).toBeNull();
    expect(store.getState().secretStatus?.state).toBe('locked');
  });
});
