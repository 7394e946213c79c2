// The stretched-cluster build and vMotion as engine plans, and the executor of their operations.
// Build: one plan step per build step (create the cluster, each host, each VMkernel adapter, vSAN on, disks per
// host, the stretch, site HA/DRS), each with vCenter's own state as precheck and verify, so a resumed or second
// run skips what is there; claiming disks erases them, so those steps are destructive and approved with the plan.
// vMotion: one `relocate` step; a vMotion of the VM already running in vCenter is followed, never started twice.
import * as z from 'zod';
import { CwError } from '../../../common/errors.js';
import type { PlanInput, StackCall } from '../../../common/plan/schema.js';
import { checkVsphereName } from '../../../common/stacks/vsan/names.js';
import type { StackExecutor, StackOpContext } from '../../engine/stack-ops.js';
import type { SecretStore } from '../../secrets/store.js';
import type { VsphereClient } from './client/client.js';
import type { VsanConnections } from './connections.js';
import { day2Apply, day2ArgsSchema, day2Done, describeDay2 } from './day2.js';
import { stretchedClusterSteps, type BuildStep, type StretchedClusterSpec } from './stretched-cluster.js';
import { vcenterAccessSchema, type VcenterAccess } from './workspace-spec.js';

export const STACK = 'vsan' as const;
/** How vCenter (and the simulator) describe a vMotion task. */
export const MOVE_TASKS = ['VirtualMachine.relocate', 'VirtualMachine.relocateVm', 'VirtualMachine.migrate', 'VirtualMachine.migrateVm'] as const;

const vsphereName = z.string().refine((v) => checkVsphereName(v) === undefined, 'a vSphere name');
const hostName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,253}$/, 'an ESXi host name');
const ipv4 = z.string().regex(/^(\d{1,3}\.){3}\d{1,3}$/, 'an IPv4 address');
const vmk = z.object({ ipAddress: ipv4, subnetMask: ipv4 }).strict();
const thumb = z.string().regex(/^[0-9A-F]{2}(:[0-9A-F]{2}){19,31}$/i, 'a certificate thumbprint');
const hostSchema = z.object({ name: hostName, vsan: vmk, vmotion: vmk.optional(), thumbprint: thumb.optional() }).strict();
const siteSchema = z.object({ name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/), isolationAddress: z.string().min(2).max(45).regex(/^[0-9A-Fa-f.:]+$/), hosts: z.array(hostSchema).min(1), vms: z.array(vsphereName).optional() }).strict();
const portgroup = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,62}$/);

/** The spec as a plan step carries it (a plan file is input: checked again before anything reaches vCenter). */
export const specSchema = z
  .object({
    datacenter: vsphereName,
    cluster: vsphereName,
    preferred: siteSchema,
    secondary: siteSchema,
    witness: hostSchema,
    network: z.object({ vswitch: portgroup, vsanPortgroup: portgroup, vsanVlan: z.number().int().min(0).max(4095), vmotionPortgroup: portgroup, vmotionVlan: z.number().int().min(0).max(4095), mtu: z.number().int().min(1280).max(9000).optional() }).strict(),
    diskType: z.enum(['allFlash', 'hybrid']),
    drsBehavior: z.enum(['fullyAutomated', 'partiallyAutomated']).optional(),
  })
  .strict();

const secretId = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/);
const argSchemas = {
  build: z.object({ cluster: vsphereName, step: z.string().min(1).max(300), spec: specSchema, access: vcenterAccessSchema, esxi: z.object({ user: z.string().regex(/^[A-Za-z0-9._@-]{1,64}$/), passwordSecret: secretId }).strict() }).strict(),
  relocate: z.object({ cluster: vsphereName, access: vcenterAccessSchema, vm: z.string().regex(/^vm-[A-Za-z0-9-]+$/, 'a VM reference (vm-N)'), name: z.string().max(80), source: hostName, target: hostName }).strict(),
  'vm-on': z.object({ access: vcenterAccessSchema, vm: z.string().regex(/^vm-[A-Za-z0-9-]+$/), host: hostName }).strict(),
  day2: day2ArgsSchema,
};
type Op = keyof typeof argSchemas;
const ops: Record<string, Op> = { build: 'build', built: 'build', relocate: 'relocate', 'vm-on': 'vm-on', day2: 'day2', 'day2-done': 'day2' };

