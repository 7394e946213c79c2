// The backend as plain Node: services behind the contract, shared by the Electron utility process,
// the web host, the CLI and the tests.
import fs from 'node:fs';
import path from 'node:path';
import { CwError } from '../common/errors.js';
import { composeContract, events as registeredEvents, methods as registeredMethods, type hostKinds, type MethodInput, type MethodName, type MethodOutput } from '../common/contract/index.js';
import type { AnyStackDefinition } from '../common/stacks/types.js';
import { createDispatcher, type Dispatch, type Handlers } from './dispatcher.js';
import { EventBus } from './events.js';
import { defaultWorkspaceDir } from './paths.js';
import { appHandlers } from './services/app.js';
import { createPlanService } from './services/plan.js';
import type { Workspace } from '../common/workspace/schema.js';
import { RoutingRunner, type RoutingRunnerOptions } from './engine/routing-runner.js';
import { LocalRunner as LocalPlanRunner } from './engine/local-runner.js';
import { defaultLabStateDir } from './lab/paths.js';
import { createRehearsalService } from './services/rehearsal.js';
import type { StepRunner } from './engine/runner.js';
import { SshStepRunner } from './engine/ssh-runner.js';
import { targetSpecForNode } from './ssh/workspace-targets.js';
import { ChainSecretResolver, EnvSecretResolver } from './engine/render.js';
import { createWorkspaceStore, workspaceHandlers } from './services/workspace.js';
import { createDrillService, drillExecutorId } from './services/drill.js';
import { createInventoryService } from './services/inventory.js';
import { createLabService, type LabServiceOptions } from './services/lab.js';
import { stackModules } from './stacks/registry.js';
import type { StackModule, StackServices, StackWorkspaces } from './stacks/types.js';
import { LocalRunner } from './workspace/runner.js';
import { workspaceHostKeyCheck } from './workspace/host-key-check.js';
import { SshRemoteRunner } from './ssh/remote-runner.js';
import { createSshService, type SshService, type SshServiceOptions } from './services/ssh.js';
import { secretStoreHandlers } from './services/secrets.js';
import { createMonitorService, type MonitorServiceDeps } from './services/monitor.js';
import { createScorecardService, evidenceFromFiles } from './services/scorecard.js';
import { overlayHandlers } from './services/overlay.js';

export interface CoreOptions {
  hostKind: (typeof hostKinds)[number];
  workspaceDir: string;
  /** SSH engine and secret store settings (tests; the desktop host passes its safeStorage store). */
  ssh?: SshServiceOptions;
  /** Where the lab keeps its state and which examples it offers (tests pass their own). */
  lab?: LabServiceOptions;
  /** How workspace commands (the latency matrix…) reach the nodes: over SSH (default) or on this machine (tests). */
  nodeCommands?: 'ssh' | 'local';
  /** The stacks this core runs (default: the registry's; a test adds its own). */
  stacks?: readonly StackModule[];
  /** Options per stack id, handed to that stack only (e.g. `{ <id>: { schema } }`: an API schema every request is checked against). */
  stackOptions?: Record<string, Record<string, unknown>>;
  /** Bounds of the monitoring store (tests shrink them). */
  monitorStore?: MonitorServiceDeps['store'];
}

export interface Core {
  options: CoreOptions;
  dispatch: Dispatch;
  events: EventBus;
  /** In-process call (CLI, tests): same validation as the transports; throws CwError on failure. */
  call<M extends MethodName>(method: M, input: MethodInput<M>, signal?: AbortSignal): Promise<MethodOutput<M>>;
  /** The monitoring series in Prometheus's text format (the web host's /metrics). */
  metrics(): string;
  close(): Promise<void>;
}

