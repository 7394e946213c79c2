// The built CLI as a script calls it (`node bin/clusterwright.mjs …`, the default data folder under $HOME,
// no extra variables): every verb against a lab it started exits by itself, in bounded time, with the
// code the README's table gives it; the lab's own hosts need no --accept-new; a changed host key is
// exit 4 for every verb that connects.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { utils } from 'ssh2';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openLab, readLabState, stopLab } from '../../main/node/lab/index.js';
import { PinnedHostKeys } from '../../main/node/ssh/pinned-host-keys.js';
import { describeLab } from '../support/lab.js';
import { parsableKeyPair } from '../../main/node/ssh/testing/ssh2-server.js';

const prefix = 'cwxv';
const root = path.resolve(__dirname, '../..');
const bin = path.join(root, 'bin', 'clusterwright.mjs');
const tmp = fs.mkdtempSync(`/tmp/${prefix}-`);
/** The admin's $HOME: the data folder is where it really is for them (~/.local/share/clusterwright). */
const home = path.join(tmp, 'h');
const dataHome = path.join(home, '.local', 'share', 'clusterwright');
const stateDir = path.join(dataHome, 'lab');
const labWorkspace = path.join(stateDir, 'workspace');
const specFile = path.join(tmp, 'lab.yml');
const planFile = path.join(tmp, 'plan.yaml');

function adminEnv(homeDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, HOME: homeDir };
  for (const name of ['CLUSTERWRIGHT_HOME', 'XDG_DATA_HOME', 'CLUSTERWRIGHT_SECRETS_PASSPHRASE', 'SSH_AUTH_SOCK']) delete env[name];
  return env;
}

interface Exit {
  args: string[];
  code: number | null;
  /** Set when the bound ran out and the test had to kill the process: the bug this file guards against. */
  killed: boolean;
  ms: number;
  out: string;
  err: string;
}

/** Runs the built CLI and waits for it to exit by itself; after `boundMs` it is killed and `killed` is set. */
function cli(args: string[], options: { boundMs?: number; env?: NodeJS.ProcessEnv; input?: string } = {}): Promise<Exit> {
  const boundMs = options.boundMs ?? 30_000;
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, [bin, ...args], { env: options.env ?? adminEnv(home), cwd: tmp, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let killed = false;
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.stdin.end(options.input ?? '');
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, boundMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ args, code, killed, ms: Date.now() - started, out, err });
    });
  });
}

const timings: string[] = [];

/** Exited by itself, within its bound, with this code. */
function expectExit(result: Exit, code: number): void {
  const verb = ['lab', 'hostkeys', 'secrets'].includes(result.args[0]!) ? result.args.slice(0, 2).join(' ') : result.args[0];
  timings.push(`${verb} → exit ${result.code} in ${result.ms} ms`);
  expect(result.killed, `still running after ${result.ms} ms; stdout: ${result.out.slice(-400)} stderr: ${result.err.slice(-400)}`).toBe(false);
  expect(result.code, `stderr: ${result.err.slice(-800)}`).toBe(code);
}

function netnsWithPrefix(): string[] {
  const listed = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
  return listed.split('\n').map((l) => l.split(' ')[0]!).filter((n) => n.startsWith(`${prefix}-`));
}


afterAll(async () => {
  console.log(`The built CLI, each verb from start to exit:\n  ${timings.join('\n  ')}`);
  if (readLabState(stateDir)) await cli(['lab', 'down', '--prefix', prefix], { boundMs: 60_000 });
  await stopLab(stateDir, { prefix });
  fs.rmSync(tmp, { recursive: true, force: true });
}, 90_000);

