// Which nodes a selector names ("pve1,pve2", "site:office", "all") and how to reach a workspace
// node over SSH: its ssh block (host, port, user, identity, jump through other nodes), else its name.
// Reading the workspace file is in workspace-file.ts: these need only its nodes (the CLI's exec resolves its
// first targets from a first look at the file, before the whole workspace model is loaded).
import os from 'node:os';
import path from 'node:path';
import { CwError } from '../../common/errors.js';
import type { Workspace, WorkspaceNode } from '../../common/workspace/index.js';
import { parseJumpSpec } from './ssh-config.js';
import type { SshEndpointSpec, SshTargetSpec } from './target.js';
import type { SshAuthMethod } from './types.js';

/** The nodes named by "all", "site:NAME", or a comma-separated list of node names (and site: entries). */
export function selectNodes(workspace: Pick<Workspace, 'nodes'>, selector: string): WorkspaceNode[] {
  const nodes = workspace.nodes;
  if (selector.trim() === 'all') return [...nodes];
  const chosen = new Map<string, WorkspaceNode>();
  for (const part of selector.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (part.startsWith('site:')) {
      const site = part.slice(5);
      const inSite = nodes.filter((n) => n.site === site);
      if (!inSite.length) {
        const sites = [...new Set(nodes.map((n) => n.site))].join(', ') || 'none';
        throw new CwError('INVALID_INPUT', `No node belongs to site "${site}" (sites with nodes: ${sites}).`);
      }
      for (const node of inSite) chosen.set(node.name, node);
    } else {
      const node = nodes.find((n) => n.name === part);
      if (!node) throw new CwError('INVALID_INPUT', `There is no node "${part}" in the workspace (nodes: ${nodes.map((n) => n.name).join(', ') || 'none'}).`);
      chosen.set(node.name, node);
    }
  }
  if (!chosen.size) throw new CwError('INVALID_INPUT', 'Name at least one node, site:NAME, or all.');
  return [...chosen.values()];
}

function authFor(node: WorkspaceNode): SshAuthMethod[] | undefined {
  const auth: SshAuthMethod[] = [];
  if (node.ssh?.identitySecret) auth.push({ kind: 'privateKey', keySecretId: node.ssh.identitySecret });
  // The workspace allows absolute paths and ~/ (the schema refuses anything else).
  if (node.ssh?.identityFile) auth.push({ kind: 'privateKey', identityFile: node.ssh.identityFile.startsWith('~/') ? path.join(os.homedir(), node.ssh.identityFile.slice(2)) : node.ssh.identityFile });
  return auth.length ? auth : undefined;
}

function endpointFor(node: WorkspaceNode): SshEndpointSpec {
  const auth = authFor(node);
  return {
    host: node.ssh?.host ?? node.name,
    ...(node.ssh?.port ? { port: node.ssh.port } : {}),
    ...(node.ssh?.user ? { user: node.ssh.user } : {}),
    ...(auth ? { auth } : {}),
  };
}

/** How to reach a node; a jump entry naming another node uses that node's own ssh settings. */
export function targetSpecForNode(workspace: Pick<Workspace, 'nodes'>, nodeName: string): SshTargetSpec {
  const node = workspace.nodes.find((n) => n.name === nodeName);
  if (!node) throw new CwError('NOT_FOUND', `There is no node "${nodeName}" in the workspace.`);
  const jumps = node.ssh?.jump?.map((entry): SshEndpointSpec => {
    const viaNode = workspace.nodes.find((n) => n.name === entry);
    if (viaNode) return endpointFor(viaNode);
    const spec = parseJumpSpec(entry);
    return { host: spec.host, ...(spec.port ? { port: spec.port } : {}), ...(spec.user ? { user: spec.user } : {}) };
  });
  return { ...endpointFor(node), ...(jumps?.length ? { jumps } : {}) };
}
