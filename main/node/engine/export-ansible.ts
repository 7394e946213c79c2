// Exports a plan as an Ansible playbook and inventory: one play per step in dependency order,
// each action guarded by its precheck; secrets come from CW_SECRET_* variables via lookup('env').
// Every value taken from the plan is written with Ansible's `!unsafe` tag, so Jinja never evaluates
// it; the only templates in the files are the ones written here (secret lookups and conditions).
import { stringify, type ScalarTag } from 'yaml';
import { CwError } from '../../common/errors.js';
import { topologicalOrder } from '../../common/plan/dag.js';
import type { Check, Command, Plan, SecretText, StackCall, Step } from '../../common/plan/schema.js';
import { collectSecretIds, isSecretRef, secretEnvName } from '../../common/plan/secrets.js';
import { commentText } from './export-shell.js';
import { assertNoSentinel, commandLine } from './render.js';
import { stackCommandOf } from './export-shell.js';
import type { StackExecutors } from './stack-ops.js';

type Task = Record<string, unknown>;

const API_HOST = 'localhost';

/** A value from the plan: data for Ansible, never a template (written as `!unsafe "…"`). */
class Unsafe {
  constructor(readonly value: string) {}
}

/** A YAML double-quoted scalar in plain ASCII: every other character escaped, so no reader folds or breaks it. */
function yamlDoubleQuoted(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (code >= 0x20 && code < 0x7f) out += ch;
    else if (code < 0x100) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += `\\U${code.toString(16).padStart(8, '0')}`;
  }
  return `${out}"`;
}

const unsafeTag: ScalarTag = {
  tag: '!unsafe',
  identify: (value) => value instanceof Unsafe,
  resolve: (text) => new Unsafe(text),
  stringify: (item) => yamlDoubleQuoted((item.value as Unsafe).value),
};

const data = (text: string): Unsafe => new Unsafe(text);

/** The Jinja expression reading a secret from the environment of ansible-playbook. */
function secretLookup(id: string): string {
  return `lookup('ansible.builtin.env', '${secretEnvName(id)}')`;
}

/**
 * Play variables holding literal text as `!unsafe` values, so that a template written here can join
 * them with secret lookups (`{{ cw_text_1 ~ lookup(…) }}`) without evaluating the text.
 */
class PlayVars {
  readonly vars: Record<string, Unsafe> = {};
  private count = 0;

  literal(text: string): string {
    const name = `cw_text_${++this.count}`;
    this.vars[name] = data(text);
    return name;
  }

  /** A value for a module argument: `!unsafe` text, or a template joining literal variables and secret lookups. */
  text(value: SecretText): Unsafe | string {
    const parts = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [value];
    if (parts.every((p) => typeof p === 'string')) return data(parts.join(''));
    return `{{ ${parts.map((p) => (typeof p === 'string' ? this.literal(p) : secretLookup(p.secretRef))).join(' ~ ')} }}`;
  }

  /** A JSON body: literal strings as `!unsafe`, each secret as its lookup. */
  body(value: unknown): unknown {
    if (isSecretRef(value)) return `{{ ${secretLookup(value.secretRef)} }}`;
    if (typeof value === 'string') return data(value);
    if (Array.isArray(value)) return value.map((item) => this.body(item));
    if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.body(v)]));
    return value;
  }
}

/**
 * A task running a command: `shell` with the engine's own quoted command line as `!unsafe` text (the
 * command module would expand $VARS and ~ inside arguments). A secret is a shell variable in that
 * line, set by the task's `environment` from ansible-playbook's own environment.
 */
function commandTask(command: Command): Task {
  const secrets = [...collectSecretIds(command)];
  const cmd = commandLine(command, (id) => `"$${secretEnvName(id)}"`);
  return {
    'ansible.builtin.shell': { cmd: data(cmd), executable: '/bin/sh' },
    ...(secrets.length ? { environment: Object.fromEntries(secrets.map((id) => [secretEnvName(id), `{{ ${secretLookup(id)} }}`])) } : {}),
  };
}

function uriTask(plan: Plan, step: Step, vars: PlayVars, request: { method: string; path: string; body?: unknown }, statusCodes: number[] | null): Task {
  const apiName = 'api' in step.target ? step.target.api : '';
  const api = plan.apis[apiName];
  if (!api) throw new CwError('INVALID_INPUT', `Step "${step.id}" calls API "${apiName}", which plan "${plan.id}" does not declare.`);
  const uri: Record<string, unknown> = {
    url: data(api.baseUrl.replace(/\/$/, '') + request.path),
    method: data(request.method),
    return_content: true,
  };
  if (api.headers) uri.headers = Object.fromEntries(Object.entries(api.headers).map(([k, v]) => [k, vars.text(v)]));
  if (request.body !== undefined) {
    uri.body_format = 'json';
    uri.body = vars.body(request.body);
  }
  if (statusCodes) uri.status_code = statusCodes;
  return { 'ansible.builtin.uri': uri };
}

const anyStatus = Array.from({ length: 500 }, (_, i) => i + 100);

