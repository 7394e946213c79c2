// Proxmox VE's inventory for the canvas: VMs per node from /cluster/resources with their HA state from the HA
// manager's status (/cluster/ha/status/current), through one API client per cluster; and the pure mapping of
// a migrate precheck (GET …/migrate) and a cross-cluster target into verdicts. The moves are in migration.ts.
import { CwError, isCwError } from '../../../common/errors.js';
import type { MigrationTarget, VmRecord } from '../../../common/contract/inventory.js';
import type { ProxmoxMigrationChoices } from '../../../common/stacks/proxmox/contract.js';
import type { Workspace } from '../../../common/workspace/schema.js';
import type { SecretStore } from '../../secrets/store.js';
import type { StackInventory } from '../types.js';
import type { PveApiSchema } from './api-schema.js';
import type { PveClient } from './client.js';
import { createProxmoxApi, type ProxmoxApi } from './cluster-api.js';

export interface ProxmoxInventoryOptions {
  /** Where `api.passwordSecret` / `api.tokenSecret` ids are looked up, at the moment of use. */
  secrets: Pick<SecretStore, 'get'>;
  /**
   * The official API schema: when given, every request is validated before it is sent (the tests pass it).
   * Optional because its file lives under test/fixtures and may be absent from a packaged app.
   */
  schema?: PveApiSchema;
  /** Request lines (method, path, status, ms) — never parameters, never secrets. */
  log?: (line: string) => void;
  /** The clients to use (shared with the proxmox.* methods); default: a cache of its own. */
  api?: ProxmoxApi;
}

/** `/cluster/resources` entries, as the official schema's `returns` describes them (only what is used here). */
export interface PveResource {
  id: string;
  type: string;
  vmid?: number;
  name?: string;
  node?: string;
  status?: string;
  maxmem?: number;
  maxcpu?: number;
  hastate?: string;
  lock?: string;
  template?: boolean | number;
  storage?: string;
  shared?: boolean | number;
  content?: string;
}

/** `GET /cluster/ha/status/current` entries, as the official schema's `returns` describes them (only what is used here). */
export interface PveHaStatusEntry {
  id: string;
  type: string;
  node: string;
  status: string;
  sid?: string;
  /** For services: the verbose state (`started`, `migrate`, `starting`, `error`, `fence`, `ignored`, …). */
  state?: string;
  crm_state?: string;
  request_state?: string;
}

/** An HA-managed guest as the HA manager reports it. */
export interface HaService {
  /** The verbose state (what `ha-manager status` prints). */
  state: string;
  /** Where the HA manager has it. */
  node: string;
  crmState?: string;
}

/** `vm:<vmid>` services of the HA manager's status, by vmid (containers and other resources left out). */
export function haServicesFromStatus(entries: PveHaStatusEntry[]): Map<number, HaService> {
  const out = new Map<number, HaService>();
  for (const e of entries) {
    const m = e.type === 'service' ? /^vm:(\d+)$/.exec(e.sid ?? '') : null;
    if (!m) continue;
    out.set(Number(m[1]), { state: e.state ?? e.crm_state ?? 'unknown', node: e.node, ...(e.crm_state ? { crmState: e.crm_state } : {}) });
  }
  return out;
}

/** `GET /nodes/{node}/qemu/{vmid}/migrate`, as the official schema's `returns` describes it. */
export interface PveMigratePrecheck {
  running: boolean | number;
  allowed_nodes?: string[];
  not_allowed_nodes?: Record<string, { unavailable_storages?: string[]; 'blocking-ha-resources'?: { sid: string; cause?: string }[] }>;
  local_disks: { volid: string; size?: number; cdrom?: boolean | number; is_unused?: boolean | number; drivename?: string }[];
  local_resources: string[];
  'mapped-resources'?: string[];
  'dependent-ha-resources'?: string[];
}

// ------------------------------------------------------------------------------------------
// Pure mapping

/** A VM id on the canvas: `proxmox:<cluster>:<vmid>`. */
export function proxmoxVmId(cluster: string, vmid: number): string {
  return `proxmox:${cluster}:${vmid}`;
}

