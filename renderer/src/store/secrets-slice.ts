// The secret store's lock as the admin sees it: open or locked (the lock in the header), the unlock dialog
// a locked call opens (answered once for every call waiting on it), unlock and "lock now". The passphrase
// passes through here to the backend and is never kept: not in the store, not in localStorage, not in a URL.
import type { SecretStoreStatus } from '../../../main/common/contract/secrets.js';
import type { SliceCreator } from './index.js';
import { describeError } from './describe-error.js';

export interface UnlockPrompt {
  /** Why the dialog opened: the backend's SECRETS_LOCKED message, or null when the admin opened it. */
  reason: string | null;
}

export interface SecretsSlice {
  secretStatus: SecretStoreStatus | null;
  unlockPrompt: UnlockPrompt | null;
  loadSecretStatus(): Promise<void>;
  /** Opens the unlock dialog; resolves true once the store is open, false when the admin closes the dialog. */
  requestUnlock(reason: string | null): Promise<boolean>;
  /** Closes the dialog without unlocking (the waiting calls fail with their SECRETS_LOCKED). */
  dismissUnlock(): void;
  /** Unlocks (creating the store with `create`); returns a problem to show, or null when open. */
  unlockSecrets(passphrase: string, options?: { create?: boolean; remember?: boolean }): Promise<string | null>;
  lockSecrets(options?: { forget?: boolean }): Promise<string | null>;
}

export const createSecretsSlice: SliceCreator<SecretsSlice> = (set, get, transport) => {
  let waiting: ((unlocked: boolean) => void)[] = [];
  const settle = (unlocked: boolean) => {
    const done = waiting;
    waiting = [];
    set({ unlockPrompt: null });
    for (const resolve of done) resolve(unlocked);
  };
  transport.on('secrets.stateChanged', () => void get().loadSecretStatus());
  return {
    secretStatus: null,
    unlockPrompt: null,
    async loadSecretStatus() {
      try {
        set({ secretStatus: await transport.call('secrets.status', {}) });
      } catch {
        set({ secretStatus: null });
      }
    },
    requestUnlock(reason) {
      return new Promise<boolean>((resolve) => {
        waiting.push(resolve);
        void get().loadSecretStatus();
        set({ unlockPrompt: { reason } });
      });
    },
    dismissUnlock: () => settle(false),
    async unlockSecrets(passphrase, options = {}) {
      try {
        const status = await transport.call('secrets.unlock', { passphrase, ...(options.create ? { create: true } : {}), ...(options.remember ? { remember: true } : {}) });
        set({ secretStatus: status });
        settle(true);
        return null;
      } catch (error) {
        return describeError(error);
      }
    },
    async lockSecrets(options = {}) {
      try {
        set({ secretStatus: await transport.call('secrets.lock', options.forget ? { forget: true } : {}) });
        return null;
      } catch (error) {
        return describeError(error);
      }
    },
  };
};
