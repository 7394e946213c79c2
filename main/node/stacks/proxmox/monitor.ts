// One monitoring round for each Proxmox cluster: `corosync-quorumtool -s` on the first member that
// answers, totem's membership counters (stats.srp.*) there for stale-quorum detection, and knet's view
// of every link from that member; the HA manager's status through the cluster's API (when the workspace gives
// one), and the QDevice's vote against the workspace's QDevice.
import type { ApiSample, ClusterSample, LinkSample, ServiceSample } from '../../../common/monitor/model.js';
import { haServices, qdeviceService, type HaStatusEntry } from '../../../common/stacks/proxmox/monitor.js';
import { pairOf } from '../../../common/monitor/model.js';
import { parseQuorumtoolStatus } from '../../../common/stacks/proxmox/quorumtool.js';
import type { Workspace } from '../../../common/workspace/index.js';
import type { RemoteRunner } from '../../workspace/runner.js';
import type { MonitorReading } from '../types.js';
import { readKnetStats } from './knet.js';

/** stats.srp.<name> (u64) = <n> from `corosync-cmapctl -m stats stats.srp.` */
export function parseSrpCounters(output: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of output.split('\n')) {
    const m = /^stats\.srp\.([a-z_]+) \([a-z0-9]+\) = (\d+)\s*$/.exec(line.trim());
    if (m) out[m[1]!] = Number(m[2]);
  }
  return out;
}

export interface ProxmoxMonitorOptions {
  /** GET /cluster/ha/status/current of a cluster with an api block (undefined: the cluster has none). */
  haStatus?(workspace: Workspace, cluster: string): Promise<HaStatusEntry[]> | undefined;
  /** How long the API may take (default 5 s). */
  apiTimeoutMs?: number;
}

/** The HA manager's status of one cluster, timed; undefined when the cluster has no API to ask. */
async function readHa(workspace: Workspace, cluster: string, options: ProxmoxMonitorOptions): Promise<{ services: ServiceSample[]; api: ApiSample } | undefined> {
  const started = Date.now();
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const pending = options.haStatus?.(workspace, cluster);
    if (!pending) return undefined;
    const timeoutMs = options.apiTimeoutMs ?? 5_000;
    const entries = await Promise.race([pending, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs)))]);
    return { services: haServices(Array.isArray(entries) ? entries : []), api: { name: 'Proxmox VE API', reachable: true, ms: Date.now() - started } };
  } catch (error) {
    return { services: [], api: { name: 'Proxmox VE API', reachable: false, error: (error instanceof Error ? error.message : String(error)).slice(0, 300) } };
  } finally {
    clearTimeout(timer);
  }
}

export async function monitorProxmox(workspace: Workspace, runner: RemoteRunner, context: { signal?: AbortSignal; skip: ReadonlySet<string> }, options: ProxmoxMonitorOptions = {}): Promise<MonitorReading> {
  const clusters: ClusterSample[] = [];
  const links: LinkSample[] = [];
  const run = { timeoutMs: 8_000, ...(context.signal ? { signal: context.signal } : {}) };
  await Promise.all(
    (workspace.proxmox?.clusters ?? []).map(async (cluster) => {
      const base = { stack: 'proxmox', cluster: cluster.name };
      // The HA manager's view comes from the API, beside corosync's from a member.
      const ha = readHa(workspace, cluster.name, options);
      const withHa = async (sample: ClusterSample): Promise<ClusterSample> => {
        const read = await ha;
        const qdevice = qdeviceService(cluster.qdevice, sample);
        const services = [...(qdevice ? [qdevice] : []), ...(read?.services ?? [])];
        return { ...sample, ...(services.length ? { services } : {}), ...(read ? { apis: [read.api] } : {}) };
      };
      let lastError = '';
      for (const node of cluster.nodes) {
        if (context.skip.has(node)) continue;
        try {
          const r = await runner.exec(node, ['corosync-quorumtool', '-s'], run);
          // 0 quorate, 2 not quorate; anything else: corosync is not running there.
          if (r.code !== 0 && r.code !== 2) {
            lastError = `${node}: corosync-quorumtool exited with ${r.code} (${(r.stderr || r.stdout).trim().split('\n')[0] ?? ''})`;
            continue;
          }
          const status = parseQuorumtoolStatus(r.stdout);
          const srp = await runner.exec(node, ['corosync-cmapctl', '-m', 'stats', 'stats.srp.'], run).catch(() => undefined);
          const counters = srp && srp.code === 0 ? parseSrpCounters(srp.stdout) : {};
          const sample: ClusterSample = {
            ...base,
            reachable: true,
            readOn: node,
            quorate: status.quorate,
            members: status.members.map((m) => m.name),
            ...(status.totalVotes !== undefined ? { totalVotes: status.totalVotes } : {}),
            ...(status.expectedVotes !== undefined ? { expectedVotes: status.expectedVotes } : {}),
            ...(status.quorum !== undefined ? { quorum: status.quorum } : {}),
            ...(status.qdeviceVotes !== undefined ? { qdeviceVote: status.flags.includes('Qdevice') && status.qdeviceVotes > 0 } : {}),
            ...(counters.operational_entered !== undefined ? { membershipsFormed: counters.operational_entered } : {}),
            ...(counters.commit_token_lost !== undefined ? { commitTokenLost: counters.commit_token_lost } : {}),
          };
          // knet's own estimate of every link from this member (one-way average, so twice it as a round trip).
          for (const l of await readKnetStats(runner, node, run).catch(() => [])) {
            const network = cluster.links.find((x) => x.link === l.link)?.network;
            if (!network || !l.peer) continue;
            const [a, b] = pairOf(node, l.peer);
            links.push({
              network,
              a,
              b,
              source: 'knet',
              link: l.link,
              lossPercent: l.connected === false ? 100 : 0,
              ...(l.latencyAveUs !== undefined && l.connected !== false ? { rttMs: (2 * l.latencyAveUs) / 1000 } : {}),
            });
          }
          clusters.push(await withHa(sample));
          return;
        } catch (error) {
          lastError = `${node}: ${error instanceof Error ? error.message : String(error)}`;
        }
      }
      clusters.push(await withHa({ ...base, reachable: false, ...(lastError ? { error: lastError } : {}) }));
    }),
  );
  return { clusters, links };
}
