// Drag-to-migrate in Chromium against a Proxmox cluster on the lab (test servers validated against
// the official schema, real corosync underneath): the canvas shows the VMs the cluster reports,
// dragging one onto another node opens the precheck dialog, confirming moves it, the canvas updates.
import { expect, it } from 'vitest';
import { screenshotPath } from '../support/browser.js';
import { describeLab, useLab } from '../support/lab.js';
import { dragVm, useProxmoxBrowserApp } from '../support/proxmox/browser-app.js';
import { pveInventoryLabSpec, startPveInventoryLab } from '../support/proxmox/inventory-lab.js';

describeLab('drag-to-migrate on the canvas (Proxmox test cluster on the lab)', () => {
  const handle = useLab(pveInventoryLabSpec, 'cwum');
  const app = useProxmoxBrowserApp('Drag-to-migrate in Chromium', async (core) => {
    const pveLab = await startPveInventoryLab(handle.lab, { migrationTimeScale: 0.05 });
    const { id } = await core.call('secrets.put', { label: 'root@pam on the test cluster', kind: 'password', value: pveLab.passwordSecretValue });
    return { workspaceText: pveLab.workspaceText(id), stop: () => pveLab.stop() };
  });

  it('shows the VMs the cluster reports and moves one by dragging it onto another node', async () => {
    const page = await app.browser.context.newPage();
    await page.goto(app.host.host.url);
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
    // Its 256 MiB of memory read as such, not rounded to "0 GiB" or "1 GiB".
    expect(await page.getByRole('dialog').textContent()).toContain('256 MiB memory');
    // Choosing a target storage asks the cluster again: Move is enabled only once the verdict says "allowed".
    expect(await page.getByTestId('migration-confirm').isDisabled()).toBe(true);
    await page.getByTestId('migration-target-storage').click();
    await page.getByRole('option', { name: 'local-lvm', exact: true }).click();
    await page.waitForFunction(() => document.querySelector('[data-testid="migration-verdict"]')?.textContent === 'allowed', null, { timeout: 15_000 });
    expect(await page.getByTestId('migration-confirm').isDisabled()).toBe(false);
    // Every label the verdict shows from here on, to see "moving…" while the move runs, however short it is.
    await page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { cwVerdicts: string[] }).cwVerdicts = seen;
      const badge = document.querySelector('[data-testid="migration-verdict"]')!;
      new MutationObserver(() => seen.push(badge.textContent ?? '')).observe(badge, { childList: true, characterData: true, subtree: true });
    });
    await page.getByTestId('migration-confirm').click();
    await page.getByTestId('migration-result').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('migration-result').textContent()).toMatch(/cache now runs on a2/);
    const verdicts = await page.evaluate(() => (window as unknown as { cwVerdicts: string[] }).cwVerdicts);
    expect(verdicts).toContain('moving…');
    expect(verdicts).not.toContain('blocked');
    expect(verdicts.at(-1)).toBe('moved');
    await page.getByRole('button', { name: 'Close' }).click();
    await page.getByTestId('migration-dialog').waitFor({ state: 'detached' });
    await page.waitForFunction(() => document.querySelector('[data-testid="vm-cache"]')?.closest('g[data-node-id]')?.getAttribute('data-node-id') === 'a2', null, { timeout: 15_000 });

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
    await page.locator('[data-testid^="job-"][data-testid*="-migrate-"]').first().waitFor();
    expect(await page.locator('[data-testid^="job-"][data-testid*="-migrate-"]').first().textContent()).toMatch(/succeeded/);
    await page.screenshot({ path: screenshotPath('migrate-done') });
  }, 180_000);
});
