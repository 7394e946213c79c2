// exec's first look at the workspace file: where its first connections go, from the nodes' ssh blocks alone,
// so the TCP connections can open while the whole workspace model loads and checks the file. Only the
// nodes are read here, with the same node schema as the full model; anything unusual (a syntax error, another
// format version, an invalid node, an unknown node in the selector) gives no early connection, and the full
// read then reports it as always. Nothing is sent on an early connection before the whole file has been
// read without errors: the engine's connect() takes it and does the SSH handshake and host-key check then.
import fs from 'node:fs';
import path from 'node:path';
import { parseDocument } from 'yaml';
import * as z from 'zod';
import { nodeSchema, WORKSPACE_FILE_NAME, WORKSPACE_VERSION } from '../../common/workspace/base.js';
import type { SshConfigFile } from '../ssh/ssh-config.js';
import { resolveTarget } from '../ssh/target.js';
import type { SshHop } from '../ssh/types.js';
import { selectNodes, targetSpecForNode } from '../ssh/workspace-targets.js';

/** The first hop of each of the first `limit` selected nodes (a jump host or the node), once each; [] when unsure. */
export function firstHops(location: string, selector: string, limit: number, config: SshConfigFile | null, env: NodeJS.ProcessEnv): SshHop[] {
  try {
    const absolute = path.resolve(location);
    const file = fs.statSync(absolute).isDirectory() ? path.join(absolute, WORKSPACE_FILE_NAME) : absolute;
    const doc = parseDocument(fs.readFileSync(file, 'utf8'), { prettyErrors: false, uniqueKeys: true, strict: true });
    if (doc.errors.length) return [];
    const raw = doc.toJS({ maxAliasCount: 100 }) as { version?: unknown; nodes?: unknown } | null;
    if (raw?.version !== WORKSPACE_VERSION) return [];
    const nodes = z.array(nodeSchema).safeParse(raw.nodes ?? []);
    if (!nodes.success) return [];
    const workspace = { nodes: nodes.data };
    const hops = new Map<string, SshHop>();
    for (const node of selectNodes(workspace, selector).slice(0, limit)) {
      const target = resolveTarget(targetSpecForNode(workspace, node.name), { config, env });
      const hop = target.jumps[0] ?? target.destination;
      hops.set(`${hop.host}:${hop.port}`, hop);
    }
    return [...hops.values()];
  } catch {
    return [];
  }
}
