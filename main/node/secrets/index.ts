// Picks the secret store for a host: memory for tests, a passphrase-sealed file in web mode and
// the CLI, and a locked store (refuses, never stores plaintext) when no passphrase was given.
import path from 'node:path';
import { CwError } from '../../common/errors.js';
import { dataHome } from '../paths.js';
import { MemorySecretStore } from './memory-store.js';
import { openPassphraseSecretStore } from './passphrase-cipher.js';
import type { SecretInfo, SecretKind, SecretStore } from './store.js';

export * from './store.js';
export { MemorySecretStore } from './memory-store.js';
export { SealedFileSecretStore } from './file-store.js';
export { openPassphraseSecretStore, PassphraseCipher } from './passphrase-cipher.js';

export const SECRETS_PASSPHRASE_ENV = 'CLUSTERWRIGHT_SECRETS_PASSPHRASE';

export function sealedSecretFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(dataHome(env), 'secrets.sealed.json');
}

/** A store that holds nothing and says how to unlock one: the answer to "no safe place for secrets". */
export class LockedSecretStore implements SecretStore {
  readonly description = 'locked (no safe place to keep secrets)';
  constructor(private readonly reason: string) {}
  private refuse(): never {
    throw new CwError('UNSUPPORTED', this.reason);
  }
  async put(_value: string, _meta: { label: string; kind: SecretKind }): Promise<string> {
    this.refuse();
  }
  async get(_id: string): Promise<string> {
    this.refuse();
  }
  async delete(_id: string): Promise<boolean> {
    return false;
  }
  async list(): Promise<SecretInfo[]> {
    return [];
  }
}

/** A store opened on first use (the passphrase KDF costs ~100 ms, so not at startup). */
export class LazySecretStore implements SecretStore {
  private opened: Promise<SecretStore> | null = null;
  constructor(
    private readonly open: () => Promise<SecretStore>,
    readonly description: string,
  ) {}
  private store(): Promise<SecretStore> {
    this.opened ??= this.open().catch((error: unknown) => {
      this.opened = null;
      throw error;
    });
    return this.opened;
  }
  async put(value: string, meta: { label: string; kind: SecretKind }): Promise<string> {
    return (await this.store()).put(value, meta);
  }
  async get(id: string): Promise<string> {
    return (await this.store()).get(id);
  }
  async delete(id: string): Promise<boolean> {
    return (await this.store()).delete(id);
  }
  async list(): Promise<SecretInfo[]> {
    return (await this.store()).list();
  }
}

export function defaultSecretStore(hostKind: string, env: NodeJS.ProcessEnv = process.env): SecretStore {
  if (hostKind === 'test') return new MemorySecretStore();
  const passphrase = env[SECRETS_PASSPHRASE_ENV];
  if (passphrase) {
    const file = sealedSecretFile(env);
    return new LazySecretStore(() => openPassphraseSecretStore(file, passphrase), `passphrase-sealed file ${file}`);
  }
  return new LockedSecretStore(
    `Clusterwright has no safe place for secrets in this mode: set ${SECRETS_PASSPHRASE_ENV} to a passphrase to use a sealed file, ` +
      'use the desktop app (operating system keychain), or use SSH keys and ssh-agent, which need no stored secret.',
  );
}
