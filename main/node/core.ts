// The backend as plain Node: services behind the contract, shared by the Electron utility process,
// the web host, the CLI and the tests.
import fs from 'node:fs';
import { CwError } from '../common/errors.js';
import type { hostKinds, MethodInput, MethodName, MethodOutput } from '../common/contract/index.js';
import { createDispatcher, type Dispatch, type Handlers } from './dispatcher.js';
import { EventBus } from './events.js';
import { defaultWorkspaceDir } from './paths.js';
import { appHandlers } from './services/app.js';
import { createPlanService } from './services/plan.js';
import type { Workspace } from '../common/workspace/schema.js';
import type { RoutingRunnerOptions } from './engine/routing-runner.js';
import type { StepRunner } from './engine/runner.js';
import { SshStepRunner } from './engine/ssh-runner.js';
import { targetSpecForNode } from './ssh/workspace-targets.js';
import { ChainSecretResolver, EnvSecretResolver } from './engine/render.js';
import { proxmoxHandlers } from './services/proxmox.js';
import { createWorkspaceStore, workspaceHandlers } from './services/workspace.js';
import { inventoryHandlers } from './services/inventory.js';
import { createLabService, type LabServiceOptions } from './services/lab.js';
import { InventoryRegistry } from './stacks/inventory.js';
import { createProxmoxInventory } from './stacks/proxmox/inventory.js';
import { createProxmoxApi } from './stacks/proxmox/cluster-api.js';
import type { PveApiSchema } from './stacks/proxmox/api-schema.js';
import { LocalRunner } from './workspace/runner.js';
import { workspaceHostKeyCheck } from './workspace/host-key-check.js';
import { SshRemoteRunner } from './ssh/remote-runner.js';
import { createSshService, type SshService, type SshServiceOptions } from './services/ssh.js';
import { secretStoreHandlers } from './services/secrets.js';

export interface CoreOptions {
  hostKind: (typeof hostKinds)[number];
  workspaceDir: string;
  /** SSH engine and secret store settings (tests; the desktop host passes its safeStorage store). */
  ssh?: SshServiceOptions;
  /** Where the lab keeps its state and which examples it offers (tests pass their own). */
  lab?: LabServiceOptions;
  /** How workspace commands (the latency matrix…) reach the nodes: over SSH (default) or on this machine (tests). */
  nodeCommands?: 'ssh' | 'local';
  /** The official Proxmox VE API schema: when given, every request the core's Proxmox clients send is checked before it leaves (tests). */
  proxmoxSchema?: PveApiSchema;
}

export interface Core {
  options: CoreOptions;
  dispatch: Dispatch;
  events: EventBus;
  /** In-process call (CLI, tests): same validation as the transports; throws CwError on failure. */
  call<M extends MethodName>(method: M, input: MethodInput<M>, signal?: AbortSignal): Promise<MethodOutput<M>>;
  close(): Promise<void>;
}

export function createCore(partial: Partial<CoreOptions> & Pick<CoreOptions, 'hostKind'>): Core {
  const options: CoreOptions = { workspaceDir: defaultWorkspaceDir(), ...partial };
  fs.mkdirSync(options.workspaceDir, { recursive: true, mode: 0o700 });
  const startedAt = new Date();
  const events = new EventBus();
  const ssh = createSshService(options, { events, currentWorkspace: async () => (await workspaces.ensureOpen()).parsed.workspace });
  // Stored figures are shown only while their nodes' host keys are not contradicted by what this machine trusts now.
  const workspaces = createWorkspaceStore(options, events, options.nodeCommands === 'local' ? undefined : (workspace) => workspaceHostKeyCheck(ssh, workspace));
  /** Stacks register their inventory here (VMs per node, migration prechecks). */
  const inventory = new InventoryRegistry(events);
  /** Proxmox API clients per workspace cluster, shared by the inventory and the proxmox.* methods. */
  const proxmoxApi = createProxmoxApi({ secrets: ssh.secrets, ...(options.proxmoxSchema ? { schema: options.proxmoxSchema } : {}) });
  inventory.register(createProxmoxInventory({ secrets: ssh.secrets, api: proxmoxApi }));
  const lab = createLabService(options.lab, { secrets: ssh.secrets });
  /** The secret store's lock (web mode and the CLI unlock it with a passphrase). */
  const secretLock = secretStoreHandlers(ssh.secrets, events);
  /** How workspace and stack commands reach the nodes (the latency matrix, knet's link state). */
  const nodeRunner = options.nodeCommands === 'local' ? () => new LocalRunner() : (workspace: Workspace) => new SshRemoteRunner(ssh.engine(), workspace, ssh.resolve);
  const handlers = {
    ...appHandlers(options, startedAt),
    // Plans resolve {secretRef} from CW_SECRET_<ID> variables, then the same store as secrets.put.
    ...createPlanService(options, { events, ssh: workspaceSshRunner(ssh, async () => (await workspaces.ensureOpen()).parsed.workspace), secrets: new ChainSecretResolver([new EnvSecretResolver(), ssh.secrets]) }).handlers,
    ...workspaceHandlers(options, events, workspaces, nodeRunner),
    ...inventoryHandlers(inventory, async () => (await workspaces.ensureOpen()).parsed.workspace),
    ...lab.handlers,
    ...proxmoxHandlers({ workspaces, api: proxmoxApi, nodeRunner }),
    ...ssh.handlers,
    ...secretLock.handlers,
  } satisfies Handlers;
  const dispatch = createDispatcher(handlers);
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
    close: async () => {
      secretLock.close();
      await lab.close();
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
