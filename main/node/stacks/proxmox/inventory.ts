// Proxmox VE's inventory for the canvas: VMs per node from /cluster/resources, the migration precheck
// behind drag-to-migrate (GET …/migrate) and the move itself (plain or HA path), through one API client per cluster.
import { CwError, isCwError } from '../../../common/errors.js';
import type { MigrationTarget, VmRecord } from '../../../common/contract/inventory.js';
import type { Workspace } from '../../../common/workspace/schema.js';
import type { SecretStore } from '../../secrets/store.js';
import type { InventoryProvider, MigrationJob, MigrationRequest } from '../inventory.js';
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
 * the cluster is the truth, and the canvas ignores nodes it does not draw.
 */
export function vmRecordsFromResources(cluster: string, resources: PveResource[]): VmRecord[] {
  const out: VmRecord[] = [];
  for (const r of resources) {
    if (r.type !== 'qemu' || r.vmid === undefined || !r.node) continue;
    if (r.template === 1 || r.template === true) continue;
    out.push({
      id: proxmoxVmId(cluster, r.vmid),
      stack: 'proxmox',
      cluster,
      node: r.node,
      name: r.name ?? `VM ${r.vmid}`,
      status: vmStatus(r),
      ...(r.maxmem !== undefined ? { memoryMiB: Math.round(r.maxmem / 1024 ** 2) } : {}),
      ...(r.maxcpu !== undefined ? { cpus: r.maxcpu } : {}),
      // `ignored` is PVE's "HA leaves this one alone": it moves through the plain path.
      haManaged: r.hastate !== undefined && r.hastate !== 'ignored',
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
      return { ...base, allowed: false, kind: 'remote', localDisks: [], targetStorages: [], reasons: [`${node} is not a member of Proxmox cluster '${ctx.cluster}': moving a VM between clusters needs a remote migration, which Clusterwright cannot do yet.`] };
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
// The provider

export { parseEndpoint } from './cluster-api.js';

export function createProxmoxInventory(options: ProxmoxInventoryOptions): InventoryProvider {
  const pollMs = options.pollMs ?? 500;
  const api = options.api ?? createProxmoxApi(options);
  const resolveApi = api.resolve;
  const clientFor = api.client;
  const inContext = api.inContext;


  const resources = (client: PveClient, type: 'vm' | 'storage') => client.get<PveResource[]>('/cluster/resources', { type });

  const precheckAnswer = (client: PveClient, vm: VmRecord, target?: string) =>
    client.get<PveMigratePrecheck>(`/nodes/${encodeURIComponent(vm.node)}/qemu/${vmidOf(vm)}/migrate`, target ? { target } : {});

  const sleep = (ms: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms);
      signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
    });

  const provider = {
    stack: 'proxmox' as const,

    clusters(workspace: Workspace): string[] {
      return (workspace.proxmox?.clusters ?? []).filter((c) => c.api).map((c) => c.name);
    },

    async list(workspace: Workspace, cluster: string, signal: AbortSignal): Promise<VmRecord[]> {
      const api = resolveApi(workspace, cluster);
      if (signal.aborted) throw new CwError('CANCELLED', `Reading the VMs of Proxmox cluster '${cluster}' was cancelled.`);
      return inContext(api, async () => vmRecordsFromResources(cluster, await resources(clientFor(api), 'vm')));
    },

    async migratePrecheck(workspace: Workspace, vm: VmRecord, targets: string[], signal: AbortSignal, choices: { targetStorage?: string } = {}): Promise<MigrationTarget[]> {
      const api = resolveApi(workspace, vm.cluster);
      if (signal.aborted) throw new CwError('CANCELLED', `The migration precheck for ${vm.name} was cancelled.`);
      return inContext(api, async () => {
        const client = clientFor(api);
        const members = api.cluster.nodes;
        const inCluster = targets.filter((t) => members.includes(t));
        // One node asked: PVE checks that target's storages too; several: one answer covers them all.
        const answer = inCluster.length ? await precheckAnswer(client, vm, inCluster.length === 1 ? inCluster[0] : undefined) : { running: 0, local_disks: [], local_resources: [] };
        const storages = imageStoragesByNode(inCluster.length ? await resources(client, 'storage') : []);
        return migrationTargetsFrom(answer, targets, { cluster: vm.cluster, members, source: vm.node, storages, ...(choices.targetStorage ? { targetStorage: choices.targetStorage } : {}) });
      });
    },

    async migrate(workspace: Workspace, vm: VmRecord, request: MigrationRequest, job: MigrationJob, signal: AbortSignal): Promise<{ status: 'succeeded' | 'failed' | 'cancelled'; message: string }> {
      const api = resolveApi(workspace, vm.cluster);
      const client = clientFor(api);
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
          // The HA manager works asynchronously: watch where the VM runs until it is on the target.
          let lastSeen = '';
          for (;;) {
            if (signal.aborted) return { status: 'cancelled', message: `Stopped watching the HA move of ${what}; the HA stack may still complete it.` };
            const now = (await inContext(api, () => resources(client, 'vm'))).find((r) => r.type === 'qemu' && r.vmid === vmid);
            const seen = now ? `${now.node} ${now.status ?? ''}${now.hastate ? ` (HA ${now.hastate})` : ''}` : 'not listed';
            if (seen !== lastSeen) job.log(`vm:${vmid} is on ${seen}`, 'info');
            lastSeen = seen;
            if (now?.node === request.target && now.lock !== 'migrate') return { status: 'succeeded', message: `Moved ${what} through the HA stack in ${elapsed()}.` };
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
