// clusterwright exec against a real sshd: per-node prefixed output, per-node outcomes, the overall
// exit code, node selection, and host keys in a batch (refused unless --accept-new).
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, sshdAvailable, type SshdFixture } from '../../ssh/testing/openssh-server.js';
import { runCli } from '../index.js';
import { overallExitCode } from './exec.js';
import { MemorySecretStore } from '../../secrets/memory-store.js';
import { createSshEngine } from '../../ssh/index.js';
import { SshRemoteRunner } from '../../ssh/remote-runner.js';
import { resolveTarget } from '../../ssh/target.js';
import { loadWorkspaceFile } from '../../ssh/workspace-file.js';

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

describe('overall exit code', () => {
  const ok = { node: 'a', exitCode: 0, exitSignal: null, durationMs: 1 };
  it('is 0 only when every node exited 0, prefers auth (4) over unreachable (3) over a failed command (1)', () => {
    expect(overallExitCode([ok, { ...ok, node: 'b' }])).toBe(0);
    expect(overallExitCode([ok, { ...ok, node: 'b', exitCode: 2 }])).toBe(1);
    expect(overallExitCode([ok, { ...ok, exitCode: null, error: { code: 'UNREACHABLE', message: '' } }])).toBe(3);
    expect(overallExitCode([{ ...ok, exitCode: null, error: { code: 'UNREACHABLE', message: '' } }, { ...ok, exitCode: null, error: { code: 'HOST_KEY_CHANGED', message: '' } }])).toBe(4);
  });
});

describe.skipIf(sshdAvailable() !== null)('clusterwright exec', () => {
  let sshd: SshdFixture;
  let dir: string;
  let workspaceFile: string;

  beforeAll(async () => {
    sshd = await startSshd();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-exec-'));
    const ssh = (host: string, port: number) => `{ host: ${host}, port: ${port}, user: ${sshd.user}, identityFile: ${sshd.clientKeyFile} }`;
    workspaceFile = path.join(dir, 'clusterwright.yaml');
    fs.writeFileSync(
      workspaceFile,
      [
        'version: 1',
        'name: Exec test',
        'sites:',
        '  - { name: office, kind: lan }',
        '  - { name: remote, kind: wan }',
        'nodes:',
        `  - { name: pve1, site: office, ssh: ${ssh('127.0.0.1', sshd.port)} }`,
        `  - { name: pve2, site: office, ssh: ${ssh('localhost', sshd.port)} }`,
        `  - { name: far1, site: remote, ssh: ${ssh('127.0.0.1', await closedPort())} }`,
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await sshd?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  async function cli(args: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['exec', ...args], { out: (t) => out.push(t), err: (t) => err.push(t), isTTY: false, distDir: dir, env: { HOME: dir, CLUSTERWRIGHT_HOME: path.join(dir, 'data') } });
    return { code, out, err };
  }

  it('refuses unknown host keys in a batch (exit 4) and names the fingerprint; --accept-new pins them', async () => {
    const refused = await cli([workspaceFile, 'pve1', '--', 'echo', 'hi']);
    expect(refused.code).toBe(4);
    expect(refused.err.join('\n')).toContain(`HOST_KEY_UNKNOWN`);
    expect(refused.err.join('\n')).toContain(sshd.hostKeyFingerprints.ed25519!);
    const accepted = await cli([workspaceFile, 'pve1', '--accept-new', '--', 'echo', 'hi']);
    expect(accepted.code).toBe(0);
  });

  it('runs on a site in parallel, prefixes every line with its node, and exits 0 when all succeed', async () => {
    const result = await cli([workspaceFile, 'site:office', '--accept-new', '--', 'printf "one\\ntwo\\n"; echo warn >&2']);
    expect(result.code).toBe(0);
    expect(result.out.sort()).toEqual(['pve1 | one', 'pve1 | two', 'pve2 | one', 'pve2 | two']);
    expect(result.err).toEqual(expect.arrayContaining(['pve1 | warn', 'pve2 | warn', '2 of 2 node(s) succeeded; exit code 0.']));
  });

  it('reports each node\'s exit code and an overall 1 when a command fails somewhere', async () => {
    const result = await cli([workspaceFile, 'pve1,pve2', '--json', '--', 'test "$SSH_CONNECTION" != "" && exit 7']);
    const report = JSON.parse(result.out.join('\n'));
    expect(report.nodes.map((n: { node: string; exitCode: number }) => [n.node, n.exitCode])).toEqual([
      ['pve1', 7],
      ['pve2', 7],
    ]);
    expect(result.code).toBe(1);
  });

  it('reports an unreachable node as UNREACHABLE (exit 3) while the others still run', async () => {
    const result = await cli([workspaceFile, 'all', '--accept-new', '--', 'echo', 'up']);
    expect(result.code).toBe(3);
    expect(result.out.sort()).toEqual(['pve1 | up', 'pve2 | up']);
    expect(result.err.join('\n')).toMatch(/far1 +UNREACHABLE: .*refused the connection/);
  }, 30_000);

  it('runs workspace commands on a node over SSH with every argument quoted (the latency runner)', async () => {
    const { workspace } = loadWorkspaceFile(workspaceFile);
    const engine = createSshEngine({ secrets: new MemorySecretStore(), knownHostsFiles: [], pinnedHostKeysFile: path.join(dir, 'runner-pinned.json'), acceptNewHostKeys: true, env: {} });
    const runner = new SshRemoteRunner(engine, workspace, (spec) => resolveTarget(spec, { config: null, env: {}, home: dir }));
    const result = await runner.exec('pve2', ['printf', '%s|', 'a b', "it's", '$(id)'], { timeoutMs: 10_000 });
    expect(result).toEqual({ code: 0, stdout: "a b|it's|$(id)|", stderr: '' });
    await engine.closeAll();
  });

  it('says what is wrong with the node selection', async () => {
    const result = await cli([workspaceFile, 'pve9', '--', 'true']);
    expect(result.code).toBe(64);
    expect(result.err.join('\n')).toContain('There is no node "pve9" in the workspace (nodes: pve1, pve2, far1)');
  });
});
