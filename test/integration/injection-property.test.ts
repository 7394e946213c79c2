// The injection property: a hostile value placed in any workspace field, in turn, is either refused by
// validation with a location, or carried through planning and the exports as inert data — it never runs,
// never becomes an option, a template or an INTERNAL error. Every command the Proxmox plan would send runs
// here on fake nodes, the exported shell script runs against them through a fake ssh, and the exported
// playbook and inventory are read the way Ansible reads them; a generic plan with hostile values in every
// plan field goes through ansible-playbook itself. A marker file must never appear.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { isCwError } from '../../main/common/errors.js';
import { parsePlan } from '../../main/common/plan/dag.js';
import type { Plan } from '../../main/common/plan/schema.js';
import type { Workspace } from '../../main/common/workspace/schema.js';
import { secretEnvName } from '../../main/common/plan/secrets.js';
import { exportAnsible } from '../../main/node/engine/export-ansible.js';
import { exportShell } from '../../main/node/engine/export-shell.js';
import { commandLine } from '../../main/node/engine/render.js';
import { shellQuote } from '../../main/node/ssh/shell-quote.js';
import { fakeNodes, fieldText, fullWorkspace, generatedValues, hostilePlan, judge, nastyValues, plannable, PWN, templatedStrings, textFields, withValue, type Verdict } from '../support/hostile.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-injection-'));
const markerFile = path.join(work, 'markers', 'touched');
const values = [...nastyValues(markerFile), ...generatedValues(12)];
const fp = 'AB:'.repeat(31) + 'CD';
const hasAnsible = spawnSync('sh', ['-c', 'command -v ansible-playbook'], { encoding: 'utf8' }).status === 0;

const fake = fakeNodes(work, {});
const env = (extra: Record<string, string> = {}) => ({ PATH: `${fake.bin}:${process.env.PATH}`, HOME: work, LC_ALL: 'C.UTF-8', ...extra });
/** Secret values are hostile too: they must reach commands only as data. */
const secretValue = `s3cr'et" $(${PWN}) {{ lookup('pipe','${PWN}') }}`;

/** Every command the engine would send for this plan (prechecks, actions, waits, verifies), secrets filled in as the engine does. */
function engineCommands(plan: Plan): { node: string; command: string }[] {
  const out: { node: string; command: string }[] = [];
  for (const step of plan.steps) {
    if (!('node' in step.target)) continue;
    const checks = [step.precheck, step.verify, step.action.kind === 'wait' ? step.action.until : undefined];
    const commands = [...checks.flatMap((c) => (c?.kind === 'exec' ? [c.command] : [])), ...(step.action.kind === 'exec' ? [step.action.command] : [])];
    for (const c of commands) out.push({ node: step.target.node, command: commandLine(c, () => shellQuote(secretValue)) });
  }
  return out;
}

