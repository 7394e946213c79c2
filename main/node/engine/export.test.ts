import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parsePlan } from '../../common/plan/dag.js';
import type { Plan, PlanInput } from '../../common/plan/schema.js';
import { shellQuote } from '../ssh/shell-quote.js';
import { PlanEngine } from './engine.js';
import { exportAnsible } from './export-ansible.js';
import { exportShell } from './export-shell.js';
import { EnvSecretResolver } from './render.js';
import { localPlan, ProbeRunner, tempDir } from './test-helpers.js';

const secretValue = `pa'ss "w$0rd" \`x\` {{ nope }}`;
const secretEnv = { CW_SECRET_DB_PASS: secretValue };
const awkward = ["it's", 'two words', '$HOME', '`id`', 'a\nb', '*', '', '--', 'back\\slash', '{{ jinja }}', 'ünï'];
const hasAnsible = spawnSync('sh', ['-c', 'command -v ansible-playbook'], { encoding: 'utf8' }).status === 0;
const hasCurl = spawnSync('sh', ['-c', 'command -v curl'], { encoding: 'utf8' }).status === 0;

/** The same plan rooted at a given folder: odd arguments, a secret in a script and a file, an append, a wait and a destructive step. */
function endStatePlan(root: string): PlanInput {
  return localPlan('export-end-state', [
    { id: 'dirs', title: 'make folders', target: { node: 'n1' }, action: { kind: 'exec', command: { argv: ['mkdir', '-p', `${root}/etc`, `${root}/var`] } }, precheck: { kind: 'exec', command: { argv: ['test', '-d', `${root}/var`] } } },
    {
      id: 'args',
      title: 'write awkward arguments',
      target: { node: 'n1' },
      action: { kind: 'exec', command: { argv: ['sh', '-c', 'for a in "$@"; do printf "[%s]\\n" "$a"; done > "$0"', `${root}/var/args`, ...awkward] } },
      precheck: { kind: 'exec', command: { argv: ['test', '-e', `${root}/var/args`] } },
      dependsOn: ['dirs'],
    },
    {
      id: 'secret-file',
      title: 'write the password hash input',
      target: { node: 'n2' },
      action: { kind: 'exec', command: { sh: 'printf "%s" "$PW" | cksum > "$OUT"', env: { PW: { secretRef: 'db-pass' }, OUT: `${root}/var/pw.cksum` } } },
      precheck: { kind: 'exec', command: { argv: ['test', '-e', `${root}/var/pw.cksum`] } },
      dependsOn: ['dirs'],
    },
    { id: 'conf', title: 'config with a secret', target: { node: 'n2' }, action: { kind: 'upload', path: `${root}/etc/app.conf`, content: ['# {{ not a template }}\npassword = ', { secretRef: 'db-pass' }, '\nname = "x"\n'], mode: '0600' }, dependsOn: ['dirs'] },
    {
      id: 'append',
      title: 'add a member',
      target: { node: 'n3' },
      action: { kind: 'exec', command: { sh: `echo member >> ${shellQuote(`${root}/var/members`)}` } },
      precheck: `grep -qx member ${shellQuote(`${root}/var/members`)}`,
      idempotent: false,
      verify: `grep -qx member ${shellQuote(`${root}/var/members`)}`,
      dependsOn: ['dirs'],
    },
    { id: 'wait', title: 'wait for the member', target: { node: 'n1' }, action: { kind: 'wait', until: `test -s ${shellQuote(`${root}/var/members`)}`, intervalMs: 100, deadlineMs: 3000 }, dependsOn: ['append'] },
    {
      id: 'drop-old',
      title: 'remove the old file',
      target: { node: 'n3' },
      action: { kind: 'exec', command: { argv: ['rm', '-f', `${root}/var/old`] } },
      precheck: { kind: 'exec', command: { sh: `! test -e ${shellQuote(`${root}/var/old`)}` } },
      destructive: true,
      dependsOn: ['wait'],
    },
  ]);
}

