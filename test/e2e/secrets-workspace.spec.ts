// The secret store's lock and the workspace menu in Chromium against the real web host: a call that needs the
// locked store opens the unlock dialog (creating the store on first use, with the strength hint and a second
// entry), goes through once it is open, "Lock now" closes it again, and the workspace menu opens a file, closes
// it back to the first screen and reopens it from the recent list. Screenshots of the dialog and the menu.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UnlockableSecretStore } from '../../main/node/secrets/unlockable-store.js';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { startTestHost, type TestHost } from '../support/web-host.js';

const rendererDir = path.resolve('dist/renderer');
const passphrase = 'violet tractor under seven maples';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-e2e-secrets-'));
const estate = path.join(tmp, 'estate');
const secretsFile = path.join(tmp, 'data', 'secrets.sealed.json');
let t: TestHost;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let secrets: UnlockableSecretStore;

beforeAll(async () => {
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) throw new Error('Build the renderer first (npm run build).');
  fs.mkdirSync(estate, { recursive: true });
  fs.writeFileSync(
    path.join(estate, 'clusterwright.yaml'),
    `version: 1
name: estate
sites:
  - name: home
    kind: lan
networks:
  - name: mgmt
    roles: [management, corosync]
nodes:
  - name: pve1
    site: home
    addresses: { mgmt: 198.18.50.1 }
  - name: pve2
    site: home
    addresses: { mgmt: 198.18.50.2 }
proxmox:
  clusters:
    - name: homelab
      nodes: [pve1, pve2]
      links:
        - link: 0
          network: mgmt
      api:
        endpoint: 127.0.0.1:9
        user: root@pam
        fingerprint: ${'AB:'.repeat(31)}CD
`,
  );
  secrets = new UnlockableSecretStore(secretsFile, { lockedAdvice: 'unlock it in the app (the lock in the header asks for its passphrase) and try again.' }, { N: 2 ** 12, r: 8, p: 1 });
  t = await startTestHost({ staticDir: rendererDir, core: { ssh: { secrets, sshConfigFile: null, interactive: false } } });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the secret store lock and the workspace menu', () => {
  it('unlocks (creating) the store when a call needs it, then sends the call again; locks it on demand; the menu closes and reopens the workspace', async () => {
    const page = await browser.context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(t.host.url);
    await page.getByTestId('first-start').waitFor();
    const lock = page.getByTestId('secrets-lock');
    await lock.waitFor();
    expect(await lock.getAttribute('data-state')).toBe('locked');
    expect(await lock.getAttribute('aria-label')).toMatch(/Secret store: not created yet/);

    // Workspace menu → Open a workspace file…
    await page.getByRole('button', { name: 'Workspace menu' }).click();
    await page.getByTestId('menu-lab-status').waitFor();
    await page.mouse.move(900, 700);
    await page.waitForTimeout(300);
    await page.screenshot({ path: screenshotPath('workspace-menu') });
    await page.getByTestId('menu-open').click();
    await page.getByTestId('workspace-dialog-path').fill(estate);
    await page.getByTestId('workspace-dialog-submit').click();
    await page.getByTestId('workspace-name').filter({ hasText: 'estate' }).waitFor();

    // A call that needs the store: storing the cluster's root password in the wizard.
    await page.getByTestId('open-wizard').click();
    await page.getByTestId('new-cluster-proxmox').click();
    await page.getByTestId('wizard-root-password').fill('pve-root-password');
    await page.getByTestId('wizard-store-password').click();
    const dialog = page.getByTestId('unlock-dialog');
    await page.getByRole('heading', { name: 'Create the secret store' }).waitFor();
    await page.getByTestId('unlock-reason').waitFor();
    await page.getByTestId('unlock-passphrase').fill('proxmox1');
    expect(await page.getByTestId('unlock-strength').textContent()).toMatch(/at least 10 characters/);
    expect(await page.getByTestId('unlock-submit').isDisabled()).toBe(true);
    await page.getByTestId('unlock-passphrase').fill(passphrase);
    await page.getByTestId('unlock-confirm').fill(`${passphrase}x`);
    await page.getByText('The two entries differ').waitFor();
    expect(await page.getByTestId('unlock-submit').isDisabled()).toBe(true);
    await page.getByTestId('unlock-confirm').fill(passphrase);
    expect(await page.getByTestId('unlock-no-keychain').textContent()).toMatch(/No keychain/);
    await page.screenshot({ path: screenshotPath('secrets-unlock-create') });
    await page.getByTestId('unlock-submit').click();
    await dialog.waitFor({ state: 'detached' });
    // The refused secrets.put went through once the store was open.
    await page.getByTestId('wizard-api-password-state').filter({ hasText: 'root@pam password stored' }).waitFor();
    const storedSecrets = await secrets.list();
    expect(storedSecrets.map((s) => s.label)).toEqual(['root@pam on Proxmox cluster homelab']);
    expect(fs.existsSync(secretsFile)).toBe(true);
    expect(await lock.getAttribute('data-state')).toBe('unlocked');

    // Never in the page's storage or its address.
    const stored = await page.evaluate(() => JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, url: location.href }));
    expect(stored).not.toContain(passphrase);

    // Lock now.
    await page.keyboard.press('Escape');
    await lock.click();
    await page.getByTestId('secrets-lock-now').click();
    await page.locator('[data-testid="secrets-lock"][data-state="locked"]').waitFor();
    await expect(secrets.get(storedSecrets[0]!.id)).rejects.toMatchObject({ code: 'SECRETS_LOCKED' });
    // Unlocking an existing store asks once, without the confirmation field.
    await lock.click();
    await page.getByRole('heading', { name: 'Unlock the secret store' }).waitFor();
    expect(await page.getByTestId('unlock-confirm').count()).toBe(0);
    await page.getByTestId('unlock-passphrase').fill('not the passphrase at all');
    await page.getByTestId('unlock-submit').click();
    await page.getByTestId('unlock-error').filter({ hasText: 'AUTH_FAILED' }).waitFor();
    await page.getByTestId('unlock-passphrase').fill(passphrase);
    await page.getByTestId('unlock-submit').click();
    await page.locator('[data-testid="secrets-lock"][data-state="unlocked"]').waitFor();

    // Close → the first screen; the recent list brings the workspace back.
    await page.getByRole('button', { name: 'Workspace menu' }).click();
    await page.getByTestId('menu-close').click();
    await page.getByTestId('first-start').waitFor();
    expect(await page.getByTestId('workspace-name').textContent()).toBe('No workspace open');
    expect((await t.core.call('workspace.current', {})).path).toBe(path.join(t.core.options.workspaceDir, 'clusterwright.yaml'));
    await page.getByRole('button', { name: 'Workspace menu' }).click();
    await page.getByTestId('menu-recent').filter({ hasText: 'estate' }).click();
    await page.getByTestId('workspace-name').filter({ hasText: 'estate' }).waitFor();
    expect(await page.getByTestId('first-start').count()).toBe(0);
    expect(consoleErrors).toEqual([]);
  });
});
