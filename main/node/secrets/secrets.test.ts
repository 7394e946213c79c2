// The secret stores: ids out, values only to main/node at the moment of use, never plaintext on disk.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultSecretStore, LockedSecretStore, MemorySecretStore, openPassphraseSecretStore, SECRETS_PASSPHRASE_ENV } from './index.js';

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

  it('without a passphrase, web mode and the CLI get a store that refuses and says how to fix it (no plaintext fallback)', async () => {
    const store = defaultSecretStore('web', {});
    expect(store).toBeInstanceOf(LockedSecretStore);
    await expect(store.put('x', { label: 'x', kind: 'password' })).rejects.toThrow(SECRETS_PASSPHRASE_ENV);
    expect(defaultSecretStore('test', {})).toBeInstanceOf(MemorySecretStore);
  });
});
