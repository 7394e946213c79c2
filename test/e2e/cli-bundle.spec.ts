// The built CLI (dist/node/cli.cjs) as an admin runs it: bundling can break what the sources do
// (CommonJS interop of packages), so exec, validate and info run here from the bundle against a real sshd.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { serializeWorkspace } from '../../main/common/workspace/serialize.js';
import type { Workspace } from '../../main/common/workspace/schema.js';
import { exitCodeFor } from '../../main/node/cli/types.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';

let sshd: SshdFixture;
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-cli-bundle-'));
const workspaceFile = path.join(home, 'clusterwright.yaml');

function cli(...args: string[]) {
  return cliWith({}, undefined, ...args);
}

function cliWith(env: Record<string, string>, input: string | undefined, ...args: string[]) {
  const run = spawnSync(process.execPath, ['bin/clusterwright.mjs', ...args], { env: { ...process.env, CLUSTERWRIGHT_HOME: home, ...env }, encoding: 'utf8', timeout: 60_000, ...(input !== undefined ? { input } : {}) });
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

  it('secrets: put reads the value from stdin (never argv), list shows labels only, delete removes it; no passphrase → refused', () => {
    const env = { CLUSTERWRIGHT_SECRETS_PASSPHRASE: 'bundle test passphrase' };
    // No terminal to ask on (stdin is a pipe) and no variable: the locked store is reported, exit 4.
    const locked = cliWith({ CLUSTERWRIGHT_SECRETS_PASSPHRASE: '' }, undefined, 'secrets', 'list');
    expect(locked.err).toMatch(/secret store is locked.*Set CLUSTERWRIGHT_SECRETS_PASSPHRASE for scripts/s);
    expect(locked.code).toBe(4);
    expect(cliWith(env, '', 'secrets', 'put', '--label', 'root@pam on homelab', 'hunter2').code).not.toBe(0);
    const put = cliWith(env, 'pve-root-secret\n', 'secrets', 'put', '--label', 'root@pam on homelab');
    expect(put.code, put.err).toBe(0);
    const id = put.out.trim();
    expect(id).toMatch(/\S+/);
    const list = cliWith(env, undefined, 'secrets', 'list');
    expect(list.out).toContain(id);
    expect(list.out).toContain('root@pam on homelab');
    expect(list.out + list.err + put.out + put.err).not.toContain('pve-root-secret');
    // Sealed on disk: the value is nowhere in the data folder in clear.
    const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    expect(files(home).filter((f) => fs.readFileSync(f).includes('pve-root-secret'))).toEqual([]);
    expect(cliWith(env, undefined, 'secrets', 'delete', id).code).toBe(0);
    expect(cliWith(env, undefined, 'secrets', 'delete', id).err).toMatch(/There is no secret/);
  });

  it('exits quietly with its own code when the reader closes the pipe early (validate | head -c 10): no EPIPE stack trace', () => {
    // A workspace whose report is far larger than a pipe's buffer (64 KiB), so writing goes on after head has gone.
    const dir = fs.mkdtempSync(path.join(home, 'pipe-'));
    const nodes = Array.from({ length: 600 }, (_, i) => `  - { name: n${i}, site: nowhere${i}, addresses: { mgmt: 10.0.${i >> 8}.${i & 255} } }`);
    fs.writeFileSync(path.join(dir, 'clusterwright.yaml'), ['version: 1', 'name: Pipe', 'sites:', '  - { name: here, kind: lan }', 'networks:', '  - { name: mgmt, roles: [management] }', 'nodes:', ...nodes, ''].join('\n'));
    const full = cli('validate', '--json', dir);
    expect(full.code).toBe(2);
    expect(full.out.length).toBeGreaterThan(128 * 1024);
    for (const args of [['validate', '--json', dir], ['validate', dir]]) {
      const errFile = path.join(dir, 'stderr');
      const run = spawnSync('bash', ['-c', `node bin/clusterwright.mjs "$@" 2>${errFile} | head -c 10; echo " status=\${PIPESTATUS[0]}"`, 'pipe', ...args], {
        env: { ...process.env, CLUSTERWRIGHT_HOME: home },
        encoding: 'utf8',
        timeout: 60_000,
      });
      expect(run.stdout).toMatch(/ status=2\n$/);
      expect(run.stdout.replace(/ status=2\n$/, '')).toHaveLength(10);
      expect(fs.readFileSync(errFile, 'utf8')).toBe('');
    }
  });

  it('exec --json carries each node\'s output, bounded with the truncation marked', () => {
    const run = cli('exec', workspaceFile, 'all', '--accept-new', '--json', '--max-output', '1001', '--', 'head -c 5000 /dev/zero | tr "\\0" x; printf "é%.0s" $(seq 600) >&2; echo done');
    expect(run.code, run.err).toBe(0);
    const report = JSON.parse(run.out) as { nodes: { node: string; stdout: string; stderr: string; stdoutBytes: number; stderrBytes: number; stdoutTruncated: boolean; stderrTruncated: boolean }[] };
    expect(report.nodes.map((n) => n.node)).toEqual(['n1', 'n2']);
    for (const node of report.nodes) {
      expect(node).toMatchObject({ stdout: 'x'.repeat(1001), stdoutBytes: 5005, stdoutTruncated: true, stderrBytes: 1200, stderrTruncated: true });
      // Cut at a character boundary: 500 two-byte characters, not 499 and a half.
      expect(node.stderr).toBe('é'.repeat(500));
    }
    const small = JSON.parse(cli('exec', workspaceFile, 'n1', '--json', '--', 'echo out; echo err >&2').out) as { nodes: { stdout: string; stderr: string; stdoutTruncated: boolean }[] };
    expect(small.nodes[0]).toMatchObject({ stdout: 'out\n', stderr: 'err\n', stdoutTruncated: false });
  });

  it('exec opens its first connection before loading its own bundle and ssh2 (the loads overlap the TCP handshake), and still verifies the host key', () => {
    // The entry as bin/clusterwright.mjs runs it, in a script that notes, at each connection it opens, whether ssh2
    // and exec's bundle (dist/node/cli-exec.cjs: the command, the workspace model) were loaded.
    const probe = path.join(home, 'connect-order.cjs');
    fs.writeFileSync(
      probe,
      [
        'const net = require("node:net");',
        'const ssh2Loaded = () => Object.keys(require.cache).some((f) => /[\\/]node_modules[\\/]ssh2[\\/]lib[\\/]index\.js$/.test(f));',
        'const execLoaded = () => Object.keys(require.cache).some((f) => /[\\/]cli-exec\.cjs$/.test(f));',
        'const seen = [];',
        'const execSeen = [];',
        'const connect = net.connect;',
        'net.connect = function (...args) { seen.push(ssh2Loaded()); execSeen.push(execLoaded()); return connect.apply(this, args); };',
        `require(${JSON.stringify(path.resolve(__dirname, '../../dist/node/cli.cjs'))});`,
        'process.on("exit", () => process.stderr.write("ORDER " + JSON.stringify({ ssh2LoadedAtConnect: seen, ssh2LoadedAtExit: ssh2Loaded(), execLoadedAtConnect: execSeen, execLoadedAtExit: execLoaded() }) + "\\n"));',
        '',
      ].join('\n'),
    );
    const run = (...args: string[]) => {
      const done = spawnSync(process.execPath, [probe, ...args], { env: { ...process.env, CLUSTERWRIGHT_HOME: home }, encoding: 'utf8', timeout: 60_000 });
      return { code: done.status, out: done.stdout, err: done.stderr, order: JSON.parse(/ORDER (.*)/.exec(done.stderr)![1]!) as { ssh2LoadedAtConnect: boolean[]; ssh2LoadedAtExit: boolean; execLoadedAtConnect: boolean[]; execLoadedAtExit: boolean } };
    };
    const ran = run('exec', workspaceFile, 'n1', '--', 'echo', 'connected-first');
    expect(ran.code, ran.err).toBe(0);
    expect(ran.out).toMatch(/n1 \| connected-first/);
    expect(ran.order).toEqual({ ssh2LoadedAtConnect: [false], ssh2LoadedAtExit: true, execLoadedAtConnect: [false], execLoadedAtExit: true });
    // A host key no one vouches for still stops the command before any login (a fresh home pins nothing).
    const otherHome = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-cli-bundle-order-'));
    try {
      const refused = spawnSync(process.execPath, [probe, 'exec', workspaceFile, 'n1', '--', 'echo', 'must-not-run'], { env: { ...process.env, CLUSTERWRIGHT_HOME: otherHome, HOME: otherHome }, encoding: 'utf8', timeout: 60_000 });
      expect(refused.status, refused.stderr).toBe(4);
      expect(refused.stderr).toMatch(/SHA256:/);
      expect(refused.stdout).not.toMatch(/must-not-run/);
    } finally {
      fs.rmSync(otherHome, { recursive: true, force: true });
    }
  });

  it('exec sends nothing on the connection it opened early when the workspace has errors outside its nodes, and fails as before', async () => {
    // The nodes are valid (exec may open TCP to them while the whole model loads); the file still has an error.
    const listener = net.createServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const { port } = listener.address() as net.AddressInfo;
    const received: number[] = [];
    listener.on('connection', (socket) => {
      const index = received.push(0) - 1;
      socket.on('data', (chunk: Buffer) => (received[index]! += chunk.byteLength));
      socket.on('error', () => {});
    });
    const node = ['nodes:', '  - name: n1', '    site: SITE', '    addresses: { mgmt: 127.0.0.1 }', `    ssh: { host: 127.0.0.1, port: ${port}, user: nobody }`];
    const files = {
      'overlays of the wrong shape': ['version: 1', 'name: broken', 'sites: [{ name: here, kind: lan }]', 'networks: [{ name: mgmt, roles: [management] }]', ...node.map((l) => l.replace('SITE', 'here')), 'overlays: 5'],
      'a stack section of the wrong shape': ['version: 1', 'name: broken', 'sites: [{ name: here, kind: lan }]', 'networks: [{ name: mgmt, roles: [management] }]', ...node.map((l) => l.replace('SITE', 'here')), 'proxmox: 5'],
    };
    try {
      for (const [what, lines] of Object.entries(files)) {
        const file = path.join(home, 'broken-exec.yaml');
        fs.writeFileSync(file, lines.join('\n') + '\n');
        received.length = 0;
        const child = spawn(process.execPath, ['bin/clusterwright.mjs', 'exec', file, 'n1', '--accept-new', '--', 'echo', 'must-not-run'], { env: { ...process.env, CLUSTERWRIGHT_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
        let err = '';
        child.stderr.setEncoding('utf8').on('data', (text: string) => (err += text));
        const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
        expect(code, `${what}: ${err}`).toBe(exitCodeFor('INVALID_INPUT'));
        expect(err, what).toMatch(/exec: The workspace .*broken-exec\.yaml has errors \(line \d+: .+\); fix them first/);
        // The one early TCP connection (the nodes were valid), and not a byte on it: no SSH banner, no login.
        expect(received.length, what).toBe(1);
        expect(received.every((bytes) => bytes === 0), `${what}: ${JSON.stringify(received)}`).toBe(true);
      }
    } finally {
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  });
});
