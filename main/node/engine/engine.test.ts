import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CwError } from '../../common/errors.js';
import { parsePlan } from '../../common/plan/dag.js';
import type { PlanInput, StepInput } from '../../common/plan/schema.js';
import { PlanEngine } from './engine.js';
import { exportAnsible } from './export-ansible.js';
import { exportShell } from './export-shell.js';
import { planHash } from './hash.js';
import { journalFileName, readJournal } from './journal.js';
import { previewPlan } from './preview.js';
import { EnvSecretResolver } from './render.js';
import { EventRecorder, localPlan, ProbeRunner, readTree, tempDir } from './test-helpers.js';

const noSecrets = new EnvSecretResolver({});

function engineFor(workspaceDir: string, runner = new ProbeRunner(), extra: Partial<ConstructorParameters<typeof PlanEngine>[0]> = {}) {
  const sink = new EventRecorder();
  const engine = new PlanEngine({ runner, secrets: noSecrets, workspaceDir, sink, ...extra });
  return { engine, runner, sink };
}

function touchStep(id: string, node: string, file: string, extra: Partial<StepInput> = {}): StepInput {
  return {
    id,
    title: `create ${path.basename(file)}`,
    target: { node },
    action: { kind: 'exec', command: { argv: ['touch', file] } },
    precheck: { kind: 'exec', command: { argv: ['test', '-e', file] } },
    ...extra,
  };
}

