// The CLI's subcommands; each lives in its own file and is loaded only when it runs (or for the help
// text), so a script calling one command does not pay for loading all the others.
import type { CliCommand } from '../types.js';

export const commandLoaders: Record<string, () => Promise<CliCommand>> = {
  info: async () => (await import('./info.js')).infoCommand,
  serve: async () => (await import('./serve.js')).serveCommand,
  start: async () => (await import('./serve.js')).startCommand,
  lab: async () => (await import('./lab.js')).labCommand,
  validate: async () => (await import('./validate.js')).validateCommand,
  latency: async () => (await import('./latency.js')).latencyCommand,
  plan: async () => (await import('./plan.js')).planCommand,
  apply: async () => (await import('./plan.js')).applyCommand,
  resume: async () => (await import('./plan.js')).resumeCommand,
  status: async () => (await import('./plan.js')).statusCommand,
  overlay: async () => (await import('./overlay.js')).overlayCommand,
  exec: async () => (await import('./exec.js')).execCommand,
  hostkeys: async () => (await import('./hostkeys.js')).hostkeysCommand,
  secrets: async () => (await import('./secrets.js')).secretsCommand,
};

/** The command called `name`, loaded; undefined for an unknown name. */
export async function loadCommand(name: string): Promise<CliCommand | undefined> {
  return Object.hasOwn(commandLoaders, name) ? commandLoaders[name]!() : undefined;
}

/** Every command, in the order the help lists them. */
export async function allCommands(): Promise<CliCommand[]> {
  return Promise.all(Object.values(commandLoaders).map((load) => load()));
}