/** The vmid inside `proxmox:<cluster>:<vmid>`. */
export function vmidOf(vm: Pick<VmRecord, 'id'>): number {
  const m = /^proxmox:.+:(\d+)$/.exec(vm.id);
  if (!m) throw new CwError('INVALID_INPUT', `'${vm.id}' is not a Proxmox VM id (expected proxmox:<cluster>:<vmid>).`);
  return Number(m[1]);
}

function vmStatus(entry: PveResource): VmRecord['status'] {
  if (entry.lock === 'migrate') return 'migrating';
  switch (entry.status) {
    case 'running':
    case 'stopped':
    case 'paused':
      return entry.status;
    case 'suspended':
    case 'prelaunch':
      return 'paused';
    default:
      return 'unknown';
  }
}

/**
 * `/cluster/resources?type=vm` → the canvas's VM records. QEMU guests only (containers are not moved by this
 * path yet) and no templates (they never run). VMs on nodes the workspace does not list are still reported:
 * the cluster is the truth, and the canvas ignores nodes it does not draw. HA state comes from the HA manager's
 * status when it could be read (`ha`), else from the resources' `hastate`.
 */
export function vmRecordsFromResources(cluster: string, resources: PveResource[], ha?: Map<number, HaService>): VmRecord[] {
  const out: VmRecord[] = [];
  for (const r of resources) {
    if (r.type !== 'qemu' || r.vmid === undefined || !r.node) continue;
    if (r.template === 1 || r.template === true) continue;
    const haState = ha ? ha.get(r.vmid)?.state : r.hastate;
    // `ignored` is PVE's "HA leaves this one alone": it moves through the plain path.
    const haManaged = haState !== undefined && haState !== 'ignored';
    out.push({
      id: proxmoxVmId(cluster, r.vmid),
      stack: 'proxmox',
      cluster,
      node: r.node,
      name: r.name ?? `VM ${r.vmid}`,
      status: vmStatus(r),
      ...(r.maxmem !== undefined ? { memoryMiB: Math.round(r.maxmem / 1024 ** 2) } : {}),
      ...(r.maxcpu !== undefined ? { cpus: r.maxcpu } : {}),
      haManaged,
      ...(haManaged ? { haState } : {}),
    });
  }
  return out;
}

/** Storages a node offers for disk images (what a local disk can be moved to), from `/cluster/resources?type=storage`. */
export function imageStoragesByNode(resources: PveResource[]): Map<string, string[]> {
  const byNode = new Map<string, string[]>();
  for (const r of resources) {
    if (r.type !== 'storage' || !r.node || !r.storage) continue;
    if (r.status !== undefined && r.status !== 'available') continue;
    if (r.content !== undefined && !r.content.split(',').includes('images')) continue;
    byNode.set(r.node, [...(byNode.get(r.node) ?? []), r.storage].sort());
  }
  return byNode;
}

function storageOf(volid: string): string {
  return volid.includes(':') ? volid.slice(0, volid.indexOf(':')) : volid;
}

function flag(v: boolean | number | undefined): boolean {
  return v === true || v === 1;
}

export interface PrecheckContext {
  /** The VM's cluster as the workspace names it. */
  cluster: string;
  /** Members of that cluster in the workspace. */
  members: string[];
  source: string;
  /** Storages for disk images per node (imageStoragesByNode). */
  storages: Map<string, string[]>;
  /** The storage the admin chose for local disks, when the dialog has one. */
  targetStorage?: string;
}

