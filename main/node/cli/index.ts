// `clusterwright <command>`: the CLI on the same core as the app.
import { CwError } from '../../common/errors.js';
import { allCommands, commandNamed, loadCommand } from './commands/index.js';
import { isHelpRequest } from './help-request.js';
import { exitCodeFor, exitCodes, UsageError, type CliIO } from './types.js';

function helpText(): string {
  const commands = allCommands();
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'Usage: clusterwright <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `clusterwright <command> --help` for a command\'s options.',
  ].join('\n');
}

export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(helpText());
    return name ? exitCodes.ok : exitCodes.usage;
  }
  if (name === '--version' || name === '-V') {
    const { appVersion } = await import('../version.js');
    io.out(appVersion);
    return exitCodes.ok;
  }
  const info = commandNamed(name);
  if (!info) {
    io.err(`Unknown command "${name}".\n\n${helpText()}`);
    return exitCodes.usage;
  }
  if (isHelpRequest(rest)) {
    io.out(`Usage: clusterwright ${info.usage}\n\n${info.summary}`);
    return exitCodes.ok;
  }
  const command = (await loadCommand(name))!;
  try {
    return await command.run(rest, io);
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))) {
      io.err(`${error.message}\nUsage: clusterwright ${command.usage}`);
      return exitCodes.usage;
    }
    if (error instanceof CwError) {
      io.err(`${command.name}: ${error.message}`);
      return exitCodeFor(error.code);
    }
    io.err(`${command.name}: unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    return exitCodes.internal;
  }
}
