// Drag-to-migrate in Chromium against a Proxmox cluster on the lab (test servers validated against
// the official schema, real corosync underneath): the canvas shows the VMs the cluster reports,
// dragging one onto another node opens the precheck dialog, confirming moves it, the canvas updates.
import { coreSchema, reportCoreSchema } from '../support/proxmox/core-schema.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MemorySecretStore } from '../../main/node/secrets/index.js';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { describeLab, useLab } from '../support/lab.js';
import { pveInventoryLabSpec, startPveInventoryLab } from '../support/proxmox/inventory-lab.js';
import { startTestHost, type TestHost } from '../support/web-host.js';
import type { Page } from 'playwright-core';

describeLab('drag-to-migrate on the canvas (Proxmox test cluster on the lab)', () => {
  const handle = useLab(pveInventoryLabSpec, 'cwum');
  let pveLab: Awaited<ReturnType<typeof startPveInventoryLab>> | undefined;
  let t: TestHost;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-ui-migrate-'));
  const previousHome = process.env.CLUSTERWRIGHT_HOME;

  const appSchema = coreSchema();

  beforeAll(async () => {
    process.env.CLUSTERWRIGHT_HOME = home;
    pveLab = await startPveInventoryLab(handle.lab, { migrationTimeScale: 0.05 });
    t = await startTestHost({
      staticDir: path.resolve('dist/renderer'),
      core: { nodeCommands: 'local', proxmoxSchema: appSchema, ssh: { secrets: new MemorySecretStore(), sshConfigFile: null } },
    });
    const { id } = await t.core.call('secrets.put', { label: 'root@pam on the test cluster', kind: 'password', value: pveLab.passwordSecretValue });
    fs.writeFileSync(path.join(t.core.options.workspaceDir, 'clusterwright.yaml'), pveLab.workspaceText(id));
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    reportCoreSchema('Drag-to-migrate in Chromium', appSchema);
    await pveLab?.stop();
    fs.rmSync(home, { recursive: true, force: true });
    if (previousHome === undefined) delete process.env.CLUSTERWRIGHT_HOME;
    else process.env.CLUSTERWRIGHT_HOME = previousHome;
  }, 60_000);

  async function dragVm(page: Page, vm: string, to: string, expected: 'cw-drop-ok' | 'cw-drop-no' = 'cw-drop-ok') {
    const chip = (await page.getByTestId(`vm-${vm}`).boundingBox())!;
    const target = (await page.getByTestId(`node-${to}`).boundingBox())!;
    await page.mouse.move(chip.x + chip.width / 2, chip.y + chip.height / 2);
    await page.mouse.down();
    await page.mouse.move(chip.x + 30, chip.y + 10, { steps: 4 });
    await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 8 });
    // The precheck lights the valid targets while the VM is held.
    await page.waitForFunction(([node, cls]) => document.querySelector(`g[data-node-id="${node}"]`)?.classList.contains(cls!), [to, expected] as const, { timeout: 10_000 });
    await page.screenshot({ path: screenshotPath(`migrate-drag-${vm}`) });
    await page.mouse.up();
  }

  it('shows the VMs the cluster reports and moves one by dragging it onto another node', async () => {
    const page = await browser.context.newPage();
    await page.goto(t.host.url);
    await page.getByTestId('vm-db').waitFor({ timeout: 30_000 });
    await page.getByTestId('vm-cache').waitFor();
    const onNode = (vm: string) => page.evaluate((name) => document.querySelector(`[data-testid="vm-${name}"]`)?.closest('g[data-node-id]')?.getAttribute('data-node-id'), vm);
    expect(await onNode('db')).toBe('a1');

    // A VM with a disk on local storage: the target is dimmed while held, with the reason on the
    // ghost, and the dialog says why it cannot go as it is.
    await dragVm(page, 'cache', 'a2', 'cw-drop-no');
    expect(await page.getByTestId('vm-drag-ghost').count()).toBe(0);
    await page.getByTestId('migration-reasons').waitFor();
    expect(await page.getByTestId('migration-verdict').textContent()).toBe('blocked');
    expect(await page.getByTestId('migration-reasons').textContent()).toMatch(/local-lvm: choose a target storage/);
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('migration-dialog').waitFor({ state: 'detached' });

    // A VM on shared storage moves live.
    await dragVm(page, 'db', 'a2');
    await page.getByTestId('migration-verdict').waitFor();
    expect(await page.getByTestId('migration-verdict').textContent()).toBe('allowed');
    await page.getByTestId('migration-confirm').click();
    await page.getByTestId('migration-result').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('migration-result').textContent()).toMatch(/db now runs on a2/);
    await page.getByRole('button', { name: 'Close' }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="vm-db"]')?.closest('g[data-node-id]')?.getAttribute('data-node-id') === 'a2', null, { timeout: 15_000 });
    expect(await onNode('db')).toBe('a2');
    // The move ran as a job: its steps and the cluster's task log are in the dock.
    await page.getByTestId('dock-jobs').click();
    await page.locator('[data-testid^="job-migrate-"]').first().waitFor();
    expect(await page.locator('[data-testid^="job-migrate-"]').first().textContent()).toMatch(/succeeded/);
    await page.screenshot({ path: screenshotPath('migrate-done') });
  }, 180_000);
});
