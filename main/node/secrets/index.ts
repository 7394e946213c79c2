// Picks the secret store for a host: memory for tests; in web mode and the CLI the passphrase-sealed file,
// locked until its passphrase comes from the app's dialog, the CLI's hidden prompt, the variable scripts set,
// or the OS keychain. Never a plaintext fallback.
import path from 'node:path';
import { dataHome } from '../paths.js';
import { osKeychain } from './keychain.js';
import { MemorySecretStore } from './memory-store.js';
import type { SecretStore } from './store.js';
import { promptStorePassphrase } from './tty-prompt.js';
import { UnlockableSecretStore } from './unlockable-store.js';

export * from './store.js';
export { MemorySecretStore } from './memory-store.js';
export { SealedFileSecretStore } from './file-store.js';
export { openPassphraseSecretStore, PassphraseCipher } from './passphrase-cipher.js';
export { UnlockableSecretStore } from './unlockable-store.js';

import { SECRETS_PASSPHRASE_ENV } from './passphrase-env.js';

export { SECRETS_PASSPHRASE_ENV };

export function sealedSecretFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(dataHome(env), 'secrets.sealed.json');
}

export interface DefaultStoreOptions {
  /** CLI: whether to ask on the terminal when the store is needed (default: when stdin and stderr are terminals). */
  prompt?: boolean;
}

export function defaultSecretStore(hostKind: string, env: NodeJS.ProcessEnv = process.env, options: DefaultStoreOptions = {}): SecretStore {
  if (hostKind === 'test') return new MemorySecretStore();
  const file = sealedSecretFile(env);
  const fromEnvironment = env[SECRETS_PASSPHRASE_ENV] || undefined;
  const keychain = osKeychain(`secret-store:${file}`, { env });
  if (hostKind === 'cli') {
    const canAsk = options.prompt ?? (Boolean(process.stdin.isTTY) && Boolean(process.stderr.isTTY));
    return new UnlockableSecretStore(file, {
      ...(fromEnvironment ? { fromEnvironment } : {}),
      keychain,
      ...(canAsk ? { prompt: (question) => promptStorePassphrase(question) } : {}),
      lockedAdvice: `it is sealed with a passphrase and no one can type it here (standard input is not a terminal). Set ${SECRETS_PASSPHRASE_ENV} for scripts, or run the command in a terminal to be asked.`,
    });
  }
  return new UnlockableSecretStore(file, {
    ...(fromEnvironment ? { fromEnvironment } : {}),
    keychain,
    lockedAdvice: 'unlock it in the app (the lock in the header asks for its passphrase) and try again.',
  });
}
