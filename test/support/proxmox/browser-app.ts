// The app (real web host and core, nodes reached locally) and Chromium for a drag-to-migrate test on Proxmox
// test clusters: `prepare` starts the clusters, stores their secrets in the core and returns the workspace.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import type { Core } from '../../../main/node/core.js';
import { MemorySecretStore } from '../../../main/node/secrets/index.js';
import { launchBrowser, screenshotPath } from '../browser.js';
import { startTestHost, type TestHost } from '../web-host.js';
import { coreSchema, reportCoreSchema } from './core-schema.js';

export interface ProxmoxBrowserApp {
  readonly host: TestHost;
  readonly browser: Awaited<ReturnType<typeof launchBrowser>>;
}

export function useProxmoxBrowserApp(suite: string, prepare: (core: Core) => Promise<{ workspaceText: string; stop(): Promise<void> }>): ProxmoxBrowserApp {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-ui-pve-'));
  const previousHome = process.env.CLUSTERWRIGHT_HOME;
  const schema = coreSchema();
  let host: TestHost | undefined;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  let stop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    process.env.CLUSTERWRIGHT_HOME = home;
    host = await startTestHost({
      staticDir: path.resolve(process.env.CW_RENDERER_DIR ?? 'dist/renderer'),
      core: { nodeCommands: 'local', stackOptions: { proxmox: { schema: schema } }, ssh: { secrets: new MemorySecretStore(), sshConfigFile: null } },
    });
    const prepared = await prepare(host.core);
    stop = prepared.stop;
    fs.writeFileSync(path.join(host.core.options.workspaceDir, 'clusterwright.yaml'), prepared.workspaceText);
    browser = await launchBrowser();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await host?.close();
    reportCoreSchema(suite, schema);
    await stop?.();
    fs.rmSync(home, { recursive: true, force: true });
    if (previousHome === undefined) delete process.env.CLUSTERWRIGHT_HOME;
    else process.env.CLUSTERWRIGHT_HOME = previousHome;
  }, 60_000);

  return {
    get host(): TestHost {
      if (!host) throw new Error('The app is not up (its beforeAll failed).');
      return host;
    },
    get browser() {
      if (!browser) throw new Error('Chromium is not up (its beforeAll failed).');
      return browser;
    },
  };
}

/** Holds a VM chip over a node until the precheck has lit (cw-drop-ok) or dimmed (cw-drop-no) it, then drops it. */
export async function dragVm(page: Page, vm: string, to: string, expected: 'cw-drop-ok' | 'cw-drop-no' = 'cw-drop-ok'): Promise<void> {
  const chip = (await page.getByTestId(`vm-${vm}`).boundingBox())!;
  const target = (await page.getByTestId(`node-${to}`).boundingBox())!;
  await page.mouse.move(chip.x + chip.width / 2, chip.y + chip.height / 2);
  await page.mouse.down();
  await page.mouse.move(chip.x + 30, chip.y + 10, { steps: 4 });
  await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 8 });
  await page.waitForFunction(([node, cls]) => document.querySelector(`g[data-node-id="${node}"]`)?.classList.contains(cls!), [to, expected] as const, { timeout: 10_000 });
  await page.screenshot({ path: screenshotPath(`migrate-drag-${vm}`) });
  await page.mouse.up();
}
