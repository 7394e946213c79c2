// Debian's Chromium driven by playwright-core, headless and with no background networking.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** The only hosts a test browser may reach: loopback and the lab's own range. */
const reachable = ['localhost', '127.*', '[::1]', '198.18.*', '198.19.*'];

export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM} (Debian package "chromium").`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-features=Translate,OptimizationHints,MediaRouter',
      // Pages show links to vendor documents: no name is resolved and no other address is reached (not
      // even a DNS prefetch for a link). The rules map IP literals too, so loopback (the app) and the
      // lab's range (198.18.0.0/15) are the only exceptions.
      `--host-resolver-rules=MAP * ~NOTFOUND, ${reachable.map((h) => `EXCLUDE ${h}`).join(', ')}`,
      '--dns-prefetch-disable',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

export function screenshotPath(name: string): string {
  const dir = path.resolve('test-results');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, `${name}.png`);
}
