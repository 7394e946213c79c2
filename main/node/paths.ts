// Where Clusterwright keeps its data on each platform; CLUSTERWRIGHT_HOME overrides it (tests, portable use).
import os from 'node:os';
import path from 'node:path';

export function dataHome(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.CLUSTERWRIGHT_HOME) return path.resolve(env.CLUSTERWRIGHT_HOME);
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), 'Clusterwright');
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', 'Clusterwright');
  return path.join(env.XDG_DATA_HOME ?? path.join(home, '.local', 'share'), 'clusterwright');
}

export function defaultWorkspaceDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  return path.join(dataHome(env, platform), 'workspace');
}
