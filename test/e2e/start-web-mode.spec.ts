import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

describe('npm start without the Electron binary', () => {
  it('falls back to web mode, prints the workspace folder and the URL, serves the UI, and stops on SIGINT', async () => {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-start-'));
    const env = { ...process.env, CLUSTERWRIGHT_HOME: home, DISPLAY: '', WAYLAND_DISPLAY: '', ELECTRON_OVERRIDE_DIST_PATH: path.join(home, 'no-electron') };
    const child = spawn(process.execPath, ['bin/clusterwright.mjs', 'start', '--no-open'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed in time:\n${output}`)), 20_000);
        const check = () => {
          const match = /http:\/\/127\.0\.0\.1:\d+\/\?tkn=[A-Za-z0-9_-]{43}/.exec(output);
          if (match) {
            clearTimeout(timer);
            resolve(match[0]);
          }
        };
        child.stdout.on('data', check);
        check();
      });
      expect(output).toContain('Desktop window not available');
      expect(output).toContain(`Workspace folder: ${path.join(home, 'workspace')}`);
      const first = await fetch(url, { redirect: 'manual' });
      expect(first.status).toBe(302);
      const cookie = first.headers.get('set-cookie')?.split(';')[0] ?? '';
      const page = await fetch(new URL('/', url), { headers: { Cookie: cookie } });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<div id="root">');
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
});
