// The Kolla-Ansible deploy plan (pure): per region on its deploy host, the Keystone region first, files written
// as uploads, the shared admin password only by secret id, kolla-ansible's commands as separate re-runnable steps
// with the host-changing ones destructive; bad deploy hosts, logins and config dirs refused by field; workspace
// values reach commands only as argument-vector words, never inside a script.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CwError } from '../../errors.js';
import { parsePlan } from '../../plan/dag.js';
import { checkReferences } from '../../workspace/references.js';
import { workspaceSchema, type Workspace } from '../../workspace/schema.js';
import { adminPasswordFileName, adminPasswordScript, kollaDeployPlan, passwordsFileScript, toolsScript } from './deploy.js';
import type { KollaChoices } from './kolla.js';

function workspace(over: { keystoneSecond?: boolean; deployHost?: string; username?: string; secret?: boolean } = {}): Workspace {
  const paris = { name: 'Paris', keystone: true, controllers: ['ctl-a'], networkNodes: ['ctl-a'], compute: ['cmp-a1'], managementNetwork: 'mgmt-a' };
  const lyon = { name: 'Lyon', keystone: false, controllers: ['ctl-b'], networkNodes: ['ctl-b'], compute: ['cmp-b1'], managementNetwork: 'mgmt-b', ...(over.deployHost ? { deployHost: over.deployHost } : {}) };
  return workspaceSchema.parse({
    version: 1,
    name: 'two regions',
    sites: [
      { name: 'paris', kind: 'wan' },
      { name: 'lyon', kind: 'wan' },
    ],
    networks: [
      { name: 'mgmt-a', roles: ['management'], cidr: '10.10.0.0/24' },
      { name: 'mgmt-b', roles: ['management'], cidr: '10.20.0.0/24' },
    ],
    nodes: [
      { name: 'ctl-a', site: 'paris', addresses: { 'mgmt-a': '10.10.0.11' } },
      { name: 'cmp-a1', site: 'paris', addresses: { 'mgmt-a': '10.10.0.21' } },
      { name: 'ctl-b', site: 'lyon', addresses: { 'mgmt-b': '10.20.0.11' }, ssh: { host: 'ctl-b.example', port: 2222, user: 'kolla' } },
      { name: 'cmp-b1', site: 'lyon', addresses: { 'mgmt-b': '10.20.0.21' } },
      { name: 'deployer-b', site: 'lyon', addresses: { 'mgmt-b': '10.20.0.5' } },
    ],
    openstack: {
      // keystoneSecond: the Keystone region is listed after the other one.
      regions: over.keystoneSecond ? [lyon, paris] : [paris, lyon],
      keystone: { authUrl: 'http://10.10.0.250:5000/v3', username: over.username ?? 'admin', project: 'admin', ...(over.secret === false ? { applicationCredentialId: 'abc', applicationCredentialSecret: 'app-cred' } : { passwordSecret: 'keystone-admin' }) },
    },
  });
}

const choices: KollaChoices = {
  release: '2026.1',
  regions: {
    Paris: { internalVip: '10.10.0.250', networkInterface: 'ens18', externalInterface: 'ens19' },
    Lyon: { internalVip: '10.20.0.250', networkInterface: 'ens18', externalInterface: 'ens19' },
  },
};

function caught(fn: () => unknown): CwError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CwError) return error;
    throw error;
  }
  throw new Error('expected a CwError');
}

