import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { serializeWorkspace } from '../../main/common/workspace/serialize.js';
import type { Workspace } from '../../main/common/workspace/schema.js';
import { startSshd, sshdAvailable, type SshdFixture } from '../support/sshd.js';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { terminalText, waitForTerminalText } from '../support/terminal.js';
import { startTestHost, type TestHost } from '../support/web-host.js';

let sshd: SshdFixture;
let t: TestHost;
let browser: Awaited<ReturnType<typeof launchBrowser>>;
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-term-home-'));
const previousHome = process.env.CLUSTERWRIGHT_HOME;

beforeAll(async () => {
  const missing = sshdAvailable();
  if (missing) throw new Error(missing);
  // Pinned host keys and secrets of this test stay in its own data folder.
  process.env.CLUSTERWRIGHT_HOME = home;
  sshd = await startSshd();
  t = await startTestHost({ staticDir: path.resolve('dist/renderer') });
  const ssh = { host: sshd.host, port: sshd.port, user: sshd.user, identityFile: sshd.clientKeyFile };
  const workspace = {
    version: 1,
    name: 'Terminal test',
    sites: [{ name: 'here', kind: 'lan' }],
    networks: [{ name: 'mgmt', roles: ['management'] }],
    nodes: [
      { name: 'alpha', site: 'here', addresses: { mgmt: '127.0.0.1' }, ssh },
      { name: 'beta', site: 'here', addresses: { mgmt: '127.0.0.2' }, ssh },
    ],
  } as unknown as Workspace;
  fs.writeFileSync(path.join(t.core.options.workspaceDir, 'clusterwright.yaml'), serializeWorkspace(workspace));
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await sshd?.stop();
  if (previousHome === undefined) delete process.env.CLUSTERWRIGHT_HOME;
  else process.env.CLUSTERWRIGHT_HOME = previousHome;
  fs.rmSync(home, { recursive: true, force: true });
});


async function openTerminal(page: Page, node: string) {
  await page.getByRole('button', { name: `Actions for ${node}` }).click();
  await page.getByRole('menuitem', { name: 'Open terminal' }).click();
}