/** A stack operation as a command task on the node its executor names (delegated there when the play runs elsewhere). */
function stackTask(step: Step, call: StackCall, ctx: ExportContext, playHost: string): Task {
  const command = stackCommandOf(step, call, ctx.stacks, 'Ansible');
  const alias = ctx.aliases.get(command.node) ?? command.node;
  return { ...commandTask({ argv: command.argv }), ...(alias !== playHost ? { delegate_to: data(alias) } : {}) };
}

interface ExportContext {
  stacks?: StackExecutors;
  aliases: Map<string, string>;
}

/** A task that registers `register` and never fails or reports a change; `holds` is the check's truth. */
function checkTasks(plan: Plan, step: Step, vars: PlayVars, check: Check, register: string, label: string, ctx: ExportContext, playHost: string, when?: string): { tasks: Task[]; holds: string } {
  const base = (task: Task): Task => ({ name: data(`${label}: ${step.id}`), ...task, register, changed_when: false, failed_when: false, ...(when ? { when } : {}), ...(collectSecretIds(check).size ? { no_log: true } : {}) });
  switch (check.kind) {
    case 'exec':
      return { tasks: [base(commandTask(check.command))], holds: `${register}.rc == 0` };
    case 'fileMatches': {
      if (step.action.kind !== 'upload') throw new CwError('INVALID_INPUT', `Step "${step.id}": fileMatches needs an upload step.`);
      // check_mode copy: reports "changed" exactly when the file differs.
      const copy = uploadTask(step, vars);
      return { tasks: [{ ...base(copy), check_mode: true }], holds: `not ${register}.changed` };
    }
    case 'api': {
      // The text to look for is a play variable (data), never part of the condition's own text.
      const contains = check.contains !== undefined ? ` and ${vars.literal(check.contains)} in (${register}.content | default(''))` : '';
      const holds = `${register}.status is defined and ${register}.status >= 200 and ${register}.status < 300${contains}`;
      return { tasks: [base(uriTask(plan, step, vars, check.request, anyStatus))], holds };
    }
    case 'stack':
      return { tasks: [base(stackTask(step, check, ctx, playHost))], holds: `${register}.rc == 0` };
  }
}

function uploadTask(step: Step, vars: PlayVars): Task {
  if (step.action.kind !== 'upload') throw new CwError('INVALID_INPUT', `Step "${step.id}" is not an upload.`);
  const a = step.action;
  const copy: Record<string, unknown> = { dest: data(a.path), content: vars.text(a.content), mode: data(a.mode.length === 3 ? `0${a.mode}` : a.mode) };
  if (a.owner) {
    const [owner, group] = a.owner.split(':');
    copy.owner = data(owner!);
    if (group) copy.group = data(group);
  }
  return { 'ansible.builtin.copy': copy };
}

function playFor(plan: Plan, step: Step, host: string, ctx: ExportContext): Record<string, unknown> {
  const vars = new PlayVars();
  const tasks: Task[] = [];
  const precheck = step.precheck;
  let guard: string | undefined;
  if (precheck) {
    const check = checkTasks(plan, step, vars, precheck, 'cw_pre', 'precheck', ctx, host);
    tasks.push(...check.tasks);
    guard = `not (${check.holds})`;
  }
  if (step.destructive) {
    tasks.push({
      name: data(`refuse unapproved destructive step ${step.id}`),
      'ansible.builtin.fail': { msg: data(`Step ${step.id} is destructive: run with -e cw_approve_destructive=true to allow it.`) },
      when: [guard, 'not (cw_approve_destructive | default(false) | bool)'].filter(Boolean).join(' and '),
    });
  }
  const a = step.action;
  const secret = collectSecretIds(a).size > 0 || ('api' in step.target && collectSecretIds(plan.apis[step.target.api]).size > 0);
  const actionTask: Task = { name: data(`${step.id}: ${step.title}`) };
  if (a.kind === 'exec') Object.assign(actionTask, commandTask(a.command));
  else if (a.kind === 'upload') {
    // The engine and the shell export create missing parent folders; copy does not.
    tasks.push({ name: data(`folder for ${step.id}`), 'ansible.builtin.file': { path: data(a.path.replace(/\/[^/]*$/, '') || '/'), state: 'directory' }, ...(guard ? { when: guard } : {}) });
    Object.assign(actionTask, uploadTask(step, vars));
  } else if (a.kind === 'api') Object.assign(actionTask, uriTask(plan, step, vars, a.request, null));
  else if (a.kind === 'stack') Object.assign(actionTask, stackTask(step, a, ctx, host));
  else {
    const until = checkTasks(plan, step, vars, a.until, 'cw_wait', 'wait', ctx, host);
    const [probe] = until.tasks;
    if (!probe) throw new CwError('INVALID_INPUT', `Step "${step.id}" waits for a condition that has no check.`);
    Object.assign(actionTask, probe, { name: data(`${step.id}: ${step.title}`), until: until.holds, retries: Math.max(1, Math.ceil(a.deadlineMs / a.intervalMs)), delay: Math.max(1, Math.ceil(a.intervalMs / 1000)) });
    delete actionTask.failed_when;
  }
  if (guard) actionTask.when = guard;
  if (secret) actionTask.no_log = true;
  tasks.push(actionTask);
  if (step.verify) {
    const verify = checkTasks(plan, step, vars, step.verify, 'cw_verify', 'verify', ctx, host, guard);
    tasks.push(...verify.tasks, {
      name: data(`verify failed: ${step.id}`),
      'ansible.builtin.fail': { msg: data(`Step ${step.id} ran but its verify failed.${step.rollback ? ` To undo: ${step.rollback}` : ''}`) },
      when: [guard, `not (${verify.holds})`].filter(Boolean).join(' and '),
    });
  }
  return {
    name: data(`${step.id}: ${step.title}`),
    hosts: host,
    gather_facts: false,
    ...(host === API_HOST ? { connection: 'local' } : {}),
    ...(Object.keys(vars.vars).length ? { vars: vars.vars } : {}),
    tasks,
  };
}

