// One monitoring round for each vSAN cluster of the workspace, through its vCenter session: vSAN's health
// summary (computed now, not vSAN's cache), every host's connection state and maintenance mode, and the
// witness while the cluster is stretched (its connection state, and whether vSAN lists it as the cluster's
// witness). A vCenter that does not answer makes the cluster unreachable, with the reason.
import type { ApiSample, ClusterSample, HealthSample, ServiceSample } from '../../../common/monitor/model.js';
import { vsanHealthSample, vsanHostSample } from '../../../common/stacks/vsan/monitor.js';
import { witnessOf } from '../../../common/stacks/vsan/stretching.js';
import type { Workspace } from '../../../common/workspace/index.js';
import type { MonitorReading } from '../types.js';
import type { VsphereClient } from './client/client.js';
import type { MoRef } from './client/xml.js';
import type { VsanConnections } from './connections.js';
import { vcenterAccess } from './workspace-spec.js';

const message = (error: unknown) => (error instanceof Error ? error.message : String(error)).slice(0, 300);
const VCENTER = 'vCenter';

async function hostStates(client: VsphereClient, refs: MoRef[]): Promise<Map<string, { name: string; connectionState: string; maintenance: boolean }>> {
  const out = new Map<string, { name: string; connectionState: string; maintenance: boolean }>();
  if (!refs.length) return out;
  const found = await client.retrieve([{ propSet: [{ type: 'HostSystem', pathSet: ['name', 'runtime.connectionState', 'runtime.inMaintenanceMode'] }], objectSet: refs.map((obj) => ({ obj, skip: false })) }]);
  for (const o of found) out.set(o.obj.value, { name: o.props.get('name')?.text() ?? o.obj.value, connectionState: o.props.get('runtime.connectionState')?.text() ?? 'unknown', maintenance: o.props.get('runtime.inMaintenanceMode')?.text() === 'true' });
  return out;
}

export async function monitorVsan(workspace: Workspace, connections: VsanConnections): Promise<MonitorReading> {
  // A cluster whose vCenter the app cannot log in to yet (no pinned certificate or no password) is still on paper.
  const live = (workspace.vsan?.clusters ?? []).map((cluster, index) => ({ cluster, index })).filter(({ cluster }) => cluster.vcenter.thumbprint && cluster.vcenter.secretId);
  const clusters = await Promise.all(
    live.map(async ({ cluster, index }): Promise<ClusterSample> => {
      const base = { stack: 'vsan', cluster: cluster.name };
      const field = `vsan.clusters[${index}]`;
      const started = Date.now();
      let client: VsphereClient;
      try {
        client = await connections.client(vcenterAccess(cluster, field), `${field}.vcenter`);
      } catch (error) {
        return { ...base, reachable: false, error: `vCenter: ${message(error)}`, apis: [{ name: VCENTER, reachable: false, error: message(error) }] };
      }
      try {
        const dc = cluster.datacenter ? await client.findDatacenter(cluster.datacenter) : undefined;
        const ref = cluster.datacenter && !dc ? undefined : (await client.findByName('ClusterComputeResource', cluster.name, dc?.hostFolder))?.ref;
        const api: ApiSample = { name: VCENTER, reachable: true, ms: Date.now() - started };
        if (!ref) return { ...base, reachable: false, error: `vCenter has no cluster ${cluster.name}${cluster.datacenter ? ` in datacenter ${cluster.datacenter}` : ''}`, apis: [api] };
        const hostRefs = (await client.properties(ref, ['host'])).get('host')?.all('ManagedObjectReference').map((h) => h.asMoRef()) ?? [];
        const declared = witnessOf(cluster);
        const witness = declared ? await client.findByName('HostSystem', declared.host) : undefined;
        const states = await hostStates(client, [...hostRefs, ...(witness ? [witness.ref] : [])]);
        const services: ServiceSample[] = hostRefs.map((h) => {
          const s = states.get(h.value);
          return vsanHostSample({ name: s?.name ?? h.value, role: 'data', connectionState: s?.connectionState ?? 'unknown', maintenance: s?.maintenance ?? false });
        });
        if (witness) {
          const s = states.get(witness.ref.value);
          const listed = await client.witnessHosts(ref).then(
            (list) => list.some((w) => w.host?.value === witness.ref.value),
            () => undefined,
          );
          services.push(vsanHostSample({ name: declared!.host, role: 'witness', connectionState: s?.connectionState ?? 'unknown', maintenance: s?.maintenance ?? false, ...(listed !== undefined ? { witnessOfCluster: listed } : {}) }));
        } else if (declared) services.push({ kind: 'witness', name: declared.host, state: 'not in vCenter', level: 'error' });
        let health: HealthSample;
        try {
          health = vsanHealthSample(await client.healthSummary(ref));
        } catch (error) {
          health = { status: 'unknown', level: 'warning', problems: [`the health summary could not be read: ${message(error)}`] };
        }
        return { ...base, reachable: true, services, health, apis: [{ ...api, ms: Date.now() - started }] };
      } catch (error) {
        return { ...base, reachable: false, error: `vCenter: ${message(error)}`, apis: [{ name: VCENTER, reachable: false, error: message(error) }] };
      }
    }),
  );
  return { clusters };
}
