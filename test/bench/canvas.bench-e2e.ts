// Canvas benchmark in headless Chromium: 1,000 nodes / 3,000 links — time to a settled layout,
// first render, and the cost of each drag frame (p95). Prints a table; asserts nothing about speed.
import { afterAll, beforeAll, it } from 'vitest';
import path from 'node:path';
import { createServer, type ViteDevServer } from 'vite';
import react from '@vitejs/plugin-react';
import { launchBrowser } from '../support/browser.js';
import { benchFigure } from './results.js';

let server: ViteDevServer;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

beforeAll(async () => {
  server = await createServer({
    configFile: false,
    root: path.resolve('test/bench/canvas'),
    plugins: [react()],
    logLevel: 'error',
    server: { host: '127.0.0.1', port: 0, strictPort: false, fs: { allow: [path.resolve('.')] } },
  });
  await server.listen();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
};

it('canvas: 1,000 nodes / 3,000 links', async () => {
  const address = server.httpServer!.address() as { port: number };
  const page = await browser.context.newPage();
  const rows: [string, string, string][] = [];
  for (const [nodes, links] of [
    [100, 300],
    [1000, 3000],
  ] as const) {
    await page.goto(`http://127.0.0.1:${address.port}/?nodes=${nodes}&links=${links}`);
    await page.waitForFunction(() => (window as unknown as { benchResult?: unknown }).benchResult !== undefined, null, { timeout: 60_000 });
    await page.waitForFunction(() => document.querySelector('svg > g')?.getAttribute('transform'), null, { timeout: 30_000 });
    const result = (await page.evaluate(() => (window as unknown as { benchResult: unknown }).benchResult)) as { layoutMs: number; ticks: number; firstPaintMs: number };
    // Drag a node: measure the time each mousemove's handler takes (synchronously) and rAF intervals.
    // Drag a node whose card is on top at its centre (cards of a dense estate can overlap).
    const nodeId = await page.evaluate(() => {
      for (const g of document.querySelectorAll<SVGGElement>('g[data-node-id]')) {
        const r = g.getBoundingClientRect();
        const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        if (r.width > 4 && hit?.closest('g[data-node-id]') === g) return g.dataset.nodeId!;
      }
      return null;
    });
    if (!nodeId) throw new Error('no node card is visible');
    const card = page.locator(`g[data-node-id="${nodeId}"]`);
    const box = await card.boundingBox();
    if (!box) throw new Error(`${nodeId} is not visible`);
    await page.evaluate(() => {
      const w = window as unknown as { frames: number[] };
      w.frames = [];
      let last = performance.now();
      const loop = (t: number) => {
        w.frames.push(t - last);
        last = t;
        if (w.frames.length < 400) requestAnimationFrame(loop);
      };
      requestAnimationFrame(loop);
    });
    const before = await card.getAttribute('transform');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    const dragStart = Date.now();
    for (let i = 0; i < 120; i++) await page.mouse.move(box.x + box.width / 2 + i * 2, box.y + box.height / 2 + Math.sin(i / 8) * 30);
    await page.mouse.up();
    const dragMs = Date.now() - dragStart;
    if ((await card.getAttribute('transform')) === before) throw new Error(`the drag did not move ${nodeId}`);
    const measured = (await page.evaluate(() => {
      const w = window as unknown as { dragFrames: number[]; frames: number[] };
      return { handlerTimes: w.dragFrames, frames: w.frames.slice(2) };
    })) as { handlerTimes: number[]; frames: number[] };
    const label = `${nodes} nodes / ${links} links`;
    rows.push([label, 'layout settled (ms)', `${result.layoutMs.toFixed(0)} (${result.ticks} ticks; target < 1000)`]);
    rows.push([label, 'first render (ms)', result.firstPaintMs.toFixed(0)]);
    rows.push([label, 'drag: handler time per move p95 (ms)', `${percentile(measured.handlerTimes, 95).toFixed(2)} over ${measured.handlerTimes.length} moves (target < 16)`]);
    rows.push([label, 'drag: frame interval p95 (ms)', percentile(measured.frames, 95).toFixed(1)]);
    rows.push([label, 'drag: 120 moves wall (ms)', String(dragMs)]);
    benchFigure(`canvas, ${label}: layout settled`, result.layoutMs, 'ms', { below: 1000 }, `${result.ticks} ticks`);
    benchFigure(`canvas, ${label}: first render`, result.firstPaintMs, 'ms');
    benchFigure(`canvas, ${label}: drag handler time per move (p95)`, percentile(measured.handlerTimes, 95), 'ms', { below: 16 }, `over ${measured.handlerTimes.length} moves`);
    benchFigure(`canvas, ${label}: frame interval while dragging (p95)`, percentile(measured.frames, 95), 'ms');
  }
  console.log('\nCanvas benchmark (headless Chromium, 1280×800)\n');
  console.log('| estate | measure | value |\n|---|---|---|');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
});
