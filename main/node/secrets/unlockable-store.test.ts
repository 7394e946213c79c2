// The secret store's lock in web mode and the CLI: locked until its passphrase is given, created on first use
// with a passphrase above the floor, "lock now" that sticks, and the OS keychain as the only place a passphrase is kept.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { CwError } from '../../common/errors.js';
import { ChainSecretResolver, EnvSecretResolver } from '../engine/render.js';
import { osKeychain, type PassphraseKeychain } from './keychain.js';
import { promptStorePassphrase } from './tty-prompt.js';
import { UnlockableSecretStore, type PassphraseSources } from './unlockable-store.js';

const fastCost = { N: 2 ** 10, r: 8, p: 1 };
const passphrase = 'correct horse battery staple';

function tempFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cw-unlock-')), 'secrets.sealed.json');
}

function store(file: string, sources: Partial<PassphraseSources> = {}): UnlockableSecretStore {
  return new UnlockableSecretStore(file, { lockedAdvice: 'unlock it in the app.', ...sources }, fastCost);
}

/** A keychain that lives in this test's memory, standing in for the Secret Service this machine lacks. */
function memoryKeychain(available = true): PassphraseKeychain & { kept: string | null } {
  const keychain = {
    kept: null as string | null,
    probe: async () => (available ? { available: true as const, name: 'test keychain' } : { available: false as const, reason: 'no D-Bus session bus' }),
    get: async () => keychain.kept,
    set: async (value: string) => {
      keychain.kept = value;
    },
    delete: async () => {
      const had = keychain.kept !== null;
      keychain.kept = null;
      return had;
    },
  };
  return keychain;
}

function filesContaining(dir: string, text: string): string[] {
  return fs.readdirSync(dir).filter((f) => fs.readFileSync(path.join(dir, f), 'utf8').includes(text));
}