/** Host names Ansible reads as something else in a play's `hosts:` (groups, the implicit localhost). */
const reservedInventoryNames = new Set(['all', 'ungrouped', 'localhost']);

/**
 * The inventory name of each plan node: the node's own name when Ansible reads it as exactly that host,
 * else `cw-node-<name>` (a node called `all` must not select every host).
 */
function inventoryNames(names: Iterable<string>): Map<string, string> {
  const out = new Map<string, string>();
  const used = new Set<string>([API_HOST]);
  for (const name of names) {
    if (out.has(name)) continue;
    let alias = /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) && !reservedInventoryNames.has(name.toLowerCase()) ? name : `cw-node-${name.replace(/[^A-Za-z0-9._-]/g, '-')}`;
    for (let i = 2; used.has(alias.toLowerCase()); i++) alias = `cw-node-${i}-${name.replace(/[^A-Za-z0-9._-]/g, '-')}`;
    used.add(alias.toLowerCase());
    out.set(name, alias);
  }
  return out;
}

/** The nodes a stack step's commands run on (the plan's target aside). */
function stackNodes(step: Step, stacks: StackExecutors | undefined): string[] {
  const calls = [step.action, step.precheck, step.verify, step.action.kind === 'wait' ? step.action.until : undefined].filter((c): c is StackCall & { kind: 'stack' } => c?.kind === 'stack');
  return calls.flatMap((c) => {
    const command = stacks?.(c.stack)?.command?.(c);
    return command ? [command.node] : [];
  });
}

/** The plan as `<plan-id>.playbook.yml` and `<plan-id>.inventory.yml`; a stack's operations as the commands its executor gives (`stacks`). */
export function exportAnsible(plan: Plan, stacks?: StackExecutors): { name: string; content: string }[] {
  assertNoSentinel(plan, `Plan "${plan.id}"`);
  const order = topologicalOrder(plan);
  const aliases = inventoryNames(order.flatMap((step) => [...('node' in step.target ? [step.target.node] : []), ...stackNodes(step, stacks)]));
  const hosts: Record<string, Record<string, unknown>> = {};
  for (const [name, alias] of aliases) {
    const node = plan.nodes[name];
    if (!node || 'local' in node) hosts[alias] = { ansible_connection: 'local' };
    else hosts[alias] = { ansible_host: data(node.address), ansible_port: node.port, ansible_user: data(node.user) };
  }
  if (order.some((step) => !('node' in step.target))) hosts[API_HOST] = { ansible_connection: 'local' };
  const renamed = [...aliases].filter(([name, alias]) => name !== alias);
  const secrets = [...collectSecretIds(plan)].map(secretEnvName);
  const header = [
    `# Plan ${JSON.stringify(plan.id)}: ${commentText(plan.title)}`,
    '# Exported by Clusterwright. One play per step, in dependency order; each action runs only when its precheck says it is not done.',
    '# Every value from the plan is tagged !unsafe: Ansible treats it as data and never evaluates it as a template.',
    '# Destructive steps need -e cw_approve_destructive=true.',
    ...(secrets.length ? [`# Secrets are read from the environment: ${secrets.join(', ')}.`] : []),
    ...renamed.map(([name, alias]) => `# Node ${commentText(name)} is ${alias} in the inventory (Ansible reads "${commentText(name)}" as a group or pattern).`),
    '',
  ].join('\n');
  const options = { lineWidth: 0, customTags: [unsafeTag] };
  const ctx: ExportContext = { ...(stacks ? { stacks } : {}), aliases };
  const playbook = header + stringify(order.map((step) => playFor(plan, step, 'node' in step.target ? aliases.get(step.target.node)! : API_HOST, ctx)), options);
  const inventory = `# Inventory for plan ${JSON.stringify(plan.id)}, from the plan's nodes; addresses and users are tagged !unsafe (data).\n` + stringify({ all: { hosts } }, options);
  return [
    { name: `${plan.id}.playbook.yml`, content: playbook },
    { name: `${plan.id}.inventory.yml`, content: inventory },
  ];
}
