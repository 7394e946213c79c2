// The desktop cipher refuses Linux's basic_text backend instead of storing secrets under a public key.
import { describe, expect, it, vi } from 'vitest';

vi.mock('electron', () => ({ safeStorage: {} }));

const { createSafeStorageCipher } = await import('./safe-storage.js');

function fakeSafeStorage(backend: 'basic_text' | 'gnome_libsecret' | 'unknown', available = true) {
  return {
    getSelectedStorageBackend: () => backend,
    isAsyncEncryptionAvailable: async () => available,
    encryptStringAsync: async (plain: string) => Buffer.from([...Buffer.from(plain)].map((b) => b ^ 0x5a)),
    decryptStringAsync: async (sealed: Buffer) => ({ result: Buffer.from([...sealed].map((b) => b ^ 0x5a)).toString(), shouldReEncrypt: false }),
  };
}

describe('Electron safeStorage cipher', () => {
  it('refuses the basic_text backend on Linux with a message that says what to do', async () => {
    await expect(createSafeStorageCipher(fakeSafeStorage('basic_text'), 'linux')).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringMatching(/basic_text.*keyring/s) });
  });

  it('refuses when the keychain is unavailable', async () => {
    await expect(createSafeStorageCipher(fakeSafeStorage('gnome_libsecret', false), 'linux')).rejects.toMatchObject({ code: 'UNSUPPORTED' });
  });

  it('seals and opens through safeStorage with a real keyring backend', async () => {
    const cipher = await createSafeStorageCipher(fakeSafeStorage('gnome_libsecret'), 'linux');
    const sealed = await cipher.seal('pw');
    expect(sealed.toString()).not.toBe('pw');
    expect(await cipher.open(sealed)).toBe('pw');
  });
});
