// The first hour of a new user, as the README has it, in Chromium: `npm start` as root with the data folder
// where it really is (root's $HOME, nothing there yet) and no environment variable beyond what a root shell
// has. First screen → Try the lab (the Proxmox example) → the app asks to create the secret store → the
// wizard to a quorate cluster → a terminal on a node → close the workspace → the first screen → a different
// lab at the same addresses (new host keys) → measure latency: no host-key question anywhere, and no figure
// of the first lab before the second is measured. Screenshots of each step go to test-results/first-hour-*.
//
// It uses the real default folder, so it never touches a lab the user has running there: it skips with the
// reason (fails under CW_REQUIRE_LAB=1). What it finds in the data folder it puts aside and brings back.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { launchBrowser, screenshotPath } from '../support/browser.js';
import { defaultDataHome, defaultLabDir, netnsWithDefaultPrefix, rootShellEnv, setAside, userLabRunning } from '../support/default-folder.js';
import { describeLab } from '../support/lab.js';
import { waitForTerminalText } from '../support/terminal.js';

const root = path.resolve(__dirname, '../..');
const env = rootShellEnv();
const passphrase = 'copper kettles hum at dawn';

let app: ChildProcess | undefined;
let output = '';
let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
let aside: { restore(): void } | undefined;

/** `npm start` as the README says, in its own process group (so npm, the build and the app stop together). */
async function npmStart(): Promise<string> {
  app = spawn('npm', ['start'], { cwd: root, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  app.stdout!.on('data', (c) => (output += c));
  app.stderr!.on('data', (c) => (output += c));
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const url = /http:\/\/127\.0\.0\.1:\d+\/\?tkn=[A-Za-z0-9_-]{43}/.exec(output)?.[0];
    if (url) return url;
    if (app.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`npm start printed no URL:\n${output}`);
}

async function stopApp(): Promise<void> {
  const child = app;
  if (!child?.pid || child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-child.pid, 'SIGINT');
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }, 15_000);
  await exited;
  clearTimeout(timer);
}

/** Fails the moment the app asks about a host key: the lab's own hosts never need one. */
async function expectNoHostKeyQuestion(page: Page, where: string): Promise<void> {
  expect(await page.getByTestId('hostkey-fingerprint').count(), `a host-key question during ${where}`).toBe(0);
}

async function shot(page: Page, step: string): Promise<void> {
  await page.mouse.move(1270, 790);
  await page.waitForTimeout(250);
  await page.screenshot({ path: screenshotPath(`first-hour-${step}`) });
}

