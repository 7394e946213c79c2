// The app (real web host and core) and Chromium for a browser test whose lab the app itself starts
// ("Try the lab"): its own data folder and lab state, all removed in afterAll even after a failure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { CoreOptions } from '../../main/node/core.js';
import { stopLab } from '../../main/node/lab/index.js';
import { launchBrowser } from './browser.js';
import { startTestHost, type TestHost } from './web-host.js';

export interface AppWithLab {
  readonly server: TestHost;
  readonly browser: Awaited<ReturnType<typeof launchBrowser>>;
  /** The lab's state folder (openLab(stateDir) to cut or restore links from the test). */
  readonly stateDir: string;
}

/** `core` adds core options (given the test's data folder); the lab options are set here. */
export function useAppWithLab(prefix: string, core: (home: string) => Partial<Omit<CoreOptions, 'hostKind' | 'workspaceDir'>> = () => ({})): AppWithLab {
  let host: TestHost | undefined;
  let browser: Awaited<ReturnType<typeof launchBrowser>> | undefined;
  const home = fs.mkdtempSync(path.join(os.tmpdir(), `cw-${prefix}-home-`));
  const stateDir = fs.mkdtempSync(`/tmp/${prefix}-`);
  const previousHome = process.env.CLUSTERWRIGHT_HOME;

  beforeAll(async () => {
    process.env.CLUSTERWRIGHT_HOME = home;
    host = await startTestHost({ staticDir: path.resolve('dist/renderer'), core: { ...core(home), lab: { stateDir, prefix } } });
    browser = await launchBrowser();
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await host?.core.call('lab.down', {}).catch(() => undefined);
    await host?.close();
    await stopLab(stateDir, { prefix });
    fs.rmSync(stateDir, { recursive: true, force: true });
    fs.rmSync(home, { recursive: true, force: true });
    if (previousHome === undefined) delete process.env.CLUSTERWRIGHT_HOME;
    else process.env.CLUSTERWRIGHT_HOME = previousHome;
  }, 90_000);

  return {
    stateDir,
    get server(): TestHost {
      if (!host) throw new Error('The app is not up (its beforeAll failed).');
      return host;
    },
    get browser() {
      if (!browser) throw new Error('Chromium is not up (its beforeAll failed).');
      return browser;
    },
  };
}
