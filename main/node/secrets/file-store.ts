// A secret store in one JSON file whose values are each sealed by a SecretCipher (passphrase or
// Electron safeStorage). Labels are plain; values never are. Written atomically with mode 0600.
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { CwError } from '../../common/errors.js';
import { writeFileAtomicSync } from '../workspace/atomic-write.js';
import { secretNotFound, type SecretCipher, type SecretInfo, type SecretKind, type SecretStore } from './store.js';

interface SealedSecret extends SecretInfo {
  sealed: string;
}

export interface SecretFile {
  version: 1;
  scheme: string;
  /** Cipher-specific header (the passphrase cipher keeps its KDF salt and a check value here). */
  header?: unknown;
  secrets: SealedSecret[];
}

export function readSecretFile(file: string): SecretFile | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const parsed = JSON.parse(text) as SecretFile;
  if (parsed.version !== 1 || !Array.isArray(parsed.secrets)) {
    throw new CwError('UNSUPPORTED', `The secret file ${file} has a format this version does not know; it was left untouched.`);
  }
  return parsed;
}

/** Mode 0600 in a 0700 folder: the one atomic write (workspace/atomic-write.ts). */
export function writeFileAtomically(file: string, content: string): void {
  writeFileAtomicSync(file, content, { mode: 0o600 });
}

export class SealedFileSecretStore implements SecretStore {
  constructor(
    private readonly file: string,
    private readonly cipher: SecretCipher,
    readonly description: string,
    private readonly header?: unknown,
  ) {}

  private load(): SecretFile {
    const data = readSecretFile(this.file) ?? { version: 1 as const, scheme: this.cipher.scheme, header: this.header, secrets: [] };
    if (data.scheme !== this.cipher.scheme) {
      throw new CwError(
        'CONFLICT',
        `The secret file ${this.file} was sealed with "${data.scheme}", not "${this.cipher.scheme}": open it with the app that created it, or move it away to start a new store.`,
      );
    }
    return data;
  }

  private save(data: SecretFile): void {
    writeFileAtomically(this.file, JSON.stringify({ ...data, header: this.header ?? data.header }, null, 2));
  }

  /** Writes the file (header, no secrets) if it does not exist yet, so a new store's passphrase is fixed from now on. */
  initialize(): void {
    if (!readSecretFile(this.file)) this.save(this.load());
  }

  async put(value: string, meta: { label: string; kind: SecretKind }): Promise<string> {
    const data = this.load();
    const sealed = (await this.cipher.seal(value)).toString('base64');
    const id = randomUUID();
    data.secrets.push({ id, label: meta.label, kind: meta.kind, createdAt: new Date().toISOString(), sealed });
    this.save(data);
    return id;
  }

  async get(id: string): Promise<string> {
    const entry = this.load().secrets.find((s) => s.id === id);
    if (!entry) throw secretNotFound(id);
    return this.cipher.open(Buffer.from(entry.sealed, 'base64'));
  }

  async delete(id: string): Promise<boolean> {
    const data = this.load();
    const before = data.secrets.length;
    data.secrets = data.secrets.filter((s) => s.id !== id);
    if (data.secrets.length === before) return false;
    this.save(data);
    return true;
  }

  async list(): Promise<SecretInfo[]> {
    return this.load().secrets.map(({ id, label, kind, createdAt }) => ({ id, label, kind, createdAt }));
  }
}