describe('plan engine', () => {
  it('runs independent steps in parallel but never above the per-node and global limits', async () => {
    const dir = tempDir();
    const steps: StepInput[] = [];
    for (const node of ['n1', 'n2', 'n3']) {
      for (let i = 0; i < 5; i++) {
        steps.push({ id: `${node}-s${i}`, title: `sleep on ${node}`, target: { node }, action: { kind: 'exec', command: 'sleep 0.15' } });
      }
    }
    const { engine, runner } = engineFor(dir);
    const result = await engine.apply(localPlan('parallel', steps, ['n1', 'n2', 'n3'], { global: 4, perTarget: 2 })).done;
    expect(result.status).toBe('succeeded');
    expect(result.changed).toBe(15);
    expect(runner.maxRunning).toBe(4);
    for (const node of ['n1', 'n2', 'n3']) expect(runner.maxPer.get(node)).toBeLessThanOrEqual(2);
    expect(Math.max(...runner.maxPer.values())).toBe(2);

    const { engine: serial, runner: serialRunner } = engineFor(tempDir());
    await serial.apply(localPlan('serial', steps.slice(0, 4), ['n1', 'n2', 'n3'], { global: 1, perTarget: 1 })).done;
    expect(serialRunner.maxRunning).toBe(1);
  });

  it('starts a step only after everything it depends on has finished', async () => {
    const dir = tempDir();
    const a = path.join(dir, 'a');
    const b = path.join(dir, 'b');
    const { engine } = engineFor(dir);
    const result = await engine.apply(
      localPlan('deps', [
        { id: 'second', title: 'needs a', target: { node: 'n2' }, action: { kind: 'exec', command: { sh: `test -e ${a} && touch ${b}` } }, dependsOn: ['first'] },
        { id: 'first', title: 'make a', target: { node: 'n1' }, action: { kind: 'exec', command: { sh: `sleep 0.2; touch ${a}` } } },
      ]),
    ).done;
    expect(result.status).toBe('succeeded');
    expect(fs.existsSync(b)).toBe(true);
  });

  it('applying the same plan twice changes nothing the second time and says so', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'etc', 'app.conf');
    const flag = path.join(dir, 'ready');
    const plan = localPlan('idempotent', [
      touchStep('touch', 'n1', path.join(dir, 'marker')),
      { id: 'config', title: 'write config', target: { node: 'n2' }, action: { kind: 'upload', path: file, content: 'a = 1\n', mode: '0640' } },
      { id: 'flag', title: 'flag ready', target: { node: 'n3' }, action: { kind: 'exec', command: { sh: `touch ${flag}` } }, precheck: `test -e ${flag}` },
      {
        id: 'wait-ready',
        title: 'wait for the flag',
        target: { node: 'n1' },
        action: { kind: 'wait', until: `test -e ${flag}`, intervalMs: 20, deadlineMs: 2000 },
        dependsOn: ['flag'],
      },
    ]);
    const first = engineFor(dir);
    const r1 = await first.engine.apply(plan).done;
    expect(r1.status).toBe('succeeded');
    // The wait finds its condition already true (the flag step ran first): skipped.
    expect(r1).toMatchObject({ changed: 3, skipped: 1 });
    expect(r1.nothingChanged).toBe(false);
    expect(fs.readFileSync(file, 'utf8')).toBe('a = 1\n');
    expect(fs.statSync(file).mode & 0o777).toBe(0o640);

    const second = engineFor(dir);
    const r2 = await second.engine.apply(plan).done;
    expect(r2).toMatchObject({ status: 'succeeded', changed: 0, skipped: 4, nothingChanged: true });
    expect(r2.message).toMatch(/^Nothing changed/);
    // Only prechecks ran: no touch, no upload.
    expect(second.runner.commands.some((c) => c.startsWith('touch'))).toBe(false);
    expect(second.sink.updates.filter((u) => u.state === 'started')).toHaveLength(0);
  });

  it('retries only unreachable and timeout faults, with exponential backoff', async () => {
    const dir = tempDir();
    const marker = path.join(dir, 'm');
    const delays: number[] = [];
    const sleep = async (ms: number) => void delays.push(ms);
    const { engine, runner } = engineFor(dir, new ProbeRunner(), { sleep });
    let faults = 2;
    runner.fault = (op, _target, command) => (op === 'exec' && command.startsWith('touch') && faults-- > 0 ? new CwError('UNREACHABLE', 'link down', { notStarted: true }) : null);
    const retry = { attempts: 4, backoffMs: 100, factor: 2, maxBackoffMs: 10_000 };
    const ok = await engine.apply(localPlan('retry', [touchStep('touch', 'n1', marker, { retry })])).done;
    expect(ok.status).toBe('succeeded');
    expect(delays).toEqual([100, 200]);
    expect(fs.existsSync(marker)).toBe(true);

    // A command that ran and failed is not transient: no retry.
    delays.length = 0;
    const failing = await engine.apply(localPlan('no-retry', [{ id: 'fails', title: 'fails', target: { node: 'n2' }, action: { kind: 'exec', command: 'echo broken >&2; exit 3' }, retry }])).done;
    expect(failing.status).toBe('failed');
    expect(delays).toEqual([]);
    expect(failing.failure).toMatchObject({ stepId: 'fails', target: 'node n2', code: 'REMOTE_FAILED' });
    expect(failing.failure?.message).toContain('exited with status 3 on node n2: broken');

    // A permission fault is not transient either.
    runner.fault = (op) => (op === 'exec' ? new CwError('FORBIDDEN', 'denied') : null);
    const denied = await engine.apply(localPlan('denied', [touchStep('t', 'n1', path.join(dir, 'x'), { retry })])).done;
    expect(denied.failure?.code).toBe('FORBIDDEN');
    expect(delays).toEqual([]);
    runner.fault = null;

    // A step that times out is retried, then fails naming host and step.
    const slow = await engine.apply(localPlan('timeout', [{ id: 'slow', title: 'slow', target: { node: 'n3' }, action: { kind: 'exec', command: 'sleep 5' }, timeoutMs: 150, retry: { ...retry, attempts: 2 } }])).done;
    expect(slow.failure).toMatchObject({ stepId: 'slow', target: 'node n3', code: 'TIMEOUT' });
    expect(slow.failure?.message).toContain('node n3');
    expect(delays).toEqual([100]);
  });

  it('never runs a destructive step of a plan that was not approved with that step acknowledged', async () => {
    const dir = tempDir();
    const victim = path.join(dir, 'victim');
    fs.writeFileSync(victim, 'data');
    const plan = localPlan('destroy', [
      touchStep('safe', 'n1', path.join(dir, 'safe')),
      { id: 'wipe', title: 'wipe the disk', target: { node: 'n1' }, action: { kind: 'exec', command: { argv: ['rm', '-f', victim] } }, destructive: true, precheck: `! test -e ${victim}` },
    ]);
    const { engine, runner } = engineFor(dir);
    expect(() => engine.apply(plan)).toThrowError(expect.objectContaining({ code: 'FORBIDDEN', message: expect.stringContaining('wipe') }) as Error);
    // Approving a different plan (one step changed) does not count.
    const changed = structuredClone(plan);
    changed.steps[0]!.title = 'something else';
    engine.approvals.approve(parsePlan(changed), ['wipe']);
    expect(() => engine.apply(plan)).toThrowError(expect.objectContaining({ code: 'FORBIDDEN' }) as Error);
    // An approval must acknowledge each destructive step.
    expect(() => engine.approvals.approve(parsePlan(plan), [])).toThrowError(expect.objectContaining({ code: 'FORBIDDEN' }) as Error);
    expect(fs.existsSync(victim)).toBe(true);
    expect(runner.commands.some((c) => c.includes('rm'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'safe'))).toBe(false);

    const preview = await previewPlan(plan, { runner, secrets: noSecrets, approval: null });
    expect(preview).toMatchObject({ approved: false, destructiveSteps: ['wipe'], unapprovedDestructive: ['wipe'] });

    engine.approvals.approve(parsePlan(plan), ['wipe']);
    const result = await engine.apply(plan).done;
    expect(result.status).toBe('succeeded');
    expect(fs.existsSync(victim)).toBe(false);
  });

  it('keeps every secret out of the journal, logs, audit log, events, preview, errors and exports', async () => {
    const dir = tempDir();
    const secret = "S3cr3t-'value'-$(id)";
    const token = 'tok-9f8e7d6c5b4a';
    const received: string[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(`${req.headers.authorization ?? ''} ${body}`);
        res.end(JSON.stringify({ ok: true, echo: body }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const conf = path.join(dir, 'db.conf');
    const plan: PlanInput = {
      ...localPlan('secrets', [
        { id: 'echo', title: 'echo the password', target: { node: 'n1' }, action: { kind: 'exec', command: { argv: ['printf', '%s\\n', { secretRef: 'db-pass' }] } } },
        { id: 'env', title: 'use it in a script', target: { node: 'n1' }, action: { kind: 'exec', command: { sh: 'echo "pw=$PW"; echo "tok=$TOK" >&2', env: { PW: [{ secretRef: 'db-pass' }], TOK: { secretRef: 'api-token' } } } } },
        { id: 'conf', title: 'write the config', target: { node: 'n2' }, action: { kind: 'upload', path: conf, content: ['password = ', { secretRef: 'db-pass' }, '\n'], mode: '0600' } },
        { id: 'call', title: 'tell the API', target: { api: 'svc' }, action: { kind: 'api', request: { method: 'POST', path: '/login', body: { user: 'root', password: { secretRef: 'db-pass' } } } } },
        { id: 'fail', title: 'fail loudly', target: { node: 'n3' }, action: { kind: 'exec', command: { argv: ['sh', '-c', 'echo "bad password $1" >&2; exit 1', 'sh', { secretRef: 'db-pass' }] } }, dependsOn: ['echo', 'env', 'conf', 'call'] },
      ]),
      apis: { svc: { baseUrl: `http://127.0.0.1:${port}`, headers: { authorization: ['Bearer ', { secretRef: 'api-token' }] } } },
    };
    const secrets = new EnvSecretResolver({ CW_SECRET_DB_PASS: secret, CW_SECRET_API_TOKEN: token });
    const { engine, sink } = engineFor(dir, new ProbeRunner(), { secrets });
    const preview = await previewPlan(plan, { runner: new ProbeRunner(), secrets, approval: null, auditFile: engine.auditFile });
    fs.writeFileSync(conf, `password = ${secret}\nold = line\n`);
    const previewAgain = await previewPlan(plan, { runner: new ProbeRunner(), secrets, approval: null });
    const result = await engine.apply(plan).done;
    server.close();

    // The secrets did reach the machines…
    expect(fs.readFileSync(conf, 'utf8')).toBe(`password = ${secret}\n`);
    expect(received.join('\n')).toContain(`Bearer ${token}`);
    expect(received.join('\n')).toContain(JSON.stringify(secret));
    expect(sink.logs.some((l) => l.stepId === 'echo' && l.text === '«secret:db-pass»')).toBe(true);
    expect(result.status).toBe('failed');
    expect(result.failure?.message).toContain('bad password «secret:db-pass»');
    // …and nowhere else.
    const stored = [
      readTree(path.join(dir, 'runs')),
      fs.readFileSync(engine.auditFile, 'utf8'),
      JSON.stringify(sink.updates),
      JSON.stringify(sink.logs),
      JSON.stringify(sink.finishedResults),
      JSON.stringify(result),
      JSON.stringify(preview),
      JSON.stringify(previewAgain),
      ...exportShell(parsePlan(plan)).map((f) => f.content),
      ...exportAnsible(parsePlan(plan)).map((f) => f.content),
    ].join('\n');
    for (const value of [secret, token, "S3cr3t-'\\''value"]) expect(stored).not.toContain(value);
    expect(stored).toContain('«secret:db-pass»');
    expect(previewAgain.steps.find((s) => s.id === 'conf')?.upload?.diff).toContain('-old = line');
  });

  it('cancels a run (running commands aborted, no new steps), journals it, and resumes to the end', async () => {
    const dir = tempDir();
    const steps = [1, 2, 3].map((i) =>
      touchStep(`s${i}`, 'n1', path.join(dir, `m${i}`), { action: { kind: 'exec', command: { sh: `sleep 0.4; touch ${path.join(dir, `m${i}`)}` } }, dependsOn: i > 1 ? [`s${i - 1}`] : [] }),
    );
    const { engine, sink } = engineFor(dir);
    const handle = engine.apply(localPlan('cancel', steps));
    while (!sink.updates.some((u) => u.stepId === 's2' && u.state === 'started')) await new Promise((r) => setTimeout(r, 10));
    handle.cancel();
    const cancelled = await handle.done;
    expect(cancelled.status).toBe('cancelled');
    expect(fs.existsSync(path.join(dir, 'm1'))).toBe(true);
    expect(fs.existsSync(path.join(dir, 'm2'))).toBe(false);
    const records = readJournal(path.join(engine.runDir(handle.runId), journalFileName));
    expect(records.some((r) => r.type === 'cancelled')).toBe(true);
    expect(engine.status(handle.runId).status).toBe('cancelled');

    const resumed = await engine.resume(handle.runId).done;
    expect(resumed.status).toBe('succeeded');
    expect(resumed).toMatchObject({ changed: 2, skipped: 1 });
    for (const i of [1, 2, 3]) expect(fs.existsSync(path.join(dir, `m${i}`))).toBe(true);
    expect(engine.status(handle.runId).status).toBe('succeeded');
  });

  it('stops at a non-idempotent step that was mid-flight instead of running it again blindly', async () => {
    const dir = tempDir();
    const log = path.join(dir, 'log');
    const plan = localPlan('midflight', [
      { id: 'append', title: 'append a line', target: { node: 'n1' }, action: { kind: 'exec', command: { sh: `echo joined >> ${log}` } }, idempotent: false },
    ]);
    // A runner that never answers: the step stays "started" in the journal, as after a crash.
    const hanging = new ProbeRunner();
    hanging.exec = () => new Promise(() => undefined);
    const first = engineFor(dir, hanging);
    const lost = first.engine.apply(plan);
    while (!first.sink.updates.some((u) => u.state === 'started')) await new Promise((r) => setTimeout(r, 5));

    const { engine } = engineFor(dir);
    const stopped = await engine.resume(lost.runId).done;
    expect(stopped.status).toBe('failed');
    expect(stopped.failure?.code).toBe('CONFLICT');
    expect(stopped.failure?.message).toContain('was interrupted while it ran and is not safe to repeat');
    expect(stopped.failure?.message).toContain(`--rerun append`);
    expect(fs.existsSync(log)).toBe(false);

    const rerun = await engine.resume(lost.runId, { rerunInterrupted: ['append'] }).done;
    expect(rerun.status).toBe('succeeded');
    expect(fs.readFileSync(log, 'utf8')).toBe('joined\n');
  });

  it('after a lost connection, lets the precheck of a non-idempotent step say whether it got through', async () => {
    const dir = tempDir();
    const log = path.join(dir, 'members');
    // The command runs, then the "connection" drops before its exit status arrives.
    const lossy = new ProbeRunner();
    const inner = new ProbeRunner();
    let drops = 1;
    lossy.exec = async (target, command, options) => {
      const result = await inner.exec(target, command, options);
      if (command.includes('>>') && drops-- > 0) throw new CwError('UNREACHABLE', 'connection lost before the exit status');
      return result;
    };
    const join = (id: string, node: string): StepInput => ({
      id,
      title: 'join',
      target: { node },
      action: { kind: 'exec', command: { sh: `echo ${id} >> ${log}` } },
      precheck: `grep -qx ${id} ${log}`,
      idempotent: false,
      retry: { attempts: 3, backoffMs: 1, factor: 1, maxBackoffMs: 1 },
    });
    const { engine, sink } = engineFor(dir, lossy);
    const ok = await engine.apply(localPlan('lost-ack', [join('join-a', 'n1')])).done;
    expect(ok.status).toBe('succeeded');
    expect(fs.readFileSync(log, 'utf8')).toBe('join-a\n');
    expect(sink.logs.some((l) => l.text.includes('its precheck says it is done'))).toBe(true);

    // The connection drops before the command could run: not retried blindly, the run stops and says why.
    const { engine: second, runner } = engineFor(dir);
    runner.fault = (op, _t, command) => (op === 'exec' && command.includes('>>') ? new CwError('UNREACHABLE', 'link down mid-command') : null);
    const stopped = await second.apply(localPlan('lost-before', [join('join-b', 'n1')])).done;
    expect(stopped.status).toBe('failed');
    expect(stopped.failure).toMatchObject({ stepId: 'join-b', code: 'UNREACHABLE' });
    expect(fs.readFileSync(log, 'utf8')).toBe('join-a\n');
    expect(runner.commands.filter((c) => c.includes('>>'))).toHaveLength(1);
  });

  it("lets a stack operation run an argument vector on its step's node, each word quoted, its output streamed", async () => {
    const dir = tempDir();
    const hostile = path.join(dir, "a b; touch pwned '$(id)'");
    const seen: { lines: string[]; exitCode?: number } = { lines: [] };
    const stacks = (id: string) =>
      id === 'probe'
        ? {
            describe: () => 'probe',
            check: async () => false,
            act: async (_c: unknown, ctx: { exec?(argv: string[], o?: { onStdout?: (t: string) => void }): Promise<{ exitCode: number }> }) => {
              const result = await ctx.exec!(['sh', '-c', 'printf "%s\\n" "$1" > "$1.out"; echo line1; echo line2', 'sh', hostile], { onStdout: (t) => seen.lines.push(t) });
              seen.exitCode = result.exitCode;
            },
          }
        : undefined;
    const { engine, runner } = engineFor(dir, new ProbeRunner(), { stacks });
    const result = await engine.apply(localPlan('stack-exec', [{ id: 'op', title: 'op', target: { node: 'n1' }, action: { kind: 'stack', stack: 'probe', op: 'run', args: {} } }])).done;
    expect(result.status).toBe('succeeded');
    expect(seen.exitCode).toBe(0);
    expect(seen.lines.join('')).toBe('line1\nline2\n');
    // The hostile path was one argument: the file it names holds it, and nothing else ran.
    expect(fs.readFileSync(`${hostile}.out`, 'utf8')).toBe(`${hostile}\n`);
    expect(fs.existsSync(path.join(dir, 'pwned'))).toBe(false);
    expect(runner.commands.at(-1)).toContain(`'${hostile.replace(/'/g, `'\\''`)}'`);
  });

  it('previews commands, API calls and a live diff of each file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'hosts');
    fs.writeFileSync(file, 'a\nb\nc\n');
    const plan = localPlan('preview', [
      { id: 'hosts', title: 'hosts file', target: { node: 'n1' }, action: { kind: 'upload', path: file, content: 'a\nB\nc\n' } },
      { id: 'new', title: 'new file', target: { node: 'n1' }, action: { kind: 'upload', path: path.join(dir, 'new'), content: 'x\n' } },
      { id: 'cmd', title: 'a command', target: { node: 'n2' }, action: { kind: 'exec', command: { argv: ['echo', "it's", { secretRef: 'pw' }] } } },
    ]);
    const preview = await previewPlan(plan, { runner: new ProbeRunner(), secrets: new EnvSecretResolver({ CW_SECRET_PW: 'hunter2' }), approval: null });
    expect(preview.planHash).toBe(planHash(parsePlan(plan)));
    const byId = Object.fromEntries(preview.steps.map((s) => [s.id, s]));
    expect(byId.hosts?.upload?.diff).toBe(`--- a${file}\n+++ b${file}\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n`);
    expect(byId.new?.upload).toMatchObject({ exists: false, unchanged: false });
    expect(byId.new?.upload?.diff).toContain('--- /dev/null');
    expect(byId.cmd?.command).toBe(`echo 'it'\\''s' «secret:pw»`);
    expect(preview.secrets).toEqual(['pw']);
  });
});

describe('local runner', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('kills the whole command on timeout, not just the shell', async () => {
    const runner = new ProbeRunner();
    const marker = path.join(dir, 'late');
    const started = Date.now();
    await expect(runner.exec({ node: 'n1' }, `(sleep 0.5; touch ${marker}) & wait`, { signal: new AbortController().signal, timeoutMs: 100 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(450);
    await new Promise((r) => setTimeout(r, 700));
    expect(fs.existsSync(marker)).toBe(false);
  });
});
