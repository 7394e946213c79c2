// The canvas's finish on the example workspace with measured latency: icon buttons with names and
// tooltips, one latency label per site pair (expandable, hidden at low zoom), zoom to selection, the
// keyboard-shortcut sheet, and the terminal dock on Ctrl+`. Screenshots in light and dark.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { estateOf } from '../../main/common/workspace/facts.js';
import { parseWorkspace } from '../../main/common/workspace/parse.js';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { startTestHost, type TestHost } from '../support/web-host.js';

const fixture = path.resolve('test/fixtures/workspaces/example.yaml');
/** The example's estate as a measurement records it, and where each node answers on a network. */
function exampleEstate() {
  const parsed = parseWorkspace(fs.readFileSync(fixture, 'utf8'));
  if (!parsed.workspace) throw new Error('the example workspace does not parse');
  return estateOf(parsed.workspace);
}
const addressOf = (node: string, network: string) => exampleEstate().nodes[node]?.addresses[network] ?? '';
let t: TestHost;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

/** Measured figures for the example: corosync between home and office, vSAN data, the witness in the cloud. */
function exampleFacts() {
  const measuredAt = new Date().toISOString();
  const samples: object[] = [];
  const add = (network: string, a: string, b: string, avgMs: number) => {
    for (const [from, to] of [[a, b], [b, a]] as const) samples.push({ network, from, to, toAddress: addressOf(to, network), sent: 10, received: 10, lossPercent: 0, minMs: avgMs * 0.9, avgMs, medianMs: avgMs, maxMs: avgMs * 1.2, mdevMs: 0.2, measuredAt });
  };
  add('ring0', 'pve1', 'pve2', 0.3);
  add('ring0', 'pve1', 'pve3', 3.4);
  add('ring0', 'pve2', 'pve3', 3.6);
  add('ring1', 'pve1', 'pve2', 0.4);
  add('ring1', 'pve1', 'pve3', 3.5);
  add('ring1', 'pve2', 'pve3', 6.2);
  add('vsan-data', 'esx-a1', 'esx-b1', 3.3);
  add('witness-net', 'esx-a1', 'esx-witness', 40);
  add('witness-net', 'esx-b1', 'esx-witness', 42);
  // Measured on this estate (figures of another one are set aside).
  return { latency: { version: 1, measuredAt, runner: 'ssh', count: 10, intervalS: 0.2, samples, estate: exampleEstate() } };
}