/** Opens a terminal tab on `node`, pins the host key if asked (when this test runs alone), and waits for the prompt. */
async function openAtPrompt(page: Page, node: string) {
  await openTerminal(page, node);
  await page.getByTestId(`terminal-tab-${node}`).waitFor();
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    const pin = page.getByTestId('hostkey-pin');
    if (await pin.isVisible()) await pin.click();
    if (/[$#] ?$/m.test(await terminalText(page, node))) return;
    await page.waitForTimeout(100);
  }
  await waitForTerminalText(page, node, /[$#] ?$/m, 1);
}

describe('built-in terminal', () => {
  it('asks about the unknown host key, runs commands, follows resizes, and broadcasts to several tabs', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(t.host.url);
    await page.getByTestId('nav-node-alpha').waitFor();

    // Log this session to a file in the workspace folder.
    await page.getByTestId('terminal-log-sessions').click();
    await openTerminal(page, 'alpha');
    // Unknown host key: the dialog shows the fingerprint as OpenSSH prints it.
    await page.getByTestId('hostkey-fingerprint').waitFor();
    const shown = await page.getByTestId('hostkey-fingerprint').textContent();
    expect(Object.values(sshd.hostKeyFingerprints)).toContain(shown);
    await page.getByTestId('hostkey-pin').click();

    const terminal = page.getByTestId('terminal-tab-alpha');
    await terminal.waitFor();
    await page.getByTestId('terminal-screen-reader').click();
    await waitForTerminalText(page, 'alpha', /[$#] ?$/m);
    await page.locator('.xterm-helper-textarea').first().focus();
    await page.keyboard.type('echo hi-$((40+2))\n');
    await waitForTerminalText(page, 'alpha', /hi-42/);
    const logDir = path.join(t.core.options.workspaceDir, 'terminal-logs');
    const logs = fs.readdirSync(logDir);
    expect(logs).toHaveLength(1);
    expect(fs.statSync(path.join(logDir, logs[0]!)).mode & 0o077).toBe(0);
    await expect.poll(() => fs.readFileSync(path.join(logDir, logs[0]!), 'utf8')).toMatch(/hi-42/);

    const lastSize = (text: string) => [...text.matchAll(/size-(\d+)x(\d+)-(\w+)/g)].at(-1)!;
    await page.keyboard.type('echo size-$(stty size | tr " " x)-before\n');
    const before = lastSize(await waitForTerminalText(page, 'alpha', /size-\d+x\d+-before/));
    await page.setViewportSize({ width: 1600, height: 1000 });
    await page.waitForTimeout(500);
    await page.keyboard.type('echo size-$(stty size | tr " " x)-after\n');
    const after = lastSize(await waitForTerminalText(page, 'alpha', /size-\d+x\d+-after/));
    expect(Number(after[2])).toBeGreaterThan(Number(before[2]));

    // A second tab (the host key is pinned now: no question), then broadcast to both.
    await openTerminal(page, 'beta');
    await page.getByTestId('terminal-tab-beta').waitFor();
    await waitForTerminalText(page, 'beta', /[$#] ?$/m);
    await page.getByTestId('broadcast-alpha').check({ force: true });
    await page.getByTestId('broadcast-beta').check({ force: true });
    await page.getByTestId('broadcast-bar').waitFor();
    await page.locator('.xterm-helper-textarea').nth(1).focus();
    await page.keyboard.type('echo both-$((6*7))\n');
    await waitForTerminalText(page, 'beta', /both-42/);
    await page.getByTestId('terminal-tab-alpha').click();
    await waitForTerminalText(page, 'alpha', /both-42/);
    await page.screenshot({ path: screenshotPath('terminal-broadcast') });
  });

  it('echoes keystrokes promptly while a background tab streams, and that tab shows all of its output in order when opened', async () => {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    // Binary frames (terminal output) as they reach the page: a keystroke's echo is a frame holding
    // just that character; bulk output (frames over 1 KiB) tells that the other tab is still streaming.
    let lastOutputAt = 0;
    let echoWaiter: { char: number; resolve: () => void } | null = null;
    page.on('websocket', (socket) => socket.on('framereceived', (frame) => {
      if (typeof frame.payload === 'string') return;
      if (frame.payload.length > 1024) lastOutputAt = Date.now();
      else if (echoWaiter && frame.payload.at(-1) === echoWaiter.char) echoWaiter.resolve();
    }));
    await page.goto(t.host.url);
    await page.getByTestId('nav-node-alpha').waitFor();
    await page.getByTestId('terminal-screen-reader').click();
    await openAtPrompt(page, 'alpha');
    await openAtPrompt(page, 'beta');

    // beta prints 1,000,000 numbers (6.9 MB) and a marker; meanwhile the user works in alpha, beta hidden.
    const last = 1_000_000;
    await page.locator('.xterm-helper-textarea').nth(1).focus();
    await page.keyboard.type(`seq 1 ${last}; echo end-$((6*7))\n`);
    await page.getByTestId('terminal-tab-alpha').click();
    await expect.poll(() => page.getByTestId('terminal-beta').isVisible()).toBe(false);
    await page.locator('.xterm-helper-textarea').first().focus();
    const echoMs: number[] = [];
    for (let typed = 1; typed <= 8; typed++) {
      const started = Date.now();
      const echoed = new Promise<void>((resolve) => (echoWaiter = { char: 0x78, resolve }));
      await page.keyboard.type('x');
      await Promise.race([echoed, page.waitForTimeout(10_000)]);
      echoWaiter = null;
      echoMs.push(Date.now() - started);
    }
    // And xterm.js shows them (its screen-reader mirror refreshes at most once a second).
    await waitForTerminalText(page, 'alpha', /[$#] x{8}$/m, 5_000);
    const echoedAt = Date.now();
    await page.keyboard.press('Control+U');
    // Each echo reached the page within a second (not queued behind beta's output), while beta's output was still arriving.
    expect(Math.max(...echoMs)).toBeLessThan(1_000);
    await expect.poll(() => lastOutputAt, { timeout: 5_000 }).toBeGreaterThan(echoedAt);

    // Opened, beta shows its output through to the end, in order: the last numbers, then the marker.
    await page.getByTestId('terminal-tab-beta').click();
    const text = await waitForTerminalText(page, 'beta', /^end-42$/m, 120_000);
    const rows = text.split('\n');
    const marker = rows.findIndex((row) => row === 'end-42');
    const tail = rows.slice(Math.max(0, marker - 20), marker).map(Number);
    expect(tail).toEqual(Array.from({ length: tail.length }, (_, i) => last - tail.length + 1 + i));
    expect(tail.length).toBeGreaterThanOrEqual(5);
    await page.close();
  });
});
