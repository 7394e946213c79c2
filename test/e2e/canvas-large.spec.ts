import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { parse } from 'yaml';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { startTestHost, type TestHost } from '../support/web-host.js';
import { LARGE, largeWorkspace, writeLargeWorkspace } from '../support/large-workspace.js';
import { describeLongTasks, longTasksOf, recordLongTasks } from '../support/long-tasks.js';

const NODES = LARGE.nodes;
const LINKS = LARGE.links;
const SITES = LARGE.sites;
let t: TestHost;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

beforeAll(async () => {
  t = await startTestHost({ staticDir: path.resolve('dist/renderer') });
  const { workspace, facts } = largeWorkspace();
  writeLargeWorkspace(t.core.options.workspaceDir, workspace, facts);
  browser = await launchBrowser();
  await recordLongTasks(browser.context);
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

type Answer = { id: number; positions: [string, number, number][] };

/**
 * Serves the layout worker with a wrapper that reports every answer to the page (BroadcastChannel
 * "cw-layout-test") and, with `hold`, keeps each answer back until the page releases it by id.
 */
async function watchLayoutWorker(page: Page, hold: boolean): Promise<void> {
  await page.route(/\/assets\/layout-worker-[^/]*\.js$/, async (route) => {
    const response = await route.fetch();
    const original = await response.text();
    const wrapper = `(() => {
      const post = self.postMessage.bind(self);
      const held = new Map();
      const channel = new BroadcastChannel('cw-layout-test');
      self.addEventListener('message', (event) => channel.postMessage({ kind: 'request', request: { id: event.data.id, nodes: event.data.graph.nodes.length, links: event.data.graph.links.length } }));
      self.postMessage = (answer) => {
        channel.postMessage({ kind: 'answer', answer });
        if (${hold}) held.set(answer.id, answer);
        else post(answer);
      };
      channel.onmessage = (event) => {
        if (event.data.kind !== 'release' || !held.has(event.data.id)) return;
        post(held.get(event.data.id));
        held.delete(event.data.id);
      };
    })();\n`;
    await route.fulfill({ response, body: wrapper + original });
  });
  await page.addInitScript(() => {
    const w = window as unknown as { cwLayoutAnswers: unknown[]; cwLayoutRequests: unknown[] };
    w.cwLayoutAnswers = [];
    w.cwLayoutRequests = [];
    new BroadcastChannel('cw-layout-test').onmessage = (event: MessageEvent<{ kind: string; answer?: unknown; request?: unknown }>) => {
      if (event.data.kind === 'answer') w.cwLayoutAnswers.push(event.data.answer);
      if (event.data.kind === 'request') w.cwLayoutRequests.push(event.data.request);
    };
  });
}

type Request = { id: number; nodes: number; links: number };
/** The id of the first layout request the worker received for an estate of this size. */
async function requestFor(page: Page, nodes: number, links: number): Promise<number> {
  const handle = await page.waitForFunction(
    ([nodes, links]) => (window as unknown as { cwLayoutRequests: Request[] }).cwLayoutRequests.find((r) => r.nodes === nodes && r.links === links)?.id,
    [nodes, links] as const,
    { timeout: 60_000 },
  );
  return (await handle.jsonValue()) as number;
}
/** The worker's answer to that request (kept back or not). */
async function answerTo(page: Page, id: number): Promise<Answer> {
  await page.waitForFunction((id) => (window as unknown as { cwLayoutAnswers: Answer[] }).cwLayoutAnswers.some((a) => a.id === id), id, { timeout: 60_000 });
  return (await answers(page)).find((a) => a.id === id)!;
}
const answers = (page: Page) => page.evaluate(() => (window as unknown as { cwLayoutAnswers: Answer[] }).cwLayoutAnswers);
const release = (page: Page, id: number) => page.evaluate((id) => new BroadcastChannel('cw-layout-test').postMessage({ kind: 'release', id }), id);
const layoutMark = (page: Page) => page.evaluate(() => {
  const svg = document.querySelector('[data-testid="topology-svg"]');
  return `${svg?.getAttribute('data-layout')}/${svg?.getAttribute('data-layout-by')}`;
});

/** Every card's position on the canvas, from its transform. */
async function cardPositions(page: Page): Promise<Map<string, { x: number; y: number }>> {
  const list = await page.evaluate(() =>
    [...document.querySelectorAll<SVGGElement>('g[data-node-id]')].map((g) => {
      const m = /^translate\(([-\d.e]+),([-\d.e]+)\)$/.exec(g.getAttribute('transform') ?? '');
      return [g.dataset.nodeId!, m ? Number(m[1]) : NaN, m ? Number(m[2]) : NaN] as const;
    }),
  );
  return new Map(list.map(([id, x, y]) => [id, { x, y }]));
}

/** Whether the canvas shows exactly the answer's positions, for every node. */
async function showsAnswer(page: Page, answer: Answer): Promise<boolean> {
  const shown = await cardPositions(page);
  return shown.size === answer.positions.length && answer.positions.every(([id, x, y]) => shown.get(id)?.x === x && shown.get(id)?.y === y);
}

describe('a large workspace on the canvas', () => {
  it('shows a provisional placement until the worker answers, and drops an answer for a workspace it has left', async () => {
    const page = await browser.context.newPage();
    await watchLayoutWorker(page, true);
    await page.goto(t.host.url);
    // The canvas draws every node at once in a provisional placement while the worker computes.
    await page.waitForFunction((n) => document.querySelectorAll('g[data-node-id]').length === n, NODES, { timeout: 60_000 });
    expect(await layoutMark(page)).toBe('provisional/main');
    // The layout of the whole estate (its links come with the measured facts) is computed and kept back.
    const first = await answerTo(page, await requestFor(page, NODES, LINKS));
    expect(await showsAnswer(page, first)).toBe(false);
    // The workspace changes before the answer arrives: a node is removed.
    await page.getByRole('button', { name: 'Find a node' }).click();
    await page.getByPlaceholder('Find a node').fill('node-3');
    await page.getByRole('option', { name: 'node-3', exact: true }).click();
    await page.getByRole('button', { name: 'Remove the selected node' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('g[data-node-id]').length === n, NODES - 1, { timeout: 60_000 });
    const removed = await requestFor(page, NODES - 1, (await page.locator('line[data-link-id]').count()));
    const second = await answerTo(page, removed);
    expect(second.id).toBeGreaterThan(first.id);
    expect(second.positions.length).toBe(NODES - 1);
    // The two answers place some remaining node differently, so which one the canvas took is visible.
    const secondAt = new Map(second.positions.map(([id, x, y]) => [id, `${x},${y}`]));
    expect(first.positions.some(([id, x, y]) => secondAt.has(id) && secondAt.get(id) !== `${x},${y}`)).toBe(true);
    // The stale answers arrive first: the canvas stays provisional and takes none of their positions.
    for (const stale of await answers(page)) if (stale.id < second.id) await release(page, stale.id);
    await page.waitForTimeout(700);
    expect(await layoutMark(page)).toBe('provisional/main');
    const provisional = await cardPositions(page);
    expect(first.positions.filter(([id, x, y]) => provisional.has(id) && (provisional.get(id)!.x !== x || provisional.get(id)!.y !== y)).length).toBeGreaterThan(0);
    // The current answer settles it.
    await release(page, second.id);
    await page.waitForFunction(() => document.querySelector('[data-testid="topology-svg"]')?.getAttribute('data-layout') === 'settled', null, { timeout: 30_000 });
    expect(await layoutMark(page)).toBe('settled/worker');
    expect(await showsAnswer(page, second)).toBe(true);
    // Undone, so the next test opens the whole estate again.
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('g[data-node-id]').length === n, NODES, { timeout: 60_000 });
    await page.waitForFunction(() => document.querySelector('[data-testid="save-state"]')?.textContent === 'Saved', null, { timeout: 20_000 });
    await page.close();
  });

  it('draws 1,000 nodes and 3,000 links and stays usable', async () => {
    const page = await browser.context.newPage();
    await watchLayoutWorker(page, false);
    const loading = Date.now();
    const worker = page.waitForEvent('worker', { timeout: 60_000 });
    await page.goto(t.host.url);
    await page.getByTestId('topology-svg').waitFor({ timeout: 60_000 });
    await page.waitForFunction((n) => document.querySelectorAll('g[data-node-id]').length === n, NODES, { timeout: 60_000 });
    // The layout comes from the worker (a file of the app's own, allowed by the CSP), and every node
    // gets the position it computed.
    expect((await worker).url()).toMatch(/\/assets\/layout-worker-[^/]*\.js$/);
    // The workspace comes first, its measured links with the facts: the canvas shows the answer for the estate with its links.
    const answer = await answerTo(page, await requestFor(page, NODES, LINKS));
    expect(answer.positions.length).toBe(NODES);
    await page.waitForFunction(() => document.querySelector('[data-testid="topology-svg"]')?.getAttribute('data-layout') === 'settled', null, { timeout: 60_000 });
    expect(await layoutMark(page)).toBe('settled/worker');
    await page.waitForFunction((n) => document.querySelectorAll('line[data-link-id]').length === n, LINKS, { timeout: 60_000 });
    const drawMs = Date.now() - loading;
    expect(await showsAnswer(page, answer)).toBe(true);
    const spots = new Set([...(await cardPositions(page)).values()].map((p) => `${p.x},${p.y}`));
    expect(spots.size, 'no two cards on the same spot').toBe(NODES);
    expect(await page.locator('line[data-link-id]').count()).toBe(LINKS);
    expect(await page.locator('g[data-site-id]').count()).toBe(SITES);
    // What ran on the main thread while loading (the figures against the target are npm run bench's).
    console.log(`large canvas load: ${describeLongTasks(await longTasksOf(page))}`);
    // Still responsive: find a node by name and select it.
    const started = Date.now();
    await page.getByRole('button', { name: 'Find a node' }).click();
    await page.getByPlaceholder('Find a node').fill('node-777');
    await page.getByRole('option', { name: 'node-777' }).click();
    await page.getByTestId('node-inspector').waitFor();
    expect(await page.getByTestId('node-inspector').textContent()).toContain('node-777');
    const selectMs = Date.now() - started;

    // Dragging a card after the layout has settled moves it, and the move is saved with the workspace.
    const card = page.getByTestId('node-node-777');
    const cardBefore = (await cardPositions(page)).get('node-777')!;
    const box = (await card.locator('rect').first().boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    for (let i = 1; i <= 10; i++) await page.mouse.move(box.x + box.width / 2 + i * 12, box.y + box.height / 2);
    await page.mouse.up();
    await page.waitForFunction(() => document.querySelector('[data-testid="save-state"]')?.textContent === 'Saved', null, { timeout: 20_000 });
    const cardAfter = (await cardPositions(page)).get('node-777')!;
    expect(cardAfter.x).toBeGreaterThan(cardBefore.x + 30);
    expect(Math.abs(cardAfter.y - cardBefore.y)).toBeLessThan(2);
    const saved = parse(fs.readFileSync(path.join(t.core.options.workspaceDir, 'clusterwright.yaml'), 'utf8')) as { layout?: { nodes?: Record<string, { x: number; y: number }> } };
    expect(saved.layout?.nodes?.['node-777']).toEqual({ x: Math.round(cardAfter.x), y: Math.round(cardAfter.y) });
    // Saved positions win: every node is now placed by the admin's layout.
    await page.waitForFunction(() => document.querySelector('[data-testid="topology-svg"]')?.getAttribute('data-layout-by') === 'saved');

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
