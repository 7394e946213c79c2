// The secret store's lock behind the contract: status, unlock (creating the store), lock, the event the app
// follows, and a Proxmox lab that asks for the store before any host starts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appRoot } from '../paths.js';
import { createCore } from '../core.js';
import { UnlockableSecretStore } from '../secrets/unlockable-store.js';
import { runCli } from '../cli/index.js';
import type { CliIO } from '../cli/types.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-secret-service-'));
const file = path.join(tmp, 'data', 'secrets.sealed.json');
const secrets = new UnlockableSecretStore(file, { lockedAdvice: 'unlock it in the app (the lock in the header).' }, { N: 2 ** 10, r: 8, p: 1 });
const stateDir = path.join(tmp, 'lab');
const core = createCore({ hostKind: 'web', workspaceDir: path.join(tmp, 'ws'), ssh: { secrets, sshConfigFile: null, interactive: false }, lab: { stateDir, examplesDir: path.join(appRoot(), 'assets', 'labs'), prefix: 'cwsec' } });
const events: { name: string; payload: unknown }[] = [];
core.events.subscribe((name, payload) => events.push({ name, payload }));
afterAll(async () => {
  await core.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('secrets.status, secrets.unlock and secrets.lock', () => {
  it('a Proxmox lab asks for the locked store before anything starts (SECRETS_LOCKED, no lab state written)', async () => {
    await expect(core.call('lab.up', { example: 'proxmox-three-nodes' })).rejects.toMatchObject({ code: 'SECRETS_LOCKED' });
    expect(fs.existsSync(stateDir)).toBe(false);
  });

  it('reports a locked, not yet created store; creates it on the first unlock; locks it again; the app hears each change', async () => {
    expect(await core.call('secrets.status', {})).toMatchObject({ kind: 'passphrase', state: 'locked', exists: false, lockable: true });
    await expect(core.call('secrets.put', { label: 'x', kind: 'password', value: 'v' })).rejects.toMatchObject({ code: 'SECRETS_LOCKED' });
    await expect(core.call('secrets.unlock', { passphrase: 'tiny', create: true })).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    expect(await core.call('secrets.unlock', { passphrase: 'a good long passphrase', create: true })).toMatchObject({ state: 'unlocked', exists: true });
    const { id } = await core.call('secrets.put', { label: 'root@pam', kind: 'password', value: 'v' });
    expect(await core.call('secrets.lock', {})).toMatchObject({ state: 'locked' });
    await expect(core.call('secrets.list', {})).rejects.toMatchObject({ code: 'SECRETS_LOCKED' });
    await expect(core.call('secrets.unlock', { passphrase: 'a wrong long passphrase' })).rejects.toMatchObject({ code: 'AUTH_FAILED' });
    await core.call('secrets.unlock', { passphrase: 'a good long passphrase' });
    expect((await core.call('secrets.list', {})).secrets.map((s) => s.id)).toEqual([id]);
    expect(events.filter((e) => e.name === 'secrets.stateChanged').map((e) => (e.payload as { state: string }).state)).toEqual(['unlocked', 'locked', 'unlocked']);
  });
});

describe('the CLI without a terminal', () => {
  it('fails with a clear message and exit 4 when the store is needed and neither a terminal nor the variable can open it', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io: CliIO = { out: (t) => out.push(t), err: (t) => err.push(t), isTTY: false, distDir: '/nonexistent', env: { PATH: process.env.PATH, CLUSTERWRIGHT_HOME: path.join(tmp, 'cli-home') } };
    expect(await runCli(['secrets', 'list'], io)).toBe(4);
    expect(err.join('\n')).toMatch(/secret store is locked.*CLUSTERWRIGHT_SECRETS_PASSPHRASE/s);
  });
});
