// Where Clusterwright keeps its data on each platform; CLUSTERWRIGHT_HOME overrides it (tests, portable use).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export function dataHome(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.CLUSTERWRIGHT_HOME) return path.resolve(env.CLUSTERWRIGHT_HOME);
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Clusterwright');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Clusterwright');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'clusterwright');
}

/**
 * Where Clusterwright keeps what it can rebuild at any time (the CLI's compiled-code caches): the platform's
 * per-user cache folder, or `cache/` in CLUSTERWRIGHT_HOME when that is set.
 */
export function cacheHome(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.CLUSTERWRIGHT_HOME) return path.join(path.resolve(env.CLUSTERWRIGHT_HOME), 'cache');
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.LOCALAPPDATA ?? path.join(home, 'AppData', 'Local'), 'Clusterwright', 'Cache');
  if (platform === 'darwin') return path.join(home, 'Library', 'Caches', 'Clusterwright');
  return path.join(env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(home, '.cache'), 'clusterwright');
}

export function defaultWorkspaceDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  return path.join(dataHome(env, platform), 'workspace');
}

/** The folder holding package.json and assets/ (the repository, or the packaged app's root). */
export function appRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && fs.existsSync(path.join(dir, 'assets'))) return dir;
    dir = path.dirname(dir);
  }
  throw new Error('Cannot find the Clusterwright installation folder (package.json beside assets/).');
}
