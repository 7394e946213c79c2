// plan.* methods: preview, approve, apply, resume, cancel, status and export plans on the engine,
// with job events on the bus. Secrets come from CW_SECRET_<ID> or the secret store, at the moment of use.
import type { Handlers } from '../dispatcher.js';
import type { CoreOptions } from '../core.js';
import type { EventBus } from '../events.js';
import { CwError } from '../../common/errors.js';
import { parsePlan } from '../../common/plan/dag.js';
import type { Plan } from '../../common/plan/schema.js';
import { defaultSecretStore } from '../secrets/index.js';
import { PlanEngine } from '../engine/engine.js';
import { exportAnsible } from '../engine/export-ansible.js';
import { exportShell } from '../engine/export-shell.js';
import { planHash } from '../engine/hash.js';
import { LocalRunner } from '../engine/local-runner.js';
import { previewPlan } from '../engine/preview.js';
import { collectSecretIds } from '../../common/plan/secrets.js';
import { ChainSecretResolver, EnvSecretResolver, type SecretResolver } from '../engine/render.js';
import { RoutingRunner, type RoutingRunnerOptions } from '../engine/routing-runner.js';
import type { StepRunner } from '../engine/runner.js';
import type { StackExecutors } from '../engine/stack-ops.js';

type PlanMethod = 'plan.preview' | 'plan.approve' | 'plan.apply' | 'plan.resume' | 'plan.cancel' | 'plan.status' | 'plan.export';

export interface PlanServiceDeps {
  events: EventBus;
  /** Where secrets come from; defaults to CW_SECRET_<ID> variables, then the host's secret store. */
  secrets?: SecretResolver;
  /** The transport per plan; defaults to local for `local: true` nodes and HTTP for APIs. */
  runnerFor?: (plan: Plan) => StepRunner;
  /** SSH for nodes with an address (set up by the host when SSH is available). */
  ssh?: RoutingRunnerOptions['ssh'];
  /** The executors of stack operations (a VM move), by stack id. */
  stacks?: StackExecutors;
}

export interface PlanService {
  engine: PlanEngine;
  handlers: Pick<Handlers, PlanMethod>;
}

export function createPlanService(options: CoreOptions, deps: PlanServiceDeps): PlanService {
  const secrets = deps.secrets ?? new ChainSecretResolver([new EnvSecretResolver(), options.ssh?.secrets ?? defaultSecretStore(options.hostKind)]);
  const local = new LocalRunner();
  const runnerFor = deps.runnerFor ?? ((plan: Plan) => new RoutingRunner(plan, { local, ...(deps.ssh ? { ssh: deps.ssh } : {}) }));
  const engine = new PlanEngine({
    runner: runnerFor,
    secrets,
    workspaceDir: options.workspaceDir,
    ...(deps.stacks ? { stacks: deps.stacks } : {}),
    sink: {
      stepUpdated: (event) => deps.events.emit('job.stepUpdated', event),
      log: (event) => deps.events.emit('job.log', event),
      finished: (result) => {
        deps.events.emit('job.finished', result);
        // The clusters a plan changes are read again (a VM move, however it ended; a resumed one too).
        const at = new Date().toISOString();
        for (const t of result.touches ?? []) deps.events.emit('inventory.changed', { stack: t.stack as never, cluster: t.cluster, at });
      },
    },
  });

  const checkHash = (plan: Plan, expected: string | undefined) => {
    const hash = planHash(plan);
    if (expected && expected !== hash) {
      throw new CwError('CONFLICT', `Plan "${plan.id}" changed since it was previewed (hash ${expected.slice(0, 12)}… is now ${hash.slice(0, 12)}…); preview and approve it again.`);
    }
    return hash;
  };

  /** A run needs its secrets at the moment of use: a locked store is reported before the first step, not in the middle. */
  const ensureSecretsReadable = async (plan: Plan) => {
    for (const id of collectSecretIds(plan)) {
      try {
        await secrets.get(id);
      } catch (error) {
        if (error instanceof CwError && error.code === 'SECRETS_LOCKED') throw error;
        return; // any other problem is the step's to report, with its context
      }
    }
  };

  const handlers: Pick<Handlers, PlanMethod> = {
    'plan.preview': async ({ plan: raw }, ctx) => {
      const plan = parsePlan(raw);
      return previewPlan(plan, { runner: runnerFor(plan), secrets, approval: engine.approvals.get(planHash(plan)), auditFile: engine.auditFile, signal: ctx.signal, ...(deps.stacks ? { stacks: deps.stacks } : {}) });
    },
    'plan.approve': ({ plan: raw, planHash: expected, acknowledgeDestructive }) => {
      const plan = parsePlan(raw);
      return engine.approvals.approve(plan, acknowledgeDestructive, expected);
    },
    'plan.apply': async ({ plan: raw, planHash: expected, wait }) => {
      const plan = parsePlan(raw);
      const hash = checkHash(plan, expected);
      await ensureSecretsReadable(plan);
      const handle = engine.apply(plan);
      if (!wait) {
        handle.done.catch(() => undefined);
        return { runId: handle.runId, planHash: hash };
      }
      return { runId: handle.runId, planHash: hash, result: await handle.done };
    },
    'plan.resume': async ({ runId, rerunInterrupted, wait }) => {
      const handle = engine.resume(runId, { rerunInterrupted });
      if (!wait) {
        handle.done.catch(() => undefined);
        return { runId: handle.runId, planHash: handle.planHash };
      }
      return { runId: handle.runId, planHash: handle.planHash, result: await handle.done };
    },
    'plan.cancel': ({ runId }) => ({ cancelled: engine.cancel(runId) }),
    'plan.status': ({ runId }) => ({ runs: runId ? [engine.status(runId)] : engine.list() }),
    'plan.export': ({ plan: raw, format }) => {
      const plan = parsePlan(raw);
      return { files: format === 'shell' ? exportShell(plan, deps.stacks) : exportAnsible(plan, deps.stacks) };
    },
  };
  return { engine, handlers };
}
