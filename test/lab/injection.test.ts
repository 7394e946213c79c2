// The injection property on lab hosts: hostile values in every field of a lab workspace go through validate;
// the accepted ones are carried, all at once, into a Proxmox cluster plan that the engine applies over SSH;
// the exported shell script and ansible-playbook then run against the same hosts, and a plan with hostile
// values in every plan field runs on a host through the engine and both exports. A marker file must appear
// on no lab host and not on this machine; the values must arrive exactly.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { parsePlan } from '../../main/common/plan/dag.js';
import type { Plan } from '../../main/common/plan/schema.js';
import { secretEnvName } from '../../main/common/plan/secrets.js';
import { parseWorkspace } from '../../main/common/workspace/parse.js';
import { exportAnsible } from '../../main/node/engine/export-ansible.js';
import { exportShell } from '../../main/node/engine/export-shell.js';
import { labWorkspaceModel } from '../../main/node/lab/workspace.js';
import { shellQuote } from '../../main/node/ssh/shell-quote.js';
import { PveApiSchema } from '../../main/node/stacks/proxmox/api-schema.js';
import { startLabPve, type LabPve } from '../../main/node/stacks/proxmox/simulator/lab.js';
import { installPveStandIns } from '../../main/node/stacks/proxmox/simulator/stand-ins.js';
import { fieldText, hostilePlan, judge, nastyValues, plannable, PWN, templatedStrings, textFields, withValue, type Field } from '../support/hostile.js';
import { describeLab, useLab } from '../support/lab.js';
import { labPlanRunner, type LabPlanRunner } from '../support/proxmox/engine.js';

const spec = `
name: injection
sites:
  - name: a
    hosts: [a1, a2]
  - name: b
    hosts: [b1]
`;
const hosts = ['a1', 'a2', 'b1'];
const hostMarker = '/tmp/cw-injection-marker';
const notes: string[] = [];
let pve: LabPve | undefined;
let runner: LabPlanRunner | undefined;
let work = '';
let localBin = '';
let localMarkers = '';

/** Runs a program on this machine without blocking the event loop. */
function run(argv: string[], env: NodeJS.ProcessEnv, timeoutMs = 240_000): Promise<{ status: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, argv.slice(1), { env });
    let output = '';
    child.stdout.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, output });
    });
  });
}

