// F7, cold start to interactive in web mode: from starting `node bin/clusterwright.mjs serve` (the
// built CLI, a fresh data folder) to the first screen painted in Chromium (a fresh profile: nothing
// cached), and the idle memory after it: the server process's RSS, the page's JS heap and its
// renderer process's RSS. Chromium is already running, as a user's browser is; it is driven over the
// DevTools protocol without Playwright. Several rounds; medians and ranges. Asserts nothing about speed.
import { afterAll, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launchBareChromium, type BareChromium } from '../support/bare-chromium.js';
import { descendants } from './cpu.js';
import { benchFigure, benchRow, median } from './results.js';

const ROUNDS = Number(process.env.CW_BENCH_ROUNDS ?? 5);
const IDLE_MS = 5_000;
const homes: string[] = [];
let server: ChildProcess | null = null;
let browser: BareChromium | null = null;

afterAll(async () => {
  server?.kill('SIGKILL');
  await browser?.close();
  for (const home of homes) fs.rmSync(home, { recursive: true, force: true });
});

/** Epoch milliseconds with sub-millisecond resolution (the page's timeOrigin is on the same clock). */
const epochNow = () => performance.timeOrigin + performance.now();

function rssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? Number.NaN) / 1024;
}

function chromiumKind(pid: number): string {
  try {
    return /--type=(\S+)/.exec(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' '))?.[1] ?? 'browser';
  } catch {
    return 'gone';
  }
}

// Marks the first screen as painted: once the app shell's navigation and app info are in the DOM,
// the next animation frame, then the task after it (the frame has been produced by then).
const firstScreenProbe = `(() => {
  const ready = () => document.querySelector('[data-testid="app-info"]') && document.querySelector('nav');
  const mark = () => requestAnimationFrame(() => setTimeout(() => { window.__cwFirstScreen = performance.now(); }, 0));
  const observer = new MutationObserver(() => { if (ready()) { observer.disconnect(); mark(); } });
  observer.observe(document, { childList: true, subtree: true });
})();`;

interface Round {
  /** process start → the URL printed (the server listening) */
  serverMs: number;
  /** URL → first contentful paint */
  fcpMs: number;
  /** process start → first screen painted */
  totalMs: number;
  serverRssMiB: number;
  pageHeapMiB: number;
  rendererRssMiB: number;
}

async function round(): Promise<Round> {
  browser = await launchBareChromium();
  await browser.closeOtherTabs();
  const page = await browser.open('about:blank');
  await page.send('Page.enable');
  await page.send('Page.addScriptToEvaluateOnNewDocument', { source: firstScreenProbe });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-cold-'));
  homes.push(home);
  const started = epochNow();
  const child = spawn(process.execPath, ['bin/clusterwright.mjs', 'serve', '--no-open'], { env: { ...process.env, CLUSTERWRIGHT_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  server = child;
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve printed no URL within 30 s:\n${output}`)), 30_000);
    const check = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /http:\/\/127\.0\.0\.1:\d+\/\?tkn=\S+/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
  });
  const listening = epochNow();
  await page.navigate(url, 'typeof window.__cwFirstScreen === "number"');
  const timing = await page.evaluate<{ origin: number; fcp: number; firstScreen: number }>(
    `({ origin: performance.timeOrigin, fcp: performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN, firstScreen: window.__cwFirstScreen })`,
  );
  // Idle: nothing happens for a while; then memory.
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const heap = await page.send<{ usedSize: number }>('Runtime.getHeapUsage');
  const renderers = descendants(browser.pid).filter((pid) => chromiumKind(pid) === 'renderer');
  const rendererRss = Math.max(...renderers.map((pid) => rssMiB(pid)));
  const result: Round = {
    serverMs: listening - started,
    fcpMs: timing.origin + timing.fcp - listening,
    totalMs: timing.origin + timing.firstScreen - started,
    serverRssMiB: rssMiB(child.pid!),
    pageHeapMiB: heap.usedSize / 1024 / 1024,
    rendererRssMiB: rendererRss,
  };
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGINT');
  await exited;
  server = null;
  await browser.close();
  browser = null;
  return result;
}

it('F7: cold start to interactive and idle memory (web mode)', async () => {
  if (!fs.existsSync('dist/renderer/index.html') || !fs.existsSync('dist/node/cli.cjs')) throw new Error('Build first (npm run bench does).');
  const rounds: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push(await round());
  const med = (pick: (r: Round) => number) => median(rounds.map(pick));
  const range = (pick: (r: Round) => number, digits = 0) => `${Math.min(...rounds.map(pick)).toFixed(digits)}–${Math.max(...rounds.map(pick)).toFixed(digits)}`;
  console.log(`\nF7: cold start to interactive, web mode (${ROUNDS} rounds; load average ${fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')})\n`);
  console.log('| measure | median | range |\n|---|---|---|');
  console.log(`| \`serve\` started → listening (URL printed) | ${med((r) => r.serverMs).toFixed(0)} ms | ${range((r) => r.serverMs)} ms |`);
  console.log(`| URL opened → first contentful paint | ${med((r) => r.fcpMs).toFixed(0)} ms | ${range((r) => r.fcpMs)} ms |`);
  console.log(`| \`serve\` started → first screen painted | ${med((r) => r.totalMs).toFixed(0)} ms | ${range((r) => r.totalMs)} ms |`);
  console.log(`| idle RSS, server process (after ${IDLE_MS / 1000} s) | ${med((r) => r.serverRssMiB).toFixed(0)} MiB | ${range((r) => r.serverRssMiB)} MiB |`);
  console.log(`| idle JS heap, page | ${med((r) => r.pageHeapMiB).toFixed(1)} MiB | ${range((r) => r.pageHeapMiB, 1)} MiB |`);
  console.log(`| idle RSS, page's renderer process | ${med((r) => r.rendererRssMiB).toFixed(0)} MiB | ${range((r) => r.rendererRssMiB)} MiB |`);
  benchFigure('F7: cold start to interactive, web mode (`serve` started → first screen painted in Chromium)', med((r) => r.totalMs), 'ms', undefined, `median of ${ROUNDS}, range ${range((r) => r.totalMs)} ms; listening after ${med((r) => r.serverMs).toFixed(0)} ms`);
  benchFigure('F7: idle RSS of the server process (web mode)', med((r) => r.serverRssMiB), 'MiB', undefined, `median of ${ROUNDS}, range ${range((r) => r.serverRssMiB)} MiB`);
  benchFigure("F7: idle memory of the page: JS heap", med((r) => r.pageHeapMiB), 'MiB', undefined, `renderer process RSS ${med((r) => r.rendererRssMiB).toFixed(0)} MiB (range ${range((r) => r.rendererRssMiB)})`);
  benchRow({ measure: 'F7: what "cold" means here', target: '—', figure: 'new server process and data folder, new Chromium profile (no HTTP cache); the OS file cache stays warm', met: null });
}, 600_000);
