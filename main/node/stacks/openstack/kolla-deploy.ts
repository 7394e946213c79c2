// The executor of the deploy plan's `kolla-ansible` operation: runs `kolla-ansible <command> -i <inventory>
// --configdir <dir> --passwords <dir>/passwords.yml` on the step's node (an argument vector the engine quotes),
// streams Ansible's output into the step's log with a progress line per play, and fails the step with the
// first failed task's message.
import * as z from 'zod';
import { CwError } from '../../../common/errors.js';
import { planNodeNameSchema, type StackCall } from '../../../common/plan/schema.js';
import { AnsibleOutputReader, describeFailure, describePlay, type AnsibleEvent } from '../../../common/stacks/openstack/ansible-output.js';
import { kollaCommands } from '../../../common/stacks/openstack/deploy.js';
import type { StackExecutor, StackOpContext } from '../../engine/stack-ops.js';
import { shellCommand } from '../../ssh/shell-quote.js';

const path = z.string().regex(/^\/[A-Za-z0-9._/-]*$/, 'an absolute path of letters, digits, ".", "_", "-" and "/"').refine((p) => !p.split('/').includes('..'), 'a path without ".."');
const kollaArgs = z
  .object({
    region: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a region name'),
    command: z.enum(kollaCommands),
    inventory: path,
    configDir: path,
    node: planNodeNameSchema,
  })
  .strict();

export function isKollaOp(op: string): boolean {
  return op === 'kolla-ansible';
}

function argsOf(c: StackCall): z.output<typeof kollaArgs> {
  const parsed = kollaArgs.safeParse(c.args);
  if (!parsed.success) throw new CwError('INVALID_INPUT', `The kolla-ansible operation of an OpenStack plan step has bad arguments: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`).join('; ')}.`);
  return parsed.data;
}

/** The command line as run: every value a separate, quoted word. */
export function kollaArgv(a: z.output<typeof kollaArgs>): string[] {
  return ['kolla-ansible', a.command, '-i', a.inventory, '--configdir', a.configDir, '--passwords', `${a.configDir}/passwords.yml`];
}

export function createKollaExecutor(): StackExecutor {
  return {
    describe: (c) => shellCommand(...kollaArgv(argsOf(c))),
    command: (c) => {
      const a = argsOf(c);
      return { node: a.node, argv: kollaArgv(a) };
    },
    async act(c, ctx: StackOpContext) {
      const a = argsOf(c);
      if (!ctx.exec) throw new CwError('UNSUPPORTED', `kolla-ansible ${a.command} for region ${a.region} needs a node to run on; this host gives stack operations none.`, { notStarted: true });
      const reader = new AnsibleOutputReader();
      let lineBuffer = '';
      const onEvents = (events: AnsibleEvent[]) => {
        for (const e of events) {
          if (e.kind === 'play-start') ctx.log(`progress: play ${e.play.index} started (${e.play.name})`);
          else if (e.kind === 'play-end') ctx.log(`progress: ${describePlay(e.play)}`);
          else if (e.kind === 'failure') ctx.log(`failed: ${describeFailure(e.failure)}`);
        }
      };
      // Each whole line to the log as it arrives, then what it meant for the progress.
      const onStdout = (chunk: string) => {
        lineBuffer += chunk;
        let newline = lineBuffer.indexOf('\n');
        while (newline >= 0) {
          const line = lineBuffer.slice(0, newline + 1);
          lineBuffer = lineBuffer.slice(newline + 1);
          ctx.log(line.replace(/\r?\n$/, ''), 'stdout');
          onEvents(reader.push(line));
          newline = lineBuffer.indexOf('\n');
        }
      };
      let errBuffer = '';
      const onStderr = (chunk: string) => {
        errBuffer += chunk;
        const lines = errBuffer.split('\n');
        errBuffer = lines.pop()!;
        for (const line of lines) ctx.log(line, 'stderr');
      };
      const result = await ctx.exec(kollaArgv(a), { onStdout, onStderr });
      if (lineBuffer) {
        ctx.log(lineBuffer, 'stdout');
        onEvents(reader.push(lineBuffer));
        lineBuffer = '';
      }
      if (errBuffer) ctx.log(errBuffer, 'stderr');
      onEvents(reader.end());
      if (result.exitCode === 0) {
        const hosts = reader.recap.map((h) => `${h.host} ok=${h.ok} changed=${h.changed} failed=${h.failed}`).join(', ');
        ctx.log(`kolla-ansible ${a.command} finished for region ${a.region}: ${reader.plays.length} plays${hosts ? `; ${hosts}` : ''}`);
        return;
      }
      const failure = reader.failures[0];
      if (failure) throw new CwError('REMOTE_FAILED', `kolla-ansible ${a.command} failed for region ${a.region}: ${describeFailure(failure)}. Fix the cause, then resume the run (the plays are re-runnable).`, { exitCode: result.exitCode });
      const last = (result.stderr.trim() || result.stdout.trim()).split('\n').pop() ?? '';
      throw new CwError('REMOTE_FAILED', `kolla-ansible ${a.command} exited with status ${result.exitCode} for region ${a.region}${last ? `: ${last}` : ''}. See the step's log; fix the cause and resume the run.`, { exitCode: result.exitCode });
    },
    async check(c) {
      throw new CwError('UNSUPPORTED', `The kolla-ansible operation (${argsOf(c).command}) is an action, not a check.`);
    },
  };
}
