// Finds a browser to open web mode in: Chromium or Chrome in app mode first, else the desktop's default.
import path from 'node:path';
import { whichProgram } from './lab/system.js';

export interface BrowserLauncher {
  label: string;
  command: string;
  args(url: string, profileDir: string): string[];
}

function onPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  return whichProgram(name, (env.PATH ?? '').split(path.delimiter).filter(Boolean));
}

const chromiumNames = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'microsoft-edge'];

function hasDisplay(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): boolean {
  return platform !== 'linux' || Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/**
 * Why no browser was opened, in the admin's words: a browser that is installed but has no display to draw on is
 * said to be exactly that, not "not found".
 */
export function whyNoBrowser(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (!hasDisplay(env, platform)) {
    const installed = chromiumNames.map((name) => onPath(name, env)).find(Boolean);
    const what = installed ? `${path.basename(installed)} is installed (${installed}), but there is no display to open it on` : 'There is no display to open a browser on';
    return `${what} (neither DISPLAY nor WAYLAND_DISPLAY is set). Open the URL above in a browser on this machine's desktop, or from another machine through an SSH tunnel to this port.`;
  }
  return 'No browser was found to open automatically (no Chromium, Chrome or Edge on PATH, and no xdg-open); open the URL above yourself.';
}

export function findBrowser(env: NodeJS.ProcessEnv = process.env, platform = process.platform): BrowserLauncher | undefined {
  if (!hasDisplay(env, platform)) return undefined;
  for (const name of chromiumNames) {
    const command = onPath(name, env);
    if (command) {
      return {
        label: `${name} (app mode)`,
        command,
        args: (url, profileDir) => [
          `--app=${url}`,
          `--user-data-dir=${profileDir}`,
          '--no-first-run',
          '--disable-background-networking',
          // Chromium refuses to start as root with its sandbox on.
          ...(typeof process.getuid === 'function' && process.getuid() === 0 ? ['--no-sandbox'] : []),
        ],
      };
    }
  }
  const opener = platform === 'darwin' ? 'open' : platform === 'win32' ? undefined : onPath('xdg-open', env);
  if (opener) return { label: 'the default browser', command: opener, args: (url) => [url] };
  return undefined;
}