/** Every file under root as relative path → content and mode. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of fs.readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const full = path.join(entry.parentPath, entry.name);
    out[path.relative(root, full)] = `${(fs.statSync(full).mode & 0o777).toString(8)} ${fs.readFileSync(full, 'utf8')}`;
  }
  return out;
}

function freshRoot(): string {
  const root = path.join(tempDir('cw-export-'), 'root dir');
  fs.mkdirSync(path.join(root, 'var'), { recursive: true });
  fs.writeFileSync(path.join(root, 'var', 'old'), 'old\n');
  return root;
}

async function engineEndState(): Promise<Record<string, string>> {
  const root = freshRoot();
  const plan = endStatePlan(root);
  const engine = new PlanEngine({ runner: new ProbeRunner(), secrets: new EnvSecretResolver(secretEnv), workspaceDir: tempDir() });
  engine.approvals.approve(parsePlan(plan), ['drop-old']);
  const result = await engine.apply(plan).done;
  expect(result.status, result.message).toBe('succeeded');
  return snapshot(root);
}

describe('shellQuote', () => {
  it('hands every argument to the program unchanged through sh', () => {
    const values = [...awkward, "'", "''", '"', '\\', '$(touch /tmp/cw-pwned)', '; rm -rf /', 'a b\tc', '~', '!', '#comment', 'x=y', '-n'];
    const script = `printf '%s\\0' ${values.map(shellQuote).join(' ')}`;
    const out = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
    expect(out.stdout.split('\0').slice(0, -1)).toEqual(values);
    expect(shellQuote('plain-word_1.2:/x')).toBe('plain-word_1.2:/x');
    expect(() => shellQuote('a\0b')).toThrow();
  });
});

describe('shell export', () => {
  it('reaches the same end state as the engine on a fresh folder, and a second run changes nothing', async () => {
    const expected = await engineEndState();
    expect(Object.keys(expected).sort()).toEqual(['etc/app.conf', 'var/args', 'var/members', 'var/pw.cksum']);

    const root = freshRoot();
    const [script] = exportShell(parsePlan(endStatePlan(root)));
    const file = path.join(tempDir(), script!.name);
    fs.writeFileSync(file, script!.content);
    expect(script!.content).not.toContain(secretValue);
    expect(script!.content).toContain('"$CW_SECRET_DB_PASS"');

    // Without approval the destructive step refuses, and the old file stays.
    const refused = spawnSync('sh', [file], { encoding: 'utf8', env: { PATH: process.env.PATH, ...secretEnv } });
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('step drop-old is destructive');
    expect(fs.existsSync(path.join(root, 'var', 'old'))).toBe(true);

    const run = spawnSync('sh', [file], { encoding: 'utf8', env: { PATH: process.env.PATH, ...secretEnv, CW_APPROVE_DESTRUCTIVE: '1' } });
    expect(run.status, run.stderr).toBe(0);
    expect(snapshot(root)).toEqual(expected);

    const again = spawnSync('sh', [file], { encoding: 'utf8', env: { PATH: process.env.PATH, ...secretEnv } });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).not.toMatch(/^run /m);
    expect(again.stderr).toContain('skip append: already done');
    expect(snapshot(root)).toEqual(expected);
  });

  it('says which secret variable is missing instead of running without it', () => {
    const [script] = exportShell(parsePlan(endStatePlan(freshRoot())));
    const file = path.join(tempDir(), 'plan.sh');
    fs.writeFileSync(file, script!.content);
    const run = spawnSync('sh', [file], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('CW_SECRET_DB_PASS');
  });

  // Debian package: curl.
  it.skipIf(!hasCurl)('calls APIs with curl, the secret JSON-escaped at run time', async () => {
    const bodies: string[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        bodies.push(`${req.method} ${req.url} ${req.headers.authorization} ${body}`);
        res.end('{"state":"ready"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const plan: PlanInput = {
      id: 'api-export',
      title: 'api',
      apis: { svc: { baseUrl: `http://127.0.0.1:${port}/api`, headers: { authorization: ['Token ', { secretRef: 'db-pass' }] } } },
      steps: [
        {
          id: 'login',
          title: 'log in',
          target: { api: 'svc' },
          action: { kind: 'api', request: { method: 'POST', path: '/login', body: { password: { secretRef: 'db-pass' } } } },
          verify: { kind: 'api', request: { method: 'GET', path: '/state' }, contains: 'ready' },
        },
      ],
    };
    const [script] = exportShell(parsePlan(plan));
    const file = path.join(tempDir(), 'api.sh');
    fs.writeFileSync(file, script!.content);
    const run = await new Promise<{ code: number | null; err: string }>((resolve) => {
      const child = spawnSyncAsync(file);
      resolve(child);
    });
    server.close();
    expect(run.code, run.err).toBe(0);
    expect(bodies[0]).toBe(`POST /api/login Token ${secretValue} ${JSON.stringify({ password: secretValue })}`);
    expect(bodies[1]).toMatch(/^GET \/api\/state /);
  });
});

/** Runs a script without blocking the event loop (the test's HTTP server must answer). */
function spawnSyncAsync(file: string): Promise<{ code: number | null; err: string }> {
  return import('node:child_process').then(
    ({ spawn }) =>
      new Promise((resolve) => {
        const child = spawn('sh', [file], { env: { PATH: process.env.PATH, ...secretEnv } });
        let err = '';
        child.stderr.on('data', (c: Buffer) => (err += c.toString()));
        child.on('close', (code) => resolve({ code, err }));
      }),
  );
}

