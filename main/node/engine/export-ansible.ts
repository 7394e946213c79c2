// Exports a plan as an Ansible playbook and inventory: one play per step in dependency order,
// each action guarded by its precheck; secrets come from CW_SECRET_* variables via lookup('env').
import { stringify } from 'yaml';
import { CwError } from '../../common/errors.js';
import { topologicalOrder } from '../../common/plan/dag.js';
import type { Check, Command, Plan, SecretText, Step, TextPart } from '../../common/plan/schema.js';
import { collectSecretIds, secretEnvName, substituteSecrets } from '../../common/plan/secrets.js';
import { assertNoSentinel, commandLine, secretSentinel, splitSentinels } from './render.js';

type Task = Record<string, unknown>;

const API_HOST = 'localhost';

/** A literal that Jinja must not template: wrapped in raw/endraw when it holds template syntax. */
function literal(text: string): string {
  if (!/\{[{%#]/.test(text)) return text;
  if (text.includes('{% endraw %}')) throw new CwError('INVALID_INPUT', 'A plan text contains "{% endraw %}", which the Ansible export cannot carry.');
  return `{% raw %}${text}{% endraw %}`;
}

function secretLookup(id: string): string {
  return `{{ lookup('ansible.builtin.env', '${secretEnvName(id)}') }}`;
}

function text(value: SecretText | TextPart): string {
  const parts = typeof value === 'string' ? [value] : Array.isArray(value) ? value : [value];
  return parts.map((p) => (typeof p === 'string' ? literal(p) : secretLookup(p.secretRef))).join('');
}

function hasSecrets(value: unknown): boolean {
  return collectSecretIds(value).size > 0;
}

/**
 * A task running a command. Always `shell` with the engine's own quoted command line: the command
 * module would expand $VARS and ~ inside arguments; secrets are inserted quoted by `| quote`.
 */
function commandTask(command: Command): Task {
  const cmd = splitSentinels(commandLine(command, secretSentinel))
    .map((piece) => (typeof piece === 'string' ? literal(piece) : `{{ lookup('ansible.builtin.env', '${secretEnvName(piece.secretRef)}') | quote }}`))
    .join('');
  return { 'ansible.builtin.shell': { cmd, executable: '/bin/sh' } };
}

function uriTask(plan: Plan, step: Step, request: { method: string; path: string; body?: unknown }, statusCodes: number[] | null): Task {
  const apiName = 'api' in step.target ? step.target.api : '';
  const api = plan.apis[apiName];
  if (!api) throw new CwError('INVALID_INPUT', `Step "${step.id}" calls API "${apiName}", which plan "${plan.id}" does not declare.`);
  const uri: Record<string, unknown> = {
    url: literal(api.baseUrl.replace(/\/$/, '') + request.path),
    method: request.method,
    return_content: true,
  };
  if (api.headers) uri.headers = Object.fromEntries(Object.entries(api.headers).map(([k, v]) => [k, text(v)]));
  if (request.body !== undefined) {
    uri.body_format = 'json';
    uri.body = substituteSecrets(request.body, (id) => secretLookup(id));
  }
  if (statusCodes) uri.status_code = statusCodes;
  return { 'ansible.builtin.uri': uri };
}

const anyStatus = Array.from({ length: 500 }, (_, i) => i + 100);

/** A task that registers `register` and never fails or reports a change; `<register>_ok` is the check's truth. */
function checkTasks(plan: Plan, step: Step, check: Check, register: string, label: string, when?: string): { tasks: Task[]; holds: string } {
  const base = (task: Task): Task => ({ name: `${label}: ${step.id}`, ...task, register, changed_when: false, failed_when: false, ...(when ? { when } : {}), ...(hasSecrets(check) ? { no_log: true } : {}) });
  switch (check.kind) {
    case 'exec':
      return { tasks: [base(commandTask(check.command))], holds: `${register}.rc == 0` };
    case 'fileMatches': {
      if (step.action.kind !== 'upload') throw new CwError('INVALID_INPUT', `Step "${step.id}": fileMatches needs an upload step.`);
      // check_mode copy: reports "changed" exactly when the file differs.
      const copy = uploadTask(step);
      return { tasks: [{ ...base(copy), check_mode: true }], holds: `not ${register}.changed` };
    }
    case 'api': {
      const holds = `${register}.status is defined and ${register}.status >= 200 and ${register}.status < 300${check.contains !== undefined ? ` and ${JSON.stringify(check.contains)} in (${register}.content | default(''))` : ''}`;
      return { tasks: [base(uriTask(plan, step, check.request, anyStatus))], holds };
    }
  }
}

function uploadTask(step: Step): Task {
  if (step.action.kind !== 'upload') throw new CwError('INTERNAL', 'not an upload');
  const a = step.action;
  const copy: Record<string, unknown> = { dest: a.path, content: text(a.content), mode: a.mode.length === 3 ? `0${a.mode}` : a.mode };
  if (a.owner) {
    const [owner, group] = a.owner.split(':');
    copy.owner = owner;
    if (group) copy.group = group;
  }
  return { 'ansible.builtin.copy': copy };
}

function playFor(plan: Plan, step: Step): Record<string, unknown> {
  const host = 'node' in step.target ? step.target.node : API_HOST;
  const tasks: Task[] = [];
  const precheck = step.precheck;
  let guard: string | undefined;
  if (precheck) {
    const check = checkTasks(plan, step, precheck, 'cw_pre', 'precheck');
    tasks.push(...check.tasks);
    guard = `not (${check.holds})`;
  }
  if (step.destructive) {
    tasks.push({
      name: `refuse unapproved destructive step ${step.id}`,
      'ansible.builtin.fail': { msg: `Step ${step.id} is destructive: run with -e cw_approve_destructive=true to allow it.` },
      when: [guard, 'not (cw_approve_destructive | default(false) | bool)'].filter(Boolean).join(' and '),
    });
  }
  const a = step.action;
  const secret = hasSecrets(a) || ('api' in step.target && hasSecrets(plan.apis[step.target.api]));
  const actionTask: Task = { name: `${step.id}: ${step.title}` };
  if (a.kind === 'exec') Object.assign(actionTask, commandTask(a.command));
  else if (a.kind === 'upload') {
    // The engine and the shell export create missing parent folders; copy does not.
    tasks.push({ name: `folder for ${step.id}`, 'ansible.builtin.file': { path: a.path.replace(/\/[^/]*$/, '') || '/', state: 'directory' }, ...(guard ? { when: guard } : {}) });
    Object.assign(actionTask, uploadTask(step));
  }
  else if (a.kind === 'api') Object.assign(actionTask, uriTask(plan, step, a.request, null));
  else {
    const until = checkTasks(plan, step, a.until, 'cw_wait', 'wait');
    const [probe] = until.tasks;
    if (!probe) throw new CwError('INTERNAL', 'no probe');
    Object.assign(actionTask, probe, { name: `${step.id}: ${step.title}`, until: until.holds, retries: Math.max(1, Math.ceil(a.deadlineMs / a.intervalMs)), delay: Math.max(1, Math.ceil(a.intervalMs / 1000)) });
    delete actionTask.failed_when;
  }
  if (guard) actionTask.when = guard;
  if (secret) actionTask.no_log = true;
  tasks.push(actionTask);
  if (step.verify) {
    const verify = checkTasks(plan, step, step.verify, 'cw_verify', 'verify', guard);
    tasks.push(...verify.tasks, {
      name: `verify failed: ${step.id}`,
      'ansible.builtin.fail': { msg: `Step ${step.id} ran but its verify failed.${step.rollback ? ` To undo: ${step.rollback}` : ''}` },
      when: [guard, `not (${verify.holds})`].filter(Boolean).join(' and '),
    });
  }
  return {
    name: literal(`${step.id}: ${step.title}`),
    hosts: host,
    gather_facts: false,
    ...(host === API_HOST ? { connection: 'local' } : {}),
    tasks,
  };
}

/** The plan as `<plan-id>.playbook.yml` and `<plan-id>.inventory.yml`. */
export function exportAnsible(plan: Plan): { name: string; content: string }[] {
  assertNoSentinel(plan, `Plan "${plan.id}"`);
  const order = topologicalOrder(plan);
  const hosts: Record<string, Record<string, unknown>> = {};
  for (const step of order) {
    if ('node' in step.target) {
      const node = plan.nodes[step.target.node];
      if (!node || 'local' in node) hosts[step.target.node] = { ansible_connection: 'local' };
      else hosts[step.target.node] = { ansible_host: node.address, ansible_port: node.port, ansible_user: node.user };
    } else {
      hosts[API_HOST] = { ansible_connection: 'local' };
    }
  }
  const secrets = [...collectSecretIds(plan)].map(secretEnvName);
  const header = [
    `# Plan ${JSON.stringify(plan.id)}: ${plan.title.replace(/\n/g, ' ')}`,
    '# Exported by Clusterwright. One play per step, in dependency order; each action runs only when its precheck says it is not done.',
    '# Destructive steps need -e cw_approve_destructive=true.',
    ...(secrets.length ? [`# Secrets are read from the environment: ${secrets.join(', ')}.`] : []),
    '',
  ].join('\n');
  const playbook = header + stringify(order.map((step) => playFor(plan, step)), { lineWidth: 0 });
  const inventory = `# Inventory for plan ${JSON.stringify(plan.id)}, from the plan's nodes.\n` + stringify({ all: { hosts } }, { lineWidth: 0 });
  return [
    { name: `${plan.id}.playbook.yml`, content: playbook },
    { name: `${plan.id}.inventory.yml`, content: inventory },
  ];
}