function argsOf<O extends Op>(call: StackCall, op: O): z.output<(typeof argSchemas)[O]> {
  const parsed = argSchemas[op].safeParse(call.args);
  if (!parsed.success) throw new CwError('INVALID_INPUT', `The ${call.op} operation of a vSAN plan step has bad arguments: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`).join('; ')}.`);
  return parsed.data as z.output<(typeof argSchemas)[O]>;
}

const call = (op: string, args: Record<string, unknown>) => ({ kind: 'stack' as const, stack: STACK, op, args });

/** The build steps' ids and titles without a vCenter (the steps only reach vCenter when run). */
export function buildStepList(spec: StretchedClusterSpec): { id: string; title: string }[] {
  const offline = new Proxy({}, { get: () => { throw new CwError('INTERNAL', 'The step list was asked to reach vCenter.'); } }) as VsphereClient;
  return stretchedClusterSteps(offline, spec, { hostUser: 'root', hostPassword: '' }).map((s) => ({ id: s.id, title: s.title }));
}

function planIdPart(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'x';
}

export const apisFor = (access: VcenterAccess) => ({ vcenter: { baseUrl: `https://${access.host.includes(':') ? `[${access.host}]` : access.host}:${access.port}/sdk` } });

/** The build as a plan (pure): the spec and the vCenter login by secret id travel in each step. */
export function buildPlan(spec: StretchedClusterSpec, access: VcenterAccess, esxi: { user: string; passwordSecret: string }): PlanInput {
  const used = new Set<string>();
  const steps = buildStepList(spec).map((s, i) => {
    let id = planIdPart(s.id.replace(/:/g, '-'));
    if (used.has(id)) id = `${id}-${i}`;
    used.add(id);
    const args = { cluster: spec.cluster, step: s.id, spec, access, esxi };
    const erases = s.id.startsWith('disks:') || s.id === 'stretch';
    return {
      id,
      title: s.title,
      target: { api: 'vcenter' },
      action: call('build', args),
      precheck: call('built', args),
      verify: call('built', args),
      destructive: erases,
      ...(erases ? { rollback: s.id === 'stretch' ? 'Disable stretching (remove the witness) as a day-2 action; the witness disks claimed stay claimed until removed from vSAN.' : 'Remove the disk group from vSAN (its data is gone).' } : {}),
      timeoutMs: 30 * 60_000,
      dependsOn: i > 0 ? [[...used][i - 1]!] : [],
      idempotent: true,
    };
  });
  return {
    id: `vsan-stretch-${planIdPart(spec.cluster)}`,
    title: `Build vSAN stretched cluster ${spec.cluster}: ${spec.preferred.name} (preferred) and ${spec.secondary.name}, witness ${spec.witness.name}`,
    apis: apisFor(access),
    steps,
    touches: [{ stack: STACK, cluster: spec.cluster }],
  };
}

/** The vMotion of one VM as a plan (pure). */
export function relocatePlan(input: { cluster: string; access: VcenterAccess; vm: string; name: string; source: string; target: string; timeoutMs: number }): PlanInput {
  const title = `vMotion ${input.name} from ${input.source} to ${input.target}`;
  return {
    id: `vmotion-${planIdPart(input.vm)}-${planIdPart(input.source)}-to-${planIdPart(input.target)}`,
    title,
    apis: apisFor(input.access),
    steps: [
      {
        id: 'move',
        title,
        target: { api: 'vcenter' },
        action: call('relocate', { cluster: input.cluster, access: input.access, vm: input.vm, name: input.name, source: input.source, target: input.target }),
        precheck: call('vm-on', { access: input.access, vm: input.vm, host: input.target }),
        verify: call('vm-on', { access: input.access, vm: input.vm, host: input.target }),
        rollback: `Move it back: drag ${input.name} onto ${input.source}.`,
        idempotent: true,
        timeoutMs: input.timeoutMs,
      },
    ],
    touches: [{ stack: STACK, cluster: input.cluster }],
  };
}