const secretEnv = (plan: Plan) => Object.fromEntries(JSON.stringify(plan).match(/"secretRef":"[^"]+"/g)?.map((m) => [secretEnvName(m.slice(13, -1)), secretValue]) ?? []);

/** Address → node name, from the plan's SSH targets. */
const nodeAddresses = (plan: Plan) => Object.fromEntries(Object.entries(plan.nodes).flatMap(([name, n]) => ('address' in n ? [[n.address, name]] : [])));

/** Runs a plan on the fake nodes twice over: each command as the engine sends it, and the exported shell script through the fake ssh. */
function runOnFakeNodes(plan: Plan, workspace: Workspace): { commands: number; scriptStatus: number | null; failedSteps: string[] } {
  fake.reset(nodeAddresses(plan));
  fake.setAddresses(workspace.nodes.flatMap((n) => [...Object.values(n.addresses), ...(n.ssh?.host ? [n.ssh.host] : [])]));
  const commands = engineCommands(plan);
  const driver = path.join(work, 'engine-commands.sh');
  fs.writeFileSync(driver, commands.map(({ node, command }) => `CW_FAKE_NODE=${shellQuote(node)} fake-node-sh ${shellQuote(command)} </dev/null >/dev/null 2>&1`).join('\n') + '\n');
  spawnSync('/bin/sh', [driver], { env: env(), timeout: 60_000, stdio: 'ignore' });
  fake.reset(nodeAddresses(plan));
  const [script] = exportShell(plan);
  const file = path.join(work, script!.name);
  // Each step's failure made non-fatal (the fake nodes are not Proxmox nodes), so that every step's commands run; the rest is the export as written.
  fs.writeFileSync(file, script!.content.replace(/^(cw_step_[0-9]+)$/gm, '$1 || cw_log "$1 failed"'));
  const run = spawnSync('/bin/sh', [file], { env: env({ ...secretEnv(plan), CW_APPROVE_DESTRUCTIVE: '1' }), timeout: 60_000, encoding: 'utf8' });
  return { commands: commands.length, scriptStatus: run.status, failedSteps: [...run.stderr.matchAll(/^(cw_step_[0-9]+) failed$/gm)].map((m) => m[1]!) };
}

const ms = { judge: 0, exports: 0, run: 0 };
const tally = { ansibleRuns: 0, tried: 0, fields: 0, values: values.length, refused: 0, refusedAtField: 0, accepted: 0, reachedPlan: 0, plansRun: 0, commandsRun: 0, exportsChecked: 0 };
/** What went wrong, by kind, so that a failure shows a few of each. */
const problems = new Map<string, string[]>();
const problem = (kind: string, text: string) => problems.set(kind, [...(problems.get(kind) ?? []), text]);
const summary = () => Object.fromEntries([...problems].map(([kind, list]) => [`${kind} (${list.length})`, list.slice(0, 4)]));

afterAll(() => {
  if (tally.tried) console.log(
    `Injection property (unit): ${tally.fields} fields × ${tally.values} values = ${tally.tried} tried; ${tally.refused} refused by validate with a location (${tally.refusedAtField} at the field itself), ${tally.accepted} accepted and carried through plan and exports (${tally.reachedPlan} reaching a plan's text); ${tally.plansRun} distinct plans run on fake nodes (${tally.commandsRun} engine commands, each exported script too); ${tally.exportsChecked} playbook/inventory pairs read as Ansible reads them, ${tally.ansibleRuns} of them run by ansible-playbook through a fake ssh. Time: validate+plan ${Math.round(ms.judge)} ms, exports ${Math.round(ms.exports)} ms, fake-node runs ${Math.round(ms.run)} ms.`,
  );
  fs.rmSync(work, { recursive: true, force: true });
});

describe('a hostile value in any workspace field', () => {
  it('is refused by validate with a location, or stays inert data through plan, engine commands and both exports', async () => {
    const base = fullWorkspace(fp);
    const baseline = judge(stringify(base, { lineWidth: 0 }), { path: ['name'] });
    expect(baseline.kind, 'the base workspace validates and plans').toBe('accepted');
    const fields = textFields(base);
    tally.fields = fields.length;
    const run = new Set<string>();
    const exports = new Set<string>();
    const distinct: { where: string; value: string; plan: Plan; files: { name: string; content: string }[]; templated: boolean }[] = [];
    const baselineText = baseline.kind === 'accepted' ? JSON.stringify([baseline.plan, baseline.overlayPlans]) : '';
    expect(baseline.kind === 'accepted' && baseline.overlayPlans.map((p) => p.id)).toEqual(['overlay-sites-keys', 'overlay-sites']);

    // The file's text is made once per field with a placeholder, then the value goes in as a YAML double-quoted scalar.
    const placeholder = 'cw0placeholder0value';
    for (const field of fields) {
      const template = stringify(withValue(base, field, placeholder), { lineWidth: 0 });
      expect(template.split(placeholder)).toHaveLength(2);
      for (const value of values) {
        tally.tried++;
        const where = `${fieldText(field.path)}${field.key ? ' (key)' : ''} = ${JSON.stringify(value.slice(0, 60))}`;
        let verdict: Verdict;
        const started = performance.now();
        try {
          verdict = judge(template.replace(placeholder, () => JSON.stringify(value)), field);
          ms.judge += performance.now() - started;
        } catch (error) {
          problem('accepted by validate, refused by the plan', `${where}: planning threw ${isCwError(error) ? error.code : 'an unexpected error'}: ${(error as Error).message.slice(0, 200)}`);
          continue;
        }
        if (verdict.kind === 'refused') {
          tally.refused++;
          if (verdict.atField) tally.refusedAtField++;
          if (!verdict.located) problem('refused without a location', where);
          continue;
        }
        tally.accepted++;
        const plan = verdict.plan;
        const planText = JSON.stringify([plan, verdict.overlayPlans]);
        if (planText !== baselineText) tally.reachedPlan++;
        let files: { name: string; content: string }[];
        const exported = performance.now();
        try {
          // The overlays' keys and tunnels plans are exported and read as Ansible reads them too. They are not run on the
          // fake nodes: their steps write /etc/wireguard and bring interfaces up, which the fake nodes cannot contain.
          files = [plan, ...verdict.overlayPlans].flatMap((p) => [...exportShell(p), ...exportAnsible(p)]);
        } catch (error) {
          problem('accepted, but the exports failed', `${where}: the exports threw ${isCwError(error) ? error.code : 'an unexpected error'}: ${(error as Error).message.slice(0, 200)}`);
          continue;
        }
        ms.exports += performance.now() - exported;
        const hash = createHash('sha256').update(files.map((f) => f.content).join('\0')).digest('hex');
        if (!exports.has(hash)) {
          exports.add(hash);
          tally.exportsChecked++;
          let templated = false;
          for (const f of files.filter((x) => x.name.endsWith('.yml'))) {
            const evaluated = templatedStrings(f.content).filter((s) => s.includes(PWN) || s.includes(markerFile));
            if (evaluated.length) problem('left to Ansible\'s templating', `${where}: ${f.name}: ${JSON.stringify(evaluated[0]!.slice(0, 120))}`);
            templated ||= evaluated.some((e) => /\{[{%]/.test(e));
          }
          if (planText !== baselineText) distinct.push({ where, value, plan, files, templated });
        }
        if (!run.has(hash)) {
          run.add(hash);
          tally.plansRun++;
          const ran = performance.now();
          const outcome = runOnFakeNodes(plan, verdict.workspace);
          tally.commandsRun += outcome.commands;
          // The script ends by itself (its waits hold at once on the fake nodes): a timeout here would hide commands that never ran.
          if (outcome.scriptStatus === null) problem('exported script did not finish', where);
          // On fake nodes that answer like Proxmox the whole exported plan succeeds: every step's commands ran to their end.
          else if (outcome.failedSteps.length) problem('exported script steps failed on the fake nodes', `${where}: ${outcome.failedSteps.join(', ')}`);
          ms.run += performance.now() - ran;
          if (fake.markers().length) {
            problem(`ran ${PWN} (engine commands or exported script)`, where);
            for (const m of fake.markers()) fs.rmSync(path.join(fake.markerDir, m));
          }
        }
      }
    }
    // The exported scripts' ssh got the node and the command as separate arguments, the host after "--", never an option.
    const scriptSsh = fake.sshCalls();
    expect(scriptSsh.length).toBeGreaterThan(0);
    for (const call of scriptSsh) {
      if (call.indexOf('--') !== call.length - 3 || call[call.length - 2]!.startsWith('-')) problem('ssh options from a value', JSON.stringify(call.slice(1, 12)));
    }

    // ansible-playbook on a sample of the exports that carried a value into the plan (templates first), connecting
    // through the fake ssh: the inventory and the plays as Ansible itself reads and runs them.
    // First any export that leaves a template to Ansible (none should), then values that hold template syntax.
    const rank = (d: (typeof distinct)[number]) => (d.templated ? 2 : 0) + (/\{[{%]/.test(d.value) ? 1 : 0);
    const sample = [...distinct].sort((a, b) => rank(b) - rank(a)).slice(0, 2);
    for (const { where, plan, files } of hasAnsible ? sample : []) {
      const dir = fs.mkdtempSync(path.join(work, 'ansible-'));
      for (const f of files) fs.writeFileSync(path.join(dir, f.name), f.content);
      const playbook = files.find((f) => f.name.endsWith('.playbook.yml'))!;
      const inventory = files.find((f) => f.name.endsWith('.inventory.yml'))!;
      const runEnv = env({ ...secretEnv(plan), ANSIBLE_SSH_EXECUTABLE: path.join(fake.bin, 'ssh'), ANSIBLE_PIPELINING: 'True', ANSIBLE_HOST_KEY_CHECKING: 'False', ANSIBLE_LOCAL_TEMP: path.join(dir, 'tmp'), ANSIBLE_NOCOLOR: '1' });
      fake.reset(nodeAddresses(plan));
      const result = await runAsync(['ansible-playbook', '-i', path.join(dir, inventory.name), path.join(dir, playbook.name)], runEnv);
      tally.ansibleRuns++;
      // On the fake nodes every play succeeds: all of the playbook ran.
      if (result.status !== 0) problem('ansible-playbook failed on the fake nodes', `${where}: ${result.output.slice(-600)}`);
      if (fake.markers().length) {
        problem(`ran ${PWN} (ansible-playbook)`, where);
        for (const m of fake.markers()) fs.rmSync(path.join(fake.markerDir, m));
      }
    }
    // Ansible did reach the fake nodes (through the fake ssh), so its plays ran there.
    if (tally.ansibleRuns) expect(fake.sshCalls().length).toBeGreaterThan(scriptSsh.length);
    expect(summary()).toEqual({});
    expect(tally.refused + tally.accepted).toBe(tally.tried);
    expect(fake.markers()).toEqual([]);
  }, 300_000);
});

/** Runs a program without blocking the event loop (the test's API server must answer meanwhile). */
async function runAsync(argv: string[], runEnv: NodeJS.ProcessEnv): Promise<{ status: number | null; output: string }> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { env: runEnv });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 180_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

describe('exported playbooks and scripts', () => {
  it.skipIf(!hasAnsible)('carry hostile plan values as data through ansible-playbook and sh: every file holds exactly the value, nothing runs', async () => {
    const http = await import('node:http');
    // The nastiest values a program argument can carry (no NUL): shell, quotes, line breaks, templates, options, YAML.
    const nasty = nastyValues(markerFile);
    const hostile = plannable(nasty);
    const seen: { method: string; note: unknown; authorization: unknown; body: string }[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen.push({ method: req.method!, note: req.headers['x-note'], authorization: req.headers.authorization, body });
        res.end(`ready ${hostile[12]}`);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      for (const kind of ['ansible', 'shell'] as const) {
        const root = path.join(work, `plan-${kind}`);
        fs.mkdirSync(root, { recursive: true });
        const plan = parsePlan(hostilePlan(root, hostile, { nodes: { n1: { local: true }, n2: { local: true } }, apiPort: port }));
        const dir = path.join(work, `export-${kind}`);
        fs.mkdirSync(dir, { recursive: true });
        const files = kind === 'ansible' ? exportAnsible(plan) : exportShell(plan);
        for (const f of files) fs.writeFileSync(path.join(dir, f.name), f.content);
        for (const f of files.filter((x) => x.name.endsWith('.yml'))) expect(templatedStrings(f.content).filter((t) => t.includes(PWN))).toEqual([]);
        const runEnv = env({ [secretEnvName('db-pass')]: secretValue, ANSIBLE_LOCAL_TEMP: path.join(dir, 'tmp'), ANSIBLE_NOCOLOR: '1' });
        const argv = kind === 'ansible' ? ['ansible-playbook', '-i', path.join(dir, files[1]!.name), path.join(dir, files[0]!.name)] : ['/bin/sh', path.join(dir, files[0]!.name)];
        const result = await runAsync(argv, runEnv);
        expect(result.status, `${kind}: ${result.output.slice(-3000)}`).toBe(0);
        const expected = hostile.map((v) => `${v}\0`).join('');
        expect(fs.readFileSync(`${root}/values.args`, 'utf8'), kind).toBe(expected);
        expect(fs.readFileSync(`${root}/values.env`, 'utf8'), kind).toBe(expected);
        expect(fs.readFileSync(`${root}/${hostile.length} files`, 'utf8'), kind).toBe(`${hostile.join('\n')}${secretValue}${hostile[9]}`);
        expect(result.output, kind).not.toContain(secretValue);
        expect(fake.markers(), kind).toEqual([]);
      }
      // The API saw the headers and the body exactly, from both exports.
      const posts = seen.filter((call) => call.method === 'POST');
      expect(posts).toHaveLength(2);
      for (const call of posts) {
        expect(call).toMatchObject({ note: hostile[2], authorization: `Token ${secretValue}${hostile[3]}` });
        expect(JSON.parse(call.body)).toEqual({ note: hostile[11], list: hostile, password: secretValue });
      }
    } finally {
      server.close();
    }
  }, 300_000);
});
