import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { startTestHost, type TestHost } from '../support/web-host.js';

const rendererDir = path.resolve('dist/renderer');
let t: TestHost;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

beforeAll(async () => {
  if (!fs.existsSync(path.join(rendererDir, 'index.html'))) throw new Error('Build the renderer first (npm run build).');
  t = await startTestHost({ staticDir: rendererDir });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('the app shell in web mode', () => {
  it('loads with the token, drops it from the URL, and shows app.info from the real backend', async () => {
    const page = await browser.context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(t.host.url);
    expect(page.url()).not.toContain('tkn=');
    await page.getByTestId('app-info').waitFor();
    const info = await t.core.call('app.info', {});
    expect(await page.getByTestId('app-info-version').textContent()).toBe(info.version);
    expect(await page.getByTestId('app-info-host').textContent()).toContain('Web mode');
    expect(await page.getByTestId('app-info-workspace').textContent()).toBe(t.core.options.workspaceDir);
    await expect(page.getByRole('navigation', { name: 'Sites and hosts' }).isVisible()).resolves.toBe(true);
    await expect(page.getByRole('region', { name: 'Topology canvas' }).isVisible()).resolves.toBe(true);
    await page.screenshot({ path: screenshotPath('app-shell-light') });
    await page.getByRole('button', { name: /Switch to dark theme/ }).click();
    await page.getByRole('button', { name: /Switch to light theme/ }).waitFor();
    await page.screenshot({ path: screenshotPath('app-shell-dark') });
    expect(consoleErrors).toEqual([]);
  });

  it('a page without the token cookie gets no app and no backend', async () => {
    const fresh = await launchBrowser();
    try {
      const page = await fresh.context.newPage();
      const response = await page.goto(`http://127.0.0.1:${t.host.port}/`);
      expect(response?.status()).toBe(401);
    } finally {
      await fresh.close();
    }
  });
});