export function createVsanExecutor(deps: { connections: VsanConnections; secrets: SecretStore }): StackExecutor {
  const opOf = (c: StackCall): Op => {
    const op = ops[c.op];
    if (!op) throw new CwError('INVALID_INPUT', `vSAN has no plan operation "${c.op}" (known: ${Object.keys(ops).join(', ')}).`);
    return op;
  };
  const stepOf = async (a: z.output<typeof argSchemas.build>, ctx?: StackOpContext): Promise<BuildStep> => {
    const client = await deps.connections.client(a.access);
    const steps = stretchedClusterSteps(client, a.spec, {
      hostUser: a.esxi.user,
      hostPassword: () => deps.secrets.get(a.esxi.passwordSecret),
      ...(ctx ? { onProgress: (line: string) => ctx.log(line, 'info') } : {}),
    });
    const step = steps.find((s) => s.id === a.step);
    if (!step) throw new CwError('INVALID_INPUT', `The vSAN build has no step "${a.step}" for this spec.`);
    return step;
  };
  const vmRef = (value: string) => ({ type: 'VirtualMachine', value });
  const hostOf = async (client: VsphereClient, vm: string): Promise<string | undefined> => {
    const props = await client.properties(vmRef(vm), ['runtime.host']);
    const host = props.get('runtime.host');
    if (!host) return undefined;
    return (await client.properties(host.asMoRef(), ['name'])).get('name')?.text();
  };
  const follow = async (client: VsphereClient, task: { type: string; value: string }, what: string, ctx: StackOpContext) => {
    let last = -1;
    const waiting = client.waitForTask(task, {
      what,
      timeoutMs: ctx.timeoutMs,
      onProgress: (p) => {
        if (p.progress !== last) ctx.log(`${what}: ${p.state} ${p.progress} %`, 'stdout');
        last = p.progress;
      },
    });
    const cancelled = new Promise<never>((_, reject) => {
      const stop = () => reject(new CwError('CANCELLED', `Stopped following ${what} (task ${task.value}): vCenter finishes it; resume follows it instead of starting another.`));
      if (ctx.signal.aborted) stop();
      else ctx.signal.addEventListener('abort', stop, { once: true });
    });
    waiting.catch(() => undefined);
    await Promise.race([waiting, cancelled]);
  };

  return {
    describe(c) {
      switch (opOf(c)) {
        case 'build': {
          const a = argsOf(c, 'build');
          return `${c.op === 'built' ? 'vCenter shows done: ' : ''}${a.step} on vCenter ${a.access.host}:${a.access.port} (cluster ${a.cluster})`;
        }
        case 'relocate': {
          const a = argsOf(c, 'relocate');
          return `RelocateVM_Task ${a.vm} (${a.name}) host=${a.target} on vCenter ${a.access.host}:${a.access.port}`;
        }
        case 'vm-on': {
          const a = argsOf(c, 'vm-on');
          return `VM ${a.vm} runs on ${a.host}`;
        }
        case 'day2':
          return describeDay2(argsOf(c, 'day2'), c.op === 'day2-done');
      }
    },
    // vCenter has no shell command for these: the exports refuse vSAN steps.
    command: () => undefined,
    async act(c, ctx) {
      opOf(c);
      if (c.op === 'build') {
        const step = await stepOf(argsOf(c, 'build'), ctx);
        ctx.log(step.title, 'info');
        await step.apply();
        return;
      }
      if (c.op === 'relocate') {
        const a = argsOf(c, 'relocate');
        const client = await deps.connections.client(a.access);
        const what = `vMotion of ${a.name} to ${a.target}`;
        const running = await client.runningTasks(vmRef(a.vm), MOVE_TASKS);
        if (running[0]) {
          ctx.log(`A vMotion of ${a.name} is already running in vCenter (task ${running[0].value}): following it instead of starting another`, 'info');
          await follow(client, running[0], what, ctx);
          return;
        }
        const now = await hostOf(client, a.vm);
        if (now === undefined) throw new CwError('NOT_FOUND', `VM ${a.name} (${a.vm}) is no longer in vCenter ${client.where}.`);
        if (now === a.target) return;
        const target = await client.findByName('HostSystem', a.target);
        if (!target) throw new CwError('NOT_FOUND', `Host ${a.target} is not in vCenter ${client.where}.`);
        ctx.log(`Asking vCenter ${client.where} to vMotion ${a.name} from ${now} to ${a.target} (RelocateVM_Task)`, 'info');
        const task = await client.startRelocate(vmRef(a.vm), { host: target.ref });
        await follow(client, task, what, ctx);
        return;
      }
      if (c.op === 'day2') {
        const a = argsOf(c, 'day2');
        await day2Apply(await deps.connections.client(a.access), a, (line) => ctx.log(line, 'info'));
        return;
      }
      throw new CwError('INVALID_INPUT', `"${c.op}" is a vSAN check, not an operation a step can run.`);
    },
    async check(c) {
      opOf(c);
      if (c.op === 'built') return (await stepOf(argsOf(c, 'build'))).done();
      if (c.op === 'vm-on') {
        const a = argsOf(c, 'vm-on');
        const client = await deps.connections.client(a.access);
        if ((await client.runningTasks(vmRef(a.vm), MOVE_TASKS)).length) return false;
        return (await hostOf(client, a.vm)) === a.host;
      }
      if (c.op === 'day2-done') {
        const a = argsOf(c, 'day2');
        return day2Done(await deps.connections.client(a.access), a);
      }
      throw new CwError('INVALID_INPUT', `"${c.op}" is a vSAN operation, not a check.`);
    },
  };
}
