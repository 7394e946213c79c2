// The lab as the README starts it, as root, with the data folder where it really is: root's $HOME
// (~/.local/share/clusterwright/lab), no CLUSTERWRIGHT_HOME, through the built CLI; then a second lab
// after the first, started the README's other way (`sudo npm run lab -- up …`). Each lab host mounts
// a private /root over the one holding that folder, which once hid the rest of its mount sources.
//
// This uses the real default folder, so it never touches a lab the user has running there (or any
// lab with the default prefix): it skips with the reason, or fails under CW_REQUIRE_LAB=1. What it
// finds there it puts aside and brings back; what it creates it removes.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { defaultLabDir as stateDir, netnsWithDefaultPrefix, rootShellEnv, setAside, userLabRunning } from '../support/default-folder.js';
import { describeLab } from '../support/lab.js';

const root = path.resolve(__dirname, '../..');
const env = rootShellEnv();

function run(argv: string[], timeoutMs = 240_000): SpawnSyncReturns<string> {
  return spawnSync(argv[0]!, argv.slice(1), { cwd: root, env, encoding: 'utf8', timeout: timeoutMs });
}

function cli(...args: string[]): SpawnSyncReturns<string> {
  return run([process.execPath, 'bin/clusterwright.mjs', ...args]);
}

function explain(r: SpawnSyncReturns<string>): string {
  return `exit ${r.status}${r.error ? ` (${r.error.message})` : ''}\n${r.stdout}\n${r.stderr}`;
}

/** A command in a lab host over SSH with the lab's own client files, as the README shows. */
function sshTo(host: string, command: string): SpawnSyncReturns<string> {
  return run(['ssh', '-F', path.join(stateDir, 'ssh_config'), '-o', 'BatchMode=yes', host, command], 30_000);
}

/** Each host has its private /root and /tmp from the state folder, not this machine's. */
function expectPrivateDirs(host: string): void {
  const marker = `cw-default-folder-${process.pid}`;
  const r = sshTo(host, `hostname && test -s /root/.ssh/authorized_keys && touch /tmp/${marker} && echo ok`);
  expect(r.status, explain(r)).toBe(0);
  expect(r.stdout.trim().split('\n')).toEqual([host, 'ok']);
  expect(fs.existsSync(path.join(stateDir, 'hosts', host, 'fs', 'tmp', marker))).toBe(true);
  expect(fs.existsSync(path.join('/tmp', marker))).toBe(false);
}

describeLab(
  'the lab in the default data folder under root\'s $HOME (built CLI)',
  () => {
    let aside: { restore(): void } | undefined;
    beforeAll(() => {
      expect(fs.existsSync(path.join(root, 'dist', 'node'))).toBe(true);
      aside = setAside(stateDir);
    });
    afterAll(() => {
      // Whatever happened, no lab of this test stays up.
      if (fs.existsSync(stateDir)) cli('lab', 'down');
      aside?.restore();
    }, 120_000);

    it('starts with `clusterwright lab up` (state under ~/.local/share/clusterwright/lab), answers over SSH, and goes down', () => {
      const up = cli('lab', 'up', 'assets/labs/three-sites.yml');
      expect(up.status, explain(up)).toBe(0);
      expect(up.stdout).toContain(`Workspace:  ${path.join(stateDir, 'workspace', 'clusterwright.yaml')}`);
      expect(up.stdout).toContain(`ssh -F ${path.join(stateDir, 'ssh_config')} <host>`);
      for (const host of ['a1', 'a2', 'b1', 'c1']) expectPrivateDirs(host);
      const down = cli('lab', 'down');
      expect(down.status, explain(down)).toBe(0);
      expect(down.stdout).toContain(`Removed the lab in ${stateDir}`);
      expect(netnsWithDefaultPrefix()).toEqual([]);
    });

    it('starts a second lab after the first the way the README says, `sudo npm run lab -- up …`', () => {
      // sudo resets the environment to root's (HOME=/root); where there is no sudo, root runs npm itself.
      const hasSudo = run(['sh', '-c', 'command -v sudo']).status === 0;
      const up = run([...(hasSudo ? ['sudo', '-n'] : []), 'npm', 'run', 'lab', '--', 'up', 'assets/labs/two-sites-qdevice.yml']);
      expect(up.status, explain(up)).toBe(0);
      expect(up.stdout).toContain(`Workspace:  ${path.join(stateDir, 'workspace', 'clusterwright.yaml')}`);
      for (const host of ['n1', 'n2', 'qnetd']) expectPrivateDirs(host);
      const down = cli('lab', 'down');
      expect(down.status, explain(down)).toBe(0);
      expect(netnsWithDefaultPrefix()).toEqual([]);
    });
  },
  { unless: userLabRunning },
);
