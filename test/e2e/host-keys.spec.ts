// Host keys in the app, in Chromium against a real sshd: a host that already has a pinned key of another type
// and now offers only a new one is asked about only with a plain warning (and refusing sends nothing); the
// node's inspector lists its pinned keys with fingerprints and forgets one after a confirmation, recorded in
// the audit log; the next connection then asks as for any unknown key.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { utils } from 'ssh2';
import { serializeWorkspace } from '../../main/common/workspace/serialize.js';
import type { Workspace } from '../../main/common/workspace/schema.js';
import { PinnedHostKeys } from '../../main/node/ssh/pinned-host-keys.js';
import { startSshd, sshdAvailable, type SshdFixture } from '../support/sshd.js';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { waitForTerminalText } from '../support/terminal.js';
import { startTestHost, type TestHost } from '../support/web-host.js';
import { parsableKeyPair } from '../../main/node/ssh/testing/ssh2-server.js';

let sshd: SshdFixture;
let t: TestHost;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-hostkeys-home-'));
const previousHome = process.env.CLUSTERWRIGHT_HOME;
const pinnedFile = path.join(home, 'ssh', 'pinned-host-keys.json');

beforeAll(async () => {
  const missing = sshdAvailable();
  if (missing) throw new Error(missing);
  process.env.CLUSTERWRIGHT_HOME = home;
  sshd = await startSshd({ hostKeyTypes: ['ed25519'] });
  t = await startTestHost({ staticDir: path.resolve('dist/renderer') });
  const workspace = {
    version: 1,
    name: 'Host keys test',
    sites: [{ name: 'here', kind: 'lan' }],
    networks: [{ name: 'mgmt', roles: ['management'] }],
    nodes: [{ name: 'alpha', site: 'here', addresses: { mgmt: '127.0.0.1' }, ssh: { host: sshd.host, port: sshd.port, user: sshd.user, identityFile: sshd.clientKeyFile } }],
  } as unknown as Workspace;
  fs.writeFileSync(path.join(t.core.options.workspaceDir, 'clusterwright.yaml'), serializeWorkspace(workspace));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await sshd?.stop();
  if (previousHome === undefined) delete process.env.CLUSTERWRIGHT_HOME;
  else process.env.CLUSTERWRIGHT_HOME = previousHome;
  fs.rmSync(home, { recursive: true, force: true });
});

async function openTerminal(page: Page) {
  await page.getByRole('button', { name: 'Actions for alpha' }).click();
  await page.getByRole('menuitem', { name: 'Open terminal' }).click();
}

describe('host keys in the app', () => {
  it('warns about a new key type for a host with a pinned key, lists and forgets pinned keys in the inspector, then asks afresh', async () => {
    // The host was known with an RSA key; it now offers only ed25519.
    const rsa = utils.parseKey(parsableKeyPair('rsa').public);
    if (rsa instanceof Error || Array.isArray(rsa)) throw new Error('key');
    const old = new PinnedHostKeys(pinnedFile).pin(sshd.host, sshd.port, rsa.getPublicSSH());

    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(t.host.url);
    await page.getByTestId('nav-node-alpha').click();
    const keys = page.getByTestId('node-host-keys');
    await keys.getByTestId('host-key-ssh-rsa').waitFor();
    expect(await keys.getByTestId('host-key-fingerprint').allTextContents()).toEqual([old.fingerprint]);

    await openTerminal(page);
    const warning = page.getByTestId('hostkey-other-key-warning');
    await warning.waitFor();
    expect(await warning.textContent()).toContain('already trusted with another key');
    expect(await page.getByTestId('hostkey-known').textContent()).toContain(old.fingerprint);
    expect(await page.getByTestId('hostkey-fingerprint').textContent()).toBe(sshd.hostKeyFingerprints.ed25519);
    await page.waitForTimeout(400);
    await page.screenshot({ path: screenshotPath('host-key-other-type-warning') });
    await page.getByTestId('hostkey-reject').click();
    await warning.waitFor({ state: 'detached' });
    // Refused: nothing pinned, the terminal not connected.
    await page.getByTestId('reconnect-alpha').waitFor();
    expect(new PinnedHostKeys(pinnedFile).list().map((k) => k.keyType)).toEqual(['ssh-rsa']);

    // Forget the old key in the inspector, with a confirmation.
    await keys.getByTestId('forget-host-key-ssh-rsa').click();
    await page.getByRole('dialog', { name: 'Forget this host key?' }).waitFor();
    await page.waitForTimeout(400); // the modal's fade-in, for the screenshot
    await page.screenshot({ path: screenshotPath('host-key-forget') });
    await page.getByTestId('forget-host-key-confirm').click();
    await keys.getByTestId('host-key-forgotten').waitFor();
    await keys.getByTestId('host-key-ssh-rsa').waitFor({ state: 'detached' });
    expect(new PinnedHostKeys(pinnedFile).list()).toEqual([]);
    const audit = fs.readFileSync(path.join(t.core.options.workspaceDir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(audit).toEqual([expect.objectContaining({ operation: 'forget-host-key', target: `host 127.0.0.1:${sshd.port}`, what: `ssh-rsa ${old.fingerprint}`, by: 'web' })]);

    // Now an ordinary unknown key: asked without the warning; trusted and remembered, it shows in the inspector.
    await page.getByTestId('reconnect-alpha').click();
    await page.getByTestId('hostkey-fingerprint').waitFor();
    expect(await page.getByTestId('hostkey-other-key-warning').count()).toBe(0);
    await page.getByTestId('hostkey-pin').click();
    await page.getByTestId('terminal-screen-reader').click();
    await waitForTerminalText(page, 'alpha', /[$#] ?$/m);
    await keys.getByTestId('host-key-ssh-ed25519').waitFor();
    expect(await keys.getByTestId('host-key-fingerprint').allTextContents()).toEqual([sshd.hostKeyFingerprints.ed25519]);
  });
});
