// The web-mode cipher: a key derived from the admin's passphrase with scrypt, each value sealed
// with AES-256-GCM under its own random nonce. A wrong passphrase is refused, never guessed around.
import { createCipheriv, createDecipheriv, randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import path from 'node:path';
import { CwError } from '../../common/errors.js';
import { readSecretFile, SealedFileSecretStore } from './file-store.js';
import type { SecretCipher } from './store.js';

const SCHEME = 'scrypt-aes-256-gcm';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const CHECK_PLAINTEXT = 'clusterwright-secret-store';

export interface PassphraseHeader {
  kdf: 'scrypt';
  salt: string;
  N: number;
  r: number;
  p: number;
  /** CHECK_PLAINTEXT sealed with the derived key: tells a wrong passphrase from a damaged value. */
  check: string;
}

function scrypt(passphrase: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(passphrase.normalize('NFC'), salt, 32, { ...options, maxmem: 256 * 1024 * 1024 }, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

function sealWith(key: Buffer, plain: string): Buffer {
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), body]);
}

function openWith(key: Buffer, sealed: Buffer): string {
  if (sealed.byteLength < NONCE_BYTES + TAG_BYTES) throw new Error('sealed value too short');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, NONCE_BYTES));
  decipher.setAuthTag(sealed.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
}

export class PassphraseCipher implements SecretCipher {
  readonly scheme = SCHEME;
  private constructor(private readonly key: Buffer) {}

  /** Derives the key for an existing header (checking the passphrase) or makes a new header. */
  static async unlock(passphrase: string, header?: PassphraseHeader, cost = { N: 2 ** 15, r: 8, p: 1 }): Promise<{ cipher: PassphraseCipher; header: PassphraseHeader }> {
    if (passphrase.length === 0) throw new CwError('INVALID_INPUT', 'The secret store passphrase must not be empty.');
    if (header) {
      const key = await scrypt(passphrase, Buffer.from(header.salt, 'base64'), { N: header.N, r: header.r, p: header.p });
      let check: string;
      try {
        check = openWith(key, Buffer.from(header.check, 'base64'));
      } catch {
        throw new CwError('AUTH_FAILED', 'The secret store passphrase is wrong: nothing was decrypted. Enter the passphrase you chose when the store was created.');
      }
      const matches = check.length === CHECK_PLAINTEXT.length && timingSafeEqual(Buffer.from(check), Buffer.from(CHECK_PLAINTEXT));
      if (!matches) throw new CwError('AUTH_FAILED', 'The secret store passphrase is wrong.');
      return { cipher: new PassphraseCipher(key), header };
    }
    const salt = randomBytes(16);
    const key = await scrypt(passphrase, salt, cost);
    return {
      cipher: new PassphraseCipher(key),
      header: { kdf: 'scrypt', salt: salt.toString('base64'), ...cost, check: sealWith(key, CHECK_PLAINTEXT).toString('base64') },
    };
  }

  async seal(plain: string): Promise<Buffer> {
    return sealWith(this.key, plain);
  }

  async open(sealed: Buffer): Promise<string> {
    try {
      return openWith(this.key, sealed);
    } catch {
      throw new CwError('CONFLICT', 'A stored secret could not be decrypted (the file was changed or damaged); store that secret again.');
    }
  }
}

/** Opens (or creates) the passphrase-sealed secret file used in web mode. */
export async function openPassphraseSecretStore(file: string, passphrase: string, cost?: { N: number; r: number; p: number }): Promise<SealedFileSecretStore> {
  const existing = readSecretFile(file);
  if (existing && existing.scheme !== SCHEME) {
    throw new CwError('CONFLICT', `The secret file ${file} is sealed with "${existing.scheme}", not a passphrase; open it with the app that created it.`);
  }
  const { cipher, header } = await PassphraseCipher.unlock(passphrase, existing?.header as PassphraseHeader | undefined, cost);
  return new SealedFileSecretStore(file, cipher, `passphrase-sealed file ${path.basename(file)}`, header);
}
