// A transport that turns SECRETS_LOCKED into the unlock dialog: a call that needs a secret while the store is
// locked waits for the admin to unlock it (one dialog, however many calls wait), then is sent again.
// The services answer SECRETS_LOCKED before they change anything, so sending the call again is safe.
import { CwError } from '../../../main/common/errors.js';
import type { MethodInput, MethodName, MethodOutput } from '../../../main/common/contract/index.js';
import type { Transport } from './types.js';

/** Asks the admin to unlock; resolves true once the store is open, false when they decline. */
export type UnlockHandler = (reason: string) => Promise<boolean>;

export interface UnlockingTransport extends Transport {
  setUnlockHandler(handler: UnlockHandler | null): void;
}

/** The lock's own methods are never retried (they cannot be locked out). */
const ownMethods = new Set<string>(['secrets.status', 'secrets.unlock', 'secrets.lock']);
const MAX_TRIES = 3;

export function isUnlockingTransport(transport: Transport): transport is UnlockingTransport {
  return typeof (transport as Partial<UnlockingTransport>).setUnlockHandler === 'function';
}

export function withUnlockRetry(inner: Transport): UnlockingTransport {
  let handler: UnlockHandler | null = null;
  let asking: Promise<boolean> | null = null;
  const ask = (reason: string): Promise<boolean> => {
    if (!handler) return Promise.resolve(false);
    asking ??= handler(reason).finally(() => {
      asking = null;
    });
    return asking;
  };
  return {
    get kind() {
      return inner.kind;
    },
    get connection() {
      return inner.connection;
    },
    async call<M extends MethodName>(method: M, input: MethodInput<M>, options?: { signal?: AbortSignal }): Promise<MethodOutput<M>> {
      for (let attempt = 1; ; attempt++) {
        try {
          return await inner.call(method, input, options);
        } catch (error) {
          const locked = error instanceof CwError && error.code === 'SECRETS_LOCKED';
          if (!locked || ownMethods.has(method) || attempt >= MAX_TRIES || options?.signal?.aborted) throw error;
          if (!(await ask(error.message))) throw error;
        }
      }
    },
    on: (event, listener) => inner.on(event, listener),
    attachStream: (id, handlers) => inner.attachStream(id, handlers),
    onConnectionChange: (listener) => inner.onConnectionChange(listener),
    close: () => inner.close(),
    setUnlockHandler(next) {
      handler = next;
    },
  };
}
