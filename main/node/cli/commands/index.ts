// The CLI's subcommands; each lives in its own file and is loaded only when it runs, so a script calling
// one command does not pay for loading the others. The help and `--help` read the catalogue only.
import type { CliCommand } from '../types.js';
import { commandInfo, type CommandInfo } from './catalogue.js';

type CommandName = keyof typeof commandInfo;

export const commandLoaders: Record<CommandName, () => Promise<CliCommand>> = {
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
  drill: async () => (await import('./drill.js')).drillCommand,
  overlay: async () => (await import('./overlay.js')).overlayCommand,
  exec: async () => (await import('./exec.js')).execCommand,
  hostkeys: async () => (await import('./hostkeys.js')).hostkeysCommand,
  secrets: async () => (await import('./secrets.js')).secretsCommand,
};

/** The name, summary and usage of the command called `name`, without loading it; undefined for an unknown name. */
export function commandNamed(name: string): CommandInfo | undefined {
  return Object.hasOwn(commandInfo, name) ? commandInfo[name as CommandName] : undefined;
}

/** The command called `name`, loaded; undefined for an unknown name. */
export async function loadCommand(name: string): Promise<CliCommand | undefined> {
  return Object.hasOwn(commandLoaders, name) ? commandLoaders[name as CommandName]() : undefined;
}

/** Every command's name, summary and usage, in the order the help lists them. */
export function allCommands(): CommandInfo[] {
  return Object.values(commandInfo);
}
