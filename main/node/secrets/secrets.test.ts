// The secret stores: ids out, values only to main/node at the moment of use, never plaintext on disk.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSecretStore, MemorySecretStore, openPassphraseSecretStore, SECRETS_PASSPHRASE_ENV, UnlockableSecretStore } from './index.js';

const fastCost = { N: 2 ** 10, r: 8, p: 1 };

function tempFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cw-secrets-')), 'secrets.sealed.json');
}

describe('secret stores', () => {
  it('memory: put returns an id, list shows labels only, delete forgets', async () => {
    const store = new MemorySecretStore();
    const id = await store.put('hunter2', { label: 'root@pve1', kind: 'password' });
    expect(await store.get(id)).toBe('hunter2');
    expect(JSON.stringify(await store.list())).not.toContain('hunter2');
    expect(await store.delete(id)).toBe(true);
    await expect(store.get(id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('passphrase-sealed file: values are AES-GCM sealed, the file is 0600, and it reopens with the passphrase', async () => {
    const file = tempFile();
    const store = await openPassphraseSecretStore(file, 'a long passphrase', fastCost);
    const id = await store.put('the-root-password-value', { label: 'root@pve1', kind: 'password' });
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain('the-root-password-value');
    expect(text).toContain('root@pve1');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const reopened = await openPassphraseSecretStore(file, 'a long passphrase');
    expect(await reopened.get(id)).toBe('the-root-password-value');
  });

  it('passphrase-sealed file: a wrong passphrase is refused with AUTH_FAILED and decrypts nothing', async () => {
    const file = tempFile();
    const store = await openPassphraseSecretStore(file, 'right', fastCost);
    await store.put('value', { label: 'x', kind: 'password' });
    await expect(openPassphraseSecretStore(file, 'wrong')).rejects.toMatchObject({ code: 'AUTH_FAILED' });
  });

  it('passphrase-sealed file: a tampered value is refused, not returned garbled', async () => {
    const file = tempFile();
    const store = await openPassphraseSecretStore(file, 'pp', fastCost);
    const id = await store.put('value', { label: 'x', kind: 'password' });
    const data = JSON.parse(fs.readFileSync(file, 'utf8'));
    const sealed = Buffer.from(data.secrets[0].sealed, 'base64');
    sealed[sealed.length - 1]! ^= 1;
    data.secrets[0].sealed = sealed.toString('base64');
    fs.writeFileSync(file, JSON.stringify(data));
    await expect(store.get(id)).rejects.toMatchObject({ code: 'CONFLICT' });
  });

  it('without a passphrase, web mode and the CLI get a locked store that refuses with SECRETS_LOCKED and says how to open it (no plaintext fallback)', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-secrets-home-'));
    const web = defaultSecretStore('web', { CLUSTERWRIGHT_HOME: home });
    expect(web).toBeInstanceOf(UnlockableSecretStore);
    await expect(web.put('x', { label: 'x', kind: 'password' })).rejects.toMatchObject({ code: 'SECRETS_LOCKED', message: expect.stringContaining('unlock it in the app') });
    const cli = defaultSecretStore('cli', { CLUSTERWRIGHT_HOME: home }, { prompt: false });
    await expect(cli.get('some-id')).rejects.toMatchObject({ code: 'SECRETS_LOCKED', message: expect.stringContaining(SECRETS_PASSPHRASE_ENV) });
    expect(fs.readdirSync(home)).toEqual([]);
    expect(defaultSecretStore('test', {})).toBeInstanceOf(MemorySecretStore);
  });
});
