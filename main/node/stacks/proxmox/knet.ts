// corosync's own view of its links: parses `corosync-cmapctl -m stats` (stats.knet.nodeX.linkY.*)
// and `corosync-cmapctl nodelist.node` (ids to names), and reads both through a RemoteRunner.
import type { KnetLinkStats } from '../../../common/workspace/index.js';
import { CwError } from '../../../common/errors.js';
import type { RemoteRunner } from '../../workspace/runner.js';

const statLine = /^stats\.knet\.node(\d+)\.link(\d+)\.([a-z_]+) \([a-z0-9]+\) = (.*)$/;
const nodelistLine = /^nodelist\.node\.(\d+)\.(name|nodeid|ring0_addr) \([a-z0-9]+\) = (.*)$/;

const fields: Record<string, keyof KnetLinkStats> = {
  latency_ave: 'latencyAveUs',
  latency_min: 'latencyMinUs',
  latency_max: 'latencyMaxUs',
  latency_samples: 'latencySamples',
  up_count: 'upCount',
  down_count: 'downCount',
};

/** Node ids to names from `corosync-cmapctl nodelist.node` (name, else ring0_addr). */
export function parseNodelist(output: string): Map<number, string> {
  const byPos = new Map<string, { id?: number; name?: string; addr?: string }>();
  for (const line of output.split('\n')) {
    const m = nodelistLine.exec(line.trim());
    if (!m) continue;
    const entry = byPos.get(m[1]!) ?? {};
    if (m[2] === 'nodeid') entry.id = Number(m[3]);
    else if (m[2] === 'name') entry.name = m[3]!.trim();
    else entry.addr = m[3]!.trim();
    byPos.set(m[1]!, entry);
  }
  const result = new Map<number, string>();
  for (const e of byPos.values()) if (e.id !== undefined && (e.name ?? e.addr)) result.set(e.id, (e.name ?? e.addr)!);
  return result;
}

/** Parses knet link statistics as seen from `local`; `names` maps node ids to node names. */
export function parseKnetStats(output: string, local: string, names: ReadonlyMap<number, string> = new Map()): KnetLinkStats[] {
  const links = new Map<string, KnetLinkStats>();
  for (const raw of output.split('\n')) {
    const m = statLine.exec(raw.trim());
    if (!m) continue;
    const nodeId = Number(m[1]);
    const link = Number(m[2]);
    if (link > 7) continue;
    const key = `${nodeId}.${link}`;
    let entry = links.get(key);
    if (!entry) {
      const peer = names.get(nodeId);
      entry = { local, nodeId, link, ...(peer ? { peer } : {}) };
      links.set(key, entry);
    }
    const name = m[3]!;
    const value = Number(m[4]);
    if (!Number.isFinite(value)) continue;
    if (name === 'connected') entry.connected = value === 1;
    else if (name === 'enabled') entry.enabled = value === 1;
    else if (fields[name]) (entry as unknown as Record<string, number>)[fields[name]] = value;
  }
  // The local node's entry for itself carries no network latency.
  return [...links.values()].filter((l) => l.peer !== local);
}

/** `failOnError`: a failing corosync-cmapctl (corosync not running…) throws REMOTE_FAILED with its message instead of reading as no links. */
export async function readKnetStats(runner: RemoteRunner, node: string, options: { timeoutMs?: number; signal?: AbortSignal; failOnError?: boolean } = {}): Promise<KnetLinkStats[]> {
  const run = { timeoutMs: options.timeoutMs ?? 10_000, ...(options.signal ? { signal: options.signal } : {}) };
  const nodelist = await runner.exec(node, ['corosync-cmapctl', 'nodelist.node'], run);
  const stats = await runner.exec(node, ['corosync-cmapctl', '-m', 'stats', 'stats.knet.'], run);
  if (stats.code !== 0) {
    if (!options.failOnError) return [];
    throw new CwError('REMOTE_FAILED', `corosync-cmapctl on ${node} exited with ${stats.code}: ${(stats.stderr || stats.stdout).trim().split('\n')[0] || 'no output'} (is corosync running there?)`, { node });
  }
  return parseKnetStats(stats.stdout, node, nodelist.code === 0 ? parseNodelist(nodelist.stdout) : new Map());
}
