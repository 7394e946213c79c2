// Proxmox VE's storage health for the scorecard, through the cluster's API (read-only): Ceph's health
// (/cluster/ceph/status) and each member's ZFS pools (/nodes/{node}/disks/zfs). What the API does not serve —
// no Ceph on the cluster, a node without ZFS, a server that lacks the path — stays "unknown", with its answer.
import { isCwError } from '../../../common/errors.js';
import type { StorageEvidence } from '../../../common/scorecard/evidence.js';
import type { RuleSource } from '../../../common/workspace/rules/types.js';
import type { Workspace } from '../../../common/workspace/schema.js';
import type { ProxmoxApi } from './cluster-api.js';

const cephSource: RuleSource = {
  document: 'Proxmox VE Administration Guide, chapter "Deploy Hyper-Converged Ceph Cluster" (pveceph)',
  section: 'Ceph Monitoring and Troubleshooting (ceph health)',
  url: 'https://pve.proxmox.com/pve-docs/chapter-pveceph.html',
};

/** The first sentence of an error without the cluster and request it names (the line says those), short enough for one line. */
function said(error: unknown): string {
  const text = (error instanceof Error ? error.message : String(error)).replace(/^Proxmox cluster '[^']*': /, '').replace(/^GET \S+ on \S+ failed: /, '');
  const first = (text.split(/(?<=\.)\s/)[0] ?? text).replace(/\.$/, '');
  return first.length > 160 ? `${first.slice(0, 157)}…` : first;
}

type CephStatus = { health?: { status?: string; checks?: Record<string, { severity?: string; summary?: { message?: string } }> } };
type ZfsPool = { name?: string; health?: string };

export async function proxmoxStorageHealth(api: ProxmoxApi, workspace: Workspace, name: string): Promise<StorageEvidence> {
  const base = { stack: 'proxmox', cluster: name };
  const cluster = workspace.proxmox?.clusters.find((c) => c.name === name);
  if (!cluster?.api) return { ...base, status: 'unknown', evidence: `Not read: cluster ${name} has no api block, and the app reads Ceph and ZFS health through the cluster's API.` };
  let c: ReturnType<ProxmoxApi['resolve']>;
  try {
    c = api.resolve(workspace, name);
  } catch (error) {
    return { ...base, status: 'unknown', evidence: `Not read: ${said(error)}.` };
  }
  const get = <T>(path: string) => api.inContext(c, () => api.client(c).get<T>(path));
  const order = ['pass', 'unknown', 'warn', 'fail'] as const;
  let status: StorageEvidence['status'] = 'unknown';
  const raise = (to: StorageEvidence['status']) => {
    if (status === 'unknown' || order.indexOf(to) > order.indexOf(status)) status = to;
  };
  const parts: string[] = [];
  const unread: string[] = [];

  try {
    const ceph = await get<CephStatus>('/cluster/ceph/status');
    const health = ceph.health?.status ?? 'unknown';
    const checks = Object.entries(ceph.health?.checks ?? {}).map(([id, check]) => `${id}: ${check.summary?.message ?? check.severity ?? ''}`.trim());
    raise(health === 'HEALTH_OK' ? 'pass' : health === 'HEALTH_WARN' ? 'warn' : health === 'HEALTH_ERR' ? 'fail' : 'unknown');
    parts.push(`Ceph ${health}${checks.length ? ` (${checks.slice(0, 3).join('; ')}${checks.length > 3 ? `; ${checks.length - 3} more` : ''})` : ''}`);
  } catch (error) {
    if (isCwError(error) && (error.code === 'AUTH_FAILED' || error.code === 'UNREACHABLE' || error.code === 'TIMEOUT')) return { ...base, status: 'unknown', evidence: `Not read: ${said(error)}.` };
    unread.push(`Ceph: ${said(error)}`);
  }

  const pools: string[] = [];
  /** Nodes whose ZFS pools could not be read, by what the server said (the same answer is said once). */
  const zfsUnread = new Map<string, string[]>();
  for (const node of cluster.nodes) {
    try {
      const list = await get<ZfsPool[]>(`/nodes/${encodeURIComponent(node)}/disks/zfs`);
      for (const p of list) {
        const health = (p.health ?? 'UNKNOWN').toUpperCase();
        raise(health === 'ONLINE' ? 'pass' : health === 'DEGRADED' ? 'warn' : 'fail');
        pools.push(`${node}/${p.name ?? '?'} ${health}`);
      }
    } catch (error) {
      const why = said(error);
      zfsUnread.set(why, [...(zfsUnread.get(why) ?? []), node]);
    }
  }
  for (const [why, nodes] of zfsUnread) unread.push(`ZFS on ${nodes.join(', ')}: ${why}`);
  if (pools.length) parts.push(`ZFS pools ${pools.join(', ')}`);
  const evidence = [parts.length ? `${parts.join('; ')}.` : 'No Ceph or ZFS health could be read.', unread.length ? `Not read: ${unread.join('; ')}.` : ''].filter(Boolean).join(' ');
  return { ...base, status, evidence, source: cephSource };
}
