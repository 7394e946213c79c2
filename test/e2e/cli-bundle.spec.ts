// The built CLI (dist/node/cli.cjs) as an admin runs it: bundling can break what the sources do
// (CommonJS interop of packages), so exec, validate and info run here from the bundle against a real sshd.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serializeWorkspace } from '../../main/common/workspace/serialize.js';
import type { Workspace } from '../../main/common/workspace/schema.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

let sshd: SshdFixture;
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-cli-bundle-'));
const workspaceFile = path.join(home, 'clusterwright.yaml');

function cli(...args: string[]) {
  const run = spawnSync(process.execPath, ['bin/clusterwright.mjs', ...args], { env: { ...process.env, CLUSTERWRIGHT_HOME: home }, encoding: 'utf8', timeout: 60_000 });
  return { code: run.status, out: run.stdout, err: run.stderr };
}

beforeAll(async () => {
  sshd = await startSshd();
  const workspace = {
    version: 1,
    name: 'CLI bundle test',
    sites: [{ name: 'here', kind: 'lan' }],
    networks: [{ name: 'mgmt', roles: ['management'] }],
    nodes: ['n1', 'n2'].map((name, i) => ({ name, site: 'here', addresses: { mgmt: `127.0.0.${i + 1}` }, ssh: { host: sshd.host, port: sshd.port, user: sshd.user, identityFile: sshd.clientKeyFile } })),
  } as unknown as Workspace;
  fs.writeFileSync(workspaceFile, serializeWorkspace(workspace));
});
afterAll(async () => {
  await sshd?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

describe('the bundled clusterwright CLI', () => {
  it('exec refuses unknown host keys without --accept-new, then runs on every node with it', () => {
    const refused = cli('exec', workspaceFile, 'all', '--', 'echo', 'hi');
    expect(refused.code).toBe(4);
    expect(refused.err + refused.out).toMatch(/SHA256:/);
    const ran = cli('exec', workspaceFile, 'all', '--accept-new', '--', 'echo', 'hi-from-$(hostname)');
    expect(ran.err).not.toMatch(/unexpected error/);
    expect(ran.code, ran.out + ran.err).toBe(0);
    expect(ran.out).toMatch(/n1 \| hi-from-/);
    expect(ran.out).toMatch(/n2 \| hi-from-/);
  });

  it('validate and info run from the bundle', () => {
    const validate = cli('validate', workspaceFile, '--json');
    expect([0, 1]).toContain(validate.code);
    expect(JSON.parse(validate.out)).toHaveProperty('findings');
    const info = cli('info', '--json');
    expect(info.code).toBe(0);
    expect(JSON.parse(info.out)).toMatchObject({ name: 'Clusterwright', hostKind: 'cli' });
  });
});
