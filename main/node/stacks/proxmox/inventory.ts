// Proxmox VE's inventory for the canvas: VMs per node from /cluster/resources with their HA state from the HA
// manager's status (/cluster/ha/status/current), the migration precheck
// behind drag-to-migrate (GET …/migrate) and the move itself (plain, HA, or to another cluster with remote_migrate),
// through one API client per cluster.
import { sleepUnlessAborted } from '../../abort.js';
import { CwError, isCwError } from '../../../common/errors.js';
import type { MigrationTarget, VmRecord } from '../../../common/contract/inventory.js';
import type { Workspace } from '../../../common/workspace/schema.js';
import type { SecretStore } from '../../secrets/store.js';
import type { InventoryProvider, MigrationChoices, MigrationJob, MigrationRequest } from '../inventory.js';
import type { PveApiSchema } from './api-schema.js';
import { normalizeFingerprint, type PveClient } from './client.js';
import { createProxmoxApi, type ClusterApi, type ProxmoxApi } from './cluster-api.js';

export interface ProxmoxInventoryOptions {
  /** Where `api.passwordSecret` / `api.tokenSecret` ids are looked up, at the moment of use. */
  secrets: Pick<SecretStore, 'get'>;
  /**
   * The official API schema: when given, every request is validated before it is sent (the tests pass it).
   * Optional because its file lives under test/fixtures and may be absent from a packaged app.
   */
  schema?: PveApiSchema;
  /** Poll interval for task status and HA moves (ms). */
  pollMs?: number;
  /** How long a move may take before the app stops waiting (ms); the node keeps working on it. */
  migrateTimeoutMs?: number;
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
    const base = { node, localDisks: localDisks.map(({ cdrom: _cdrom, ...d }) => d), targetStorages };
    if (!ctx.members.includes(node)) {
      return { ...base, allowed: false, kind: 'remote', localDisks: [], targetStorages: [], reasons: [`${node} is not a member of Proxmox cluster '${ctx.cluster}' nor of another Proxmox cluster in the workspace: add it to proxmox.clusters[] to move VMs there.`] };
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
export function remoteTargetFrom(facts: RemoteTargetFacts, choices: MigrationChoices = {}): MigrationTarget {
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
  const verdict = (r: string[]): MigrationTarget => ({ node, allowed: r.length === 0, reasons: r, kind: 'remote', localDisks: [], targetStorages: facts.targetStorages, remote });
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
// The provider

export { parseEndpoint } from './cluster-api.js';

/** The workspace Proxmox cluster (other than `except`) that lists `node` as a member. */
function clusterOfNode(workspace: Workspace, node: string, except: string): string | undefined {
  return (workspace.proxmox?.clusters ?? []).find((c) => c.name !== except && c.nodes.includes(node))?.name;
}

export function createProxmoxInventory(options: ProxmoxInventoryOptions): InventoryProvider {
  const pollMs = options.pollMs ?? 500;
  const api = options.api ?? createProxmoxApi(options);
  const resolveApi = api.resolve;
  const clientFor = api.client;
  const inContext = api.inContext;


  const resources = (client: PveClient, type: 'vm' | 'storage') => client.get<PveResource[]>('/cluster/resources', { type });

  /**
   * The HA manager's services. Undefined when the account may not read the HA status (it needs Sys.Audit on /)
   * or the node does not serve it: callers then use the `hastate` of /cluster/resources.
   */
  const haServices = async (client: PveClient): Promise<Map<number, HaService> | undefined> => {
    try {
      return haServicesFromStatus(await client.get<PveHaStatusEntry[]>('/cluster/ha/status/current'));
    } catch (err) {
      if (isCwError(err) && (err.code === 'FORBIDDEN' || err.code === 'UNSUPPORTED' || err.code === 'NOT_FOUND')) return undefined;
      throw err;
    }
  };

  /** Where the HA manager has a VM and in which state; from /cluster/resources (node, hastate, a migrate lock) when its status cannot be read. */
  const haPlace = async (client: PveClient, vmid: number): Promise<{ node: string; state: string } | undefined> => {
    const ha = await haServices(client);
    if (ha) return ha.get(vmid);
    const r = (await resources(client, 'vm')).find((x) => x.type === 'qemu' && x.vmid === vmid);
    return r?.node ? { node: r.node, state: r.lock === 'migrate' ? 'migrate' : (r.hastate ?? 'unknown') } : undefined;
  };

  const precheckAnswer = (client: PveClient, vm: VmRecord, target?: string) =>
    client.get<PveMigratePrecheck>(`/nodes/${encodeURIComponent(vm.node)}/qemu/${vmidOf(vm)}/migrate`, target ? { target } : {});

  // Each poll of an HA move waits here: its abort listener goes when the wait ends (it used to stay until the move ended, one per poll).
  const sleep = sleepUnlessAborted;

  /** The source VM's storages, bridges and lock, from its configuration. */
  const sourceResources = (api: ClusterApi, vm: VmRecord) =>
    inContext(api, async () => vmResourcesFromConfig(await clientFor(api).get<Record<string, unknown>>(`/nodes/${encodeURIComponent(vm.node)}/qemu/${vmidOf(vm)}/config`)));

  /** Reads what a cross-cluster move to `node` needs to know about its cluster; problems become facts, not throws. */
  const readRemote = async (workspace: Workspace, clusterName: string, node: string): Promise<Pick<RemoteTargetFacts, 'field' | 'apiProblem' | 'readError' | 'landingNode' | 'targetStorages' | 'targetBridges' | 'usedVmids'> & { api?: ClusterApi }> => {
    const list = workspace.proxmox?.clusters ?? [];
    const index = list.findIndex((c) => c.name === clusterName);
    const field = `proxmox.clusters[${index}].api`;
    const empty = { field, targetStorages: [], targetBridges: [], usedVmids: [] };
    const block = list[index]?.api;
    if (!block) return { ...empty, apiProblem: `Proxmox cluster '${clusterName}' (of ${node}) has no api block: add ${field} with endpoint, fingerprint, tokenId and tokenSecret; Proxmox's remote migration logs in to the target cluster with an API token.` };
    if (!block.tokenId || !block.tokenSecret) {
      return {
        ...empty,
        apiProblem: `Moving a VM to cluster '${clusterName}' needs an API token for that cluster: Proxmox's remote migration logs in to the target with a token, never a password. Create one on '${clusterName}' (Datacenter → Permissions → API Tokens, with VM.Allocate, Datastore.AllocateSpace, Sys.Audit and Sys.Incoming), store its secret with secrets.put, and set ${field}.tokenId (USER@REALM!NAME) and ${field}.tokenSecret (the secret's id).`,
      };
    }
    if (!block.fingerprint) return { ...empty, apiProblem: `Set ${field}.fingerprint to the certificate fingerprint of cluster '${clusterName}''s endpoint: the API token is only sent to a pinned certificate.` };
    try {
      const tapi = resolveApi(workspace, clusterName);
      return await inContext(tapi, async () => {
        const client = clientFor(tapi);
        const status = await client.get<{ type: string; name: string; local?: number | boolean }[]>('/cluster/status');
        const landingNode = status.find((e) => e.type === 'node' && flag(e.local as number | boolean | undefined))?.name;
        const all = await client.get<PveResource[]>('/cluster/resources');
        const networks = await client.get<{ iface: string; type: string }[]>(`/nodes/${encodeURIComponent(node)}/network`, { type: 'any_bridge' });
        return {
          field,
          api: tapi,
          ...(landingNode ? { landingNode } : {}),
          targetStorages: imageStoragesByNode(all).get(node) ?? [],
          targetBridges: networks.map((n) => n.iface).sort(),
          usedVmids: all.filter((r) => r.vmid !== undefined && (r.type === 'qemu' || r.type === 'lxc')).map((r) => r.vmid!).sort((a, b) => a - b),
        };
      });
    } catch (err) {
      return { ...empty, readError: (err as Error).message };
    }
  };

  /** Verdicts for nodes of other workspace clusters (kind 'remote'). */
  const remoteTargets = async (workspace: Workspace, api: ClusterApi, vm: VmRecord, nodes: string[], choices: MigrationChoices): Promise<MigrationTarget[]> => {
    const source = await sourceResources(api, vm);
    const out: MigrationTarget[] = [];
    for (const node of nodes) {
      const clusterName = clusterOfNode(workspace, node, vm.cluster)!;
      const facts = await readRemote(workspace, clusterName, node);
      out.push(remoteTargetFrom({ ...facts, node, targetCluster: clusterName, vm: { name: vm.name, haManaged: vm.haManaged ?? false, vmid: vmidOf(vm) }, source }, choices));
    }
    return out;
  };

  /** A move to another cluster: POST …/remote_migrate on the source with the endpoint built here (token secret inside). */
  const migrateRemote = async (workspace: Workspace, api: ClusterApi, vm: VmRecord, request: MigrationRequest, job: MigrationJob, signal: AbortSignal): Promise<{ status: 'succeeded' | 'failed' | 'cancelled'; message: string; changedClusters?: string[] }> => {
    const client = clientFor(api);
    const vmid = vmidOf(vm);
    const targetVmid = request.targetVmid ?? vmid;
    const clusterName = clusterOfNode(workspace, request.target, vm.cluster);
    const what = `VM ${vm.name} (${vmid}) from ${vm.node} (cluster ${vm.cluster}) to ${request.target}${clusterName ? ` (cluster ${clusterName})` : ''}`;
    if (!clusterName) return { status: 'failed', message: `Cannot move ${what}: ${request.target} is in no Proxmox cluster of the workspace.` };
    const started = Date.now();
    const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
    const remote = await readRemote(workspace, clusterName, request.target);
    if (remote.apiProblem || remote.readError || !remote.api) return { status: 'failed', message: `Cannot move ${what}: ${remote.apiProblem ?? remote.readError}` };
    const tapi = remote.api;
    if (tapi.credentials.kind !== 'token') return { status: 'failed', message: `Cannot move ${what}: ${remote.field} must use an API token (tokenId, tokenSecret).` };
    const reveal = tapi.credentials.secret;
    // The token secret is looked up here, at the moment of use, and leaves this function only inside the request body.
    const secret = await inContext(tapi, async () => (typeof reveal === 'function' ? await reveal() : reveal));
    const scrub = (text: string): string => redactEndpoint(secret.length >= 4 ? text.split(secret).join('***') : text);
    const endpoint = remoteEndpointText({ tokenId: tapi.credentials.tokenId, secret, host: tapi.endpoint.host, port: tapi.endpoint.port, fingerprint: normalizeFingerprint(tapi.endpoint.fingerprint!) });
    const storageMap = formatIdMap(request.storageMap ?? {}) || remote.targetStorages[0] || 'local';
    const bridgeMap = formatIdMap(request.bridgeMap ?? {}) || remote.targetBridges[0] || 'vmbr0';
    const deadline = started + (options.migrateTimeoutMs ?? 30 * 60_000);
    job.log(
      `Asking ${vm.node} (via ${client.where}) to move VM ${vmid} to cluster '${clusterName}' as VMID ${targetVmid}${request.online ? ' online' : ''}: remote_migrate with target-endpoint ${redactEndpoint(endpoint)}, target-storage ${storageMap}, target-bridge ${bridgeMap}${request.deleteSource ? ', delete the source afterwards' : ', keep the source stopped'}`,
      'info',
    );
    let upid: string;
    try {
      upid = await client.post<string>(`/nodes/${encodeURIComponent(vm.node)}/qemu/${vmid}/remote_migrate`, {
        'target-endpoint': endpoint,
        'target-storage': storageMap,
        'target-bridge': bridgeMap,
        ...(targetVmid !== vmid ? { 'target-vmid': targetVmid } : {}),
        ...(request.online ? { online: true } : {}),
        ...(request.deleteSource ? { delete: true } : {}),
      });
    } catch (err) {
      return { status: 'failed', message: scrub(`Proxmox on ${vm.node} refused to move ${what}: ${(err as Error).message}`) };
    }
    const lines: string[] = [];
    try {
      await inContext(api, () =>
        client.followTask(upid, {
          onLog: (line) => {
            const clean = scrub(line);
            lines.push(clean);
            job.log(clean, 'stdout');
          },
          pollMs,
          timeoutMs: deadline - Date.now(),
          signal,
        }),
      );
    } catch (err) {
      if (isCwError(err) && err.code === 'CANCELLED') {
        await client.delete(`/nodes/${encodeURIComponent(vm.node)}/tasks/${encodeURIComponent(upid)}`).catch(() => undefined);
        return { status: 'cancelled', message: `Asked ${vm.node} to stop moving ${what}; check its task log and the target cluster for a half-created VM ${targetVmid}.` };
      }
      const cause = [...lines].reverse().find((l) => /ERROR: /.test(l))?.replace(/^.*?ERROR: /, '') ?? scrub((err as Error).message);
      return { status: 'failed', message: `Moving ${what} failed on ${vm.node}: ${cause}`, changedClusters: [clusterName] };
    }
    const source = request.deleteSource
      ? 'the source VM was removed'
      : `the source VM stays on ${vm.node}, stopped and locked (migrate): remove it once the copy runs (qm destroy ${vmid} --skiplock), or unlock it (qm unlock ${vmid}) to use it again`;
    return { status: 'succeeded', message: `Moved ${what} as VMID ${targetVmid} in ${elapsed()}; ${source}.`, changedClusters: [clusterName] };
  };

  const provider = {
    stack: 'proxmox' as const,

    clusters(workspace: Workspace): string[] {
      return (workspace.proxmox?.clusters ?? []).filter((c) => c.api).map((c) => c.name);
    },

    async list(workspace: Workspace, cluster: string, signal: AbortSignal): Promise<VmRecord[]> {
      const api = resolveApi(workspace, cluster);
      if (signal.aborted) throw new CwError('CANCELLED', `Reading the VMs of Proxmox cluster '${cluster}' was cancelled.`);
      return inContext(api, async () => {
        const client = clientFor(api);
        const [vms, ha] = await Promise.all([resources(client, 'vm'), haServices(client)]);
        return vmRecordsFromResources(cluster, vms, ha);
      });
    },

    async migratePrecheck(workspace: Workspace, vm: VmRecord, targets: string[], signal: AbortSignal, choices: MigrationChoices = {}): Promise<MigrationTarget[]> {
      const api = resolveApi(workspace, vm.cluster);
      if (signal.aborted) throw new CwError('CANCELLED', `The migration precheck for ${vm.name} was cancelled.`);
      const members = api.cluster.nodes;
      // Nodes of another workspace Proxmox cluster are cross-cluster targets; the rest go through GET …/migrate.
      const elsewhere = targets.filter((t) => !members.includes(t) && clusterOfNode(workspace, t, vm.cluster));
      const local = await inContext(api, async () => {
        const client = clientFor(api);
        const asked = targets.filter((t) => !elsewhere.includes(t));
        const inCluster = asked.filter((t) => members.includes(t));
        if (!asked.length) return [];
        // One node asked: PVE checks that target's storages too; several: one answer covers them all.
        const answer = inCluster.length ? await precheckAnswer(client, vm, inCluster.length === 1 ? inCluster[0] : undefined) : { running: 0, local_disks: [], local_resources: [] };
        const storages = imageStoragesByNode(inCluster.length ? await resources(client, 'storage') : []);
        return migrationTargetsFrom(answer, asked, { cluster: vm.cluster, members, source: vm.node, storages, ...(choices.targetStorage ? { targetStorage: choices.targetStorage } : {}) });
      });
      const remote = elsewhere.length ? await remoteTargets(workspace, api, vm, elsewhere, choices) : [];
      const all = [...local, ...remote];
      return targets.map((t) => all.find((v) => v.node === t)!).filter(Boolean);
    },

    async migrate(workspace: Workspace, vm: VmRecord, request: MigrationRequest, job: MigrationJob, signal: AbortSignal): Promise<{ status: 'succeeded' | 'failed' | 'cancelled'; message: string; changedClusters?: string[] }> {
      const api = resolveApi(workspace, vm.cluster);
      const client = clientFor(api);
      if (!api.cluster.nodes.includes(request.target)) return migrateRemote(workspace, api, vm, request, job, signal);
      const vmid = vmidOf(vm);
      const what = `VM ${vm.name} (${vmid}) from ${vm.node} to ${request.target}`;
      const started = Date.now();
      const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
      const deadline = started + (options.migrateTimeoutMs ?? 30 * 60_000);
      try {
        if (vm.haManaged) {
          if (request.targetStorage) return { status: 'failed', message: `Cannot move ${what} with a target storage: it is managed by HA, and the HA stack moves it only with its disks where they are. Remove it from HA first or leave the storage as it is.` };
          job.log(`${vm.name} is HA-managed: asking the HA stack on cluster '${vm.cluster}' (via ${client.where}) to migrate vm:${vmid} to ${request.target}`, 'info');
          const answer = await inContext(api, () => client.post<{ sid: string; 'requested-node': string; 'blocking-resources'?: { sid: string; cause?: string }[] }>(`/cluster/ha/resources/${encodeURIComponent(`vm:${vmid}`)}/migrate`, { node: request.target }));
          if (answer['blocking-resources']?.length) {
            return { status: 'failed', message: `The HA stack refused to move ${what}: blocked by ${answer['blocking-resources'].map((b) => `${b.sid}${b.cause ? ` (${b.cause})` : ''}`).join(', ')}. Change the HA rules or move those resources first.` };
          }
          // The HA manager works asynchronously: watch its status until it has the VM on the target and no longer moving.
          let lastSeen = '';
          let moving = false;
          for (;;) {
            if (signal.aborted) return { status: 'cancelled', message: `Stopped watching the HA move of ${what}; the HA stack may still complete it.` };
            const now = await inContext(api, () => haPlace(client, vmid));
            const seen = now ? `${now.node} (HA ${now.state})` : 'not listed';
            if (seen !== lastSeen) job.log(`vm:${vmid} is on ${seen}`, 'info');
            lastSeen = seen;
            const inMotion = now?.state === 'migrate' || now?.state === 'relocate';
            moving ||= inMotion;
            if (now?.node === request.target && !inMotion) return { status: 'succeeded', message: `Moved ${what} through the HA stack in ${elapsed()}.` };
            if (now?.state === 'error') return { status: 'failed', message: `The HA stack put vm:${vmid} into the error state on ${now.node} while moving ${what}: read the HA log on ${now.node} (journalctl -u pve-ha-lrm), then clear the error (ha-manager set vm:${vmid} --state disabled, then started).` };
            if (moving && !inMotion && now?.node !== request.target) return { status: 'failed', message: `The HA stack gave up moving ${what}: vm:${vmid} is back on ${now?.node ?? 'no node'} (HA ${now?.state ?? 'not listed'}). Read the migration task log on ${vm.node}.` };
            if (Date.now() > deadline) return { status: 'failed', message: `The HA stack has not moved ${what} after ${elapsed()}: check the HA status (ha-manager status) on the cluster.` };
            await sleep(pollMs, signal);
          }
        }
        const pre = await inContext(api, () => precheckAnswer(client, vm, request.target));
        const withLocalDisks = pre.local_disks.some((d) => !flag(d.cdrom));
        job.log(`Asking ${vm.node} (via ${client.where}) to migrate VM ${vmid} to ${request.target}${request.online ? ' online' : ''}${withLocalDisks ? `, with local disks${request.targetStorage ? ` to ${request.targetStorage}` : ''}` : ''}`, 'info');
        let upid: string;
        try {
          upid = await inContext(api, () =>
            client.post<string>(`/nodes/${encodeURIComponent(vm.node)}/qemu/${vmid}/migrate`, {
              target: request.target,
              ...(request.online ? { online: true } : {}),
              ...(withLocalDisks ? { 'with-local-disks': true } : {}),
              ...(withLocalDisks && request.targetStorage ? { targetstorage: request.targetStorage } : {}),
            }),
          );
        } catch (err) {
          return { status: 'failed', message: `Proxmox refused to move ${what}: ${(err as Error).message}` };
        }
        try {
          await inContext(api, () => client.followTask(upid, { onLog: (line) => job.log(line, 'stdout'), pollMs, timeoutMs: deadline - Date.now(), signal }));
        } catch (err) {
          if (isCwError(err) && err.code === 'CANCELLED') {
            // Ask the node to stop the task; before the switch-over PVE rolls the move back.
            await client.delete(`/nodes/${encodeURIComponent(vm.node)}/tasks/${encodeURIComponent(upid)}`).catch(() => undefined);
            return { status: 'cancelled', message: `Asked ${vm.node} to stop moving ${what}; check its task log: past the switch-over the move completes anyway.` };
          }
          const exit = isCwError(err) && typeof err.detail === 'object' && err.detail && 'exitstatus' in err.detail ? String((err.detail as { exitstatus?: unknown }).exitstatus) : (err as Error).message;
          return { status: 'failed', message: `Moving ${what} failed on ${vm.node}: ${exit}. The task log above says why.` };
        }
        return { status: 'succeeded', message: `Moved ${what}${request.online && flag(pre.running) ? ' live' : ''} in ${elapsed()}.` };
      } catch (err) {
        if (signal.aborted) return { status: 'cancelled', message: `Moving ${what} was cancelled.` };
        return { status: 'failed', message: `Moving ${what} failed: ${(err as Error).message}` };
      }
    },
  } satisfies InventoryProvider;
  return provider;
}
