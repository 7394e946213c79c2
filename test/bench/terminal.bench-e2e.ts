// Terminal throughput in headless Chromium: `seq 1 2000000` from a real sshd through ssh2, the wire
// stream with its 256 KiB credit window and xterm.js, against xterm.js fed the same bytes locally.
import { afterAll, beforeAll, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { build } from 'vite';
import { launchBrowser } from '../support/browser.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';
import { startTestHost, type TestHost } from '../support/web-host.js';
import { benchFigure } from './results.js';

const N = 2_000_000;
let sshd: SshdFixture;
let t: TestHost;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-bench-term-'));

beforeAll(async () => {
  process.env.CLUSTERWRIGHT_HOME = home;
  const out = path.join(home, 'page');
  await build({ configFile: false, root: path.resolve('test/bench/terminal'), base: './', logLevel: 'error', build: { outDir: out, emptyOutDir: true } });
  sshd = await startSshd();
  t = await startTestHost({ staticDir: out });
  browser = await launchBrowser();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await sshd?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

it('terminal throughput', async () => {
  const page = await browser.context.newPage();
  // Answer the host-key question for the benchmark's own sshd from the test side.
  t.core.events.subscribe((name, payload) => {
    if (name === 'hostKey.unknown') void t.core.call('hostKey.answer', { promptId: (payload as { promptId: string }).promptId, decision: 'once' });
  });
  await page.goto(t.host.url);
  await page.waitForFunction(() => (window as unknown as { benchReady?: boolean }).benchReady === true);
  const local = (await page.evaluate((n) => (window as unknown as { bench: { local(n: number): Promise<unknown> } }).bench.local(n), N)) as { ms: number; bytes: number };
  const remote = (await page.evaluate(
    ([n, target]) => (window as unknown as { bench: { remote(n: number, t: unknown): Promise<unknown> } }).bench.remote(n as number, target),
    [N, { host: sshd.host, port: sshd.port, user: sshd.user, identityFile: sshd.clientKeyFile }] as const,
  )) as { ms: number; bytes: number; peakPending: number; heapMiB: number };
  const mib = (b: number) => (b / 1024 / 1024).toFixed(1);
  console.log('\nTerminal throughput (headless Chromium, seq 1 2000000)\n');
  console.log('| path | bytes | time (ms) | MiB/s |\n|---|---|---|---|');
  console.log(`| xterm.js fed locally | ${local.bytes} | ${local.ms.toFixed(0)} | ${(local.bytes / 1024 / 1024 / (local.ms / 1000)).toFixed(1)} |`);
  console.log(`| sshd → ssh2 → wire stream → xterm.js | ${remote.bytes} | ${remote.ms.toFixed(0)} | ${(remote.bytes / 1024 / 1024 / (remote.ms / 1000)).toFixed(1)} |`);
  const ratio = remote.bytes / remote.ms / (local.bytes / local.ms);
  console.log(`\nratio remote/local throughput: ${ratio.toFixed(2)} (target ≥ 0.85)`);
  benchFigure('terminal: `seq 1 2000000` through sshd → ssh2 → stream → xterm.js, ÷ xterm.js fed locally', ratio, '', { atLeast: 0.85 }, `${(remote.bytes / 1024 / 1024 / (remote.ms / 1000)).toFixed(1)} vs ${(local.bytes / 1024 / 1024 / (local.ms / 1000)).toFixed(1)} MiB/s`);
  benchFigure('terminal: peak bytes received but not yet written by xterm.js', remote.peakPending / 1024 / 1024, 'MiB', undefined, 'credit window 0.25 MiB');
  console.log(`peak bytes received but not yet written by xterm.js: ${mib(remote.peakPending)} MiB (credit window 0.25 MiB); peak JS heap ${remote.heapMiB.toFixed(0)} MiB`);
}, 600_000);
