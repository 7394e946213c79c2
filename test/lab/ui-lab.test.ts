// The app in Chromium against a real lab: "Try the lab" starts it from the first-start screen, the
// canvas shows its sites, and terminals reach the lab hosts without a host-key question (the lab knows
// its hosts' keys; host names differ: broadcast shows both).
import { expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshotPath } from '../support/browser.js';
import { useAppWithLab } from '../support/app-lab.js';
import { waitForTerminalText } from '../support/terminal.js';
import { describeLab } from '../support/lab.js';

const PREFIX = 'cwui';

describeLab('the app with a lab', () => {
  const app = useAppWithLab(PREFIX);



  /** The lab's own hosts are trusted by the keys the lab generated: no host-key question at all. */
  async function openTerminal(page: Page, node: string) {
    await page.getByRole('button', { name: `Actions for ${node}` }).click();
    await page.getByRole('menuitem', { name: 'Open terminal' }).click();
    await page.getByTestId(`terminal-tab-${node}`).waitFor();
  }

  it('starts the lab from the first-start screen and reaches its hosts from terminal tabs', async () => {
    const page = await app.browser.context.newPage();
    await page.goto(app.server.host.url);
    await page.getByTestId('door-lab-start').click();
    for (const site of ['a', 'b', 'c']) await page.getByTestId(`site-${site}`).waitFor({ state: 'attached', timeout: 60_000 });
    for (const node of ['a1', 'a2', 'b1', 'c1']) await page.getByTestId(`node-${node}`).waitFor({ state: 'attached' });
    await page.screenshot({ path: screenshotPath('lab-canvas') });

    await openTerminal(page, 'a1');
    await page.getByTestId('terminal-screen-reader').click();
    await waitForTerminalText(page, 'a1', /[$#] ?$/m);
    await openTerminal(page, 'b1');
    await waitForTerminalText(page, 'b1', /[$#] ?$/m);
    await page.getByTestId('broadcast-a1').check({ force: true });
    await page.getByTestId('broadcast-b1').check({ force: true });
    await page.locator('.xterm-helper-textarea').nth(1).focus();
    await page.keyboard.type('echo "host=$(hostname)"\n');
    expect(await waitForTerminalText(page, 'b1', /host=b1/)).toMatch(/host=b1/);
    await page.getByTestId('terminal-tab-a1').click();
    expect(await waitForTerminalText(page, 'a1', /host=a1/)).toMatch(/host=a1/);
    await page.screenshot({ path: screenshotPath('lab-terminals') });
    expect(await page.getByTestId('hostkey-fingerprint').count()).toBe(0);
  }, 150_000);
});
