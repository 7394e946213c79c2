// The core a CLI command works on, closed when the command is done: its SSH connections (sockets and
// keepalive timers), terminals and the lab's in-process servers would otherwise keep the process alive
// after the result is printed, and a script would wait for an exit code that never comes.
import path from 'node:path';
import { createCore, type Core, type CoreOptions } from '../core.js';

export interface CliCoreOptions {
  /** The workspace folder (runs/, approvals/, audit.log); default: the data folder's. */
  workspace?: string | undefined;
  /** Pin unknown host keys of hosts that have none at all (StrictHostKeyChecking=accept-new). */
  acceptNew?: boolean | undefined;
  /** Ping from this machine instead of on the nodes (latency --local). */
  nodeCommands?: CoreOptions['nodeCommands'];
}

/**
 * A core for one CLI command: nobody can answer prompts, so unknown host keys and login questions fail with a hint.
 * Like every core it reads its data folder and ~/.ssh from this process's environment.
 */
export function cliCore(options: CliCoreOptions): Core {
  return createCore({
    hostKind: 'cli',
    ...(options.workspace ? { workspaceDir: path.resolve(options.workspace) } : {}),
    ...(options.nodeCommands ? { nodeCommands: options.nodeCommands } : {}),
    ssh: { interactive: false, engine: { acceptNewHostKeys: Boolean(options.acceptNew) } },
  });
}

/** Runs `work` on a fresh core and always closes it, whatever `work` returns or throws. */
export async function withCore<T>(options: CliCoreOptions, work: (core: Core) => Promise<T>): Promise<T> {
  const core = cliCore(options);
  try {
    return await work(core);
  } finally {
    await core.close();
  }
}
