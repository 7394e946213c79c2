// The OS keychain path against a real Secret Service: a private D-Bus session bus with gnome-keyring's secrets
// component (Debian package gnome-keyring), both started by this test in a temporary home and stopped by PID.
// Where they are not installed the file is skipped with the reason.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { osKeychain } from './keychain.js';
import { UnlockableSecretStore } from './unlockable-store.js';

const have = (program: string) => spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
const available = process.platform === 'linux' && have('dbus-daemon') && have('gnome-keyring-daemon');

describe.runIf(available)('the passphrase remembered in a real Secret Service (gnome-keyring on a private D-Bus session)', () => {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-keyring-'));
  const children: ChildProcess[] = [];
  let address = '';
  const previous = process.env.DBUS_SESSION_BUS_ADDRESS;

  beforeAll(async () => {
    const env = { ...process.env, HOME: home, XDG_DATA_HOME: path.join(home, 'share'), XDG_RUNTIME_DIR: home };
    const bus = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
    children.push(bus);
    address = await new Promise<string>((resolve, reject) => {
      let text = '';
      bus.stdout!.on('data', (d: Buffer) => {
        text += d.toString();
        if (text.includes('\n')) resolve(text.trim());
      });
      bus.once('exit', () => reject(new Error('dbus-daemon exited')));
    });
    const keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], { env: { ...env, DBUS_SESSION_BUS_ADDRESS: address }, stdio: ['pipe', 'ignore', 'ignore'] });
    children.push(keyring);
    keyring.stdin!.end('test keyring password');
    // The library reads the bus address from this process's environment.
    process.env.DBUS_SESSION_BUS_ADDRESS = address;
    // Wait until the secrets service stores and returns a value (its login collection is created at start).
    let ready = false;
    for (let i = 0; i < 100 && !ready; i++) {
      const probe = osKeychain(`secret-store:probe-${i}`);
      try {
        await probe.set('ready');
        ready = (await probe.get()) === 'ready' && (await probe.delete());
      } catch {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(ready).toBe(true);
  }, 20_000);

  afterAll(() => {
    if (previous === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
    else process.env.DBUS_SESSION_BUS_ADDRESS = previous;
    for (const child of children.reverse()) if (child.pid && child.exitCode === null) process.kill(child.pid, 'SIGTERM');
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('keeps the passphrase in the keychain only: a new process opens the store from it, and "forget" removes it', async () => {
    const file = path.join(home, 'data', 'secrets.sealed.json');
    const passphrase = 'eleven copper kettles singing';
    const keychain = osKeychain(`secret-store:${file}`);
    expect(await keychain.probe()).toEqual({ available: true, name: 'Secret Service (D-Bus)' });
    const first = new UnlockableSecretStore(file, { keychain, lockedAdvice: 'unlock it in the app.' }, { N: 2 ** 10, r: 8, p: 1 });
    await first.unlock(passphrase, { create: true, remember: true });
    const id = await first.put('root-password', { label: 'root@pam', kind: 'password' });
    expect(await keychain.get()).toBe(passphrase);
    for (const name of fs.readdirSync(path.dirname(file))) expect(fs.readFileSync(path.join(path.dirname(file), name), 'utf8')).not.toContain(passphrase);

    const second = new UnlockableSecretStore(file, { keychain: osKeychain(`secret-store:${file}`), lockedAdvice: 'unlock it in the app.' }, { N: 2 ** 10, r: 8, p: 1 });
    expect((await second.status()).keychain).toMatchObject({ available: true, remembered: true });
    expect(await second.get(id)).toBe('root-password');
    await second.lock({ forget: true });
    expect(await keychain.get()).toBeNull();
    await expect(second.get(id)).rejects.toMatchObject({ code: 'SECRETS_LOCKED' });
  });
});