/** One precheck answer → a verdict per asked target, with reasons in the admin's words. */
export function migrationTargetsFrom(answer: PveMigratePrecheck, targets: string[], ctx: PrecheckContext): MigrationTarget[] {
  const running = flag(answer.running);
  const localDisks = answer.local_disks.map((d) => ({
    disk: d.drivename ?? d.volid,
    storage: storageOf(d.volid),
    ...(d.size !== undefined ? { sizeGiB: Math.round((d.size / 1024 ** 3) * 10) / 10 } : {}),
    cdrom: flag(d.cdrom),
  }));
  return targets.map((node): MigrationTarget => {
    const targetStorages = ctx.storages.get(node) ?? [];
    const base = { node, details: { stack: 'proxmox' as const, localDisks: localDisks.map(({ cdrom: _cdrom, ...d }) => d), targetStorages } };
    if (!ctx.members.includes(node)) {
      return { node, allowed: false, kind: 'remote', details: { stack: 'proxmox', localDisks: [], targetStorages: [] }, reasons: [`${node} is not a member of Proxmox cluster '${ctx.cluster}' nor of another Proxmox cluster in the workspace: add it to proxmox.clusters[] to move VMs there.`] };
    }
    const reasons: string[] = [];
    const allowed = answer.allowed_nodes?.includes(node) ?? false;
    const refusal = answer.not_allowed_nodes?.[node];
    if (refusal) {
      for (const s of refusal.unavailable_storages ?? []) reasons.push(`storage ${s} that the VM uses is not available on ${node}: add it to ${node} or move the disk to shared storage first`);
      for (const b of refusal['blocking-ha-resources'] ?? []) reasons.push(`HA resource ${b.sid} blocks it${b.cause ? ` (${b.cause} rule)` : ''}: change the HA rule or move ${b.sid} first`);
      if (!reasons.length) reasons.push(`Proxmox does not allow ${node} as a target (the node may be offline or out of quorum): check it in Datacenter → Cluster`);
    } else if (!allowed) {
      reasons.push(`${node} is not online in cluster '${ctx.cluster}' (not in Proxmox's list of allowed nodes): bring it up or check corosync`);
    }
    for (const r of answer.local_resources) reasons.push(`local resource ${r} (passthrough device) ties the VM to ${ctx.source}: remove it or use a mapped device`);
    for (const d of localDisks) {
      if (d.cdrom) {
        reasons.push(`CD-ROM ${d.disk} uses an image on local storage ${d.storage}: eject it before moving`);
      } else if (!ctx.targetStorage) {
        reasons.push(`local disk ${d.disk} on ${d.storage}: choose a target storage`);
      } else if (!targetStorages.includes(ctx.targetStorage)) {
        reasons.push(`target storage ${ctx.targetStorage} for local disk ${d.disk} is not available on ${node}: choose one of ${targetStorages.join(', ') || '(none)'}`);
      }
    }
    return { ...base, allowed: reasons.length === 0, reasons, kind: running && allowed ? 'live' : 'offline' };
  });
}

// ------------------------------------------------------------------------------------------
// Cross-cluster moves (remote_migrate): pure parts

/** `{ "ceph-vm": "local-lvm" }` → `ceph-vm:local-lvm` (Proxmox's storage-pair-list / bridge-pair-list), sorted. */
export function formatIdMap(map: Record<string, string>): string {
  return Object.entries(map)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([from, to]) => `${from}:${to}`)
    .join(',');
}

export interface RemoteEndpointParts {
  /** `USER@REALM!NAME` */
  tokenId: string;
  secret: string;
  host: string;
  port: number;
  fingerprint: string;
}

/** The `target-endpoint` property string remote_migrate takes. Built main-side only; it carries the token secret. */
export function remoteEndpointText(e: RemoteEndpointParts): string {
  if (!/^[^\s@=,!]+@[^\s@=,!]+![^\s=,!]+$/.test(e.tokenId)) throw new CwError('INVALID_INPUT', `'${e.tokenId}' is not an API token id (expected USER@REALM!NAME).`);
  if (/[\s,]/.test(e.secret) || !e.secret) throw new CwError('INVALID_INPUT', `The secret of API token ${e.tokenId} contains a comma or white space, which a Proxmox endpoint string cannot carry: create a new token.`);
  if (/[\s,=]/.test(e.host)) throw new CwError('INVALID_INPUT', `'${e.host}' is not a host name or address.`);
  return `apitoken=PVEAPIToken=${e.tokenId}=${e.secret},host=${e.host},port=${e.port},fingerprint=${e.fingerprint}`;
}

/** The same endpoint with the token secret replaced by `***`, for job logs and messages. */
export function redactEndpoint(text: string): string {
  return text.replace(/(apitoken=PVEAPIToken=[^=,\s]+=)[^,\s]*/g, '$1***');
}

