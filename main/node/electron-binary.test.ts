import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { detectElectron } from './electron-binary.js';

describe('detectElectron', () => {
  it('reports a missing binary without downloading it', () => {
    const before = fs.existsSync(path.resolve('node_modules/electron/dist'));
    const result = detectElectron({ PATH: process.env.PATH }, 'linux');
    if (!before) {
      expect(result.available).toBe(false);
      expect(result.reason).toMatch(/not been downloaded|missing/);
      // Detection must not have started the lazy download.
      expect(fs.existsSync(path.resolve('node_modules/electron/dist'))).toBe(false);
    }
  });

  it('finds a binary given through ELECTRON_OVERRIDE_DIST_PATH and checks for a display', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-electron-'));
    fs.writeFileSync(path.join(dir, 'electron'), '#!/bin/sh\n', { mode: 0o755 });
    const headless = detectElectron({ ELECTRON_OVERRIDE_DIST_PATH: dir }, 'linux');
    expect(headless.available).toBe(false);
    expect(headless.reason).toMatch(/display|root/);
    const darwin = detectElectron({ ELECTRON_OVERRIDE_DIST_PATH: dir }, 'darwin');
    expect(darwin).toEqual({ available: true, binary: path.join(dir, 'electron') });
  });
});
