// What the monitor records of a vSAN stretched cluster (pure): vSAN's health summary as the cluster's health
// (green ok, yellow warning, red error, with the tests that are not green), each host's connection state in
// vCenter and the witness's (connected and known to vSAN as the cluster's witness), and the exposition's series
// (vmware_exporter's vmware_host_connection_state; no common exporter names vSAN health).
import { clipText, type ClusterSample, type HealthSample, type ServiceSample } from '../../monitor/model.js';
import type { ExposedSeries } from '../../monitor/prometheus.js';
import { healthProblems, type HealthSummary } from './health.js';

export function vsanHealthSample(summary: HealthSummary): HealthSample {
  const level = summary.overallHealth === 'red' ? 'error' : summary.overallHealth === 'yellow' ? 'warning' : 'ok';
  const problems = healthProblems(summary);
  return { status: summary.overallHealth, level, ...(problems.length ? { problems: problems.slice(0, 50).map((p) => clipText(p, 500)) } : {}) };
}

/** A host as vCenter sees it: `connected`, or `disconnected` / `notResponding` (error), in maintenance mode (warning). */
export function vsanHostSample(host: { name: string; role: 'data' | 'witness'; connectionState: string; maintenance?: boolean; witnessOfCluster?: boolean }): ServiceSample {
  const connected = host.connectionState === 'connected';
  const notWitness = host.role === 'witness' && host.witnessOfCluster === false;
  const state = !connected ? host.connectionState : notWitness ? 'not the witness of this cluster' : host.maintenance ? 'maintenance mode' : 'connected';
  return { kind: host.role === 'witness' ? 'witness' : 'host', name: clipText(host.name), state: clipText(state, 100), level: !connected || notWitness ? 'error' : host.maintenance ? 'warning' : 'ok' };
}

/** vmware_host_connection_state{host_name,cluster_name,state} 1 per host (the witness too), and vSAN's overall health colour. */
export function vsanExposition(c: ClusterSample): ExposedSeries[] {
  const out: ExposedSeries[] = (c.services ?? [])
    .filter((s) => s.kind === 'host' || s.kind === 'witness')
    .map((s) => ({
      name: 'vmware_host_connection_state',
      help: 'Connection state of the host in vCenter (1 for its current state: connected, disconnected, notResponding).',
      labels: { cluster_name: c.cluster, host_name: s.name, role: s.kind, state: s.state === 'maintenance mode' || s.state === 'not the witness of this cluster' ? 'connected' : s.state },
      value: 1,
    }));
  if (c.health) out.push({ name: 'clusterwright_vsan_cluster_health', help: "vSAN's overall cluster health (1 for its current colour: green, yellow, red).", labels: { cluster: c.cluster, status: c.health.status }, value: 1 });
  return out;
}
