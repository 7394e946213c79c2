// app.* methods: what this backend is and where it keeps the workspace.
import os from 'node:os';
import type { Handlers } from '../dispatcher.js';
import type { CoreOptions } from '../core.js';
import { appVersion } from '../version.js';

export function appHandlers(options: CoreOptions, startedAt: Date): Pick<Handlers, 'app.info'> {
  return {
    'app.info': () => ({
      name: 'Clusterwright' as const,
      version: appVersion,
      hostKind: options.hostKind,
      platform: `${os.type()} ${os.release()} (${process.platform})`,
      arch: process.arch,
      nodeVersion: process.versions.node,
      workspaceDir: options.workspaceDir,
      startedAt: startedAt.toISOString(),
    }),
  };
}
