// The secret store seam: passwords, passphrases and keys are kept here and referred to by id
// everywhere else; services look a secret up at the moment of use and never return it.
import { CwError } from '../../common/errors.js';

export type SecretKind = 'password' | 'passphrase' | 'privateKey' | 'token' | 'other';

export interface SecretInfo {
  id: string;
  label: string;
  kind: SecretKind;
  createdAt: string;
}

export interface SecretStore {
  /** Where the secrets live, for `secrets.list` and error messages ("memory", "sealed file", "Electron safeStorage"). */
  readonly description: string;
  put(value: string, meta: { label: string; kind: SecretKind }): Promise<string>;
  /** The secret itself; throws NOT_FOUND for an unknown id. Only main/node calls this, at the moment of use. */
  get(id: string): Promise<string>;
  delete(id: string): Promise<boolean>;
  list(): Promise<SecretInfo[]>;
  /** Opens a store that has a lock, or fails with SECRETS_LOCKED (before a caller starts work that will need a secret). */
  ensureOpen?(): Promise<void>;
}

/**
 * Encrypts and decrypts one secret at a time. The passphrase cipher (web mode) and Electron's
 * safeStorage (desktop, relayed from the main process) both implement it; async so a cipher can
 * live in another process.
 */
/** The scheme of values sealed by Electron safeStorage (the desktop's keychain), relayed from the main process. */
export const SAFE_STORAGE_SCHEME = 'electron-safe-storage';

export interface SecretCipher {
  /** Stored beside the sealed values so a file is never opened with the wrong cipher. */
  readonly scheme: string;
  seal(plain: string): Promise<Buffer>;
  open(sealed: Buffer): Promise<string>;
}

export function secretNotFound(id: string): CwError {
  return new CwError('NOT_FOUND', `No secret with id "${id}" is stored: it may have been deleted; store it again (\`clusterwright secrets put\`, or the field in the app that asked for it) and put the new id where the old one was named.`, { id });
}
