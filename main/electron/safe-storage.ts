// The desktop's secret cipher: Electron safeStorage (Keychain, DPAPI, libsecret/kwallet). Refuses
// Linux's `basic_text` backend, which only obfuscates with a fixed key, rather than fall back to it.
// safeStorage exists only in the main process; the services' utility process reaches this cipher
// through the relay (see SecretCipher: async on purpose).
import { safeStorage as electronSafeStorage, type SafeStorage } from 'electron';
import { CwError } from '../common/errors.js';
import { SAFE_STORAGE_SCHEME, type SecretCipher } from '../node/secrets/store.js';
import { SealedFileSecretStore } from '../node/secrets/file-store.js';

export { SAFE_STORAGE_SCHEME };

type SafeStorageApi = Pick<SafeStorage, 'isAsyncEncryptionAvailable' | 'encryptStringAsync' | 'decryptStringAsync' | 'getSelectedStorageBackend'>;

/** Why safeStorage cannot hold secrets on this machine, or null when it can. */
export async function safeStorageRefusal(api: SafeStorageApi = electronSafeStorage, platform: NodeJS.Platform = process.platform): Promise<string | null> {
  if (platform === 'linux') {
    const backend = api.getSelectedStorageBackend();
    if (backend === 'basic_text') {
      return (
        'No desktop keyring was found (Electron selected the "basic_text" backend, which stores secrets with a fixed, public key). ' +
        'Clusterwright will not keep passwords that way: start a keyring (GNOME Keyring / KWallet) and restart the app, ' +
        'or launch with --password-store="gnome-libsecret", or use web mode with a passphrase-sealed store.'
      );
    }
    if (backend === 'unknown') return 'The desktop keyring is not ready yet (the app has not finished starting); try again in a moment.';
  }
  if (!(await api.isAsyncEncryptionAvailable())) {
    return 'The operating system keychain is not available to Clusterwright, so no secret can be stored safely; unlock or set up the keychain and try again.';
  }
  return null;
}

export async function createSafeStorageCipher(api: SafeStorageApi = electronSafeStorage, platform: NodeJS.Platform = process.platform): Promise<SecretCipher> {
  const refusal = await safeStorageRefusal(api, platform);
  if (refusal) throw new CwError('UNSUPPORTED', refusal);
  return {
    scheme: SAFE_STORAGE_SCHEME,
    seal: (plain) => api.encryptStringAsync(plain),
    open: async (sealed) => (await api.decryptStringAsync(sealed)).result,
  };
}

/** The desktop secret store: one file in the data folder, each value sealed by safeStorage. */
export async function openSafeStorageSecretStore(file: string, api: SafeStorageApi = electronSafeStorage): Promise<SealedFileSecretStore> {
  return new SealedFileSecretStore(file, await createSafeStorageCipher(api), 'operating system keychain (Electron safeStorage)');
}
