import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { serializeWorkspace } from '../../main/common/workspace/serialize.js';
import type { Workspace } from '../../main/common/workspace/schema.js';
import { estateOf, type Facts } from '../../main/common/workspace/facts.js';
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
    const toAddress = workspace.nodes[b]!.addresses.mgmt!;
    samples.push({ network: 'mgmt', from: `node-${a}`, to: `node-${b}`, toAddress, sent: 5, received: 5, lossPercent: 0, minMs: rtt, avgMs: rtt, medianMs: rtt, p95Ms: rtt, maxMs: rtt, mdevMs: 0.05, measuredAt: new Date(0).toISOString() });
  }
  // Measured on this estate (facts of another one would be set aside, and the canvas would draw no figure).
  return { workspace, facts: { latency: { version: 1, measuredAt: new Date(0).toISOString(), runner: 'ssh', count: 5, warmupProbes: 1, intervalS: 0.2, samples, estate: estateOf(workspace) } } };
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
    const loading = Date.now();
    await page.goto(t.host.url);
    await page.getByTestId('topology-svg').waitFor({ timeout: 60_000 });
    await page.waitForFunction((n) => document.querySelectorAll('g[data-node-id]').length === n, NODES, { timeout: 60_000 });
    const drawMs = Date.now() - loading;
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

    // Panning and zooming: the page keeps painting frames while the canvas is dragged and wheeled.
    const svg = await page.getByTestId('topology-svg').boundingBox();
    expect(svg).not.toBeNull();
    const cx = svg!.x + svg!.width / 2;
    const cy = svg!.y + svg!.height / 2;
    await page.evaluate(() => {
      const w = window as unknown as { cwFrames: number[]; cwFramesOn: boolean };
      w.cwFrames = [];
      w.cwFramesOn = true;
      const tick = (t: number) => {
        w.cwFrames.push(t);
        if (w.cwFramesOn) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    });
    const panning = Date.now();
    await page.mouse.move(cx, cy);
    await page.mouse.down();
    for (let i = 1; i <= 20; i++) await page.mouse.move(cx + i * 8, cy + i * 4);
    await page.mouse.up();
    for (let i = 0; i < 10; i++) await page.mouse.wheel(0, i % 2 ? 120 : -120);
    const frames = await page.evaluate(async () => {
      const w = window as unknown as { cwFrames: number[]; cwFramesOn: boolean };
      await new Promise((r) => requestAnimationFrame(r));
      w.cwFramesOn = false;
      return w.cwFrames;
    });
    const panMs = Date.now() - panning;
    const longestFrameMs = Math.max(...frames.slice(1).map((t, i) => t - frames[i]!));
    console.log(`large canvas: drawn in ${drawMs} ms, search and select took ${selectMs} ms, pan and zoom ${panMs} ms (${frames.length} frames, longest ${Math.round(longestFrameMs)} ms)`);
    // "Usable", as bounds a regression breaks — generous on purpose (the speed targets are npm run bench's):
    // seen here on a loaded 2-core machine: drawn in 4–11 s, search and select ≈2 s, pan and zoom
    // ≈7 s with no frame longer than ≈1.6 s.
    expect(drawMs, 'first draw of 1,000 nodes and 3,000 links').toBeLessThan(30_000);
    expect(selectMs, 'find a node and select it').toBeLessThan(8_000);
    expect(panMs, 'a drag and ten wheel steps').toBeLessThan(30_000);
    expect(longestFrameMs, 'longest frame while panning and zooming').toBeLessThan(5_000);
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
