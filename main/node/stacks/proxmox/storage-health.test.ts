// Proxmox VE's storage health on the scorecard: Ceph's health and the members' ZFS pools as the API reports them,
// and "unknown" with the server's answer when it serves neither (a cluster without Ceph, the lab's test server).
import { describe, expect, it } from 'vitest';
import { CwError } from '../../../common/errors.js';
import { parseWorkspace } from '../../../common/workspace/parse.js';
import type { ProxmoxApi } from './cluster-api.js';
import type { PveClient } from './client.js';
import { proxmoxStorageHealth } from './storage-health.js';

const workspace = (api: boolean) =>
  parseWorkspace(`version: 1
name: s
sites: [{ name: a, kind: lan }]
networks: [{ name: lan, roles: [corosync] }]
nodes:
  - { name: n1, site: a, addresses: { lan: 10.0.0.1 } }
  - { name: n2, site: a, addresses: { lan: 10.0.0.2 } }
proxmox:
  clusters:
    - name: homelab
      nodes: [n1, n2]
      links: [{ link: 0, network: lan }]
${api ? `      api: { endpoint: '127.0.0.1:8006', passwordSecret: s1, fingerprint: '${'AB:'.repeat(31)}CD' }\n` : ''}`).workspace!;

/** An API whose GETs answer from a table by path (an Error is thrown). */
function fakeApi(answers: Record<string, unknown>): ProxmoxApi & { asked: string[] } {
  const asked: string[] = [];
  const client = {
    async get(path: string) {
      asked.push(path);
      const a = answers[path];
      if (a instanceof Error) throw a;
      if (a === undefined) throw new CwError('UNSUPPORTED', `GET ${path} on 127.0.0.1:8006 failed: 501 Method 'GET ${path}' is not implemented by the Clusterwright Proxmox test server. Nothing to do.`);
      return a;
    },
  } as unknown as PveClient;
  return { asked, resolve: () => ({}) as never, client: () => client, inContext: (_c, work) => work() };
}

describe('Proxmox VE storage health', () => {
  it('reads Ceph\'s health and every member\'s ZFS pools (read-only GETs)', async () => {
    const api = fakeApi({
      '/cluster/ceph/status': { health: { status: 'HEALTH_WARN', checks: { OSD_DOWN: { severity: 'HEALTH_WARN', summary: { message: '1 osds down' } } } } },
      '/nodes/n1/disks/zfs': [{ name: 'rpool', health: 'ONLINE' }],
      '/nodes/n2/disks/zfs': [{ name: 'rpool', health: 'DEGRADED' }],
    });
    const read = await proxmoxStorageHealth(api, workspace(true), 'homelab');
    expect(read).toMatchObject({ stack: 'proxmox', cluster: 'homelab', status: 'warn', evidence: 'Ceph HEALTH_WARN (OSD_DOWN: 1 osds down); ZFS pools n1/rpool ONLINE, n2/rpool DEGRADED.' });
    expect(api.asked).toEqual(['/cluster/ceph/status', '/nodes/n1/disks/zfs', '/nodes/n2/disks/zfs']);
    const healthy = await proxmoxStorageHealth(fakeApi({ '/cluster/ceph/status': { health: { status: 'HEALTH_OK' } }, '/nodes/n1/disks/zfs': [], '/nodes/n2/disks/zfs': [] }), workspace(true), 'homelab');
    expect(healthy).toMatchObject({ status: 'pass', evidence: 'Ceph HEALTH_OK.' });
    const faulted = await proxmoxStorageHealth(fakeApi({ '/cluster/ceph/status': { health: { status: 'HEALTH_OK' } }, '/nodes/n1/disks/zfs': [{ name: 'tank', health: 'FAULTED' }], '/nodes/n2/disks/zfs': [] }), workspace(true), 'homelab');
    expect(faulted.status).toBe('fail');
  });

  it('stays unknown, with the server\'s answer, when the API serves neither; says so without an api block', async () => {
    const read = await proxmoxStorageHealth(fakeApi({}), workspace(true), 'homelab');
    expect(read.status).toBe('unknown');
    expect(read.evidence).toBe(
      "No Ceph or ZFS health could be read. Not read: Ceph: 501 Method 'GET /cluster/ceph/status' is not implemented by the Clusterwright Proxmox test server; ZFS on n1: 501 Method 'GET /nodes/n1/disks/zfs' is not implemented by the Clusterwright Proxmox test server; ZFS on n2: 501 Method 'GET /nodes/n2/disks/zfs' is not implemented by the Clusterwright Proxmox test server.",
    );
    // The same answer from every node is said once.
    const same = fakeApi({ '/cluster/ceph/status': { health: { status: 'HEALTH_OK' } }, '/nodes/n1/disks/zfs': new CwError('UNSUPPORTED', "Proxmox cluster 'homelab': GET /nodes/n1/disks/zfs on h:8006 failed: 501 Method 'GET /nodes/{node}/disks/zfs' is not implemented. Next."), '/nodes/n2/disks/zfs': new CwError('UNSUPPORTED', "Proxmox cluster 'homelab': GET /nodes/n2/disks/zfs on h:8006 failed: 501 Method 'GET /nodes/{node}/disks/zfs' is not implemented. Next.") });
    expect((await proxmoxStorageHealth(same, workspace(true), 'homelab')).evidence).toBe("Ceph HEALTH_OK. Not read: ZFS on n1, n2: 501 Method 'GET /nodes/{node}/disks/zfs' is not implemented.");
    // A cluster out of reach is said once, not per path.
    const down = fakeApi({ '/cluster/ceph/status': new CwError('UNREACHABLE', 'Cannot reach the Proxmox VE API on 127.0.0.1:8006 (ECONNREFUSED). Check that the node is up.') });
    expect(await proxmoxStorageHealth(down, workspace(true), 'homelab')).toMatchObject({ status: 'unknown', evidence: 'Not read: Cannot reach the Proxmox VE API on 127.0.0.1:8006 (ECONNREFUSED).' });
    expect(down.asked).toEqual(['/cluster/ceph/status']);
    expect((await proxmoxStorageHealth(fakeApi({}), workspace(false), 'homelab')).evidence).toMatch(/^Not read: cluster homelab has no api block/);
  });
});
