// The OpenStack wizard and drag-to-migrate in Chromium, against real Keystone, nova (two fake-driver computes
// per region) and glance started by this file on 127.0.0.1: the wizard generates the Kolla-Ansible files,
// registers both regions in the shared catalog through the engine and verifies a fresh token lists them; the
// canvas then shows nova's servers, dragging one onto the other compute node of its region live-migrates it
// (a plan run by the engine), and a drag into the other region offers the cold copy with its approval.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { serializeWorkspace } from '../../main/common/workspace/serialize.js';
import { MemorySecretStore } from '../../main/node/secrets/index.js';
import { startLabRegions, type LabRegions } from '../../main/node/stacks/openstack/lab/regions.js';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { describeLab } from '../support/lab.js';
import { openstackSkipReason } from '../support/openstack/lab.js';
import { regionsBaseWorkspace, twoRegions } from '../support/openstack/regions-core.js';
import { dragVm } from '../support/proxmox/browser-app.js';
import { startTestHost, type TestHost } from '../support/web-host.js';
import { generateKollaFiles } from '../support/openstack/kolla-files-step.js';

describeLab(
  'OpenStack regions in Chromium: the wizard builds the shared catalog, a drag live-migrates a server',
  () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-ui-ostk-'));
    const previousHome = process.env.CLUSTERWRIGHT_HOME;
    const secrets = new MemorySecretStore();
    let host: TestHost | undefined;
    let regions: LabRegions | undefined;
    let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
    const timings: string[] = [];

    beforeAll(async () => {
      process.env.CLUSTERWRIGHT_HOME = home;
      const t0 = Date.now();
      regions = await startLabRegions(twoRegions, { secrets, labName: 'cwuos', glance: true, liveMigrationSeconds: 2 });
      timings.push(`services up: ${Date.now() - t0} ms (${JSON.stringify(regions.lab.timings)})`);
      host = await startTestHost({ staticDir: path.resolve(process.env.CW_RENDERER_DIR ?? 'dist/renderer'), core: { nodeCommands: 'local', stackOptions: { openstack: { pollMs: 200 } }, ssh: { secrets, sshConfigFile: null } } });
      fs.mkdirSync(host.core.options.workspaceDir, { recursive: true });
      fs.writeFileSync(path.join(host.core.options.workspaceDir, 'clusterwright.yaml'), serializeWorkspace(regions.workspace(regionsBaseWorkspace(twoRegions))));
      browser = await launchBrowser();
    }, 300_000);
    afterAll(async () => {
      await browser?.close();
      await host?.close();
      await regions?.stop();
      console.log(`OpenStack in Chromium:\n  ${timings.join('\n  ')}`);
      fs.rmSync(home, { recursive: true, force: true });
      if (previousHome === undefined) delete process.env.CLUSTERWRIGHT_HOME;
      else process.env.CLUSTERWRIGHT_HOME = previousHome;
    }, 60_000);

    it('builds the catalog for two regions in the wizard, then live-migrates a server by dragging it', async () => {
      const page = await browser!.context.newPage();
      await page.goto(host!.host.url);
      await page.getByTestId('node-r1a').waitFor({ timeout: 30_000 });
      // Before the catalog holds the regions, nova's servers cannot be listed: no chip yet.
      expect(await page.getByTestId('vm-web').count()).toBe(0);

      const t0 = Date.now();
      await page.getByTestId('open-wizard').click();
      await page.getByTestId('new-cluster-openstack').click();
      await page.getByTestId('openstack-auth-url').waitFor();
      expect(await page.getByTestId('openstack-auth-url').inputValue()).toBe(regions!.lab.keystone.url);
      // The Kolla-Ansible files, as data, per region.
      await generateKollaFiles(page, { RegionOne: '10.10.1.254', RegionTwo: '10.10.2.254' });
      const issues = page.getByTestId('openstack-kolla-issues');
      expect((await issues.count()) ? await issues.textContent() : '').toBe('');
      const globals = await page.getByTestId('openstack-globals-RegionOne').textContent();
      expect(globals).toContain('openstack_region_name: !unsafe "RegionOne"');
      expect(globals).toContain('enable_keystone: "yes"');
      expect(globals).toMatch(/multiple_regions_names:\s*- !unsafe "RegionOne"\s*- !unsafe "RegionTwo"/);
      expect(await page.getByTestId('openstack-wan').first().textContent()).toMatch(/Every token validation of RegionTwo crosses this WAN to Keystone in RegionOne/);
      await page.screenshot({ path: screenshotPath('openstack-kolla') });

      // The catalog: a plan previewed, run by the engine, verified with a fresh token.
      await page.getByTestId('openstack-plan-catalog').click();
      await page.getByTestId('openstack-register').waitFor();
      await page.getByTestId('openstack-register').click();
      await page.getByTestId('openstack-catalog-result').waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('openstack-catalog-result').textContent()).toMatch(/Registered/);
      await page.getByTestId('openstack-verify').click();
      await page.getByTestId('openstack-catalog-regions').waitFor({ timeout: 30_000 });
      expect(await page.getByTestId('openstack-catalog-regions').textContent()).toContain('lists RegionOne, RegionTwo.');
      expect(await page.getByTestId('openstack-region-status-RegionTwo').textContent()).toMatch(/r2a up\/enabled, r2b up\/enabled/);
      timings.push(`wizard, Kolla files to a verified catalog: ${Date.now() - t0} ms`);
      await page.screenshot({ path: screenshotPath('openstack-catalog') });
      await page.getByRole('button', { name: 'Done' }).click();
      await page.getByTestId('openstack-auth-url').waitFor({ state: 'hidden' });

      // nova's servers on the canvas, on the nodes nova runs them on.
      await page.getByTestId('vm-web').waitFor({ timeout: 30_000 });
      const onNode = (vm: string) => page.evaluate((name) => document.querySelector(`[data-testid="vm-${name}"]`)?.closest('g[data-node-id]')?.getAttribute('data-node-id'), vm);
      expect(await onNode('web')).toBe('r1a');
      expect(await onNode('cache')).toBe('r2a');

      // Job notifications close by themselves (8 s); until then they may cover a node in the bottom-right corner.
      const noticesGone = () => page.locator('[data-testid^="job-notification-"]').first().waitFor({ state: 'detached', timeout: 20_000 });
      await noticesGone();

      // Inside the region: a live migration, run as a job.
      const t1 = Date.now();
      await dragVm(page, 'web', 'r1b');
      await page.getByTestId('migration-verdict').waitFor();
      expect(await page.getByTestId('migration-verdict').textContent()).toBe('allowed');
      expect(await page.getByTestId('openstack-move-kind').textContent()).toMatch(/live migration inside region RegionOne: r1a → r1b/);
      await page.getByTestId('migration-confirm').click();
      await page.getByTestId('migration-result').waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('migration-result').textContent()).toMatch(/web now runs on r1b/);
      timings.push(`drag → live migration done: ${Date.now() - t1} ms`);
      await page.getByRole('button', { name: 'Close' }).click();
      await page.waitForFunction(() => document.querySelector('[data-testid="vm-web"]')?.closest('g[data-node-id]')?.getAttribute('data-node-id') === 'r1b', null, { timeout: 15_000 });
      const server = (await host!.core.call('inventory.list', {})).vms.find((v) => v.name === 'web')!;
      expect(server.node).toBe('r1b');
      await page.getByTestId('dock-jobs').click();
      // The job's id is its run's: date, time, the plan's id (migrate-web-…), a random tail.
      const moveJob = page.locator('[data-testid^="job-"][data-testid*="-migrate-web-"]').first();
      await moveJob.waitFor();
      expect(await moveJob.textContent()).toMatch(/succeeded/);
      await page.screenshot({ path: screenshotPath('openstack-live-migrated') });

      // Into the other region: the cold copy, labelled as such, its deletion of the original approved by name.
      await noticesGone();
      await dragVm(page, 'db', 'r2b');
      await page.getByTestId('openstack-cold-copy').waitFor();
      expect(await page.getByRole('dialog').textContent()).toContain('Cross-region move (cold copy)');
      expect(await page.getByTestId('openstack-cold-copy').textContent()).toMatch(/Cold copy into region RegionTwo/);
      await page.getByTestId('migration-delete-source').click();
      await page.getByTestId('migration-confirm-delete').waitFor();
      expect(await page.getByTestId('migration-confirm').isDisabled()).toBe(true);
      await page.getByTestId('migration-confirm-delete').fill('db');
      expect(await page.getByTestId('migration-confirm').isDisabled()).toBe(false);
      await page.screenshot({ path: screenshotPath('openstack-cold-copy') });
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.getByTestId('migration-dialog').waitFor({ state: 'detached' });
      // Nothing ran: db is still in RegionOne.
      expect((await host!.core.call('inventory.list', {})).vms.find((v) => v.name === 'db')?.cluster).toBe('RegionOne');
    }, 240_000);
  },
  { unless: () => openstackSkipReason },
);
