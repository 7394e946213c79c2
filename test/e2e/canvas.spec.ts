import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { startTestHost, type TestHost } from '../support/web-host.js';

const rendererDir = path.resolve('dist/renderer');
const fixture = path.resolve('test/fixtures/workspaces/example.yaml');
let t: TestHost;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
let workspaceFile: string;

beforeAll(async () => {
  t = await startTestHost({ staticDir: rendererDir });
  workspaceFile = path.join(t.core.options.workspaceDir, 'clusterwright.yaml');
  fs.copyFileSync(fixture, workspaceFile);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function waitSaved(page: Page) {
  await page.waitForFunction(() => document.querySelector('[data-testid="save-state"]')?.textContent === 'Saved', null, { timeout: 10_000 });
}

describe('topology canvas', () => {
  it('shows the sites, nodes and typed links of a workspace file, and edits go to the file with undo', async () => {
    const page = await browser.context.newPage();
    await page.goto(t.host.url);
    await page.getByTestId('topology-svg').waitFor();
    const text = fs.readFileSync(fixture, 'utf8');
    for (const site of ['home', 'office', 'cloud', 'dc-east', 'dc-west']) await page.getByTestId(`site-${site}`).waitFor({ state: 'attached' });
    for (const node of ['pve1', 'pve2', 'pve3', 'esx-witness']) await page.getByTestId(`node-${node}`).waitFor({ state: 'attached' });
    // homelab: 3 members × 2 corosync links = 6 links, link1 dashed.
    expect(await page.locator('line[data-role="corosync"]').count()).toBe(6);
    const dashed = await page.locator('line[data-role="corosync"]').evaluateAll((lines) => lines.filter((l) => l.getAttribute('stroke-dasharray')).length);
    expect(dashed).toBe(3);
    expect(await page.locator('line[data-role="vsan"]').count()).toBeGreaterThan(0);
    expect(await page.locator('line[data-role="witness"]').count()).toBeGreaterThan(0);
    expect(await page.getByTestId('nav-node-pve3').isVisible()).toBe(true);
    await page.waitForTimeout(300);
    await page.screenshot({ path: screenshotPath('canvas-example') });
    await page.getByRole('button', { name: /Switch to dark theme/ }).click();
    await page.getByRole('button', { name: /Switch to light theme/ }).waitFor();
    await page.screenshot({ path: screenshotPath('canvas-example-dark') });
    await page.getByRole('button', { name: /Switch to light theme/ }).click();

    // Select a node: the inspector shows its addresses.
    await page.getByTestId('node-pve3').click();
    await page.getByTestId('node-inspector').waitFor();
    expect(await page.getByTestId('node-addresses').textContent()).toContain('10.10.0.13');

    // Add a node from the inspector form: saved to the file, comments kept.
    await page.getByRole('button', { name: 'Add a node' }).click();
    await page.getByTestId('node-name').fill('pve4');
    await page.getByTestId('node-address-mgmt').fill('192.168.10.14');
    await page.getByTestId('add-node-submit').click();
    await page.getByTestId('node-pve4').waitFor({ state: 'attached' });
    await waitSaved(page);
    const saved = fs.readFileSync(workspaceFile, 'utf8');
    expect(saved).toContain('name: pve4');
    expect(saved).toContain('192.168.10.14');
    expect(saved).toContain('# Every key is documented here; the app keeps these comments when it saves.');
    expect(fs.existsSync(workspaceFile + '.bak') || fs.readdirSync(path.dirname(workspaceFile)).some((f) => f.includes('bak'))).toBe(true);

    // A broken edit is refused with a message and nothing is written.
    await page.getByRole('button', { name: 'Add a node' }).click();
    await page.getByTestId('node-name').fill('pve4');
    await page.getByTestId('add-node-submit').click();
    await page.getByTestId('form-error').waitFor();
    expect(await page.getByTestId('form-error').textContent()).toMatch(/pve4/);
    await page.getByRole('button', { name: 'Cancel' }).click();

    // Undo restores the file.
    await page.locator('body').click({ position: { x: 5, y: 400 } });
    await page.keyboard.press('Control+z');
    await page.getByTestId('node-pve4').waitFor({ state: 'detached' });
    await waitSaved(page);
    const restored = fs.readFileSync(workspaceFile, 'utf8');
    expect(restored).not.toContain('pve4');
    expect(restored).toBe(text);
  });

  it('removes sites and networks only when nothing uses them, and edits a cluster\'s corosync links', async () => {
    const page = await browser.context.newPage();
    await page.goto(t.host.url);
    await page.getByTestId('nav-site-home').waitFor();
    // A site with nodes cannot go: the reference check says which node still uses it.
    await page.getByTestId('nav-site-home').click();
    await page.getByTestId('remove-site').click();
    expect(await page.getByTestId('form-error').textContent()).toMatch(/home/);
    // Add a network, then remove it again.
    await page.getByRole('button', { name: 'Networks and corosync links' }).click();
    await page.getByTestId('add-network').click();
    await page.getByLabel('Network name').fill('backup');
    await page.getByRole('button', { name: 'Add network' }).click();
    await page.getByRole('button', { name: 'Remove network backup' }).waitFor();
    await waitSaved(page);
    expect(fs.readFileSync(workspaceFile, 'utf8')).toContain('name: backup');
    await page.getByRole('button', { name: 'Remove network backup' }).click();
    await page.getByRole('button', { name: 'Remove network backup' }).waitFor({ state: 'detached' });
    await waitSaved(page);
    expect(fs.readFileSync(workspaceFile, 'utf8')).not.toContain('name: backup');
    // A network a corosync link uses cannot go.
    await page.getByRole('button', { name: 'Remove network ring1' }).click();
    expect(await page.getByTestId('form-error').textContent()).toMatch(/ring1/);
    // Remove homelab's link1 and see the dashed corosync links leave the canvas.
    await page.getByRole('button', { name: 'Remove link1 of homelab' }).click();
    await waitSaved(page);
    expect(await page.locator('line[data-role="corosync"]').count()).toBe(3);
    expect(fs.readFileSync(workspaceFile, 'utf8')).not.toMatch(/link: 1, network: ring1/);
  });
});
