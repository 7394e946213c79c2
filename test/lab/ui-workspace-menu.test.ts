// "Try the lab" with a Proxmox example as a new user does it: no passphrase variable, the app's own secret store
// (locked, not even created), the unlock dialog creating it, the lab up with its Proxmox test servers; then the
// header's workspace menu shows the running lab and its hosts and stops it (lab down), back to the first screen.
import fs from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { screenshotPath } from '../support/browser.js';
import { useAppWithLab } from '../support/app-lab.js';
import { describeLab } from '../support/lab.js';

const PREFIX = 'cwwm';
const passphrase = 'seven quiet lanterns over the harbour';

describeLab('the Proxmox lab from the app without a passphrase variable, and the workspace menu', () => {
  const previous = process.env.CLUSTERWRIGHT_SECRETS_PASSPHRASE;
  delete process.env.CLUSTERWRIGHT_SECRETS_PASSPHRASE;
  const app = useAppWithLab(PREFIX);

  it('unlocks (creates) the secret store when the lab needs it, starts the lab, shows it in the menu and stops it from there', async () => {
    try {
      const page = await app.browser.context.newPage();
      await page.goto(app.server.host.url);
      await page.locator('input[aria-label="Example lab"]').click();
      await page.getByRole('option', { name: /proxmox-three-nodes/ }).click();
      await page.getByTestId('door-lab-start').click();

      // The store does not exist yet: the lab's root password needs it, so the app asks before any host starts.
      await page.getByRole('heading', { name: 'Create the secret store' }).waitFor({ timeout: 30_000 });
      expect(await app.server.core.call('lab.status', {})).toMatchObject({ running: false });
      await page.getByTestId('unlock-passphrase').fill(passphrase);
      await page.getByTestId('unlock-confirm').fill(passphrase);
      await page.getByTestId('unlock-submit').click();
      for (const node of ['a1', 'a2', 'b1']) await page.getByTestId(`node-${node}`).waitFor({ state: 'attached', timeout: 120_000 });
      expect(await page.getByTestId('secrets-lock').getAttribute('data-state')).toBe('unlocked');

      // The lab's root password is in the sealed store under the app's data folder, named by id in the workspace.
      const status = await app.server.core.call('lab.status', {});
      expect(status).toMatchObject({ running: true, name: 'proxmox-three-nodes', stackServices: ['Proxmox test servers'] });
      const workspace = (await app.server.core.call('workspace.current', {})).workspace!;
      const secretId = workspace.proxmox!.clusters[0]!.api!.passwordSecret!;
      const listed = await app.server.core.call('secrets.list', {});
      expect(listed.secrets.map((s) => s.id)).toContain(secretId);
      const sealed = fs.readFileSync(path.join(process.env.CLUSTERWRIGHT_HOME!, 'secrets.sealed.json'), 'utf8');
      expect(sealed).not.toContain(passphrase);

      // The cluster's API answers with that password (the store stays open for the session).
      expect(await app.server.core.call('proxmox.clusterStatus', { cluster: 'homelab' })).toMatchObject({ nodes: expect.any(Array) });

      // The workspace menu: the running lab, its hosts; lab down from the app.
      await page.getByRole('button', { name: 'Workspace menu' }).click();
      await page.getByTestId('menu-lab-status').filter({ hasText: 'Lab "proxmox-three-nodes" running: 3/3 hosts, Proxmox test servers' }).waitFor();
      expect(await page.getByTestId('menu-lab-hosts').textContent()).toBe('a1, a2, b1');
      await page.mouse.move(900, 700);
      await page.waitForTimeout(300);
      await page.screenshot({ path: screenshotPath('workspace-menu-lab') });
      await page.getByTestId('menu-lab-stop').click();
      await page.getByTestId('lab-stop-submit').click();
      await page.getByTestId('first-start').waitFor({ timeout: 60_000 });
      expect(await app.server.core.call('lab.status', {})).toMatchObject({ running: false, stackServices: [] });
      // Its password went with it.
      expect((await app.server.core.call('secrets.list', {})).secrets.map((s) => s.id)).not.toContain(secretId);
    } finally {
      if (previous !== undefined) process.env.CLUSTERWRIGHT_SECRETS_PASSPHRASE = previous;
    }
  }, 240_000);
});
