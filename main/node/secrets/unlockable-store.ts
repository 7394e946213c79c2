// The passphrase-sealed store of web mode and the CLI, with a lock: locked until someone gives the passphrase
// (the app's dialog through secrets.unlock, a hidden prompt on the CLI's terminal, the variable scripts set, or
// the OS keychain where the admin asked it to remember), then open for this process only; "lock" forgets the key.
// A secret asked for while locked fails with SECRETS_LOCKED, which the app turns into its unlock dialog.
import { CwError } from '../../common/errors.js';
import type { SecretStoreStatus } from '../../common/contract/secrets.js';
import { assessPassphrase } from '../../common/secrets/passphrase-strength.js';
import { readSecretFile } from './file-store.js';
import type { PassphraseKeychain } from './keychain.js';
import { openPassphraseSecretStore } from './passphrase-cipher.js';
import type { SecretInfo, SecretKind, SecretStore } from './store.js';

/** Where a locked store may find its passphrase without the app's dialog, tried in order. */
export interface PassphraseSources {
  /** The variable scripts set (CLUSTERWRIGHT_SECRETS_PASSPHRASE). */
  fromEnvironment?: string;
  keychain?: PassphraseKeychain;
  /** Asks someone who can answer (the CLI's hidden terminal prompt); undefined where no one can. */
  prompt?: (question: { create: boolean; file: string }) => Promise<string>;
  /** What SECRETS_LOCKED says to do when nothing above unlocks the store. */
  lockedAdvice: string;
}

export class UnlockableSecretStore implements SecretStore {
  private open: SecretStore | null = null;
  private opening: Promise<SecretStore> | null = null;
  /** Set by "lock now": no automatic source (variable, keychain) reopens the store until someone unlocks it. */
  private lockedByAdmin = false;
  private readonly listeners = new Set<(state: 'locked' | 'unlocked') => void>();

  constructor(
    readonly file: string,
    private readonly sources: PassphraseSources,
    private readonly cost?: { N: number; r: number; p: number },
  ) {}

  get description(): string {
    return `passphrase-sealed file ${this.file}`;
  }

  get unlocked(): boolean {
    return this.open !== null;
  }

  exists(): boolean {
    return readSecretFile(this.file) !== null;
  }

  onStateChanged(listener: (state: 'locked' | 'unlocked') => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private emit(state: 'locked' | 'unlocked'): void {
    for (const listener of [...this.listeners]) listener(state);
  }

  async status(): Promise<SecretStoreStatus> {
    const probe = this.sources.keychain ? await this.sources.keychain.probe() : { available: false as const, reason: 'no keychain is offered on this host' };
    let remembered = false;
    if (probe.available) remembered = Boolean(await this.sources.keychain!.get().catch(() => null));
    return {
      kind: 'passphrase',
      description: this.description,
      state: this.open ? 'unlocked' : 'locked',
      exists: this.exists(),
      lockable: true,
      keychain: probe.available ? { available: true, name: probe.name, remembered } : { available: false, reason: probe.reason, remembered: false },
    };
  }

  /** Opens the store with a passphrase the admin typed. A store that does not exist yet is created only with `create`. */
  async unlock(passphrase: string, options: { create?: boolean; remember?: boolean } = {}): Promise<void> {
    const exists = this.exists();
    if (!exists && !options.create) {
      throw new CwError('NOT_FOUND', `There is no secret store at ${this.file} yet: choose a passphrase for a new one (and type it twice).`, { file: this.file });
    }
    if (!exists) {
      const assessment = assessPassphrase(passphrase);
      if (!assessment.acceptable) throw new CwError('INVALID_INPUT', `The new store was not created: ${assessment.hint}`);
    }
    if (options.remember) {
      // Checked before anything is opened: a keychain that is not there is said so, and nothing is kept elsewhere instead.
      const probe = this.sources.keychain ? await this.sources.keychain.probe() : { available: false as const, reason: 'no keychain is offered on this host' };
      if (!probe.available) throw new CwError('UNSUPPORTED', `The passphrase cannot be remembered: ${probe.reason}. The store was not unlocked; unlock it without "remember".`);
    }
    const store = await openPassphraseSecretStore(this.file, passphrase, this.cost);
    // A new store is written now, so the passphrase it was created with is the one it checks from here on.
    if (!exists) store.initialize();
    if (options.remember) await this.sources.keychain!.set(passphrase);
    this.open = store;
    this.lockedByAdmin = false;
    this.emit('unlocked');
  }

  /** Forgets the key (and, with `forget`, the passphrase in the keychain). */
  async lock(options: { forget?: boolean } = {}): Promise<void> {
    const wasOpen = this.open !== null;
    this.open = null;
    this.opening = null;
    this.lockedByAdmin = true;
    if (options.forget) await this.sources.keychain?.delete().catch(() => false);
    if (wasOpen) this.emit('locked');
  }

  /** The open store, opening it from the variable, the keychain or the prompt when one of them can; else SECRETS_LOCKED. */
  async ensureOpen(): Promise<void> {
    await this.store();
  }

  private store(): Promise<SecretStore> {
    if (this.open) return Promise.resolve(this.open);
    this.opening ??= this.openAutomatically().finally(() => {
      this.opening = null;
    });
    return this.opening;
  }

  private async openAutomatically(): Promise<SecretStore> {
    const exists = this.exists();
    const attempts: { source: string; passphrase: () => Promise<string | null | undefined> }[] = [];
    if (!this.lockedByAdmin) {
      if (this.sources.fromEnvironment) attempts.push({ source: 'the passphrase variable', passphrase: async () => this.sources.fromEnvironment });
      // Only an existing store: a passphrase in the keychain never creates a new one by itself.
      if (this.sources.keychain && exists) {
        const keychain = this.sources.keychain;
        attempts.push({ source: 'the keychain', passphrase: async () => ((await keychain.probe()).available ? keychain.get().catch(() => null) : null) });
      }
    }
    const refused: string[] = [];
    for (const attempt of attempts) {
      const passphrase = await attempt.passphrase();
      if (!passphrase) continue;
      try {
        return this.adopt(await openPassphraseSecretStore(this.file, passphrase, this.cost));
      } catch (error) {
        // A stale passphrase (the store was made anew) is not the end: someone can still type the right one.
        if (error instanceof CwError && error.code === 'AUTH_FAILED') refused.push(attempt.source);
        else throw error;
      }
    }
    if (this.sources.prompt) {
      const passphrase = await this.sources.prompt({ create: !exists, file: this.file });
      if (!exists) {
        const assessment = assessPassphrase(passphrase);
        if (!assessment.acceptable) throw new CwError('INVALID_INPUT', `The new secret store was not created: ${assessment.hint}`);
      }
      const store = await openPassphraseSecretStore(this.file, passphrase, this.cost);
      if (!exists) store.initialize();
      return this.adopt(store);
    }
    throw new CwError(
      'SECRETS_LOCKED',
      `The secret store is locked${exists ? '' : ' (it does not exist yet)'}${refused.length ? ` (the passphrase from ${refused.join(' and ')} was refused)` : ''}: ${this.sources.lockedAdvice}`,
      { file: this.file, exists },
    );
  }

  private adopt(store: SecretStore): SecretStore {
    this.open = store;
    this.lockedByAdmin = false;
    this.emit('unlocked');
    return store;
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
