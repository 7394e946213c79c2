// clusterwright info: what this installation is and where it keeps the workspace.
import { parseArgs } from 'node:util';
import { createCore } from '../../core.js';
import type { CliCommand } from '../types.js';
import { commandInfo } from './catalogue.js';
import { exitCodes } from '../types.js';
import { detectElectron } from '../../electron-binary.js';

export const infoCommand: CliCommand = {
  ...commandInfo.info,
  async run(args, io) {
    const { values } = parseArgs({ args, options: { json: { type: 'boolean' }, workspace: { type: 'string' } }, strict: true });
    const core = createCore({ hostKind: 'cli', ...(values.workspace ? { workspaceDir: values.workspace } : {}) });
    const info = await core.call('app.info', {});
    const electron = detectElectron(io.env);
    if (values.json) {
      io.out(JSON.stringify({ ...info, electron }, null, 2));
      return exitCodes.ok;
    }
    io.out(`Clusterwright ${info.version}`);
    io.out(`Platform:   ${info.platform} ${info.arch}, Node ${info.nodeVersion}`);
    io.out(`Workspace:  ${info.workspaceDir}`);
    io.out(`Desktop:    ${electron.available ? `Electron binary at ${electron.binary}` : `not available (${electron.reason}); npm start uses web mode`}`);
    return exitCodes.ok;
  },
};