describeLab(
  'the first hour: npm start as root with the default data folder, two labs one after the other',
  () => {
    beforeAll(async () => {
      aside = setAside(defaultDataHome);
      browser = await launchBrowser();
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await stopApp();
      // Whatever happened, no lab of this test stays up.
      if (fs.existsSync(defaultLabDir)) spawnSync(process.execPath, ['bin/clusterwright.mjs', 'lab', 'down'], { cwd: root, env, encoding: 'utf8', timeout: 120_000 });
      aside?.restore();
    }, 180_000);

    it('goes from the first screen to a quorate cluster and a terminal, back to the first screen, and measures a second lab', async () => {
      const url = await npmStart();
      // The shell has no display: said as such, and the folder is the default one.
      expect(output).toContain(`Workspace folder: ${path.join(defaultDataHome, 'workspace')}`);
      expect(output).not.toMatch(/No browser was found/);
      const page = await browser!.context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(url);

      // 1. The first screen, nothing open.
      await page.getByTestId('first-start').waitFor();
      await shot(page, '1-first-screen');

      // 2. Try the lab with the Proxmox example: the lab's root password needs the secret store, which does not exist yet.
      await page.locator('input[aria-label="Example lab"]').click();
      await page.getByRole('option', { name: /proxmox-three-nodes/ }).click();
      await page.getByTestId('door-lab-start').click();
      await page.getByRole('heading', { name: 'Create the secret store' }).waitFor({ timeout: 60_000 });
      await page.getByTestId('unlock-passphrase').fill(passphrase);
      await page.getByTestId('unlock-confirm').fill(passphrase);
      await shot(page, '2-create-secret-store');
      await page.getByTestId('unlock-submit').click();
      for (const node of ['a1', 'a2', 'b1']) await page.getByTestId(`node-${node}`).waitFor({ state: 'attached', timeout: 120_000 });
      expect(await page.getByTestId('secrets-lock').getAttribute('data-state')).toBe('unlocked');
      // The store is sealed in the default folder; the passphrase is in no file.
      const sealed = fs.readFileSync(path.join(defaultDataHome, 'secrets.sealed.json'), 'utf8');
      expect(sealed).not.toContain(passphrase);
      expect(fs.existsSync(path.join(defaultLabDir, 'workspace', 'clusterwright.yaml'))).toBe(true);
      await shot(page, '3-lab-canvas');

      // 3. The wizard: checks, plan, approve, run, verify → quorate. The lab's hosts are known by the keys it made.
      await page.getByTestId('open-wizard').click();
      await page.getByTestId('wizard-check').click();
      await page.getByTestId('wizard-findings').waitFor({ timeout: 60_000 });
      await page.getByTestId('wizard-to-plan').click();
      await page.getByTestId('wizard-plan').waitFor();
      for (const box of await page.locator('[data-testid^="approve-"]').all()) await box.check();
      await shot(page, '4-wizard-plan');
      await page.getByTestId('wizard-run').click();
      const deadline = Date.now() + 180_000;
      while (Date.now() < deadline && !(await page.getByTestId('wizard-run-result').isVisible().catch(() => false))) {
        await expectNoHostKeyQuestion(page, 'the wizard run');
        await page.waitForTimeout(250);
      }
      expect(await page.getByTestId('wizard-run-result').textContent()).not.toMatch(/fail/i);
      await page.getByTestId('wizard-verify').click();
      await page.getByTestId('wizard-quorate').waitFor({ timeout: 60_000 });
      expect(await page.getByTestId('wizard-quorate').textContent()).toBe('quorate');
      await shot(page, '5-wizard-quorate');
      await page.getByRole('button', { name: 'Done' }).click();
      await page.getByTestId('wizard-status').waitFor({ state: 'detached' });
      expect(await page.getByTestId('cluster-status-homelab').textContent()).toMatch(/^homelab: quorate/);

      // 4. A terminal on a node of the cluster: the node's own shell, no question asked.
      await page.getByRole('button', { name: 'Actions for a2' }).click();
      await page.getByRole('menuitem', { name: 'Open terminal' }).click();
      await page.getByTestId('terminal-tab-a2').waitFor();
      // Screen reader mode: the terminal's text in the page, as assistive technology reads it.
      await page.getByTestId('terminal-screen-reader').click();
      await waitForTerminalText(page, 'a2', /[$#] ?$/m);
      await page.locator('.xterm-helper-textarea').first().focus();
      await page.keyboard.type('echo "on=$(hostname) votes=$(corosync-quorumtool -s | grep -c "^ *[0-9]")"\n');
      expect(await waitForTerminalText(page, 'a2', /on=a2 votes=\d/)).toMatch(/on=a2/);
      await expectNoHostKeyQuestion(page, 'the terminal');
      await shot(page, '6-terminal');

      // 5. Close the workspace: the first screen again, the running lab offered.
      await page.getByRole('button', { name: 'Workspace menu' }).click();
      await page.getByTestId('menu-close').click();
      await page.getByTestId('first-start').waitFor();
      await page.getByTestId('door-lab-running').waitFor();
      expect(await page.getByTestId('door-lab-start').textContent()).toBe('Open the lab');
      expect(await page.getByTestId('door-lab-running').textContent()).toBe('"proxmox-three-nodes" is running.');
      await shot(page, '7-back-to-first-screen');

      // 6. A different lab: the same addresses (a1, a2, b1) with new host keys, and a fourth host.
      await page.locator('input[aria-label="Example lab"]').click();
      await page.getByRole('option', { name: /^three-sites/ }).click();
      expect(await page.getByTestId('door-lab-start').textContent()).toBe('Replace the lab');
      expect(await page.getByTestId('door-lab-running').textContent()).toBe('Stops "proxmox-three-nodes" and starts "three-sites".');
      await page.getByTestId('door-lab-start').click();
      for (const node of ['a1', 'a2', 'b1', 'c1']) await page.getByTestId(`node-${node}`).waitFor({ state: 'attached', timeout: 120_000 });
      expect(netnsWithDefaultPrefix().length).toBeGreaterThanOrEqual(4);
      // Nothing measured on the first lab is shown for this one.
      expect(await page.locator('[data-site-pair]').count()).toBe(0);
      expect(await page.locator('.cw-node circle[data-state="ok"]').count()).toBe(0);
      expect(await page.locator('line[data-link-id][data-state="ok"]').count()).toBe(0);
      await shot(page, '8-second-lab');

      // 7. Measure latency: every host reached, one figure per site pair, and not one host-key question.
      await page.getByTestId('measure-latency').click();
      const measuredBy = Date.now() + 120_000;
      while (Date.now() < measuredBy && (await page.locator('[data-site-pair]').count()) < 3) {
        await expectNoHostKeyQuestion(page, 'the latency measurement');
        await page.waitForTimeout(250);
      }
      const pairs = await page.locator('[data-site-pair]').evaluateAll((els) => els.map((e) => e.getAttribute('data-site-pair')));
      expect(pairs.length).toBeGreaterThanOrEqual(3);
      await expectNoHostKeyQuestion(page, 'the latency measurement');
      // Reached and measured now: the dots say so.
      expect(await page.locator('.cw-node circle[data-state="ok"]').count()).toBeGreaterThan(0);
      await shot(page, '9-second-lab-measured');
      expect(problems).toEqual([]);
    }, 600_000);
  },
  { unless: userLabRunning },
);
