// HA status of the Proxmox test server (GET /cluster/ha/status/current, the `hastate` of /cluster/resources and a
// VM's status/current): built as pve-ha-manager builds it, from the HA resources in /etc/pve, where each guest is,
// the HA moves in progress, corosync's membership, and each node's last published reading as its LRM's timestamp.
// The test servers play the CRM (they carry out HA moves), so a cluster with HA resources has an active master.
import type { PmxcfsDir } from './pmxcfs.js';

/** The part of pve-ha-manager's manager_status the servers keep in /etc/pve: HA moves in progress. */
export interface HaManagerStatus {
  service_status?: Record<string, { state: string; node: string; target?: string }>;
}

export const haManagerStatusFile = 'ha/manager_status.json';

/** A service as the CRM sees it: its state, where it is, whether its guest runs. */
interface ServiceStatus {
  state: string;
  node: string;
  running: boolean;
}

/** Marks an HA move in progress (the CRM's `migrate` state) or clears it when `to` is undefined. */
export function markHaMove(cfs: PmxcfsDir, sid: string, move: { from: string; to: string } | undefined): void {
  const status = cfs.readJson<HaManagerStatus>(haManagerStatusFile, {});
  const services = { ...status.service_status };
  if (move) services[sid] = { state: 'migrate', node: move.from, target: move.to };
  else delete services[sid];
  cfs.writeJson(haManagerStatusFile, { ...status, service_status: services });
}

/** The CRM's state per service: moves in progress as recorded, the rest from the requested state and the guest's place. */
export function haServiceStatus(cfs: PmxcfsDir): Map<string, ServiceStatus> {
  const moving = cfs.readJson<HaManagerStatus>(haManagerStatusFile, {}).service_status ?? {};
  const out = new Map<string, ServiceStatus>();
  for (const r of cfs.haResources()) {
    const found = cfs.findGuest(Number(r.sid.split(':')[1]));
    const move = moving[r.sid];
    if (move) {
      out.set(r.sid, { state: move.state, node: move.node, running: found?.guest.running ?? false });
      continue;
    }
    const request = r.state === 'enabled' ? 'started' : r.state;
    // The CRM forgets ignored services; a guest that no longer exists has no place.
    if (request === 'ignored' || !found) continue;
    out.set(r.sid, { state: request === 'started' ? 'started' : 'stopped', node: found.node, running: found.guest.running });
  }
  return out;
}

/** pve-ha-manager's get_verbose_service_state. */
export function verboseServiceState(ss: ServiceStatus | undefined, request: string | undefined, hasNode: boolean): string {
  if (request === undefined) return 'deleting';
  const req = request === 'enabled' ? 'started' : request;
  if (req === 'ignored') return 'ignored';
  if (!hasNode) return 'not found';
  if (!ss) return 'queued';
  if (ss.state === 'stopped') return req === 'started' ? 'starting' : req === 'disabled' ? 'disabled' : 'stopped';
  if (ss.state === 'started') return !ss.running ? 'starting' : req === 'stopped' || req === 'disabled' ? 'stopping' : 'started';
  if (ss.state === 'error' && req === 'disabled') return 'clearing error flag';
  return ss.state;
}