/** Storages and bridges a VM uses, from `GET /nodes/{node}/qemu/{vmid}/config`. CD-ROMs and `none` are skipped. */
export function vmResourcesFromConfig(conf: Record<string, unknown>): { storages: string[]; bridges: string[]; lock?: string } {
  const storages = new Set<string>();
  const bridges = new Set<string>();
  for (const [key, value] of Object.entries(conf)) {
    if (typeof value !== 'string') continue;
    if (/^(scsi|virtio|sata|ide|efidisk|tpmstate)\d+$/.test(key)) {
      if (/(?:^|,)media=cdrom(?:,|$)/.test(value)) continue;
      const file = value.split(',')[0]!.replace(/^file=/, '');
      if (file === 'none' || !file.includes(':')) continue;
      storages.add(file.slice(0, file.indexOf(':')));
    } else if (/^net\d+$/.test(key)) {
      const bridge = /(?:^|,)bridge=([^,]+)/.exec(value)?.[1];
      if (bridge) bridges.add(bridge);
    }
  }
  return { storages: [...storages].sort(), bridges: [...bridges].sort(), ...(typeof conf.lock === 'string' ? { lock: conf.lock } : {}) };
}

/** What the app learned about a cross-cluster target (all optional parts missing when it could not be read). */
export interface RemoteTargetFacts {
  node: string;
  vm: Pick<VmRecord, 'name' | 'haManaged'> & { vmid: number };
  /** The workspace cluster holding the node, its index and `proxmox.clusters[N].api`. */
  targetCluster: string;
  field: string;
  /** What is missing from the target's api block (no block, no token), in the admin's words; blocks alone. */
  apiProblem?: string;
  /** Reading the target cluster failed (certificate, token refused, unreachable). */
  readError?: string;
  /** The node that answers the target endpoint: remote_migrate lands the VM there. */
  landingNode?: string;
  targetStorages: string[];
  targetBridges: string[];
  usedVmids: number[];
  source: { storages: string[]; bridges: string[]; lock?: string };
}

/** Smallest VMID ≥ `from` that the target cluster does not use. */
export function freeVmid(from: number, used: number[]): number {
  const taken = new Set(used);
  let id = Math.max(100, from);
  while (taken.has(id)) id++;
  return id;
}

/** One cross-cluster target → a verdict with reasons in the admin's words (what Proxmox would refuse, said first). */
export function remoteTargetFrom(facts: RemoteTargetFacts, choices: Omit<ProxmoxMigrationChoices, 'stack'> = {}): MigrationTarget {
  const reasons: string[] = [];
  const { node, vm, targetCluster } = facts;
  const suggestedVmid = freeVmid(vm.vmid, facts.usedVmids);
  const remote = {
    cluster: targetCluster,
    sourceStorages: facts.source.storages,
    sourceBridges: facts.source.bridges,
    targetBridges: facts.targetBridges,
    suggestedVmid,
    usedVmids: facts.usedVmids,
  };
  const verdict = (r: string[]): MigrationTarget => ({ node, allowed: r.length === 0, reasons: r, kind: 'remote', details: { stack: 'proxmox', localDisks: [], targetStorages: facts.targetStorages, remote } });
  if (facts.apiProblem) return verdict([facts.apiProblem]);
  if (vm.haManaged) reasons.push(`${vm.name} is HA-managed, and Proxmox refuses to move an HA-managed VM to another cluster: remove vm:${vm.vmid} from HA (Datacenter → HA) first`);
  if (facts.source.lock) reasons.push(`${vm.name} is locked (${facts.source.lock})${facts.source.lock === 'migrate' ? ': it may be the stopped copy a cross-cluster move left behind' : ''}; unlock it (qm unlock ${vm.vmid}) only if you mean to use it`);
  if (facts.readError) return verdict([...reasons, `cannot read cluster '${targetCluster}': ${facts.readError}`]);
  if (facts.landingNode && facts.landingNode !== node) {
    reasons.push(`Proxmox's remote migration places the VM on the node that answers the target endpoint, which is ${facts.landingNode}, not ${node}: drop it onto ${facts.landingNode}, or point ${facts.field}.endpoint at ${node}`);
  }
  for (const s of facts.source.storages) {
    const to = choices.storageMap?.[s];
    if (!to) reasons.push(`disks on storage ${s} need a storage on ${node}: choose one of ${facts.targetStorages.join(', ') || '(none)'}`);
    else if (!facts.targetStorages.includes(to)) reasons.push(`storage ${to} (chosen for ${s}) does not exist on ${node} in cluster '${targetCluster}': choose one of ${facts.targetStorages.join(', ') || '(none)'}`);
  }
  for (const b of facts.source.bridges) {
    const to = choices.bridgeMap?.[b];
    if (!to) reasons.push(`network bridge ${b} needs a bridge on ${node}: choose one of ${facts.targetBridges.join(', ') || '(none)'}`);
    else if (!facts.targetBridges.includes(to)) reasons.push(`bridge ${to} (chosen for ${b}) does not exist on ${node}: choose one of ${facts.targetBridges.join(', ') || '(none)'}`);
  }
  const vmid = choices.targetVmid ?? vm.vmid;
  if (facts.usedVmids.includes(vmid)) reasons.push(`VMID ${vmid} is already used in cluster '${targetCluster}': choose another target VMID (${suggestedVmid} is free)`);
  return verdict(reasons);
}