describe('Ansible export', () => {
  function writeExport(plan: Plan): { playbook: string; inventory: string; dir: string } {
    const dir = tempDir('cw-ansible-');
    const files = exportAnsible(plan);
    for (const f of files) fs.writeFileSync(path.join(dir, f.name), f.content);
    return { dir, playbook: path.join(dir, files[0]!.name), inventory: path.join(dir, files[1]!.name) };
  }

  it('builds the inventory from the plan nodes and keeps secrets as environment lookups', () => {
    const plan = parsePlan({
      ...endStatePlan('/srv'),
      nodes: { n1: { address: '198.18.0.10', user: 'admin', port: 2222 }, n2: { local: true }, n3: { address: 'pve3.example' } },
    });
    const files = exportAnsible(plan);
    const all = files.map((f) => f.content).join('\n');
    expect(all).not.toContain(secretValue);
    expect(all).toContain("lookup('ansible.builtin.env', 'CW_SECRET_DB_PASS')");
    // Plan values are data for Ansible (!unsafe), the port a number, the local node a local connection.
    expect(files[1]!.content).toContain('ansible_host: !unsafe "198.18.0.10"');
    expect(files[1]!.content).toContain('ansible_user: !unsafe "admin"');
    expect(files[1]!.content).toContain('ansible_port: 2222');
    expect(files[1]!.content).toContain('ansible_connection: local');
    expect(files[0]!.content).toContain('!unsafe "# {{ not a template }}\\npassword = "');
    expect(files[0]!.content).toContain('ansible.builtin.copy');
  });

  // Debian package: ansible-core (or ansible).
  it.skipIf(!hasAnsible)('passes ansible-playbook --syntax-check and reaches the engine’s end state on local nodes', async () => {
    const expected = await engineEndState();
    const root = freshRoot();
    const { playbook, inventory, dir } = writeExport(parsePlan(endStatePlan(root)));
    const env = { PATH: process.env.PATH, HOME: dir, ANSIBLE_LOCAL_TEMP: path.join(dir, 'tmp'), ANSIBLE_NOCOLOR: '1', ...secretEnv };
    const syntax = spawnSync('ansible-playbook', ['--syntax-check', '-i', inventory, playbook], { encoding: 'utf8', env });
    expect(syntax.status, syntax.stdout + syntax.stderr).toBe(0);
    const run = spawnSync('ansible-playbook', ['-i', inventory, playbook, '-e', 'cw_approve_destructive=true'], { encoding: 'utf8', env, timeout: 120_000 });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout + run.stderr).not.toContain(secretValue);
    expect(snapshot(root)).toEqual(expected);
  }, 150_000);
});

describe('the example plan in test/fixtures/plans', () => {
  const fixture = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../test/fixtures/plans/proxmox-two-node-cluster.yaml');

  it('parses, previews its commands with secrets as markers, and exports', async () => {
    const { parse } = await import('yaml');
    const plan = parsePlan(parse(fs.readFileSync(fixture, 'utf8')));
    expect(plan.steps.map((s) => s.id)).toEqual(['hosts-pve1', 'create-cluster', 'join-pve2', 'wait-quorate']);
    const shell = exportShell(plan)[0]!.content;
    expect(shell).toContain('CW_SECRET_PVE1_ROOT_PASSWORD');
    expect(shell).toContain('ssh -o BatchMode=yes -p 22 -l root -- 198.18.2.11');
    const files = exportAnsible(plan);
    if (!hasAnsible) return;
    const dir = tempDir('cw-ansible-fixture-');
    for (const f of files) fs.writeFileSync(path.join(dir, f.name), f.content);
    const syntax = spawnSync('ansible-playbook', ['--syntax-check', '-i', path.join(dir, files[1]!.name), path.join(dir, files[0]!.name)], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: dir } });
    expect(syntax.status, syntax.stdout + syntax.stderr).toBe(0);
  });
});
