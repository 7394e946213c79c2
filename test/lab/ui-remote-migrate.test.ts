// Drag-to-migrate across clusters in Chromium: a VM of Proxmox cluster "east" dropped onto a node of "west"
// opens the dialog as a cross-cluster move, blocked until storage and bridge maps are chosen; then it moves.
// Set CW_RENDERER_DIR to test a renderer built elsewhere (default: dist/renderer from `npm run build`).
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshotPath } from '../support/browser.js';
import { describeLab, useLab } from '../support/lab.js';
import { dragVm, useProxmoxBrowserApp } from '../support/proxmox/browser-app.js';
import { remoteMigrateLabSpec, startRemoteMigrateLab, westTokenId, type RemoteMigrateLab } from '../support/proxmox/remote-migrate-lab.js';

describeLab('drag-to-migrate across Proxmox clusters on the canvas (two test clusters on the lab)', () => {
  const handle = useLab(remoteMigrateLabSpec, 'cwrn');
  let rm: RemoteMigrateLab | undefined;
  const app = useProxmoxBrowserApp('Cross-cluster drag in Chromium', async (core) => {
    rm = await startRemoteMigrateLab(handle.lab);
    const east = await core.call('secrets.put', { label: 'root@pam on east', kind: 'password', value: rm.rootPassword });
    const token = await core.call('secrets.put', { label: `${westTokenId} on west`, kind: 'token', value: rm.tokenSecret });
    const lab = rm;
    return { workspaceText: rm.workspaceText({ eastPassword: east.id, westToken: token.id }), stop: () => lab.stop() };
  });

  async function choose(page: Page, testId: string, option: string) {
    await page.getByTestId(testId).click();
    await page.getByRole('option', { name: option, exact: true }).click();
  }

  it('offers the maps for a node of another cluster, moves the VM there, and shows the kept source', async () => {
    const page = await app.browser.context.newPage();
    await page.goto(app.host.host.url);
    await page.getByTestId('vm-db').waitFor({ timeout: 30_000 });
    await dragVm(page, 'db', 'b1', 'cw-drop-no');
    await page.getByTestId('migration-remote').waitFor();
    expect(await page.getByTestId('migration-dialog').textContent()).toMatch(/Cross-cluster move/);
    // The verdict follows the precheck of the current choices (asked again as the dialog opens): blocked until the maps are chosen.
    await page.waitForFunction(() => document.querySelector('[data-testid="migration-verdict"]')?.textContent === 'blocked', null, { timeout: 15_000 });
    expect(await page.getByTestId('migration-reasons').textContent()).toMatch(/disks on storage ceph-vm need a storage on b1: choose one of local, local-lvm/);
    expect(await page.getByTestId('migration-confirm').isDisabled()).toBe(true);
    // Off by default: Proxmox keeps the source stopped and locked.
    expect(await page.getByTestId('migration-delete-source').isChecked()).toBe(false);

    await choose(page, 'migration-storage-ceph-vm', 'local-lvm');
    await choose(page, 'migration-bridge-vmbr1', 'vmbr7');
    await page.getByTestId('migration-target-vmid').fill('201');
    await page.waitForFunction(() => document.querySelector('[data-testid="migration-verdict"]')?.textContent === 'allowed', null, { timeout: 15_000 });
    await page.screenshot({ path: screenshotPath('remote-migrate-dialog') });
    await page.getByTestId('migration-confirm').click();
    await page.getByTestId('migration-result').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('migration-result').textContent()).toMatch(/to b1 \(cluster west\) as VMID 201 .* stays on a1, stopped and locked/);
    await page.getByRole('button', { name: 'Close' }).click();
    // The copy runs on b1; the stopped source is still drawn on a1.
    await page.locator('g[data-node-id="b1"] [data-testid="vm-db"]').waitFor({ timeout: 15_000 });
    expect(await page.locator('g[data-node-id="a1"] [data-testid="vm-db"]').count()).toBe(1);
    await page.screenshot({ path: screenshotPath('remote-migrate-done') });
    expect(await page.content()).not.toContain(rm!.tokenSecret);
  }, 120_000);
});
