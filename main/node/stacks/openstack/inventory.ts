// Servers per region for the canvas: nova's servers (every project) on the region's compute nodes, as VM
// records whose id names the stack, the region and the server's UUID, so one server is read by its id
// alone — from its own region, without listing the others.
import type { VmRecord } from '../../../common/contract/inventory.js';
import { CwError } from '../../../common/errors.js';
import type { Workspace } from '../../../common/workspace/schema.js';
import type { StackInventory } from '../types.js';
import type { NovaServer } from './client/nova.js';
import { serverHost } from './client/nova.js';
import { nodeOfNovaHost, regionOf, type OpenstackClouds } from './cloud.js';

const STACK = 'openstack';
const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `openstack:<region>:<server uuid>`. */
export function serverVmId(region: string, serverId: string): string {
  return `${STACK}:${region}:${serverId}`;
}

/** The region and server UUID a VM id names; INVALID_INPUT when it is not an OpenStack server id. */
export function parseServerVmId(id: string): { region: string; server: string } {
  const parts = id.split(':');
  if (parts.length !== 3 || parts[0] !== STACK || !parts[1] || !uuidPattern.test(parts[2]!)) throw new CwError('INVALID_INPUT', `"${id}" is not an OpenStack server id (openstack:<region>:<server UUID>).`);
  return { region: parts[1], server: parts[2]!.toLowerCase() };
}

/** nova's status in the canvas's words. */
export function serverStatus(server: NovaServer): VmRecord['status'] {
  if (server['OS-EXT-STS:task_state'] === 'migrating' || server.status === 'MIGRATING') return 'migrating';
  switch (server.status) {
    case 'ACTIVE':
      return 'running';
    case 'SHUTOFF':
      return 'stopped';
    case 'PAUSED':
    case 'SUSPENDED':
      return 'paused';
    default:
      return 'unknown';
  }
}

export function serverRecord(workspace: Workspace, regionName: string, server: NovaServer): VmRecord | undefined {
  const { region } = regionOf(workspace, regionName);
  const host = serverHost(server);
  const node = host ? nodeOfNovaHost(region, host) : undefined;
  if (!node) return undefined;
  return {
    id: serverVmId(regionName, server.id),
    stack: STACK,
    cluster: regionName,
    node,
    name: server.name,
    status: serverStatus(server),
    ...(server.flavor?.ram !== undefined ? { memoryMiB: server.flavor.ram } : {}),
    ...(server.flavor?.vcpus !== undefined ? { cpus: server.flavor.vcpus } : {}),
  };
}

export function createOpenstackInventory(clouds: OpenstackClouds): StackInventory {
  return {
    // Only regions the app can log in to: a workspace without the keystone block has none to read.
    clusters: (workspace) => (workspace.openstack?.keystone ? (workspace.openstack.regions ?? []).filter((r) => r.compute.length > 0).map((r) => r.name) : []),
    async list(workspace, region, signal) {
      if (signal.aborted) throw new CwError('CANCELLED', `Reading the servers of region ${region} was cancelled.`);
      const servers = await clouds.of(workspace).nova(region).listServers({ allProjects: true });
      return servers.flatMap((s) => serverRecord(workspace, region, s) ?? []);
    },
    async find(workspace, vmId, signal) {
      const { region, server } = parseServerVmId(vmId);
      regionOf(workspace, region);
      if (signal.aborted) throw new CwError('CANCELLED', `Reading server ${server} was cancelled.`);
      try {
        return serverRecord(workspace, region, await clouds.of(workspace).nova(region).getServer(server));
      } catch (err) {
        if (err instanceof CwError && err.code === 'NOT_FOUND') return undefined;
        throw err;
      }
    },
  };
}
