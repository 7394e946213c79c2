// What the monitor records of a Proxmox cluster beyond quorum (pure): the HA manager's status
// (GET /cluster/ha/status/current, what `ha-manager status` prints) as one entry per HA resource, node agent
// (LRM) and the cluster manager (CRM master), judged ok / warning / error; the QDevice's vote against the
// workspace's QDevice; and the series prometheus-pve-exporter names (pve_ha_state) for the exposition.
import { clipText, type ClusterSample, type ServiceSample } from '../../monitor/model.js';
import type { ExposedSeries } from '../../monitor/prometheus.js';

/** One entry of GET /cluster/ha/status/current (the fields the official schema's `returns` lists that are read here). */
export interface HaStatusEntry {
  id?: unknown;
  type?: unknown;
  node?: unknown;
  status?: unknown;
  sid?: unknown;
  state?: unknown;
  crm_state?: unknown;
  request_state?: unknown;
}

/** HA resource states that mean the HA stack gave up on it, or is fencing its node. */
const errorStates = new Set(['error', 'fence']);
/** States that are a transition worth a warning while they last (recovery after a node loss, frozen by a shutdown). */
const warningStates = new Set(['recovery', 'freeze']);

const text = (v: unknown): string | undefined => (typeof v === 'string' ? clipText(v, 500) : typeof v === 'number' ? String(v) : undefined);

/** "pve1 (old timestamp - dead?, Thu Dec  4 20:41:28 2026)" → "old timestamp - dead?"; "pve1 (active, watchdog active, …)" → "active". */
export function lrmState(status: string): string {
  const m = /^\S+ \(([^,)]+)/.exec(status.trim());
  return (m ? m[1]! : status).trim();
}

/** The HA manager's status as the monitor records it: the CRM master, each node's LRM, each HA resource. */
export function haServices(entries: readonly HaStatusEntry[]): ServiceSample[] {
  const out: ServiceSample[] = [];
  for (const e of entries) {
    const type = text(e.type);
    const node = text(e.node) ?? '';
    const status = text(e.status) ?? '';
    if (type === 'master') {
      const state = clipText(lrmState(status), 100);
      out.push({ kind: 'ha-crm', name: clipText(node), state, level: /dead|drift/.test(state) ? 'error' : 'ok', detail: status });
    } else if (type === 'lrm') {
      const state = clipText(lrmState(status), 100);
      // An LRM whose timestamp is old holds no lock on its node: its HA resources are about to be fenced and recovered.
      const level = /dead|drift/.test(state) ? 'error' : /unable to read/.test(state) ? 'warning' : 'ok';
      out.push({ kind: 'ha-lrm', name: clipText(node), state, level, detail: status });
    } else if (type === 'service') {
      const id = text(e.id);
      const sid = text(e.sid) ?? (id?.startsWith('service:') ? id.slice('service:'.length) : '');
      if (!sid) continue;
      const state = clipText(text(e.state) ?? text(e.crm_state) ?? 'unknown', 100);
      const request = text(e.request_state);
      const level = errorStates.has(state) ? 'error' : warningStates.has(state) ? 'warning' : 'ok';
      out.push({ kind: 'ha-service', name: clipText(sid), state, ...(node && node !== '---' ? { host: clipText(node) } : {}), ...(request ? { enabled: request !== 'disabled' } : {}), level });
    }
  }
  return out;
}

/**
 * The QDevice as one more entry when the workspace gives the cluster one: voting (ok), or configured but casting
 * no vote (error: the cluster has lost the tie-breaker it was planned with).
 */
export function qdeviceService(configured: { host: string } | undefined, sample: Pick<ClusterSample, 'qdeviceVote' | 'reachable'>): ServiceSample | undefined {
  if (!configured || !sample.reachable) return undefined;
  const voting = sample.qdeviceVote === true;
  return { kind: 'qdevice', name: configured.host, state: voting ? 'voting' : 'not voting', level: voting ? 'ok' : 'error' };
}

/** prometheus-pve-exporter's resource ids: `qemu/100`, `lxc/101` (HA sids `vm:100`, `ct:101`). */
function exporterId(sid: string): string {
  const m = /^(vm|ct):(\d+)$/.exec(sid);
  return m ? `${m[1] === 'vm' ? 'qemu' : 'lxc'}/${m[2]}` : sid;
}

/** pve_ha_state{id,state} 1 per HA resource (the exporter's name), with a cluster label since an estate holds several. */
export function proxmoxExposition(c: ClusterSample): ExposedSeries[] {
  return (c.services ?? [])
    .filter((s) => s.kind === 'ha-service')
    .map((s) => ({ name: 'pve_ha_state', help: 'HA state of the resource (1 for its current state), as the HA manager reports it.', labels: { cluster: c.cluster, id: exporterId(s.name), state: s.state }, value: 1 }));
}