describe('the secret store lock', () => {
  it('stays locked until unlocked: every use fails with SECRETS_LOCKED, and the first unlock needs "create" and a passphrase above the floor', async () => {
    const file = tempFile();
    const s = store(file);
    expect((await s.status()).state).toBe('locked');
    expect((await s.status()).exists).toBe(false);
    await expect(s.get('x')).rejects.toMatchObject({ code: 'SECRETS_LOCKED' });
    await expect(s.put('v', { label: 'l', kind: 'password' })).rejects.toMatchObject({ code: 'SECRETS_LOCKED' });
    await expect(s.unlock(passphrase)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(s.unlock('short', { create: true })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(fs.existsSync(file)).toBe(false);
    await s.unlock(passphrase, { create: true });
    // The new store is on disk at once, so its passphrase is fixed even before the first secret.
    expect(fs.existsSync(file)).toBe(true);
    expect((await s.status()).state).toBe('unlocked');
    const id = await s.put('root-password', { label: 'root@pam', kind: 'password' });
    expect(await s.get(id)).toBe('root-password');
    expect(filesContaining(path.dirname(file), passphrase)).toEqual([]);
  });

  it('"lock now" forgets the key: reads fail with SECRETS_LOCKED until the right passphrase is given again; a wrong one is AUTH_FAILED', async () => {
    const file = tempFile();
    const s = store(file);
    const states: string[] = [];
    s.onStateChanged((state) => states.push(state));
    await s.unlock(passphrase, { create: true });
    const id = await s.put('value', { label: 'x', kind: 'password' });
    await s.lock();
    await expect(s.get(id)).rejects.toMatchObject({ code: 'SECRETS_LOCKED' });
    await expect(s.unlock('not the passphrase')).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    expect((await s.status()).state).toBe('locked');
    await s.unlock(passphrase);
    expect(await s.get(id)).toBe('value');
    expect(states).toEqual(['unlocked', 'locked', 'unlocked']);
  });

  it('opens by itself from the variable scripts set, but not after the admin locked it', async () => {
    const file = tempFile();
    const s = store(file, { fromEnvironment: passphrase });
    const id = await s.put('value', { label: 'x', kind: 'password' });
    expect(s.unlocked).toBe(true);
    await s.lock();
    await expect(s.get(id)).rejects.toMatchObject({ code: 'SECRETS_LOCKED' });
    await s.unlock(passphrase);
    expect(await s.get(id)).toBe('value');
  });

  it('a stale passphrase from the variable or the keychain leaves the store locked (the app can still ask), saying which was refused', async () => {
    const file = tempFile();
    await store(file).unlock(passphrase, { create: true });
    const keychain = memoryKeychain();
    keychain.kept = 'an old passphrase of a former store';
    const s = store(file, { fromEnvironment: 'another old one', keychain });
    await expect(s.list()).rejects.toMatchObject({ code: 'SECRETS_LOCKED', message: expect.stringContaining('the passphrase from the passphrase variable and the keychain was refused') });
    await s.unlock(passphrase);
    expect(await s.list()).toEqual([]);
  });

  it('remembers the passphrase only in the keychain: a new process opens from it, "forget" removes it, and nothing is written beside the store', async () => {
    const file = tempFile();
    const keychain = memoryKeychain();
    const first = store(file, { keychain });
    await first.unlock(passphrase, { create: true, remember: true });
    const id = await first.put('value', { label: 'x', kind: 'password' });
    expect(keychain.kept).toBe(passphrase);
    expect(filesContaining(path.dirname(file), passphrase)).toEqual([]);
    const second = store(file, { keychain });
    expect((await second.status()).keychain).toMatchObject({ available: true, remembered: true });
    expect(await second.get(id)).toBe('value');
    await second.lock({ forget: true });
    expect(keychain.kept).toBeNull();
    await expect(store(file, { keychain }).get(id)).rejects.toMatchObject({ code: 'SECRETS_LOCKED' });
  });

  it('refuses to remember without a keychain, and then stays locked (no plaintext fallback)', async () => {
    const file = tempFile();
    const keychain = memoryKeychain(false);
    const s = store(file, { keychain });
    const status = await s.status();
    expect(status.keychain).toMatchObject({ available: false, reason: 'no D-Bus session bus' });
    await expect(s.unlock(passphrase, { create: true, remember: true })).rejects.toMatchObject({ code: 'UNSUPPORTED', message: expect.stringContaining('no D-Bus session bus') });
    expect(s.unlocked).toBe(false);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('the CLI asks on the terminal when the store is needed: twice for a new store, with the strength hint, never echoing', async () => {
    const file = tempFile();
    const input = Object.assign(new PassThrough(), { isTTY: true, rawMode: false, setRawMode(on: boolean) { input.rawMode = on; return input; } });
    const output = new PassThrough();
    let shown = '';
    output.on('data', (chunk: Buffer) => (shown += chunk.toString()));
    const s = store(file, { prompt: (question) => promptStorePassphrase(question, { input: input as unknown as NodeJS.ReadStream, output }) });
    const put = s.put('value', { label: 'x', kind: 'password' });
    // Typed as raw keystrokes: a passphrase below the floor, then a good one twice.
    const type = async (text: string) => {
      await new Promise((r) => setTimeout(r, 5));
      input.write(text);
    };
    await type('short\r');
    await type(`${passphrase}\r`);
    await type(`${passphrase}\r`);
    const id = await put;
    expect(await s.get(id)).toBe('value');
    expect(shown).toContain('New passphrase (not shown)');
    expect(shown).toContain('at least 10 characters');
    expect(shown).toContain('The same passphrase again');
    expect(shown).not.toContain(passphrase);
    expect(input.rawMode).toBe(false);
  });

  it('plans see SECRETS_LOCKED, not "secret not found", when the store is locked', async () => {
    const chain = new ChainSecretResolver([new EnvSecretResolver({}), store(tempFile())]);
    await expect(chain.get('pve-root')).rejects.toMatchObject({ code: 'SECRETS_LOCKED' });
  });
});

describe('the OS keychain on this machine', () => {
  it('without a D-Bus session bus says so, and get/set refuse rather than keep the passphrase anywhere else', async () => {
    const keychain = osKeychain('secret-store:/tmp/test', { env: {}, platform: 'linux' });
    const probe = await keychain.probe();
    expect(probe).toMatchObject({ available: false, reason: expect.stringContaining('D-Bus session bus') });
    await expect(keychain.set('x')).rejects.toBeInstanceOf(CwError);
    await expect(keychain.get()).rejects.toMatchObject({ code: 'UNSUPPORTED' });
    expect(await keychain.delete()).toBe(false);
  });

  it.runIf(process.platform === 'linux')('with a bus address where no Secret Service answers, the real library reports the failure as the reason', async () => {
    const keychain = osKeychain('secret-store:/tmp/test', { env: { DBUS_SESSION_BUS_ADDRESS: `unix:path=${path.join(os.tmpdir(), 'cw-no-such-bus')}` }, platform: 'linux' });
    const probe = await keychain.probe();
    expect(probe.available).toBe(false);
    expect(probe.available === false && probe.reason.length).toBeGreaterThan(0);
  });
});
