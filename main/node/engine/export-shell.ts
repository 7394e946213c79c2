// Exports a plan as one POSIX shell script: steps in dependency order, each guarded by its
// precheck, every argument quoted, secrets read from CW_SECRET_* variables and never inlined.
import { CwError } from '../../common/errors.js';
import { topologicalOrder } from '../../common/plan/dag.js';
import { precheckOf, type Check, type Command, type Plan, type SecretText, type StackCall, type Step } from '../../common/plan/schema.js';
import type { StackCommand } from './stack-ops.js';
import { collectSecretIds, joinText, secretEnvName, substituteSecrets } from '../../common/plan/secrets.js';
import { shellQuote } from '../ssh/shell-quote.js';
import { planHash } from './hash.js';
import { assertNoSentinel, commandLine, secretSentinel as sentinel, splitSentinels } from './render.js';
import type { StackExecutors } from './stack-ops.js';
import { shellCommand } from '../ssh/shell-quote.js';

/**
 * Turns text holding secret sentinels into one shell word: literal pieces single-quoted, each secret
 * as `"$(how "$CW_SECRET_X")"` (or `"$CW_SECRET_X"` when `how` is empty), all adjacent.
 */
function wordWithSecrets(text: string, how: 'cw_q' | 'cw_json' | ''): string {
  const pieces = splitSentinels(text);
  if (pieces.length === 0) return "''";
  return pieces
    .map((piece) => {
      if (typeof piece === 'string') return shellQuote(piece);
      const name = secretEnvName(piece.secretRef);
      return how ? `"$(${how} "$${name}")"` : `"$${name}"`;
    })
    .join('');
}

/** The remote script of a command as a shell word; its secrets are quoted at run time by cw_q. */
function commandWord(command: Command): string {
  return wordWithSecrets(commandLine(command, sentinel), 'cw_q');
}

/** `printf '%s' piece…` printing a text with its secrets taken from the environment. */
function printText(text: SecretText): string {
  const parts = typeof text === 'string' || !Array.isArray(text) ? [text] : text;
  if (parts.length === 0) return "printf ''";
  return `printf '%s' ${parts.map((p) => (typeof p === 'string' ? shellQuote(p) : `"$${secretEnvName(p.secretRef)}"`)).join(' ')}`;
}