export function createCore(partial: Partial<CoreOptions> & Pick<CoreOptions, 'hostKind'>): Core {
  const options: CoreOptions = { workspaceDir: defaultWorkspaceDir(), ...partial };
  fs.mkdirSync(options.workspaceDir, { recursive: true, mode: 0o700 });
  const startedAt = new Date();
  const modules = options.stacks ?? stackModules;
  const definitions: readonly AnyStackDefinition[] = modules.map((m) => m.definition);
  // The registered stacks' contract is the one the renderer knows; a test's own stacks get theirs composed.
  const contract = options.stacks ? composeContract(definitions) : { methods: registeredMethods, events: registeredEvents };
  const events = new EventBus(contract.events);
  const ssh = createSshService(options, { events, currentWorkspace: async () => (await workspaces.ensureOpen()).parsed.workspace });
  // Stored figures are shown only while their nodes' host keys are not contradicted by what this machine trusts now.
  /** Services the workspace store reaches back into, created after it. */
  const late: { scorecard?: ReturnType<typeof createScorecardService> } = {};
  const workspaces = createWorkspaceStore(
    options,
    events,
    options.nodeCommands === 'local' ? undefined : (workspace) => workspaceHostKeyCheck(ssh, workspace),
    options.stacks ? definitions : undefined,
    // The open workspace's evidence comes from the services (the monitor's rounds not yet on disk); another file's from its folder.
    async (file, workspace) => (late.scorecard && path.resolve(file) === path.resolve((await workspaces.ensureOpen()).path) ? late.scorecard.evidence({ storage: false }) : evidenceFromFiles(file, workspace, definitions)),
  );
  /** The open workspace as the stacks use it: an error naming the file when it does not parse. */
  const stackWorkspaces: StackWorkspaces = {
    current: async () => {
      const open = await workspaces.ensureOpen();
      if (!open.parsed.workspace) throw new CwError('INVALID_INPUT', `The workspace ${open.path} has errors, so its clusters are unknown. Fix the file first.`, { path: open.path });
      return { workspace: open.parsed.workspace, facts: open.facts, path: open.path };
    },
    save: (next) => workspaces.save(next),
    storeFacts: (update) => workspaces.storeFacts(update),
  };
  /** The secret store's lock (web mode and the CLI unlock it with a passphrase). */
  const secretLock = secretStoreHandlers(ssh.secrets, events);
  /** How workspace and stack commands reach the nodes (the latency matrix, knet's link state). */
  const nodeRunner = options.nodeCommands === 'local' ? () => new LocalRunner() : (workspace: Workspace) => new SshRemoteRunner(ssh.engine(), workspace, ssh.resolve);
  /** Each stack's services, created once per core; the core reaches stacks only through these. */
  const stacks: { id: string; services: StackServices }[] = modules.map((m) => ({
    id: m.definition.id,
    services: m.create({ events, secrets: ssh.secrets, workspaces: stackWorkspaces, nodeRunner, options: options.stackOptions?.[m.definition.id] ?? {} }),
  }));
  const drill = createDrillService({
    stacks: stacks.map((s) => ({ id: s.id, ...(s.services.failover ? { failover: s.services.failover } : {}) })),
    definitions,
    workspaces: stackWorkspaces,
    ...(options.lab?.stateDir ? { labStateDir: options.lab.stateDir } : {}),
  });
  /** Plans a rehearsal runs in its lab: their nodes log in as the lab's workspace says, not the open one. */
  const planWorkspaces = new Map<string, Workspace>();
  const openWorkspace = async () => (await workspaces.ensureOpen()).parsed.workspace;
  const localPlanRunner = new LocalPlanRunner();
  const plans = createPlanService(options, {
    events,
    runnerFor: (plan) => {
      const rehearsed = planWorkspaces.get(plan.id);
      return new RoutingRunner(plan, { local: localPlanRunner, ssh: workspaceSshRunner(ssh, rehearsed ? async () => rehearsed : openWorkspace) });
    },
    // Plans resolve {secretRef} from CW_SECRET_<ID> variables, then the same store as secrets.put.
    secrets: new ChainSecretResolver([new EnvSecretResolver(), ssh.secrets]),
    // The drill is a core feature whose steps run through the same seam as a stack's operations.
    stacks: (id) => (id === drillExecutorId ? drill.executor : stacks.find((s) => s.id === id)?.services.executor),
  });
  const inventory = createInventoryService({
    stacks: stacks.map((s) => ({ id: s.id, ...(s.services.inventory ? { inventory: s.services.inventory } : {}), ...(s.services.migration ? { migration: s.services.migration } : {}) })),
    definitions,
    events,
    currentWorkspace: async () => {
      const workspace = (await workspaces.ensureOpen()).parsed.workspace;
      if (!workspace) throw new CwError('INVALID_INPUT', 'The open workspace file has errors, so its clusters are unknown: fix the file first.');
      return workspace;
    },
    engine: plans.engine,
  });
  const monitor = createMonitorService({
    events,
    current: async () => {
      const open = await stackWorkspaces.current();
      return { workspace: open.workspace, path: open.path };
    },
    nodeRunner,
    discoveries: stacks.flatMap((s) => (s.services.discovery ? [s.services.discovery] : [])),
    ...(options.stacks ? { definitions } : {}),
    ...(options.monitorStore ? { store: options.monitorStore } : {}),
  });
  const scorecard = (late.scorecard = createScorecardService({
    workspaces: stackWorkspaces,
    monitor,
    stacks,
    ...(options.stacks ? { definitions } : {}),
    nodeRunner,
  }));
  const lab = createLabService(options.lab, {
    secrets: ssh.secrets,
    stacks: modules,
    currentWorkspace: async () => {
      const open = await stackWorkspaces.current();
      return { workspace: open.workspace, facts: open.facts };
    },
  });
  const rehearsal = createRehearsalService({
    lab,
    labStateDir: options.lab?.stateDir ?? defaultLabStateDir(),
    engine: plans.engine,
    stacks: stacks.map((s) => ({ id: s.id, ...(s.services.rehearsal ? { rehearsal: s.services.rehearsal } : {}) })),
    workspaces: stackWorkspaces,
    planWorkspaces,
  });
  const handlers = {
    ...appHandlers(options, startedAt),
    ...plans.handlers,
    ...overlayHandlers({ events, workspaces: stackWorkspaces, nodeRunner }),
    ...workspaceHandlers(options, events, workspaces, nodeRunner, stacks.flatMap((s) => (s.services.discovery ? [s.services.discovery] : []))),
    ...inventory.handlers,
    ...lab.handlers,
    ...rehearsal.handlers,
    ...drill.handlers,
    ...monitor.handlers,
    ...scorecard.handlers,
    ...ssh.handlers,
    ...secretLock.handlers,
    ...(Object.assign({}, ...stacks.map((s) => s.services.handlers ?? {})) as Partial<Handlers>),
  } as Handlers;
  const dispatch = createDispatcher(handlers, contract.methods);
  return {
    options,
    dispatch,
    events,
    async call(method, input, signal) {
      const ctx = {
        signal: signal ?? new AbortController().signal,
        session: {
          openStream: () => {
            throw new CwError('UNSUPPORTED', 'Streams need a connected client session.');
          },
        },
      };
      const result = await dispatch(ctx, method, input);
      if (!result.ok) throw CwError.fromPayload(result.error);
      return result.value as MethodOutput<typeof method>;
    },
    metrics: () => monitor.exposition(),
    close: async () => {
      await monitor.close();
      secretLock.close();
      await lab.close();
      for (const s of stacks) await s.services.close?.().catch(() => undefined);
      await ssh.close();
    },
  };
}

/**
 * SSH for plan nodes. A plan node that is a node of the open workspace (same name, one of its addresses) logs in
 * the way the workspace says (identity file or secret, jump hosts), as terminals do; others use ~/.ssh/config defaults.
 */
function workspaceSshRunner(ssh: SshService, currentWorkspace: () => Promise<Workspace | undefined>): NonNullable<RoutingRunnerOptions['ssh']> {
  return (node, name) => {
    const inner: Promise<StepRunner> = currentWorkspace()
      .catch(() => undefined)
      .then((workspace) => {
        const known = workspace?.nodes.find((n) => n.name === name && (n.ssh?.host === node.address || Object.values(n.addresses).includes(node.address)));
        const spec = known && workspace ? targetSpecForNode(workspace, name) : undefined;
        return new SshStepRunner(ssh.engine(), () => ssh.resolve({ ...spec, host: node.address, port: node.port, user: node.user }));
      });
    return {
      exec: async (...args) => (await inner).exec(...args),
      readFile: async (...args) => (await inner).readFile(...args),
      upload: async (...args) => (await inner).upload(...args),
      api: async (...args) => (await inner).api(...args),
      close: async () => (await inner).close?.(),
    };
  };
}