describe('the Kolla-Ansible deploy plan', () => {
  it('deploys region by region on each deploy host, the Keystone region first, each kolla-ansible command its own step', () => {
    const { plan, regions } = kollaDeployPlan(workspace({ keystoneSecond: true }), choices);
    const parsed = parsePlan(plan);
    expect(regions.map((r) => [r.region, r.deployHost, r.address])).toEqual([
      ['Paris', 'ctl-a', '10.10.0.11'],
      ['Lyon', 'ctl-b', 'ctl-b.example'],
    ]);
    expect(parsed.nodes).toEqual({ 'ctl-a': { address: '10.10.0.11', port: 22, user: 'root' }, 'ctl-b': { address: 'ctl-b.example', port: 2222, user: 'kolla' } });
    const ids = parsed.steps.map((s) => s.id);
    const paris = ids.filter((id) => id.startsWith('deploy-paris-'));
    expect(paris).toEqual([
      'deploy-paris-tools',
      'deploy-paris-globals',
      'deploy-paris-inventory',
      'deploy-paris-passwords-file',
      'deploy-paris-genpwd',
      'deploy-paris-admin-password-file',
      'deploy-paris-admin-password',
      'deploy-paris-bootstrap-servers',
      'deploy-paris-prechecks',
      'deploy-paris-deploy',
      'deploy-paris-post-deploy',
    ]);
    // Lyon (no Keystone) also writes its overrides, and starts only once Paris's post-deploy is done.
    expect(ids.filter((id) => id.startsWith('deploy-lyon-override-'))).toEqual(['deploy-lyon-override-global', 'deploy-lyon-override-nova', 'deploy-lyon-override-heat']);
    expect(parsed.steps.find((s) => s.id === 'deploy-lyon-tools')!.dependsOn).toEqual(['deploy-paris-post-deploy']);
    expect(parsed.steps.find((s) => s.id === 'deploy-lyon-bootstrap-servers')!.dependsOn).toEqual(expect.arrayContaining(['deploy-lyon-admin-password', 'deploy-lyon-globals', 'deploy-lyon-inventory', 'deploy-lyon-override-nova']));
    const kolla = parsed.steps.filter((s) => s.action.kind === 'stack');
    expect(kolla.map((s) => [s.id, s.destructive, s.idempotent])).toEqual([
      ['deploy-paris-bootstrap-servers', true, true],
      ['deploy-paris-prechecks', false, true],
      ['deploy-paris-deploy', true, true],
      ['deploy-paris-post-deploy', false, true],
      ['deploy-lyon-bootstrap-servers', true, true],
      ['deploy-lyon-prechecks', false, true],
      ['deploy-lyon-deploy', true, true],
      ['deploy-lyon-post-deploy', false, true],
    ]);
    expect(kolla[6]!.target).toEqual({ node: 'ctl-b' });
    expect(kolla[6]!.action).toEqual({ kind: 'stack', stack: 'openstack', op: 'kolla-ansible', args: { region: 'Lyon', command: 'deploy', inventory: '/etc/kolla/multinode', configDir: '/etc/kolla', node: 'ctl-b' } });
  });

  it('writes the files as uploads with modes, and the shared admin password only by its secret id', () => {
    const { plan } = kollaDeployPlan(workspace(), choices);
    const parsed = parsePlan(plan);
    const uploads = parsed.steps.flatMap((s) => (s.action.kind === 'upload' ? [[s.id, s.action.path, s.action.mode]] : []));
    expect(uploads).toContainEqual(['deploy-lyon-globals', '/etc/kolla/globals.yml', '0640']);
    expect(uploads).toContainEqual(['deploy-lyon-override-nova', '/etc/kolla/config/nova.conf', '0640']);
    expect(uploads).toContainEqual(['deploy-paris-admin-password-file', `/etc/kolla/${adminPasswordFileName}`, '0600']);
    const secretStep = parsed.steps.find((s) => s.id === 'deploy-lyon-admin-password-file')!;
    expect(secretStep.action).toMatchObject({ kind: 'upload', content: { secretRef: 'keystone-admin' } });
    // The password file is read by a fixed script; the paths are its arguments.
    const set = parsed.steps.find((s) => s.id === 'deploy-lyon-admin-password')!;
    expect(set.action).toEqual({ kind: 'exec', command: { argv: ['python3', '-c', adminPasswordScript, '/etc/kolla/passwords.yml', `/etc/kolla/${adminPasswordFileName}`] } });
    expect(set.precheck).toEqual({ kind: 'exec', command: { argv: ['python3', '-c', adminPasswordScript, '--check', '/etc/kolla/passwords.yml', `/etc/kolla/${adminPasswordFileName}`] } });
    expect(parsed.steps.find((s) => s.id === 'deploy-lyon-genpwd')!.action).toEqual({ kind: 'exec', command: { argv: ['kolla-genpwd', '--passwords', '/etc/kolla/passwords.yml'] } });
  });

  it('uses the deploy host the region names, and refuses one the workspace does not have, by field', () => {
    expect(kollaDeployPlan(workspace({ deployHost: 'deployer-b' }), choices).regions[1]).toMatchObject({ region: 'Lyon', deployHost: 'deployer-b', address: '10.20.0.5' });
    const error = caught(() => kollaDeployPlan(workspace({ deployHost: 'ghost' }), choices));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toMatch(/^openstack\.regions\[1\]\.deployHost: the deploy host ghost of region Lyon is not a node of the workspace/);
    expect(error.detail).toMatchObject({ field: 'openstack.regions[1].deployHost' });
    // Validation shows it before any plan is asked for.
    expect(checkReferences(workspace({ deployHost: 'ghost' })).map((i) => [i.path.join('.'), i.message])).toEqual([
      ['openstack.regions.1.deployHost', 'The deploy host of region Lyon is "ghost", but this workspace has no node of that name. Add a node named "ghost", or correct the name.'],
    ]);
  });

  it("refuses without the admin's stored password, or with another user's login", () => {
    expect(caught(() => kollaDeployPlan(workspace({ secret: false }), choices)).detail).toMatchObject({ field: 'openstack.keystone.passwordSecret' });
    const other = caught(() => kollaDeployPlan(workspace({ username: 'ops' }), choices));
    expect(other.detail).toMatchObject({ field: 'openstack.keystone.username' });
    expect(other.message).toContain('user "ops"');
  });

  it('keeps hostile values data: config dirs that are not plain paths are refused, and scripts never carry workspace values', () => {
    for (const configDir of ['/etc/kolla; reboot', '/etc/kolla/$(id)', 'etc/kolla', '-rf', '/etc/../root', '/', '/etc/kolla\nx']) {
      const error = caught(() => kollaDeployPlan(workspace(), { ...choices, configDir }));
      expect(error.detail, configDir).toMatchObject({ field: 'configDir' });
    }
    // An interface or VIP that is not one is refused by the generator with its path; nothing is planned.
    const bad = caught(() => kollaDeployPlan(workspace(), { ...choices, regions: { ...choices.regions, Lyon: { internalVip: '10.20.0.250', networkInterface: 'ens18$(reboot)', externalInterface: 'ens19' } } }));
    expect(bad.code).toBe('INVALID_INPUT');
    const { plan } = kollaDeployPlan(workspace(), { ...choices, configDir: '/srv/kolla-lyon_2.d' });
    const parsed = parsePlan(plan);
    const fixed = new Set([toolsScript('22.1.0', '2026.1'), passwordsFileScript, adminPasswordScript]);
    for (const step of parsed.steps) {
      for (const check of [step.action, step.precheck]) {
        if (!check || check.kind !== 'exec' || !('argv' in check.command)) continue;
        const argv = check.command.argv as string[];
        // A script (sh -c / python3 -c) is always one of the fixed texts; every path is a separate word after it.
        if (argv[1] === '-c') expect(fixed.has(argv[2]!), `${step.id}: ${argv[2]}`).toBe(true);
        for (const word of argv) if (word.includes('/srv/kolla-lyon_2.d')) expect(word).toMatch(/^\/srv\/kolla-lyon_2\.d\/[a-z._-]+$/);
      }
    }
    expect(JSON.stringify(plan)).not.toContain('rm -rf');
  });

  it('names what to install when kolla-ansible is not on the deploy host', () => {
    const run = spawnSync('/bin/sh', ['-c', toolsScript('22.1.0', '2026.1')], { encoding: 'utf8', env: { PATH: '/nonexistent' } });
    expect(run.status).toBe(127);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toMatch(/^kolla-ansible is not installed \(not on PATH\)\. Install Kolla-Ansible 2026\.1 \(22\.1\.0\) on this deploy host, e\.g\. python3 -m venv \/opt\/kolla/);
  });

  it('sets the shared admin password in passwords.yml from its file, without printing it, only when it differs, with or without PyYAML', () => {
    const secret = `p"w' $(id) \\ é: #x`;
    for (const withYaml of [true, false]) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-adminpw-'));
      const passwords = path.join(dir, 'passwords.yml');
      const source = path.join(dir, adminPasswordFileName);
      fs.writeFileSync(passwords, '---\nkeystone_admin_password:\nnova_keystone_password: abc\n', { mode: 0o640 });
      fs.chmodSync(passwords, 0o640);
      fs.writeFileSync(source, secret, { mode: 0o600 });
      // Without PyYAML: the import fails as on a python3 that lacks it.
      const python = (...args: string[]) =>
        spawnSync('python3', withYaml ? ['-c', adminPasswordScript, ...args] : ['-c', "import sys; sys.modules['yaml'] = None; exec(sys.argv.pop(1))", adminPasswordScript, ...args], { encoding: 'utf8' });
      expect(python('--check', passwords, source).status).toBe(1);
      const set = python(passwords, source);
      expect(set.status, set.stderr).toBe(0);
      expect(set.stdout + set.stderr).not.toContain(secret);
      expect(parse(fs.readFileSync(passwords, 'utf8'))).toEqual({ keystone_admin_password: secret, nova_keystone_password: 'abc' });
      expect(fs.statSync(passwords).mode & 0o777).toBe(0o640);
      const before = fs.statSync(passwords).mtimeMs;
      expect(python('--check', passwords, source).status).toBe(0);
      expect(python(passwords, source).status).toBe(0);
      expect(fs.statSync(passwords).mtimeMs).toBe(before);
      expect(fs.readdirSync(dir).sort()).toEqual([adminPasswordFileName, 'passwords.yml']);
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
