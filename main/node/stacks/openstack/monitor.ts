// One monitoring round for each OpenStack region: Keystone issuing a fresh token (reachability and how long it
// took; one token a round, shared by the regions), then nova's os-services of every region through the
// stack's typed client. A region whose nova does not answer reads unreachable, with the reason.
import type { ApiSample, ClusterSample } from '../../../common/monitor/model.js';
import { KEYSTONE_API, novaServiceSamples } from '../../../common/stacks/openstack/monitor.js';
import type { Workspace } from '../../../common/workspace/index.js';
import type { MonitorReading } from '../types.js';
import type { OpenstackClouds } from './cloud.js';

export interface OpenstackMonitorOptions {
  /** A token that takes longer than this is slow (warning; default 2 s). */
  keystoneWarnMs?: number;
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 300);

export async function monitorOpenstack(workspace: Workspace, clouds: OpenstackClouds, options: OpenstackMonitorOptions = {}): Promise<MonitorReading> {
  const regions = workspace.openstack?.regions ?? [];
  // Regions still on paper (no Keystone to log in to yet) have nothing to read.
  if (!regions.length || !workspace.openstack?.keystone) return { clusters: [] };
  const base = (region: string) => ({ stack: 'openstack', cluster: region });
  let keystone: ApiSample;
  let cloud;
  try {
    cloud = clouds.of(workspace);
    // A fresh token each round: what Keystone takes to authenticate, not a cached one.
    cloud.keystone.invalidate();
    const started = Date.now();
    await cloud.keystone.getToken();
    keystone = { name: KEYSTONE_API, reachable: true, ms: Date.now() - started, warnMs: options.keystoneWarnMs ?? 2_000 };
  } catch (error) {
    keystone = { name: KEYSTONE_API, reachable: false, error: message(error) };
    return { clusters: regions.map((r) => ({ ...base(r.name), reachable: false, error: `no token from Keystone: ${message(error)}`, apis: [keystone] })) };
  }
  const clusters = await Promise.all(
    regions.map(async (r): Promise<ClusterSample> => {
      try {
        const services = await cloud.nova(r.name).listServices();
        return { ...base(r.name), reachable: true, services: novaServiceSamples(services), apis: [keystone] };
      } catch (error) {
        return { ...base(r.name), reachable: false, error: `nova: ${message(error)}`, apis: [keystone] };
      }
    }),
  );
  return { clusters };
}