describeLab('Hostile workspace and plan values on lab hosts: validate → plan → apply over SSH → exports run against the hosts', () => {
  const handle = useLab(spec, 'cwinj');

  beforeAll(async () => {
    const lab = handle.lab;
    work = fs.mkdtempSync('/var/tmp/cw-injection-');
    pve = await startLabPve(lab, hosts, { schema: new PveApiSchema(), workDir: work });
    await installPveStandIns(lab.binDir, path.join(work, 'pmxcfs'));
    // The program every payload tries to run, on every host (its /tmp is its own) and here.
    fs.writeFileSync(path.join(lab.binDir, PWN), `#!/bin/sh\ntouch ${hostMarker}-$$\n`, { mode: 0o755 });
    localBin = path.join(work, 'bin');
    localMarkers = path.join(work, 'markers');
    fs.mkdirSync(localBin, { recursive: true });
    fs.mkdirSync(localMarkers, { recursive: true });
    fs.writeFileSync(path.join(localBin, PWN), `#!/bin/sh\ntouch ${localMarkers}/pwned-$$\n`, { mode: 0o755 });
    // The exported script calls plain `ssh`: this one adds the lab's key and known hosts (and refuses unknown keys).
    fs.writeFileSync(path.join(localBin, 'ssh'), `#!/bin/sh\nexec /usr/bin/ssh -i ${shellQuote(lab.clientKeyPath)} -o IdentitiesOnly=yes -o UserKnownHostsFile=${shellQuote(lab.knownHostsPath)} -o StrictHostKeyChecking=yes "$@"\n`, { mode: 0o755 });
  }, 90_000);

  afterAll(async () => {
    await runner?.close();
    await pve?.stop();
    console.log(`Injection on lab hosts:\n  ${notes.join('\n  ')}`);
    if (work) fs.rmSync(work, { recursive: true, force: true });
  }, 60_000);

  /** Marker files the payloads left on lab hosts or here (none expected). */
  async function markers(): Promise<string[]> {
    const found = [...fs.readdirSync(localMarkers).map((m) => `here: ${m}`)];
    for (const h of hosts) {
      const r = await handle.lab.exec(h, ['sh', '-c', `ls -d ${hostMarker}* 2>/dev/null || true`]);
      found.push(...r.stdout.split('\n').filter(Boolean).map((m) => `${h}: ${m}`));
    }
    return found;
  }

  /** The environment for the exports: the ssh wrapper and PWN first on PATH, secrets as CW_SECRET_*. */
  const exportEnv = (secrets: Record<string, string>) => ({
    PATH: `${localBin}:${process.env.PATH}`,
    HOME: work,
    LC_ALL: 'C.UTF-8',
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_LOCAL_TEMP: path.join(work, 'ansible-tmp'),
    ANSIBLE_PRIVATE_KEY_FILE: handle.lab.clientKeyPath,
    ANSIBLE_SSH_ARGS: `-o IdentitiesOnly=yes -o UserKnownHostsFile=${handle.lab.knownHostsPath} -o StrictHostKeyChecking=yes`,
    ...Object.fromEntries(Object.entries(secrets).map(([id, value]) => [secretEnvName(id), value])),
  });

  async function runExports(plan: Plan, secrets: Record<string, string>, label: string): Promise<void> {
    const dir = fs.mkdtempSync(path.join(work, `export-${label}-`));
    const files = [...exportShell(plan), ...exportAnsible(plan)];
    for (const f of files) fs.writeFileSync(path.join(dir, f.name), f.content);
    for (const f of files.filter((x) => x.name.endsWith('.yml'))) expect(templatedStrings(f.content).filter((t) => t.includes(PWN)), f.name).toEqual([]);
    const env = exportEnv(secrets);
    let started = Date.now();
    const shell = await run(['/bin/sh', path.join(dir, files[0]!.name)], env);
    notes.push(`${label}: exported shell script over ssh: exit ${shell.status} in ${Date.now() - started} ms`);
    expect(shell.status, shell.output.slice(-3000)).toBe(0);
    started = Date.now();
    const ansible = await run(['ansible-playbook', '-i', path.join(dir, files[2]!.name), path.join(dir, files[1]!.name)], env);
    notes.push(`${label}: ansible-playbook over ssh: exit ${ansible.status} in ${Date.now() - started} ms`);
    expect(ansible.status, ansible.output.slice(-3000)).toBe(0);
    for (const value of Object.values(secrets)) expect(shell.output + ansible.output).not.toContain(value);
  }

  it('refuses hostile values with a location, builds the cluster with the accepted ones carried as data, and the exports run against the hosts', async () => {
    const lab = handle.lab;
    const base = JSON.parse(JSON.stringify(labWorkspaceModel(lab.describe()))) as Record<string, unknown> & { sites: Record<string, unknown>[]; networks: Record<string, unknown>[]; nodes: Record<string, unknown>[] };
    base.description = 'lab estate';
    for (const s of base.sites) Object.assign(s, { location: 'rack', notes: 'n' });
    for (const n of base.networks) n.notes = 'n';
    for (const n of base.nodes) Object.assign(n, { notes: 'n', labels: ['lab'] });
    base.proxmox = {
      clusters: [
        {
          name: 'labc',
          nodes: hosts,
          links: [
            { link: 0, network: 'management' },
            { link: 1, network: 'corosync-link1' },
          ],
          api: { user: 'root@pam', passwordSecret: 'pve-root', fingerprint: pve!.servers.a1!.certificateFingerprint },
          wanTuning: { accepted: false, note: 'n' },
        },
      ],
    };
    const baseline = judge(stringify(base, { lineWidth: 0 }), { path: ['name'] });
    expect(baseline.kind, 'the lab workspace validates and plans').toBe('accepted');
    const baselinePlan = baseline.kind === 'accepted' ? JSON.stringify(baseline.plan) : '';

    // validate: every field × the nastiest values (and two that are valid names with a meaning to Ansible).
    const values = [...nastyValues(hostMarker).slice(0, 21), 'all', 'localhost'];
    const fields = textFields(base);
    const tally = { tried: 0, refused: 0, accepted: 0, reachedPlan: 0 };
    const inert = new Map<string, { field: Field; values: string[] }>();
    const reaching: { field: Field; value: string }[] = [];
    const problems: string[] = [];
    for (const field of fields) {
      for (const value of values) {
        tally.tried++;
        const where = `${fieldText(field.path)}${field.key ? ' (key)' : ''} = ${JSON.stringify(value.slice(0, 50))}`;
        let verdict: ReturnType<typeof judge>;
        try {
          verdict = judge(stringify(withValue(base, field, value), { lineWidth: 0 }), field);
        } catch (error) {
          problems.push(`${where}: accepted by validate, then planning threw: ${(error as Error).message.slice(0, 200)}`);
          continue;
        }
        if (verdict.kind === 'refused') {
          tally.refused++;
          if (!verdict.located) problems.push(`${where}: refused without a location`);
          continue;
        }
        tally.accepted++;
        if (JSON.stringify(verdict.plan) !== baselinePlan) {
          tally.reachedPlan++;
          reaching.push({ field, value });
        } else if (!field.key) {
          const entry = inert.get(fieldText(field.path)) ?? { field, values: [] };
          entry.values.push(value);
          inert.set(fieldText(field.path), entry);
        }
      }
    }
    expect(problems.slice(0, 20), `${problems.length} problems`).toEqual([]);
    notes.push(`validate: ${fields.length} fields × ${values.length} values = ${tally.tried} tried; ${tally.refused} refused with a location, ${tally.accepted} accepted (${tally.reachedPlan} reaching the plan: ${reaching.map((r) => `${fieldText(r.field.path)} = ${r.value}`).join(', ') || 'none'})`);

    // One workspace carrying an accepted hostile value in every field that took one, and a cluster name
    // and password secret id that are valid yet mean something to Ansible, if validate took them.
    let combined: unknown = base;
    const carried = [...inert.values()].map(({ field, values: accepted }, j) => ({ field, value: accepted[j % accepted.length]! }));
    for (const { field, value } of carried) combined = withValue(combined, field, value);
    const pick = (path: string, value: string) => reaching.find((r) => fieldText(r.field.path) === path && r.value === value);
    const clusterName = pick('proxmox.clusters[0].name', 'all') ? 'all' : 'labc';
    const secretId = pick('proxmox.clusters[0].api.passwordSecret', 'localhost') ? 'localhost' : 'pve-root';
    combined = withValue(withValue(combined, { path: ['proxmox', 'clusters', 0, 'name'] }, clusterName), { path: ['proxmox', 'clusters', 0, 'api', 'passwordSecret'] }, secretId);
    const text = stringify(combined, { lineWidth: 0 });
    const verdict = judge(text, { path: ['name'] });
    expect(verdict.kind, 'the workspace with every accepted value at once validates and plans').toBe('accepted');
    const plan = (verdict as { plan: Plan }).plan;
    // Carried as data: every accepted value reads back exactly from the file.
    const parsed = parseWorkspace(text).workspace as unknown;
    for (const { field, value } of carried) {
      const read = field.path.reduce<unknown>((v, s) => (v as Record<string | number, unknown>)[s], parsed);
      expect(read, fieldText(field.path)).toBe(value);
    }
    notes.push(`apply: ${carried.length} fields carry a hostile value at once; cluster "${clusterName}", password secret id "${secretId}"`);

    // apply: the engine over SSH on the lab hosts.
    runner = labPlanRunner(lab, { [secretId]: pve!.rootPassword });
    const started = Date.now();
    const result = await runner.apply(plan);
    notes.push(`apply over SSH: ${result.status} in ${Date.now() - started} ms, ${result.changed} steps ran`);
    expect(result.status, `${result.message} ${JSON.stringify(result.failure)}`).toBe('succeeded');
    const status = await pve!.client('b1').get<{ type: string; name?: string; quorate?: number }[]>('/cluster/status');
    expect(status[0]).toMatchObject({ type: 'cluster', name: clusterName, quorate: 1 });
    expect(await markers()).toEqual([]);

    // The same plan exported, run against the hosts: the script over ssh, the playbook with ansible-playbook.
    await runExports(plan, { [secretId]: pve!.rootPassword }, 'cluster');
    expect(await markers()).toEqual([]);
  }, 600_000);

  it('writes hostile plan values on a host exactly, through the engine, the shell export and the Ansible export', async () => {
    const lab = handle.lab;
    const hostile = plannable(nastyValues(hostMarker));
    const secret = `s3cr'et" $(${PWN}) {{ lookup('pipe','${PWN}') }}`;
    const node = { a2: { address: lab.host('a2').addresses.management!, user: 'root' } };
    const expected = hostile.map((v) => `${v}\0`).join('');
    const engine = labPlanRunner(lab, { 'db-pass': secret });
    for (const how of ['engine', 'shell', 'ansible'] as const) {
      const root = `/root/cw-injection-${how}`;
      const plan = parsePlan(hostilePlan(root, hostile, { nodes: node }));
      if (how === 'engine') {
        const result = await engine.apply(plan);
        expect(result.status, `${result.message} ${JSON.stringify(result.failure)}`).toBe('succeeded');
      } else {
        const dir = fs.mkdtempSync(path.join(work, `hostile-${how}-`));
        const files = how === 'shell' ? exportShell(plan) : exportAnsible(plan);
        for (const f of files) fs.writeFileSync(path.join(dir, f.name), f.content);
        const argv = how === 'shell' ? ['/bin/sh', path.join(dir, files[0]!.name)] : ['ansible-playbook', '-i', path.join(dir, files[1]!.name), path.join(dir, files[0]!.name)];
        const r = await run(argv, exportEnv({ 'db-pass': secret }));
        expect(r.status, `${how}: ${r.output.slice(-3000)}`).toBe(0);
        expect(r.output).not.toContain(secret);
      }
      const read = async (file: string) => (await lab.exec('a2', ['cat', '--', file])).stdout;
      expect(await read(`${root}/values.args`), how).toBe(expected);
      expect(await read(`${root}/values.env`), how).toBe(expected);
      expect(await read(`${root}/${hostile.length} files`), how).toBe(`${hostile.join('\n')}${secret}${hostile[9]}`);
      await lab.exec('a2', ['rm', '-rf', '--', root]);
    }
    await engine.close();
    notes.push(`hostile plan values: ${hostile.length} values as arguments, environment and file content, exact on a2 through the engine, the shell export and ansible-playbook`);
    expect(await markers()).toEqual([]);
  }, 400_000);
});
