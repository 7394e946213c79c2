// `clusterwright lab up` of an `openstack: true` lab from the built CLI: Keystone, nova and glance per region keep
// running in a background process after the command exits; the workspace names Keystone's admin password by
// secret id and the app's core logs in with it and registers the catalog; `lab down` ends it all.
import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parseWorkspace } from '../../main/common/workspace/parse.js';
import { createCore } from '../../main/node/core.js';
import { readLabState, stopLab } from '../../main/node/lab/index.js';
import { defaultSecretStore } from '../../main/node/secrets/index.js';
import { labOpenstackRecord } from '../../main/node/stacks/openstack/lab/daemon.js';
import { describeLab } from '../support/lab.js';
import { openstackSkipReason } from '../support/openstack/lab.js';

const prefix = 'cwco';
const root = path.resolve(__dirname, '../..');
const cliBundle = path.join(root, 'dist', 'node', 'cli.cjs');
const tmp = fs.mkdtempSync(`/tmp/${prefix}-`);
const stateDir = path.join(tmp, 'lab');
const specFile = path.join(tmp, 'os-two.yml');
const env: NodeJS.ProcessEnv = { ...process.env, CLUSTERWRIGHT_HOME: path.join(tmp, 'home'), CLUSTERWRIGHT_SECRETS_PASSPHRASE: 'cwco lab test passphrase' };

function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliBundle, ...args], { env, cwd: tmp, timeout: 300_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, out: stdout, err: stderr });
    });
  });
}

function alive(pid: number): boolean {
  try {
    return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

const daemonPids: number[] = [];

afterAll(async () => {
  try {
    if (readLabState(stateDir)) await cli(['lab', 'down', '--state', stateDir]);
  } finally {
    for (const pid of daemonPids) {
      if (!alive(pid)) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await stopLab(stateDir, { prefix });
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}, 120_000);

describeLab(
  'clusterwright lab up with OpenStack regions (CLI, background process)',
  () => {
    beforeAll(() => {
      const built = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--node-only'], { cwd: root, encoding: 'utf8' });
      if (built.status !== 0) throw new Error(`Building the CLI failed: ${built.stderr}`);
      fs.writeFileSync(specFile, 'name: cwco-os\nopenstack: true\nsites:\n  - name: a\n    hosts: [a1, a2]\n  - name: b\n    hosts: [b1, b2]\n    link: man\n');
    }, 60_000);

    it('keeps the services running after the command exits; the app logs in with the stored secret and registers the catalog; lab down ends them', async () => {
      const t0 = Date.now();
      const up = await cli(['lab', 'up', specFile, '--state', stateDir, '--prefix', prefix]);
      expect(up.code, up.err).toBe(0);
      console.log(`lab up with two OpenStack regions: ${Date.now() - t0} ms`);
      const record = labOpenstackRecord(stateDir)!;
      daemonPids.push(record.process.pid);
      expect(alive(record.process.pid)).toBe(true);
      expect(record.regions.map((r) => r.name)).toEqual(['RegionOne', 'RegionTwo']);

      const store = defaultSecretStore('web', env);
      const password = await store.get(record.passwordSecret);
      const workspaceText = fs.readFileSync(path.join(stateDir, 'workspace', 'clusterwright.yaml'), 'utf8');
      for (const text of [up.out, up.err, fs.readFileSync(record.logFile, 'utf8'), workspaceText, JSON.stringify(readLabState(stateDir))]) expect(text).not.toContain(password);
      const workspace = parseWorkspace(workspaceText).workspace!;
      expect(workspace.openstack?.keystone).toMatchObject({ authUrl: record.keystoneUrl, passwordSecret: record.passwordSecret });
      expect(workspace.openstack?.regions.map((r) => [r.name, r.keystone, r.compute])).toEqual([
        ['RegionOne', true, ['a1', 'a2']],
        ['RegionTwo', false, ['b1', 'b2']],
      ]);

      const core = createCore({ hostKind: 'web', workspaceDir: path.join(tmp, 'app-workspace'), lab: { stateDir, prefix }, ssh: { secrets: defaultSecretStore('web', env), sshConfigFile: null, interactive: false } });
      try {
        await core.call('workspace.open', { path: path.join(stateDir, 'workspace'), remember: false });
        const { plan } = await core.call('openstack.registrationPlan', {});
        expect((await core.call('plan.apply', { plan, wait: true })).result?.status).toBe('succeeded');
        expect((await core.call('openstack.catalog', {})).regions).toEqual(['RegionOne', 'RegionTwo']);
        const vms = (await core.call('inventory.list', {})).vms.filter((v) => v.stack === 'openstack');
        expect(vms.map((v) => [v.name, v.node]).sort()).toEqual([
          ['web-regionone', 'a1'],
          ['web-regiontwo', 'b1'],
        ]);
        expect((await core.call('lab.status', {})).stackServices).toContain('OpenStack services (Keystone, nova per region)');
      } finally {
        await core.close();
      }

      const status = await cli(['lab', 'status', '--state', stateDir]);
      expect(status.out).toContain(`Keystone     ${record.keystoneUrl}`);
      const down = await cli(['lab', 'down', '--state', stateDir]);
      expect(down.code, down.err).toBe(0);
      expect(down.out).toContain("Stopped the OpenStack services and deleted Keystone's admin password from the secret store.");
      expect(alive(record.process.pid)).toBe(false);
      await expect(store.get(record.passwordSecret)).rejects.toThrow();
    }, 400_000);
  },
  { unless: () => openstackSkipReason },
);
