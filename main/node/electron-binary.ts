// Finds the Electron binary without triggering its lazy download: the `electron` package's
// index.js fetches the binary when it is missing, so we read its path.txt and dist/ ourselves.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

export interface ElectronDetection {
  available: boolean;
  binary?: string;
  reason?: string;
}

export function detectElectron(env: NodeJS.ProcessEnv = process.env, platform = process.platform): ElectronDetection {
  let packageDir: string;
  try {
    const require = createRequire(import.meta.url);
    packageDir = path.dirname(require.resolve('electron/package.json'));
  } catch {
    return { available: false, reason: 'the electron package is not installed' };
  }
  const pathFile = path.join(packageDir, 'path.txt');
  const relative = fs.existsSync(pathFile) ? fs.readFileSync(pathFile, 'utf8').trim() : '';
  const base = env.ELECTRON_OVERRIDE_DIST_PATH ? path.resolve(env.ELECTRON_OVERRIDE_DIST_PATH) : path.join(packageDir, 'dist');
  if (!relative && !env.ELECTRON_OVERRIDE_DIST_PATH) {
    return { available: false, reason: 'the Electron binary has not been downloaded (node_modules/electron/path.txt is missing)' };
  }
  const binary = path.join(base, relative || 'electron');
  if (!fs.existsSync(binary)) return { available: false, reason: `the Electron binary is missing at ${binary}` };
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
    return { available: false, binary, reason: 'no graphical display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  }
  if (platform === 'linux' && typeof process.getuid === 'function' && process.getuid() === 0) {
    return { available: false, binary, reason: 'running as root, where Chromium refuses its sandbox' };
  }
  return { available: true, binary };
}
