// exec's first look at the workspace file: where its first connections go, from the nodes' ssh blocks alone, so
// the TCP connections can open before the command's code, the yaml package and the workspace model have loaded.
// bin/clusterwright.mjs runs it for `clusterwright exec` (early/first-look.ts, its own small bundle) before the rest
// of the CLI loads; the command's engine adopts the connections (SshEngine.adoptPreconnected).
//
// The file is read with the plain-YAML reader (plain-yaml.ts: the subset workspace files are written in, read
// exactly as the yaml package reads it, or not at all), and each node's fields that decide where a connection goes
// (name, site, ssh host, port and jump) must pass the same checks as the workspace schema's. Anything unusual (a
// file outside the subset, another format version, one such field invalid, an unknown node in the selector, exec
// arguments the command refuses) gives no early connection, and the full read then reports it as always.
// Nothing is ever sent on an early connection: the engine's connect() takes it after the whole file has been read
// without errors, and does the SSH handshake and host-key check then.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { WORKSPACE_FILE_NAME, WORKSPACE_VERSION } from '../../common/workspace/file-format.js';
import type { WorkspaceNode } from '../../common/workspace/index.js';
import { checkJumpSpec, checkSshHost } from '../../common/workspace/names.js';
import { openEarlyTcp, type EarlyTcp } from '../ssh/early-tcp.js';
import { SshConfigFile } from '../ssh/ssh-config.js';
import { resolveTarget } from '../ssh/target.js';
import { selectNodes, targetSpecForNode } from '../ssh/workspace-targets.js';
import { quickExecArgs } from './exec-args.js';
import { readPlainYaml, type PlainValue } from './plain-yaml.js';

/** The workspace schema's names (base.ts: nameSchema), checked here without the schema. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

function isRecord(value: PlainValue | undefined): value is { [key: string]: PlainValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isName(value: PlainValue | undefined): value is string {
  return typeof value === 'string' && value.length <= 63 && NAME.test(value);
}

/** The routing fields of one node entry when they are as the schema wants them; undefined otherwise. */
function routingOf(entry: PlainValue): WorkspaceNode | undefined {
  if (!isRecord(entry) || !isName(entry.name) || !isName(entry.site)) return undefined;
  const ssh = entry.ssh;
  if (ssh === undefined) return { name: entry.name, site: entry.site, addresses: {} };
  if (!isRecord(ssh)) return undefined;
  const { host, port, jump } = ssh;
  if (host !== undefined && (typeof host !== 'string' || checkSshHost(host) !== undefined)) return undefined;
  if (port !== undefined && (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535)) return undefined;
  if (jump !== undefined && (!Array.isArray(jump) || !jump.every((j) => typeof j === 'string' && checkJumpSpec(j) === undefined))) return undefined;
  return {
    name: entry.name,
    site: entry.site,
    addresses: {},
    ssh: { ...(host !== undefined ? { host } : {}), ...(port !== undefined ? { port } : {}), ...(jump !== undefined ? { jump: jump as string[] } : {}) },
  };
}

/** The first hop (a jump host or the node) of each of the first `limit` selected nodes, once each; [] when unsure. */
export function firstHops(location: string, selector: string, limit: number, config: SshConfigFile | null, env: NodeJS.ProcessEnv): { host: string; port: number }[] {
  try {
    const absolute = path.resolve(location);
    const file = fs.statSync(absolute).isDirectory() ? path.join(absolute, WORKSPACE_FILE_NAME) : absolute;
    const raw = readPlainYaml(fs.readFileSync(file, 'utf8'));
    if (!isRecord(raw) || raw.version !== WORKSPACE_VERSION) return [];
    const entries = raw.nodes ?? [];
    if (!Array.isArray(entries)) return [];
    const nodes: WorkspaceNode[] = [];
    for (const entry of entries) {
      const node = routingOf(entry);
      if (!node) return [];
      nodes.push(node);
    }
    const workspace = { nodes };
    const hops = new Map<string, { host: string; port: number }>();
    for (const node of selectNodes(workspace, selector).slice(0, limit)) {
      // Only where the connection goes is used here: the login user is the full read's business (and looking up
      // this machine's user name would cost a passwd lookup on the way to the first connection).
      const target = resolveTarget(targetSpecForNode(workspace, node.name), { config, env, localUser: 'root' });
      const hop = target.jumps[0] ?? target.destination;
      hops.set(`${hop.host}:${hop.port}`, { host: hop.host, port: hop.port });
    }
    return [...hops.values()];
  } catch {
    return [];
  }
}

/**
 * exec's first connections, opened from its arguments (everything after `exec`) before anything else loads: TCP
 * only, nothing sent. [] when the arguments or the file give none (see the top of this file).
 */
export function openFirstConnections(args: string[], env: NodeJS.ProcessEnv): EarlyTcp[] {
  try {
    const parsed = quickExecArgs(args);
    if (!parsed) return [];
    const { workspaceLocation, selector, maxParallel } = parsed;
    const home = env.HOME ?? os.homedir();
    const config = SshConfigFile.load(path.join(home, '.ssh', 'config'), home);
    return firstHops(workspaceLocation, selector, maxParallel, config, env).map(openEarlyTcp);
  } catch {
    return [];
  }
}
