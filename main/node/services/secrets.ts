// secrets.status / secrets.unlock / secrets.lock: the lock of the passphrase-sealed store behind the contract,
// and secrets.stateChanged when it opens or closes. Stores without a lock (the desktop's keychain, memory) report open.
import { CwError } from '../../common/errors.js';
import type { SecretStoreStatus } from '../../common/contract/secrets.js';
import type { Handlers } from '../dispatcher.js';
import type { EventBus } from '../events.js';
import { MemorySecretStore } from '../secrets/memory-store.js';
import type { SecretStore } from '../secrets/store.js';
import { UnlockableSecretStore } from '../secrets/unlockable-store.js';

export function secretStoreHandlers(store: SecretStore, events: EventBus): { handlers: Pick<Handlers, 'secrets.status' | 'secrets.unlock' | 'secrets.lock'>; close(): void } {
  const unlockable = store instanceof UnlockableSecretStore ? store : null;
  const stopListening = unlockable?.onStateChanged((state) => events.emit('secrets.stateChanged', { state })) ?? (() => undefined);
  const fixedStatus = (): SecretStoreStatus => ({
    kind: store instanceof MemorySecretStore ? 'memory' : 'os',
    description: store.description,
    state: 'unlocked',
    exists: true,
    lockable: false,
    keychain: { available: false, reason: 'this store needs no passphrase', remembered: false },
  });
  return {
    handlers: {
      'secrets.status': () => (unlockable ? unlockable.status() : fixedStatus()),
      'secrets.unlock': async (input) => {
        if (!unlockable) throw new CwError('UNSUPPORTED', `The ${store.description} needs no passphrase: it is always open.`);
        await unlockable.unlock(input.passphrase, { ...(input.create ? { create: true } : {}), ...(input.remember ? { remember: true } : {}) });
        return unlockable.status();
      },
      'secrets.lock': async (input) => {
        if (!unlockable) throw new CwError('UNSUPPORTED', `The ${store.description} has no lock: it is the operating system's to protect.`);
        await unlockable.lock({ ...(input.forget ? { forget: true } : {}) });
        return unlockable.status();
      },
    },
    close: stopListening,
  };
}
