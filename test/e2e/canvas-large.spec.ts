import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { serializeWorkspace } from '../../main/common/workspace/serialize.js';
import type { Workspace } from '../../main/common/workspace/schema.js';
import type { Facts } from '../../main/common/workspace/facts.js';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { startTestHost, type TestHost } from '../support/web-host.js';

const NODES = 1000;
const LINKS = 3000;
const SITES = 20;
let t: TestHost;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

/** 1,000 nodes in 20 sites with 3,000 measured management links (deterministic). */
function largeWorkspace(): { workspace: Workspace; facts: Facts } {
  const workspace = {
    version: 1,
    name: 'Large estate',
    sites: Array.from({ length: SITES }, (_, i) => ({ name: `site-${i}`, kind: (['lan', 'man', 'wan', 'internet'] as const)[i % 4]! })),
    networks: [{ name: 'mgmt', roles: ['management'], cidr: '198.18.0.0/16' }],
    nodes: Array.from({ length: NODES }, (_, i) => ({ name: `node-${i}`, site: `site-${i % SITES}`, addresses: { mgmt: `198.18.${Math.floor(i / 250)}.${(i % 250) + 1}` } })),
  } as unknown as Workspace;
  const samples: NonNullable<Facts['latency']>['samples'] = [];
  const seen = new Set<string>();
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  while (samples.length < LINKS) {
    const a = Math.floor(rand() * NODES);
    const b = rand() < 0.8 ? (a + SITES * (1 + Math.floor(rand() * 4))) % NODES : Math.floor(rand() * NODES);
    const key = a < b ? `${a}-${b}` : `${b}-${a}`;
    if (a === b || seen.has(key)) continue;
    seen.add(key);
    const rtt = 0.2 + rand() * 3;
    samples.push({ network: 'mgmt', from: `node-${a}`, to: `node-${b}`, toAddress: '198.18.0.1', sent: 5, received: 5, lossPercent: 0, minMs: rtt, avgMs: rtt, maxMs: rtt, mdevMs: 0.05, measuredAt: new Date(0).toISOString() });
  }
  return { workspace, facts: { latency: { version: 1, measuredAt: new Date(0).toISOString(), runner: 'ssh', count: 5, intervalS: 0.2, samples } } };
}

beforeAll(async () => {
  t = await startTestHost({ staticDir: path.resolve('dist/renderer') });
  const { workspace, facts } = largeWorkspace();
  fs.writeFileSync(path.join(t.core.options.workspaceDir, 'clusterwright.yaml'), serializeWorkspace(workspace));
  fs.writeFileSync(path.join(t.core.options.workspaceDir, 'clusterwright.latency.json'), JSON.stringify(facts));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

describe('a large workspace on the canvas', () => {
  it('draws 1,000 nodes and 3,000 links and stays usable', async () => {
    const page = await browser.context.newPage();
    await page.goto(t.host.url);
    await page.getByTestId('topology-svg').waitFor({ timeout: 60_000 });
    await page.waitForFunction((n) => document.querySelectorAll('g[data-node-id]').length === n, NODES, { timeout: 60_000 });
    expect(await page.locator('line[data-link-id]').count()).toBe(LINKS);
    expect(await page.locator('g[data-site-id]').count()).toBe(SITES);
    // Still responsive: find a node by name and select it.
    const started = Date.now();
    await page.getByRole('button', { name: 'Find a node' }).click();
    await page.getByPlaceholder('Find a node').fill('node-777');
    await page.getByRole('option', { name: 'node-777' }).click();
    await page.getByTestId('node-inspector').waitFor();
    expect(await page.getByTestId('node-inspector').textContent()).toContain('node-777');
    const selectMs = Date.now() - started;
    console.log(`large canvas: search and select took ${selectMs} ms`);
    // Zoomed in on one node, most of the estate is out of view: the minimap shows it all, with the view on it.
    const minimap = page.getByTestId('minimap');
    await minimap.waitFor();
    const map = (await minimap.boundingBox())!;
    const view = (await page.getByTestId('minimap-viewport').boundingBox())!;
    expect(view.width).toBeGreaterThan(0);
    expect(view.width * view.height).toBeLessThan((map.width * map.height) / 4);
    // One latency label per site pair, not one per link (3,000 links among 20 sites).
    const labels = await page.locator('[data-site-pair]').count();
    expect(labels).toBeGreaterThan(0);
    expect(labels).toBeLessThanOrEqual((SITES * (SITES + 1)) / 2);
    await page.screenshot({ path: screenshotPath('canvas-large') });
    // A click on the minimap moves the view there; a drag keeps moving it.
    const transform = () => page.evaluate(() => document.querySelector('[data-testid="topology-svg"] > g')?.getAttribute('transform'));
    const before = await transform();
    await page.mouse.click(map.x + map.width - 6, map.y + map.height - 6);
    await page.waitForFunction((b) => document.querySelector('[data-testid="topology-svg"] > g')?.getAttribute('transform') !== b, before);
    const moved = (await page.getByTestId('minimap-viewport').boundingBox())!;
    expect(moved.x + moved.width / 2).toBeGreaterThan(view.x + view.width / 2);
    await page.mouse.move(map.x + 10, map.y + 10);
    await page.mouse.down();
    await page.mouse.move(map.x + map.width / 2, map.y + map.height / 2, { steps: 5 });
    await page.mouse.up();
    const dragged = (await page.getByTestId('minimap-viewport').boundingBox())!;
    expect(Math.abs(dragged.x + dragged.width / 2 - (map.x + map.width / 2))).toBeLessThan(4);
    // Zoomed out to the whole estate, the labels are too small to read and step aside; the minimap goes too.
    await page.keyboard.press('f');
    await page.waitForFunction(() => document.querySelector('[data-testid="topology-svg"]')?.classList.contains('cw-zoom-low'));
    expect(await page.locator('[data-site-pair]').first().isVisible()).toBe(false);
    await minimap.waitFor({ state: 'hidden' });
  });
});