/** Text for a `#` comment: one line, control characters and line separators shown as escapes. */
export function commentText(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function octal(mode: string): string {
  return parseInt(mode, 8).toString(8);
}

function apiCall(plan: Plan, step: Step, request: { method: string; path: string; body?: unknown }, extra: string[] = []): string {
  const apiName = 'api' in step.target ? step.target.api : '';
  const api = plan.apis[apiName];
  if (!api) throw new CwError('INVALID_INPUT', `Step "${step.id}" calls API "${apiName}", which plan "${plan.id}" does not declare.`);
  const url = api.baseUrl.replace(/\/$/, '') + request.path;
  const args = ['curl', '-sS', '-X', request.method, ...extra];
  for (const [name, value] of Object.entries(api.headers ?? {})) args.push('-H', wordWithSecrets(`${name}: ${joinText(value, sentinel)}`, ''));
  let stdin = '';
  if (request.body !== undefined) {
    args.push('-H', shellQuote('content-type: application/json'), '--data-binary', '@-');
    stdin = `${wordWithSecretsPrint(JSON.stringify(substituteSecrets(request.body, sentinel)))} | `;
  }
  // --url: the address is the option's value, never an option of its own.
  args.push('--url', shellQuote(url));
  return `${stdin}${args.join(' ')}`;
}

/** printf of a JSON text whose secrets are JSON-escaped at run time. */
function wordWithSecretsPrint(json: string): string {
  return `printf '%s' ${wordWithSecrets(json, 'cw_json')}`;
}

/** A stack operation as the command an admin would run on a node; refused when the stack has none for it. */
export function stackCommandOf(step: Step, call: StackCall, stacks: StackExecutors | undefined, format: string): StackCommand {
  const command = stacks?.(call.stack)?.command?.(call);
  if (!command) {
    throw new CwError('UNSUPPORTED', `Step "${step.id}" is a ${call.stack} operation (${call.op}) that has no ${format} form; run this plan with \`clusterwright apply\` instead of exporting it.`, { stepId: step.id });
  }
  return command;
}

/** A shell condition that holds when the check holds. */
function condition(plan: Plan, step: Step, check: Check, stacks?: StackExecutors): string {
  const node = 'node' in step.target ? step.target.node : '';
  switch (check.kind) {
    case 'exec':
      return `cw_exec ${shellQuote(node)} ${commandWord(check.command)} </dev/null`;
    case 'fileMatches': {
      if (step.action.kind !== 'upload') throw new CwError('INVALID_INPUT', `Step "${step.id}": fileMatches needs an upload step.`);
      const p = shellQuote(step.action.path);
      const script = `cmp -s -- - ${p} && [ "$(stat -c %a -- ${p})" = ${shellQuote(octal(step.action.mode))} ]`;
      return `${printText(step.action.content)} | cw_exec ${shellQuote(node)} ${shellQuote(script)}`;
    }
    case 'api': {
      const call = apiCall(plan, step, check.request, ['-f', '-o', '-']);
      return check.contains === undefined ? `${call} >/dev/null` : `${call} | grep -qF -- ${shellQuote(check.contains)}`;
    }
    case 'stack': {
      const command = stackCommandOf(step, check, stacks, 'shell');
      return `cw_exec ${shellQuote(command.node)} ${shellQuote(shellCommand(...command.argv))} </dev/null`;
    }
  }
}

function action(plan: Plan, step: Step, stacks?: StackExecutors): string[] {
  const node = 'node' in step.target ? step.target.node : '';
  const a = step.action;
  switch (a.kind) {
    case 'exec':
      return [`cw_exec ${shellQuote(node)} ${commandWord(a.command)} </dev/null`];
    case 'upload': {
      const p = shellQuote(a.path);
      const script = [
        'set -eu',
        `d=$(dirname -- ${p})`,
        'mkdir -p -- "$d"',
        `t="$d/.$(basename -- ${p}).cw-$$"`,
        'cat > "$t"',
        `chmod ${shellQuote(octal(a.mode))} "$t"`,
        ...(a.owner ? [`chown -- ${shellQuote(a.owner)} "$t"`] : []),
        `mv -f -- "$t" ${p}`,
      ].join('; ');
      return [`${printText(a.content)} | cw_exec ${shellQuote(node)} ${shellQuote(script)}`];
    }
    case 'api':
      return [`${apiCall(plan, step, a.request, ['-f', '-o', '/dev/null'])}`];
    case 'stack': {
      const command = stackCommandOf(step, a, stacks, 'shell');
      return [`cw_exec ${shellQuote(command.node)} ${shellQuote(shellCommand(...command.argv))} </dev/null`];
    }
    case 'wait': {
      const seconds = Math.max(1, Math.ceil(a.intervalMs / 1000));
      return [
        `cw_deadline=$(( $(date +%s) + ${Math.ceil(a.deadlineMs / 1000)} ))`,
        `until ${condition(plan, step, a.until, stacks)}; do`,
        `  if [ "$(date +%s)" -ge "$cw_deadline" ]; then cw_log ${shellQuote(`step ${step.id}: still not ready after ${Math.ceil(a.deadlineMs / 1000)} s`)}; return 1; fi`,
        `  sleep ${seconds}`,
        'done',
      ];
    }
  }
}

function nodeCase(plan: Plan): string[] {
  const lines: string[] = [];
  for (const [name, node] of Object.entries(plan.nodes)) {
    if ('local' in node) lines.push(`    ${shellQuote(name)}) sh -c "$2" ;;`);
    // The user as -l's value and the host after "--": neither can be read as an ssh option.
    else lines.push(`    ${shellQuote(name)}) ssh -o BatchMode=yes -p ${node.port} -l ${shellQuote(node.user)} -- ${shellQuote(node.address)} "$2" ;;`);
  }
  return lines;
}

/** The plan as `<plan-id>.sh`; a stack's operations as the commands its executor gives (`stacks`). */
export function exportShell(plan: Plan, stacks?: StackExecutors): { name: string; content: string }[] {
  assertNoSentinel(plan, `Plan "${plan.id}"`);
  const hash = planHash(plan);
  const secretIds = [...collectSecretIds(plan)];
  const out: string[] = [
    '#!/bin/sh',
    `# Plan ${JSON.stringify(plan.id)}: ${commentText(plan.title)}`,
    `# Exported by Clusterwright from plan hash ${hash}.`,
    '# Steps run in dependency order, one after another; each runs only when its precheck says it is not done.',
    '# Destructive steps run only with CW_APPROVE_DESTRUCTIVE=1.',
  ];
  if (secretIds.length > 0) {
    out.push('# Secrets are read from these environment variables (never written into this file):');
    for (const id of secretIds) out.push(`#   ${secretEnvName(id)}  (secret ${JSON.stringify(id)})`);
  }
  out.push(
    'set -eu',
    '',
    "cw_log() { printf '%s\\n' \"$*\" >&2; }",
    '# cw_q VALUE: VALUE single-quoted for sh.',
    "cw_q() { printf \"'%s'\" \"$(printf '%s' \"$1\" | sed \"s/'/'\\\\\\\\''/g\")\"; }",
    '# cw_json VALUE: VALUE escaped for a JSON string.',
    "cw_json() { printf '%s' \"$1\" | sed 's/\\\\/\\\\\\\\/g; s/\"/\\\\\"/g'; }",
    '# cw_exec NODE SCRIPT: runs SCRIPT with sh on NODE (stdin passed through).',
    'cw_exec() {',
    '  case "$1" in',
    ...nodeCase(plan),
    '    *) cw_log "unknown node $1"; return 2 ;;',
    '  esac',
    '}',
  );
  for (const id of secretIds) {
    const name = secretEnvName(id);
    out.push(`: "\${${name}?set ${name} to the secret ${id.replace(/[^A-Za-z0-9_.-]/g, '')}}"`);
  }
  const order = topologicalOrder(plan);
  order.forEach((step, index) => {
    const fn = `cw_step_${index + 1}`;
    out.push('', `# Step ${step.id}: ${commentText(step.title)} (${'node' in step.target ? `node ${step.target.node}` : `API ${commentText(step.target.api)}`})`);
    if (step.rollback) out.push(`#   rollback: ${commentText(step.rollback)}`);
    out.push(`${fn}() {`);
    const precheck = precheckOf(step);
    if (precheck) out.push(`  if ${condition(plan, step, precheck, stacks)}; then cw_log ${shellQuote(`skip ${step.id}: already done`)}; return 0; fi`);
    if (step.destructive) {
      out.push(`  if [ "\${CW_APPROVE_DESTRUCTIVE:-}" != 1 ]; then cw_log ${shellQuote(`step ${step.id} is destructive: set CW_APPROVE_DESTRUCTIVE=1 to run it`)}; return 1; fi`);
    }
    out.push(`  cw_log ${shellQuote(`run ${step.id}: ${step.title}`)}`);
    for (const line of action(plan, step, stacks)) out.push(`  ${line}`);
    if (step.verify) out.push(`  if ! ${condition(plan, step, step.verify, stacks)}; then cw_log ${shellQuote(`step ${step.id}: verify failed`)}; return 1; fi`);
    out.push('}', fn);
  });
  out.push('', `cw_log ${shellQuote(`plan ${plan.id}: done`)}`, '');
  return [{ name: `${plan.id}.sh`, content: out.join('\n') }];
}
