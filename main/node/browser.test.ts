// Opening web mode in a browser: an installed Chromium without a display is reported as such, not as "no browser".
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findBrowser, whyNoBrowser } from './browser.js';

function pathWith(...programs: string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-browser-'));
  for (const name of programs) {
    fs.writeFileSync(path.join(dir, name), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
  }
  return dir;
}

describe('finding a browser for web mode', () => {
  it('says Chromium is installed but there is no display, rather than "No browser was found"', () => {
    const dir = pathWith('chromium');
    const env = { PATH: dir };
    expect(findBrowser(env, 'linux')).toBeUndefined();
    const why = whyNoBrowser(env, 'linux');
    expect(why).toContain(`chromium is installed (${path.join(dir, 'chromium')}), but there is no display`);
    expect(why).toContain('DISPLAY');
    expect(why).not.toMatch(/no browser was found/i);
  });

  it('with a display, opens Chromium in app mode; without any browser at all, says none was found', () => {
    const dir = pathWith('chromium');
    expect(findBrowser({ PATH: dir, DISPLAY: ':0' }, 'linux')?.label).toBe('chromium (app mode)');
    const empty = pathWith();
    expect(findBrowser({ PATH: empty, DISPLAY: ':0' }, 'linux')).toBeUndefined();
    expect(whyNoBrowser({ PATH: empty, DISPLAY: ':0' }, 'linux')).toMatch(/No browser was found/);
    expect(whyNoBrowser({ PATH: empty }, 'linux')).toContain('There is no display');
  });
});
