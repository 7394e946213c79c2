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

export function findBrowser(env: NodeJS.ProcessEnv = process.env, platform = process.platform): BrowserLauncher | undefined {
  const graphical = platform !== 'linux' || Boolean(env.DISPLAY || env.WAYLAND_DISPLAY);
  if (!graphical) return undefined;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable', 'microsoft-edge']) {
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
