// The renderer's first paint loads only what is on screen: the terminal (xterm.js), the stacks' wizards and
// the advisor are chunks of their own, fetched when first shown, from the same origin under the served CSP
// (`script-src 'self'`). In Chromium against the real web host and the built renderer.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../support/browser.js';
import { startTestHost, type TestHost } from '../support/web-host.js';

let t: TestHost;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

beforeAll(async () => {
  t = await startTestHost({ staticDir: path.resolve('dist/renderer') });
  const yaml = [
    'version: 1',
    'name: split',
    'sites:',
    '  - { name: home, kind: lan }',
    'networks:',
    '  - { name: mgmt, roles: [management] }',
    'nodes:',
    '  - { name: pve1, site: home, addresses: { mgmt: 127.0.0.1 } }',
    '  - { name: pve2, site: home, addresses: { mgmt: 127.0.0.2 } }',
    '',
  ].join('\n');
  fs.writeFileSync(path.join(t.core.options.workspaceDir, 'clusterwright.yaml'), yaml);
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** Text only these parts of the code contain (a class name xterm.js sets, a wizard's and the advisor's titles). */
const markers = { terminal: 'xterm-helper-textarea', wizard: 'New Proxmox VE cluster', advisor: 'New cluster: choose an approach' };

describe('the renderer in chunks', () => {
  it('loads the terminal, the wizards and the advisor only when they are first shown, under the CSP', async () => {
    const page = await browser.context.newPage();
    const scripts = new Map<string, string>();
    page.on('response', (response) => {
      if (response.url().endsWith('.js')) void response.text().then((text) => scripts.set(response.url(), text), () => {});
    });
    await page.addInitScript(() => {
      const w = window as unknown as { cwViolations: string[] };
      w.cwViolations = [];
      // Scripts refused by the CSP (zod's probe for eval, refused as it should be, is not a script load).
      document.addEventListener('securitypolicyviolation', (e) => {
        if (e.blockedURI !== 'eval') w.cwViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
      });
    });
    await page.goto(t.host.url);
    await page.getByTestId('nav-node-pve2').waitFor();
    await page.getByTestId('open-wizard').waitFor();
    await page.waitForTimeout(500);
    const loaded = () => [...scripts.values()].join('\n');
    expect(scripts.size).toBeGreaterThan(0);
    for (const [part, marker] of Object.entries(markers)) expect(loaded().includes(marker), `${part} code is not loaded at start`).toBe(false);

    // "New cluster": the advisor's chunk arrives and the dialog shows (advisor.spec.ts goes on to the wizards).
    await page.getByTestId('open-wizard').click();
    await page.getByTestId('advisor-table').waitFor();
    expect(loaded().includes(markers.advisor)).toBe(true);

    // A terminal tab: xterm.js is fetched then, and the pane holds a terminal (connecting over loopback only).
    await page.keyboard.press('Escape');
    await page.getByTestId('advisor-table').waitFor({ state: 'hidden' });
    await page.getByRole('button', { name: 'Actions for pve1' }).click();
    await page.getByRole('menuitem', { name: 'Open terminal' }).click();
    await page.locator('.cw-terminal .xterm').first().waitFor();
    expect(loaded().includes(markers.terminal)).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { cwViolations: string[] }).cwViolations)).toEqual([]);
    await page.close();
  });
});
