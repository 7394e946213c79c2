// The empty workspace a new folder starts with, as a model and as the commented text written on disk.
import { serializeWorkspace } from './serialize.js';
import { WORKSPACE_VERSION, type Workspace } from './schema.js';

export function emptyWorkspace(name = 'My estate'): Workspace {
  return { version: WORKSPACE_VERSION, name, sites: [], networks: [], nodes: [] };
}

export function emptyWorkspaceText(name = 'My estate'): string {
  return serializeWorkspace(
    emptyWorkspace(name),
    [
      ' Clusterwright workspace: your sites, networks, nodes and clusters.',
      ' Edit it here or in the app; comments and key order are kept when the app saves.',
      ' Measured latencies are stored beside this file, not in it.',
    ].join('\n'),
  );
}
