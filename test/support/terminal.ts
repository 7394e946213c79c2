// Reading the built-in terminal from a browser test: screen reader mode mirrors xterm.js rows as
// text, whichever renderer (WebGL or DOM) draws them.
import type { Page } from 'playwright-core';
import { screenshotPath } from './browser.js';

/** The visible text of the terminal tab titled `title`. */
export async function terminalText(page: Page, title: string): Promise<string> {
  return page.evaluate((name) => {
    const tab = document.querySelector(`[data-testid="terminal-tab-${name}"]`);
    const panelId = tab?.getAttribute('aria-controls');
    const panel = panelId ? document.getElementById(panelId) : null;
    const rows = panel?.querySelectorAll('.xterm-accessibility-tree > div') ?? [];
    return [...rows].map((r) => (r.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd()).join('\n');
  }, title);
}

/** Polls the terminal until its text matches; on timeout saves a screenshot and says what it showed. */
export async function waitForTerminalText(page: Page, title: string, pattern: RegExp, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let text = '';
  while (Date.now() < deadline) {
    text = await terminalText(page, title);
    if (pattern.test(text)) return text;
    await page.waitForTimeout(100);
  }
  await page.screenshot({ path: screenshotPath(`terminal-failure-${title}`) });
  throw new Error(`terminal ${title} never showed ${pattern}; it shows:\n${text}`);
}