beforeAll(async () => {
  t = await startTestHost({ staticDir: path.resolve('dist/renderer') });
  fs.copyFileSync(fixture, path.join(t.core.options.workspaceDir, 'clusterwright.yaml'));
  fs.writeFileSync(path.join(t.core.options.workspaceDir, 'clusterwright.latency.json'), JSON.stringify(exampleFacts()));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

async function open(): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(t.host.url);
  await page.getByTestId('node-pve3').waitFor({ state: 'attached' });
  await page.waitForFunction(() => document.querySelector('g[data-node-id]')?.closest('svg > g')?.getAttribute('transform'));
  return page;
}

const viewportTransform = (page: Page) => page.evaluate(() => document.querySelector('[data-testid="topology-svg"] > g')?.getAttribute('transform') ?? '');

describe('the canvas finish', () => {
  it('has icon buttons with accessible names and tooltips, not glyphs', async () => {
    const page = await open();
    const toolbar = page.getByRole('toolbar', { name: 'Canvas tools' });
    const buttons = await toolbar.getByRole('button').all();
    expect(buttons.length).toBeGreaterThanOrEqual(9);
    for (const button of buttons) {
      const name = await button.getAttribute('aria-label');
      expect(name, 'every toolbar button has a name').toBeTruthy();
      expect((await button.textContent())?.trim(), `${name} shows an icon, not a glyph`).toBe('');
      expect(await button.locator('svg.tabler-icon').count(), `${name} has an icon`).toBe(1);
    }
    for (const name of ['Zoom to fit', 'Zoom to selection', 'Undo', 'Redo', 'Add a site', 'Networks and corosync links', 'Add a node', 'Remove the selected node', 'Find a node']) {
      await toolbar.getByRole('button', { name, exact: true }).waitFor();
    }
    // The header's icon buttons and the navbar's node menus too.
    for (const name of ['Keyboard shortcuts', /Switch to (dark|light) theme/, 'Actions for pve1']) {
      const button = page.getByRole('button', { name }).first();
      expect((await button.textContent())?.trim()).toBe('');
      expect(await button.locator('svg.tabler-icon').count()).toBe(1);
    }
    // A tooltip names the button and its shortcut; a disabled one says why.
    await toolbar.getByRole('button', { name: 'Zoom to fit' }).hover();
    await page.getByRole('tooltip', { name: 'Zoom to fit (F)' }).waitFor();
    await toolbar.getByRole('button', { name: 'Zoom to selection' }).hover();
    await page.getByRole('tooltip', { name: /Zoom to selection \(Shift\+F\) — select a node or a site first/ }).waitFor();
    await page.close();
  });

  it('shows one latency label per site pair, with the worst figure, expandable to per-network figures and hidden at low zoom', async () => {
    const page = await open();
    await page.locator('[data-site-pair]').first().waitFor();
    // Every label on the canvas is a site pair's: home–home, home–office, cloud–home, cloud–office.
    const labels = await page.locator('g.cw-link-labels > g:not([data-site-pair-figures])').evaluateAll((gs) => gs.map((g) => g.getAttribute('data-site-pair')));
    expect(labels.sort()).toEqual(['cloud|home', 'cloud|office', 'home|home', 'home|office']);
    // home–office carries five measured links; its label shows the worst (ring1 pve2–pve3, 6.2 ms).
    const homeOffice = page.locator('[data-site-pair="home|office"]');
    expect(await homeOffice.textContent()).toBe('6.2 ms ±0.2, 0 % loss · worst of 5');
    // No two labels overlap.
    const boxes = await page.locator('[data-site-pair] rect').evaluateAll((rects) => rects.map((r) => r.getBoundingClientRect()).map((b) => ({ x: b.x, y: b.y, w: b.width, h: b.height })));
    for (let i = 0; i < boxes.length; i++) {
      for (let j = i + 1; j < boxes.length; j++) {
        const [a, b] = [boxes[i]!, boxes[j]!];
        expect(a.x + a.w <= b.x || b.x + b.w <= a.x || a.y + a.h <= b.y || b.y + b.h <= a.y, `labels ${i} and ${j} overlap`).toBe(true);
      }
    }
    // Hover shows the figures per network; a click keeps them open.
    await homeOffice.hover();
    const figures = page.locator('[data-site-pair-figures="home|office"]');
    await figures.waitFor();
    expect(await figures.locator('[data-network-figure]').count()).toBe(3);
    expect(await figures.textContent()).toMatch(/ring1 · Corosync link1: 6\.2 ms.*worst of 2: pve2 – pve3/);
    expect(await figures.textContent()).toMatch(/vsan-data · vSAN data: 3\.3 ms/);
    await homeOffice.click();
    await page.mouse.move(5, 400);
    expect(await figures.isVisible()).toBe(true);
    expect(await homeOffice.getAttribute('aria-expanded')).toBe('true');
    await page.waitForTimeout(300);
    await page.screenshot({ path: screenshotPath('canvas-site-pair-labels') });
    await homeOffice.click();
    await page.mouse.move(5, 400);
    await figures.waitFor({ state: 'detached' });
    // Zoomed far out, the labels step aside.
    const svg = page.getByTestId('topology-svg');
    const box = (await svg.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    for (let i = 0; i < 8; i++) await page.mouse.wheel(0, 400);
    await page.waitForFunction(() => document.querySelector('[data-testid="topology-svg"]')?.classList.contains('cw-zoom-low'));
    expect(await homeOffice.isVisible()).toBe(false);
    await page.keyboard.press('f');
    await page.waitForFunction(() => !document.querySelector('[data-testid="topology-svg"]')?.classList.contains('cw-zoom-low'));
    expect(await homeOffice.isVisible()).toBe(true);
    await page.close();
  });

  it('zooms to the selection from the toolbar and with Shift+F, and shows the node in the canvas from the navbar', async () => {
    const page = await open();
    await page.keyboard.press('f');
    await page.waitForTimeout(100);
    const fitted = await viewportTransform(page);
    await page.getByTestId('node-esx-witness').click();
    await page.locator('body').click({ position: { x: 5, y: 400 } });
    await page.keyboard.press('Shift+F');
    await page.waitForFunction((before) => document.querySelector('[data-testid="topology-svg"] > g')?.getAttribute('transform') !== before, fitted);
    const centred = async (node: string) => {
      const svg = (await page.getByTestId('topology-svg').boundingBox())!;
      const card = (await page.getByTestId(`node-${node}`).locator('rect').first().boundingBox())!;
      return Math.abs(card.x + card.width / 2 - (svg.x + svg.width / 2)) < 4 && Math.abs(card.y + card.height / 2 - (svg.y + svg.height / 2)) < 4;
    };
    await expect.poll(() => centred('esx-witness'), { timeout: 5_000 }).toBe(true);
    await page.keyboard.press('f');
    await page.getByTestId('nav-site-dc-east').click();
    await page.getByRole('toolbar', { name: 'Canvas tools' }).getByRole('button', { name: 'Zoom to selection' }).click();
    const inView = async (n: string) => {
      const svg = (await page.getByTestId('topology-svg').boundingBox())!;
      const card = (await page.getByTestId(`node-${n}`).locator('rect').first().boundingBox())!;
      return card.x >= svg.x && card.x + card.width <= svg.x + svg.width && card.y >= svg.y && card.y + card.height <= svg.y + svg.height;
    };
    for (const n of ['os-ctl-east', 'os-cmp-east1', 'os-cmp-east2']) await expect.poll(() => inView(n), { message: `${n} in view`, timeout: 5_000 }).toBe(true);
    // Navbar ⋯ → Show in canvas brings the node to the middle.
    await page.keyboard.press('f');
    await page.getByRole('button', { name: 'Actions for pve3' }).click();
    await page.getByRole('menuitem', { name: 'Show in canvas' }).click();
    await expect.poll(() => centred('pve3'), { timeout: 5_000 }).toBe(true);
    await page.close();
  });

  it('lists the bound shortcuts on ?, toggles the terminal dock with Ctrl+`, in light and dark', async () => {
    const page = await open();
    await page.locator('body').click({ position: { x: 5, y: 400 } });
    await page.keyboard.press('?');
    const sheet = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
    await sheet.waitFor();
    const rows = await sheet.locator('[data-shortcut]').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-shortcut'), tr.textContent]));
    expect(rows.map((r) => r[0])).toEqual(['search', 'dock', 'help', 'undo', 'redo', 'fit', 'zoomSelection', 'delete', 'escape']);
    const text = Object.fromEntries(rows) as Record<string, string>;
    expect(text.search).toMatch(/^CtrlK/);
    expect(text.dock).toMatch(/^Ctrl`/);
    expect(text.redo).toMatch(/^CtrlShiftZorCtrlY/);
    expect(text.zoomSelection).toMatch(/^ShiftF/);
    expect(text.escape).toMatch(/^Esc/);
    await page.waitForTimeout(250);
    await page.screenshot({ path: screenshotPath('shortcut-sheet') });
    await page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'detached' });
    // The header button opens it too; in dark.
    await page.getByRole('button', { name: /Switch to dark theme/ }).click();
    await page.getByRole('button', { name: 'Keyboard shortcuts' }).click();
    await sheet.waitFor();
    await page.waitForTimeout(250);
    await page.screenshot({ path: screenshotPath('shortcut-sheet-dark') });
    await page.keyboard.press('Escape');
    await sheet.waitFor({ state: 'detached' });
    await page.getByTestId('node-pve3').click();
    await page.locator('[data-site-pair="home|office"]').click();
    await page.locator('body').click({ position: { x: 5, y: 400 } });
    await page.waitForTimeout(300);
    await page.screenshot({ path: screenshotPath('canvas-finish-dark') });
    await page.getByRole('button', { name: /Switch to light theme/ }).click();
    await page.waitForTimeout(300);
    await page.screenshot({ path: screenshotPath('canvas-finish') });
    // Ctrl+` hides and shows the dock.
    const dock = page.getByRole('region', { name: 'Terminal and job dock' });
    expect(await dock.isVisible()).toBe(true);
    await page.keyboard.press('Control+Backquote');
    await dock.waitFor({ state: 'detached' });
    await page.keyboard.press('Control+Backquote');
    await dock.waitFor();
    await page.close();
  });
});
