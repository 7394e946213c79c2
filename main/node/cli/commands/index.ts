// The CLI's subcommands; each lives in its own file.
import type { CliCommand } from '../types.js';
import { infoCommand } from './info.js';
import { serveCommand, startCommand } from './serve.js';

export const commands: CliCommand[] = [infoCommand, serveCommand, startCommand];
