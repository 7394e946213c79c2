// The canvas's load on the main thread, in the real app (web host, built renderer, headless Chromium):
// a workspace of 1,000 nodes / 3,000 links is opened five times in a fresh page; each load's longest
// main-thread task (PerformanceObserver "longtask") from the first byte until the layout has settled
// and the page has been quiet for a while. Prints every load's long tasks and what ran in them;
// asserts nothing about speed.
import { afterAll, beforeAll, it } from 'vitest';
import path from 'node:path';
import { launchBrowser } from '../support/browser.js';
import { startTestHost, type TestHost } from '../support/web-host.js';
import { LARGE, largeWorkspace, writeLargeWorkspace } from '../support/large-workspace.js';
import { describeLongTasks, longTasksOf, recordLongTasks } from '../support/long-tasks.js';
import { benchFigure, median } from './results.js';

const LOADS = Number(process.env.CW_BENCH_ROUNDS ?? 5);
/** After the layout has settled, the page must stay quiet this long for the load to count as done. */
const QUIET_MS = 2_000;
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

it(`canvas ${LARGE.nodes} nodes / ${LARGE.links} links: main-thread tasks on load`, async () => {
  const longest: number[] = [];
  const counts: number[] = [];
  for (let load = 1; load <= LOADS; load++) {
    const page = await browser.context.newPage();
    await page.goto(t.host.url);
    await page.waitForFunction((n) => document.querySelectorAll('g[data-node-id]').length === n, LARGE.nodes, { timeout: 120_000, polling: 200 });
    // The layout has arrived (an older renderer has no such mark: its layout was there with the nodes).
    await page.waitForFunction(() => (document.querySelector('[data-testid="topology-svg"]')?.getAttribute('data-layout') ?? 'settled') === 'settled', null, { timeout: 120_000, polling: 200 });
    await page.waitForTimeout(QUIET_MS);
    const recorded = await longTasksOf(page);
    await page.close();
    const max = Math.max(0, ...recorded.tasks.map((task) => task.durationMs));
    longest.push(max);
    counts.push(recorded.tasks.length);
    console.log(`load ${load}: longest ${Math.round(max)} ms; ${describeLongTasks(recorded)}`);
  }
  const sorted = [...longest].sort((a, b) => a - b);
  console.log(`\ncanvas ${LARGE.nodes} nodes / ${LARGE.links} links, ${LOADS} loads: longest main-thread task median ${Math.round(median(longest))} ms (range ${Math.round(sorted[0]!)}–${Math.round(sorted[sorted.length - 1]!)} ms); long tasks per load ${counts.join(', ')}\n`);
  benchFigure(`canvas ${LARGE.nodes.toLocaleString('en')} nodes / ${LARGE.links.toLocaleString('en')} links: longest main-thread task on load`, median(longest), 'ms', { atMost: 50 }, `median of ${LOADS} loads; range ${Math.round(sorted[0]!)}–${Math.round(sorted[sorted.length - 1]!)} ms; long tasks per load ${counts.join(', ')}`);
});
