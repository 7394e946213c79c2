// The data folder where it really is for the account running the tests (root's `$HOME` for the lab): tests of
// the paths a user takes use it, never a temporary folder, and never disturb what the user keeps there.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readLabState } from '../../main/node/lab/state.js';
import { isRunning, readCmdline } from '../../main/node/lab/system.js';

export const accountHome = os.userInfo().homedir;
export const defaultDataHome = path.join(accountHome, '.local', 'share', 'clusterwright');
export const defaultLabDir = path.join(defaultDataHome, 'lab');
export const defaultLabPrefix = 'cwl';

/** The environment a root shell on a server has: no Clusterwright or test variables, no display, no desktop bus, HOME as the account says. */
export function rootShellEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(CLUSTERWRIGHT_|CW_|XDG_DATA_HOME$|DISPLAY$|WAYLAND_DISPLAY$|DBUS_SESSION_BUS_ADDRESS$|ELECTRON_)/.test(k)),
  );
  env.HOME = accountHome;
  return env;
}

export function netnsWithDefaultPrefix(): string[] {
  const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? '';
  return listed.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`${defaultLabPrefix}-`));
}

/** Why a test must not use the default folder now: a lab of the user's it would replace. */
export function userLabRunning(): string | undefined {
  const state = readLabState(defaultLabDir);
  if (state && Object.values(state.hosts).some((h) => isRunning(h.holder.pid) && readCmdline(h.holder.pid) === h.holder.cmdline)) {
    return `a lab ("${state.name}") is running in ${defaultLabDir}; this test would replace it. Stop it with \`clusterwright lab down\` to run this test`;
  }
  const namespaces = netnsWithDefaultPrefix();
  if (namespaces.length) return `namespaces of a lab with the default prefix exist (${namespaces.join(', ')}); this test would remove them. Stop that lab first`;
  return undefined;
}

/**
 * Puts `dir` aside (when it exists) so a test starts with none, and brings it back afterwards; the folders the
 * test created above it are removed bottom up, each only when nothing else was put there meanwhile.
 */
export function setAside(dir: string): { restore(): void } {
  let createdTop: string | undefined;
  for (let d = path.dirname(dir); !fs.existsSync(d); d = path.dirname(d)) createdTop = d;
  const aside = `${dir}.before-test-${process.pid}`;
  const had = fs.existsSync(dir);
  if (had) fs.renameSync(dir, aside);
  return {
    restore() {
      fs.rmSync(dir, { recursive: true, force: true });
      if (had) fs.renameSync(aside, dir);
      for (let d = path.dirname(dir); createdTop && d.length >= createdTop.length; d = path.dirname(d)) {
        if (fs.existsSync(d) && fs.readdirSync(d).length === 0) fs.rmdirSync(d);
      }
    },
  };
}
