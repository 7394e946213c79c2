// Drag-to-migrate across clusters in Chromium: a VM of Proxmox cluster "east" dropped onto a node of "west"
// opens the dialog as a cross-cluster move, blocked until storage and bridge maps are chosen; then it moves.
// Set CW_RENDERER_DIR to test a renderer built elsewhere (default: dist/renderer from `npm run build`).
import { coreSchema, reportCoreSchema } from '../support/proxmox/core-schema.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { MemorySecretStore } from '../../main/node/secrets/index.js';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { describeLab, useLab } from '../support/lab.js';
import { remoteMigrateLabSpec, startRemoteMigrateLab, westTokenId, type RemoteMigrateLab } from '../support/proxmox/remote-migrate-lab.js';
import { startTestHost, type TestHost } from '../support/web-host.js';

describeLab('drag-to-migrate across Proxmox clusters on the canvas (two test clusters on the lab)', () => {
  const handle = useLab(remoteMigrateLabSpec, 'cwrn');
  let rm: RemoteMigrateLab | undefined;
  let t: TestHost | undefined;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-ui-remote-migrate-'));
  const previousHome = process.env.CLUSTERWRIGHT_HOME;

  const appSchema = coreSchema();

  beforeAll(async () => {
    process.env.CLUSTERWRIGHT_HOME = home;
    rm = await startRemoteMigrateLab(handle.lab);
    t = await startTestHost({
      staticDir: path.resolve(process.env.CW_RENDERER_DIR ?? 'dist/renderer'),
      core: { nodeCommands: 'local', proxmoxSchema: appSchema, ssh: { secrets: new MemorySecretStore(), sshConfigFile: null } },
    });
    const east = await t.core.call('secrets.put', { label: 'root@pam on east', kind: 'password', value: rm.rootPassword });
    const token = await t.core.call('secrets.put', { label: `${westTokenId} on west`, kind: 'token', value: rm.tokenSecret });
    fs.writeFileSync(path.join(t.core.options.workspaceDir, 'clusterwright.yaml'), rm.workspaceText({ eastPassword: east.id, westToken: token.id }));
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    reportCoreSchema('Cross-cluster drag in Chromium', appSchema);
    await rm?.stop();
    fs.rmSync(home, { recursive: true, force: true });
    if (previousHome === undefined) delete process.env.CLUSTERWRIGHT_HOME;
    else process.env.CLUSTERWRIGHT_HOME = previousHome;
  }, 60_000);

  async function dragVm(page: Page, vm: string, to: string) {
    const chip = (await page.getByTestId(`vm-${vm}`).boundingBox())!;
    const target = (await page.getByTestId(`node-${to}`).boundingBox())!;
    await page.mouse.move(chip.x + chip.width / 2, chip.y + chip.height / 2);
    await page.mouse.down();
    await page.mouse.move(chip.x + 30, chip.y + 10, { steps: 4 });
    await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 8 });
    // Without maps the other cluster's node is not yet a valid drop: it is dimmed while the VM is held.
    await page.waitForFunction((node) => document.querySelector(`g[data-node-id="${node}"]`)?.classList.contains('cw-drop-no'), to, { timeout: 10_000 });
    await page.mouse.up();
  }

  async function choose(page: Page, testId: string, option: string) {
    await page.getByTestId(testId).click();
    await page.getByRole('option', { name: option, exact: true }).click();
  }

  it('offers the maps for a node of another cluster, moves the VM there, and shows the kept source', async () => {
    const page = await browser!.context.newPage();
    await page.goto(t!.host.url);
    await page.getByTestId('vm-db').waitFor({ timeout: 30_000 });
    await dragVm(page, 'db', 'b1');
    await page.getByTestId('migration-remote').waitFor();
    expect(await page.getByTestId('migration-dialog').textContent()).toMatch(/Cross-cluster move/);
    expect(await page.getByTestId('migration-verdict').textContent()).toBe('blocked');
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
