// The CLI's subcommands; each lives in its own file.
import type { CliCommand } from '../types.js';
import { execCommand } from './exec.js';
import { infoCommand } from './info.js';
import { labCommand } from './lab.js';
import { applyCommand, planCommand, resumeCommand, statusCommand } from './plan.js';
import { serveCommand, startCommand } from './serve.js';
import { validateCommand } from './validate.js';
import { latencyCommand } from './latency.js';
import { secretsCommand } from './secrets.js';
import { hostkeysCommand } from './hostkeys.js';
import { overlayCommand } from './overlay.js';

export const commands: CliCommand[] = [infoCommand, serveCommand, startCommand, labCommand, validateCommand, latencyCommand, planCommand, applyCommand, resumeCommand, statusCommand, overlayCommand, execCommand, hostkeysCommand, secretsCommand];
