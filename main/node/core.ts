// The backend as plain Node: services behind the contract, shared by the Electron utility process,
// the web host, the CLI and the tests.
import fs from 'node:fs';
import { CwError } from '../common/errors.js';
import type { hostKinds, MethodInput, MethodName, MethodOutput } from '../common/contract/index.js';
import { createDispatcher, type Dispatch, type Handlers } from './dispatcher.js';
import { EventBus } from './events.js';
import { defaultWorkspaceDir } from './paths.js';
import { appHandlers } from './services/app.js';
import { createPlanService, sshRunnerFrom } from './services/plan.js';
import { ChainSecretResolver, EnvSecretResolver } from './engine/render.js';
import { proxmoxHandlers } from './services/proxmox.js';
import { createWorkspaceStore, workspaceHandlers } from './services/workspace.js';
import { inventoryHandlers } from './services/inventory.js';
import { labHandlers, type LabServiceOptions } from './services/lab.js';
import { InventoryRegistry } from './stacks/inventory.js';
import { createProxmoxInventory } from './stacks/proxmox/inventory.js';
import { LocalRunner } from './workspace/runner.js';
import { SshRemoteRunner } from './ssh/remote-runner.js';
import { createSshService, type SshServiceOptions } from './services/ssh.js';

export interface CoreOptions {
  hostKind: (typeof hostKinds)[number];
  workspaceDir: string;
  /** SSH engine and secret store settings (tests; the desktop host passes its safeStorage store). */
  ssh?: SshServiceOptions;
  /** Where the lab keeps its state and which examples it offers (tests pass their own). */
  lab?: LabServiceOptions;
  /** How workspace commands (the latency matrix…) reach the nodes: over SSH (default) or on this machine (tests). */
  nodeCommands?: 'ssh' | 'local';
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
  const workspaces = createWorkspaceStore(options, events);
  /** Stacks register their inventory here (VMs per node, migration prechecks). */
  const inventory = new InventoryRegistry(events);
  inventory.register(createProxmoxInventory({ secrets: ssh.secrets }));
  const handlers = {
    ...appHandlers(options, startedAt),
    // Plans resolve {secretRef} from CW_SECRET_<ID> variables, then the same store as secrets.put.
    ...createPlanService(options, { events, ssh: sshRunnerFrom(ssh), secrets: new ChainSecretResolver([new EnvSecretResolver(), ssh.secrets]) }).handlers,
    ...workspaceHandlers(options, events, workspaces, options.nodeCommands === 'local' ? () => new LocalRunner() : (workspace) => new SshRemoteRunner(ssh.engine(), workspace, ssh.resolve)),
    ...inventoryHandlers(inventory, async () => (await workspaces.ensureOpen()).parsed.workspace),
    ...labHandlers(options.lab),
    ...proxmoxHandlers(),
    ...ssh.handlers,
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
      await ssh.close();
    },
  };
}