/** Perl's scalar localtime(): `Thu Dec  4 20:41:28 2026`. */
export function perlLocaltime(unixSeconds: number): string {
  const d = new Date(unixSeconds * 1000);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getDay()]} ${months[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`;
}

/** pve-ha-manager's timestamp_to_status. */
function timestampStatus(now: number, timestamp: number): string {
  const diff = now - timestamp;
  if (diff > 30) return 'old timestamp - dead?';
  if (diff < -2) return 'detected time drift!';
  return 'active';
}

export interface HaStatusInput {
  /** The node answering. */
  nodeName: string;
  release: string;
  quorate: boolean;
  /** Cluster members (nodeid order) and whether corosync sees them; just this node when standalone. */
  members: { name: string; online: boolean }[];
  /** Unix seconds of each node's last published reading (its LRM's timestamp), if any. */
  lrmTimestamp(node: string): number | undefined;
  now: number;
}

/** GET /cluster/ha/status/current. */
export function haStatusCurrent(cfs: PmxcfsDir, input: HaStatusInput): Record<string, unknown>[] {
  const { nodeName, now } = input;
  const out: Record<string, unknown>[] = [{ id: 'quorum', type: 'quorum', node: nodeName, status: input.quorate ? 'OK' : `No quorum on node '${nodeName}'!`, quorate: input.quorate ? 1 : 0 }];
  const resources = cfs.haResources();
  const services = haServiceStatus(cfs);
  // The CRM becomes master once there is something to manage, on a quorate partition.
  const master = resources.length && input.quorate ? input.members.find((m) => m.online)?.name : undefined;
  if (master) out.push({ id: 'master', type: 'master', node: master, status: `${master} (active, ${perlLocaltime(now)})`, timestamp: now });
  if (input.release.startsWith('9')) {
    const armed = master !== undefined;
    out.push({ id: 'fencing', type: 'fencing', node: master ?? nodeName, status: armed ? 'armed (CRM watchdog active)' : 'standby (CRM watchdog standby)', 'armed-state': armed ? 'armed' : 'standby' });
  }
  if (master) {
    for (const m of [...input.members].sort((a, b) => a.name.localeCompare(b.name))) {
      const ts = input.lrmTimestamp(m.name);
      if (ts === undefined) {
        out.push({ id: `lrm:${m.name}`, type: 'lrm', node: m.name, status: `${m.name} (unable to read lrm status)` });
        continue;
      }
      let status = m.online ? timestampStatus(now, ts) : 'old timestamp - dead?';
      const active = [...services.values()].some((s) => s.node === m.name && s.state !== 'stopped');
      const watchdog = status === 'active' && active ? 'watchdog active' : 'watchdog standby';
      if (status === 'active') status = active ? 'active' : 'idle';
      out.push({ id: `lrm:${m.name}`, type: 'lrm', node: m.name, status: `${m.name} (${status}, ${watchdog}, ${perlLocaltime(ts)})`, timestamp: ts });
    }
  }
  for (const r of [...resources].sort((a, b) => a.sid.localeCompare(b.sid))) {
    const ss = services.get(r.sid);
    const found = cfs.findGuest(Number(r.sid.split(':')[1]));
    const node = ss?.node ?? found?.node;
    const state = verboseServiceState(ss, r.state, node !== undefined);
    const entry: Record<string, unknown> = { id: `service:${r.sid}`, type: 'service', sid: r.sid, node: node ?? '---', state, status: `${r.sid} (${node ?? '---'}, ${state})`, request_state: r.state };
    if (ss) entry.crm_state = ss.state;
    entry.max_restart = r.maxRestart ?? 1;
    entry.max_relocate = r.maxRelocate ?? 1;
    if (input.release.startsWith('9')) entry.failback = 1;
    if (r.group) entry.group = r.group;
    if (r.comment) entry.comment = r.comment;
    out.push(entry);
  }
  return out;
}

/** A VM's `ha` in GET …/qemu/{vmid}/status/current (PVE::HA::Config::get_service_status). */
export function haOfGuest(cfs: PmxcfsDir, vmid: number): { managed: number; state?: string } {
  const sid = `vm:${vmid}`;
  const res = cfs.haResources().find((r) => r.sid === sid);
  if (!res || res.state === 'ignored') return { managed: 0 };
  const ss = haServiceStatus(cfs).get(sid);
  return { managed: 1, ...(ss ? { state: ss.state } : {}) };
}

/** The `hastate` /cluster/resources shows for a guest: the CRM's state, else the requested one. */
export function haStateOfGuest(cfs: PmxcfsDir, vmid: number, services = haServiceStatus(cfs)): string | undefined {
  const sid = `vm:${vmid}`;
  return services.get(sid)?.state ?? cfs.haResources().find((r) => r.sid === sid)?.state;
}