// ------------------------------------------------------------------------------------------
// Reading the cluster

export { parseEndpoint } from './cluster-api.js';

/** The workspace Proxmox cluster (other than `except`) that lists `node` as a member. */
export function clusterOfNode(workspace: Workspace, node: string, except: string): string | undefined {
  return (workspace.proxmox?.clusters ?? []).find((c) => c.name !== except && c.nodes.includes(node))?.name;
}

export function resources(client: PveClient, type?: 'vm' | 'storage'): Promise<PveResource[]> {
  return client.get<PveResource[]>('/cluster/resources', type ? { type } : {});
}

/**
 * The HA manager's services. Undefined when the account may not read the HA status (it needs Sys.Audit on /)
 * or the node does not serve it: callers then use the `hastate` of /cluster/resources.
 */
export async function haServices(client: PveClient): Promise<Map<number, HaService> | undefined> {
  try {
    return haServicesFromStatus(await client.get<PveHaStatusEntry[]>('/cluster/ha/status/current'));
  } catch (err) {
    if (isCwError(err) && (err.code === 'FORBIDDEN' || err.code === 'UNSUPPORTED' || err.code === 'NOT_FOUND')) return undefined;
    throw err;
  }
}

/** The cluster's VMs as the canvas shows them: resources and the HA manager's view, two reads. */
export async function clusterVms(client: PveClient, cluster: string): Promise<VmRecord[]> {
  const [vms, ha] = await Promise.all([resources(client, 'vm'), haServices(client)]);
  return vmRecordsFromResources(cluster, vms, ha);
}

/** The canvas's VMs per Proxmox cluster with an api block; one VM found by its id reads only its own cluster. */
export function createProxmoxInventory(options: ProxmoxInventoryOptions): StackInventory {
  const api = options.api ?? createProxmoxApi(options);
  return {
    clusters(workspace: Workspace): string[] {
      return (workspace.proxmox?.clusters ?? []).filter((c) => c.api).map((c) => c.name);
    },

    async list(workspace: Workspace, cluster: string, signal: AbortSignal): Promise<VmRecord[]> {
      const target = api.resolve(workspace, cluster);
      if (signal.aborted) throw new CwError('CANCELLED', `Reading the VMs of Proxmox cluster '${cluster}' was cancelled.`);
      return api.inContext(target, () => clusterVms(api.client(target), cluster));
    },

    async find(workspace: Workspace, vmId: string, signal: AbortSignal): Promise<VmRecord | undefined> {
      const m = /^proxmox:(.+):(\d+)$/.exec(vmId);
      if (!m) throw new CwError('INVALID_INPUT', `'${vmId}' is not a Proxmox VM id (expected proxmox:<cluster>:<vmid>).`);
      const cluster = m[1]!;
      if (!(workspace.proxmox?.clusters ?? []).some((c) => c.name === cluster && c.api)) return undefined;
      return (await this.list(workspace, cluster, signal)).find((v) => v.id === vmId);
    },
  };
}