describeLab('the built CLI: every verb exits by itself with its documented code', () => {
  beforeAll(() => {
    const built = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs'), '--node-only'], { cwd: root, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`Building the CLI failed: ${built.stderr}`);
    fs.mkdirSync(home, { recursive: true, mode: 0o700 });
    fs.writeFileSync(specFile, 'name: cwxv-verbs\nsites:\n  - name: a\n    hosts: [a1]\n  - name: b\n    hosts: [b1]\n    link: man\n');
  }, 60_000);

  let addresses: Record<string, string> = {};

  it('lab up and lab status', async () => {
    const up = await cli(['lab', 'up', specFile, '--prefix', prefix], { boundMs: 120_000 });
    expectExit(up, 0);
    const lab = openLab(stateDir);
    addresses = Object.fromEntries(lab.hosts.map((h) => [h.name, h.addresses.management!]));
    expectExit(await cli(['lab', 'status']), 0);
  }, 150_000);

  it('validate', async () => {
    const result = await cli(['validate', labWorkspace, '--json']);
    const report = JSON.parse(result.out) as { exitCode: number };
    expect([0, 1]).toContain(report.exitCode);
    expectExit(result, report.exitCode);
  });

  it('latency and exec reach the lab\'s own hosts without --accept-new and without pinning their keys', async () => {
    expectExit(await cli(['latency', labWorkspace, '--count', '2']), 0);
    const exec = await cli(['exec', labWorkspace, 'all', '--json', '--', 'hostname; echo to-stderr >&2']);
    expectExit(exec, 0);
    const report = JSON.parse(exec.out) as { nodes: { node: string; exitCode: number; stdout: string; stderr: string }[] };
    expect(report.nodes.map((n) => [n.node, n.exitCode, n.stdout, n.stderr])).toEqual([
      ['a1', 0, 'a1\n', 'to-stderr\n'],
      ['b1', 0, 'b1\n', 'to-stderr\n'],
    ]);
    expect(new PinnedHostKeys(path.join(dataHome, 'ssh', 'pinned-host-keys.json')).list()).toEqual([]);
  }, 90_000);

  it('plan, apply (a failing step: exit 1), resume (exit 0 once fixed) and status', async () => {
    fs.writeFileSync(
      planFile,
      [
        'version: 1',
        'id: cwxv-verbs',
        'title: Touch a file on both lab hosts',
        'nodes:',
        `  a1: { address: ${addresses.a1}, user: root }`,
        `  b1: { address: ${addresses.b1}, user: root }`,
        'steps:',
        // An upload: `plan` reads the file on a1 over SSH for its live diff.
        '  - id: file-a1',
        '    title: A file on a1',
        '    target: { node: a1 }',
        '    action: { kind: upload, path: /root/cwxv-file, content: "hello\\n" }',
        '  - id: mark-a1',
        '    title: Mark a1',
        '    target: { node: a1 }',
        '    action: { kind: exec, command: { argv: [touch, /root/cwxv-mark] } }',
        '  - id: need-b1',
        '    title: Needs the go file on b1',
        '    target: { node: b1 }',
        '    action: { kind: exec, command: { argv: [test, -e, /root/cwxv-go] } }',
        '    dependsOn: [mark-a1]',
        '',
      ].join('\n'),
    );
    const preview = await cli(['plan', planFile, '--workspace', labWorkspace]);
    expectExit(preview, 0);
    expect(preview.out).toContain('+hello');
    const applied = await cli(['apply', planFile, '--workspace', labWorkspace, '--json']);
    expectExit(applied, 1);
    const runId = (JSON.parse(applied.out) as { runId: string }).runId;
    const lab = openLab(stateDir);
    expect(fs.existsSync(lab.hostPath('a1', '/root/cwxv-mark'))).toBe(true);
    fs.writeFileSync(lab.hostPath('b1', '/root/cwxv-go'), '');
    expectExit(await cli(['resume', runId, '--workspace', labWorkspace]), 0);
    expectExit(await cli(['status', '--workspace', labWorkspace]), 0);
    const status = await cli(['status', runId, '--workspace', labWorkspace, '--json']);
    expectExit(status, 0);
    expect(JSON.parse(status.out)).toMatchObject({ runId, status: 'succeeded' });
  }, 120_000);

  it('hostkeys list and forget (recorded in the audit log); forgetting a host with no pinned key is exit 1', async () => {
    const pinned = new PinnedHostKeys(path.join(dataHome, 'ssh', 'pinned-host-keys.json'));
    const other = utils.parseKey(parsableKeyPair('ed25519').public);
    if (other instanceof Error || Array.isArray(other)) throw new Error('key');
    const entry = pinned.pin('192.0.2.7', 2222, other.getPublicSSH());
    const list = await cli(['hostkeys', 'list', '--json']);
    expectExit(list, 0);
    expect(JSON.parse(list.out)).toMatchObject({ keys: expect.arrayContaining([expect.objectContaining({ host: '192.0.2.7', port: 2222, fingerprint: entry.fingerprint, source: 'pinned' })]) });
    const forget = await cli(['hostkeys', 'forget', '192.0.2.7:2222']);
    expectExit(forget, 0);
    expect(forget.out).toContain(entry.fingerprint);
    expect(pinned.list()).toEqual([]);
    const audit = fs.readFileSync(path.join(dataHome, 'workspace', 'audit.log'), 'utf8');
    expect(audit).toContain('192.0.2.7:2222');
    expect(audit).toContain(entry.fingerprint);
    expectExit(await cli(['hostkeys', 'forget', '192.0.2.7:2222']), 1);
    expectExit(await cli(['hostkeys', 'forget', '192.0.2.7:notaport']), 64);
  });

  it('secrets put and list', async () => {
    const env = { ...adminEnv(home), CLUSTERWRIGHT_SECRETS_PASSPHRASE: 'cwxv passphrase for this test' };
    const put = await cli(['secrets', 'put', '--label', 'cwxv test'], { env, input: 'not-a-real-password\n' });
    expectExit(put, 0);
    const list = await cli(['secrets', 'list', '--json'], { env });
    expectExit(list, 0);
    expect(JSON.parse(list.out)).toEqual([expect.objectContaining({ id: put.out.trim(), label: 'cwxv test' })]);
  });

  it('a changed host key is exit 4 for latency, exec, plan and apply alike', async () => {
    // Another admin's machine: no lab here, and a1's address pinned with some other key.
    const otherHome = path.join(tmp, 'other');
    fs.mkdirSync(otherHome, { recursive: true, mode: 0o700 });
    const env = adminEnv(otherHome);
    const pinned = new PinnedHostKeys(path.join(otherHome, '.local', 'share', 'clusterwright', 'ssh', 'pinned-host-keys.json'));
    const other = utils.parseKey(parsableKeyPair('ed25519').public);
    if (other instanceof Error || Array.isArray(other)) throw new Error('key');
    pinned.pin(addresses.a1!, 22, other.getPublicSSH());
    const latency = await cli(['latency', labWorkspace, '--count', '1', '--node', 'a1', '--accept-new'], { env });
    expectExit(latency, 4);
    const exec = await cli(['exec', labWorkspace, 'a1', '--accept-new', '--', 'true'], { env });
    expectExit(exec, 4);
    expect(exec.err).toContain('HOST_KEY_CHANGED');
    expectExit(await cli(['plan', planFile, '--workspace', labWorkspace, '--accept-new'], { env }), 4);
    expectExit(await cli(['apply', planFile, '--workspace', labWorkspace, '--accept-new'], { env }), 4);
  }, 120_000);

  it('lab down', async () => {
    expectExit(await cli(['lab', 'down'], { boundMs: 60_000 }), 0);
    expect(netnsWithPrefix()).toEqual([]);
  }, 90_000);
});
