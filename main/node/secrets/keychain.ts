// The operating system's keychain (Secret Service over D-Bus on Linux, the macOS Keychain, the Windows
// Credential Manager) as a place to remember the secret store's passphrase, through @napi-rs/keyring.
// On Linux only the Secret Service counts: the kernel keyring forgets at logout and is no keychain an
// admin can see or manage. Where none is reachable the keychain says why; nothing falls back to a file.
import { CwError } from '../../common/errors.js';

export type KeychainProbe = { available: true; name: string } | { available: false; reason: string };

export interface PassphraseKeychain {
  probe(): Promise<KeychainProbe>;
  /** The remembered passphrase, or null when there is none. Throws when the keychain cannot be read. */
  get(): Promise<string | null>;
  set(passphrase: string): Promise<void>;
  /** Whether something was removed. */
  delete(): Promise<boolean>;
}

const SERVICE = 'Clusterwright';

interface KeyringEntry {
  getPassword(): Promise<string | null>;
  setPassword(password: string): Promise<void>;
  deleteCredential(): Promise<boolean>;
}
type KeyringModule = { AsyncEntry: new (service: string, account: string, options?: { linux?: { store?: 'secret-service' | 'keyutils' } }) => KeyringEntry };

function keychainName(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'macOS Keychain';
  if (platform === 'win32') return 'Windows Credential Manager';
  return 'Secret Service (D-Bus)';
}

/**
 * The keychain entry for one secret store (the account is the store's file, so two data folders never share a
 * passphrase). `load` is the native module; tests pass a stand-in to reach the paths this machine cannot.
 */
export function osKeychain(
  account: string,
  options: { env?: NodeJS.ProcessEnv; platform?: NodeJS.Platform; load?: () => Promise<KeyringModule> } = {},
): PassphraseKeychain {
  const env = options.env ?? process.env;
  const platform = options.platform ?? process.platform;
  const load = options.load ?? (async () => (await import('@napi-rs/keyring')) as unknown as KeyringModule);
  const name = keychainName(platform);
  let probed: Promise<KeychainProbe> | undefined;
  let entry: KeyringEntry | undefined;

  const open = async (): Promise<KeyringEntry> => {
    if (entry) return entry;
    let keyring: KeyringModule;
    try {
      keyring = await load();
    } catch (error) {
      throw new CwError('MISSING_DEPENDENCY', `The keychain library could not be loaded on this platform (${error instanceof Error ? error.message : String(error)}).`);
    }
    entry = new keyring.AsyncEntry(SERVICE, account, { linux: { store: 'secret-service' } });
    return entry;
  };

  const unavailable = (reason: string): never => {
    throw new CwError('UNSUPPORTED', `The ${name} cannot be used here: ${reason}. Type the passphrase when asked instead; nothing is stored in its place.`);
  };

  const probe = (): Promise<KeychainProbe> =>
    (probed ??= (async (): Promise<KeychainProbe> => {
      if (platform === 'linux' && !env.DBUS_SESSION_BUS_ADDRESS) {
        return { available: false, reason: 'no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set), so no Secret Service (GNOME Keyring, KWallet, KeePassXC) can be reached' };
      }
      try {
        await (await open()).getPassword();
        return { available: true, name };
      } catch (error) {
        return { available: false, reason: (error instanceof Error ? error.message : String(error)).split('\n')[0]! };
      }
    })());

  return {
    probe,
    async get() {
      const state = await probe();
      if (!state.available) unavailable(state.reason);
      return (await open()).getPassword();
    },
    async set(passphrase) {
      const state = await probe();
      if (!state.available) unavailable(state.reason);
      await (await open()).setPassword(passphrase);
    },
    async delete() {
      const state = await probe();
      if (!state.available) return false;
      return (await open()).deleteCredential();
    },
  };
}
