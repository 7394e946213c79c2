// Moving a Proxmox VM: the precheck behind drag-to-migrate (GET …/migrate; for a node of another workspace
// cluster, what remote_migrate needs), the move as a plan for the engine (one `move` step whose precheck and
// verify ask where the VM is; for another cluster, the source's deletion as a destructive step approved with
// the plan), and the executor of those operations: plain and HA migrations and remote_migrate, each task
// followed with its log streamed, stopped on cancel, and never started twice — a migration already running for
// the VM (after a crash or a lost connection) is followed instead of starting another.
import * as z from 'zod';
import { sleepUnlessAborted } from '../../abort.js';
import type { MigrationChoices, MigrationTarget, VmRecord } from '../../../common/contract/inventory.js';
import { CwError, isCwError } from '../../../common/errors.js';
import type { PlanInput, PlanNode, StackCall } from '../../../common/plan/schema.js';
import type { ProxmoxMigrationChoices } from '../../../common/stacks/proxmox/contract.js';
import { checkPveNodeName, checkPveStorageId } from '../../../common/stacks/proxmox/names.js';
import type { Workspace } from '../../../common/workspace/schema.js';
import type { StackExecutor, StackOpContext } from '../../engine/stack-ops.js';
import type { MovePlan, MoveRequest, StackMigration, StackWorkspaces } from '../types.js';
import { normalizeFingerprint, type PveClient } from './client.js';
import type { ClusterApi, ProxmoxApi } from './cluster-api.js';
import {
  clusterOfNode,
  formatIdMap,
  haServices,
  imageStoragesByNode,
  migrationTargetsFrom,
  redactEndpoint,
  remoteEndpointText,
  remoteTargetFrom,
  resources,
  vmidOf,
  vmResourcesFromConfig,
  type PveMigratePrecheck,
  type RemoteTargetFacts,
} from './inventory.js';

export interface ProxmoxMovesOptions {
  /** The clients (shared with the inventory and the proxmox.* methods). */
  api: ProxmoxApi;
  /** The open workspace: the executor resolves a cluster's API from it at the moment a step runs. */
  workspaces: StackWorkspaces;
  /** Poll interval for task status and HA moves (ms). */
  pollMs?: number;
  /** How long a move may take before the app stops waiting (ms); the node keeps working on it. */
  migrateTimeoutMs?: number;
}

const STACK = 'proxmox';

function flag(v: boolean | number | undefined): boolean {
  return v === true || v === 1;
}

function proxmoxChoices(choices: MigrationChoices | undefined): Omit<ProxmoxMigrationChoices, 'stack'> {
  if (!choices) return {};
  if (choices.stack !== STACK) throw new CwError('INVALID_INPUT', `These are choices for a ${choices.stack} move; this VM is on Proxmox VE.`);
  const { stack: _stack, ...rest } = choices;
  return rest;
}

// ------------------------------------------------------------------------------------------
// Operation arguments: a plan file is input like any other, so each operation checks its own.

const nodeName = z.string().refine((v) => checkPveNodeName(v) === undefined, 'a Proxmox node name');
const storageId = z.string().refine((v) => checkPveStorageId(v) === undefined, 'a Proxmox storage id');
const pairId = z.string().regex(/^[A-Za-z0-9][-_.A-Za-z0-9]*$/, 'a Proxmox storage or bridge id');
const vmidArg = z.number().int().min(100).max(999_999_999);
const clusterArg = z.string().min(1);

const argSchemas = {
  migrate: z
    .object({ cluster: clusterArg, vmid: vmidArg, name: z.string(), source: nodeName, target: nodeName, online: z.boolean(), withLocalDisks: z.boolean().default(false), targetStorage: storageId.optional(), ha: z.boolean().default(false) })
    .strict(),
  'remote-migrate': z
    .object({
      cluster: clusterArg,
      vmid: vmidArg,
      name: z.string(),
      source: nodeName,
      target: nodeName,
      targetCluster: clusterArg,
      targetVmid: vmidArg,
      online: z.boolean(),
      storageMap: z.record(pairId, pairId).default({}),
      bridgeMap: z.record(pairId, pairId).default({}),
    })
    .strict(),
  destroy: z.object({ cluster: clusterArg, vmid: vmidArg, node: nodeName }).strict(),
  'vm-on': z.object({ cluster: clusterArg, vmid: vmidArg, node: nodeName, running: z.boolean().optional() }).strict(),
  'vm-absent': z.object({ cluster: clusterArg, vmid: vmidArg }).strict(),
};
type Op = keyof typeof argSchemas;
type Args<O extends Op> = z.output<(typeof argSchemas)[O]>;

function argsOf<O extends Op>(call: StackCall, op: O): Args<O> {
  const parsed = argSchemas[op].safeParse(call.args);
  if (!parsed.success) throw new CwError('INVALID_INPUT', `The ${op} operation of a Proxmox plan step has bad arguments: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`).join('; ')}.`);
  return parsed.data as Args<O>;
}

function opOf(call: StackCall): Op {
  if (!(call.op in argSchemas)) throw new CwError('INVALID_INPUT', `Proxmox VE has no plan operation "${call.op}" (known: ${Object.keys(argSchemas).join(', ')}).`);
  return call.op as Op;
}

const call = <O extends Op>(op: O, args: z.input<(typeof argSchemas)[O]>) => ({ kind: 'stack' as const, stack: STACK, op, args: args as Record<string, unknown> });

/** How to reach a node over SSH for an exported plan (the engine itself talks to the cluster's API). */
function planNodeOf(workspace: Workspace, name: string): PlanNode | undefined {
  const node = workspace.nodes.find((n) => n.name === name);
  const address = node?.ssh?.host ?? (node ? Object.values(node.addresses)[0] : undefined);
  if (!address) return undefined;
  return { address, port: node?.ssh?.port ?? 22, user: node?.ssh?.user ?? 'root' };
}

function planIdPart(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9._-]+/g, '-');
}

// ------------------------------------------------------------------------------------------

export function createProxmoxMoves(options: ProxmoxMovesOptions): { migration: StackMigration; executor: StackExecutor } {
  const { api } = options;
  const pollMs = options.pollMs ?? 500;
  const migrateTimeoutMs = options.migrateTimeoutMs ?? 30 * 60_000;
  const sleep = sleepUnlessAborted;

  const precheckAnswer = (client: PveClient, vm: VmRecord, target?: string) =>
    client.get<PveMigratePrecheck>(`/nodes/${encodeURIComponent(vm.node)}/qemu/${vmidOf(vm)}/migrate`, target ? { target } : {});

  /** The source VM's storages, bridges and lock, from its configuration. */
  const sourceResources = (cluster: ClusterApi, vm: VmRecord) =>
    api.inContext(cluster, async () => vmResourcesFromConfig(await api.client(cluster).get<Record<string, unknown>>(`/nodes/${encodeURIComponent(vm.node)}/qemu/${vmidOf(vm)}/config`)));

  /** What the workspace alone says is missing for a move into `clusterName` (no block, no token, no fingerprint). */
  const remoteApiProblem = (workspace: Workspace, clusterName: string, node: string): { field: string; problem?: string } => {
    const list = workspace.proxmox?.clusters ?? [];
    const index = list.findIndex((c) => c.name === clusterName);
    const field = `proxmox.clusters[${index}].api`;
    const block = list[index]?.api;
    if (!block) return { field, problem: `Proxmox cluster '${clusterName}' (of ${node}) has no api block: add ${field} with endpoint, fingerprint, tokenId and tokenSecret; Proxmox's remote migration logs in to the target cluster with an API token.` };
    if (!block.tokenId || !block.tokenSecret) {
      return {
        field,
        problem: `Moving a VM to cluster '${clusterName}' needs an API token for that cluster: Proxmox's remote migration logs in to the target with a token, never a password. Create one on '${clusterName}' (Datacenter → Permissions → API Tokens, with VM.Allocate, Datastore.AllocateSpace, Sys.Audit and Sys.Incoming), store its secret with secrets.put, and set ${field}.tokenId (USER@REALM!NAME) and ${field}.tokenSecret (the secret's id).`,
      };
    }
    if (!block.fingerprint) return { field, problem: `Set ${field}.fingerprint to the certificate fingerprint of cluster '${clusterName}''s endpoint: the API token is only sent to a pinned certificate.` };
    return { field };
  };

  /** Reads what a cross-cluster move to `node` needs to know about its cluster; problems become facts, not throws. */
  const readRemote = async (workspace: Workspace, clusterName: string, node: string): Promise<Pick<RemoteTargetFacts, 'field' | 'apiProblem' | 'readError' | 'landingNode' | 'targetStorages' | 'targetBridges' | 'usedVmids'>> => {
    const { field, problem } = remoteApiProblem(workspace, clusterName, node);
    const empty = { field, targetStorages: [], targetBridges: [], usedVmids: [] };
    if (problem) return { ...empty, apiProblem: problem };
    try {
      const target = api.resolve(workspace, clusterName);
      return await api.inContext(target, async () => {
        const client = api.client(target);
        const status = await client.get<{ type: string; name: string; local?: number | boolean }[]>('/cluster/status');
        const landingNode = status.find((e) => e.type === 'node' && flag(e.local as number | boolean | undefined))?.name;
        const all = await resources(client);
        const networks = await client.get<{ iface: string; type: string }[]>(`/nodes/${encodeURIComponent(node)}/network`, { type: 'any_bridge' });
        return {
          field,
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

  // ----------------------------------------------------------------------------------------
  // The precheck

  const migration: StackMigration = {
    async precheck(workspace, vm, targets, signal, { choices: raw, quick }): Promise<MigrationTarget[]> {
      const choices = proxmoxChoices(raw);
      const cluster = api.resolve(workspace, vm.cluster);
      if (signal.aborted) throw new CwError('CANCELLED', `The migration precheck for ${vm.name} was cancelled.`);
      const members = cluster.cluster.nodes;
      // Nodes of another workspace Proxmox cluster are cross-cluster targets; the rest go through GET …/migrate.
      const elsewhere = targets.filter((t) => !members.includes(t) && clusterOfNode(workspace, t, vm.cluster));
      const local = await api.inContext(cluster, async () => {
        const client = api.client(cluster);
        const asked = targets.filter((t) => !elsewhere.includes(t));
        const inCluster = asked.filter((t) => members.includes(t));
        if (!asked.length) return [];
        // One node asked: PVE checks that target's storages too; several: one answer covers them all.
        const answer = inCluster.length ? await precheckAnswer(client, vm, inCluster.length === 1 ? inCluster[0] : undefined) : { running: 0, local_disks: [], local_resources: [] };
        const storages = imageStoragesByNode(inCluster.length ? await resources(client, 'storage') : []);
        return migrationTargetsFrom(answer, asked, { cluster: vm.cluster, members, source: vm.node, storages, ...(choices.targetStorage ? { targetStorage: choices.targetStorage } : {}) });
      });
      const remote: MigrationTarget[] = [];
      if (elsewhere.length && quick) {
        // While a VM is dragged, other clusters are not read: their storages and bridges are chosen once it is dropped there.
        for (const node of elsewhere) {
          const clusterName = clusterOfNode(workspace, node, vm.cluster)!;
          const { problem } = remoteApiProblem(workspace, clusterName, node);
          remote.push({ node, allowed: false, kind: 'remote', reasons: [problem ?? `a move into cluster '${clusterName}': drop ${vm.name} on ${node} to choose where its disks and networks go there`], details: { stack: STACK, localDisks: [], targetStorages: [] } });
        }
      } else if (elsewhere.length) {
        const source = await sourceResources(cluster, vm);
        for (const node of elsewhere) {
          const clusterName = clusterOfNode(workspace, node, vm.cluster)!;
          const facts = await readRemote(workspace, clusterName, node);
          remote.push(remoteTargetFrom({ ...facts, node, targetCluster: clusterName, vm: { name: vm.name, haManaged: vm.haManaged ?? false, vmid: vmidOf(vm) }, source }, choices));
        }
      }
      const all = [...local, ...remote];
      return targets.map((t) => all.find((v) => v.node === t)!).filter(Boolean);
    },

    plan(workspace, vm, request, verdict): MovePlan {
      return movePlan(workspace, vm, request, verdict, migrateTimeoutMs);
    },
  };

  // ----------------------------------------------------------------------------------------
  // The executor

  const clusterApi = async (name: string) => {
    const { workspace } = await options.workspaces.current();
    return api.resolve(workspace, name);
  };

  /** Where the VM is and whether it is busy, as /cluster/resources reports it (undefined: not in the cluster). */
  const place = async (cluster: ClusterApi, vmid: number) => {
    const r = (await api.inContext(cluster, () => resources(api.client(cluster), 'vm'))).find((x) => x.type === 'qemu' && x.vmid === vmid);
    return r?.node ? { node: r.node, status: r.status, lock: r.lock } : undefined;
  };

  /** A task of one of `types` still running for this VM on `node`: a move that started before (a crash, a lost link). */
  const runningTask = async (cluster: ClusterApi, node: string, vmid: number, types: string[]): Promise<string | undefined> => {
    const tasks = await api.inContext(cluster, () => api.client(cluster).get<{ upid: string; type: string; id?: string; status?: string }[]>(`/nodes/${encodeURIComponent(node)}/tasks`, { source: 'active', vmid, limit: 50 }));
    return tasks.find((t) => types.includes(t.type) && t.id === String(vmid) && (t.status === undefined || t.status === 'RUNNING'))?.upid;
  };

  /** Follows a task, streaming its log; on cancel asks the node to stop it. `scrub` cleans every line (a token secret). */
  const follow = async (cluster: ClusterApi, node: string, upid: string, what: string, ctx: StackOpContext, scrub: (text: string) => string = (t) => t, lines: string[] = []) => {
    const client = api.client(cluster);
    try {
      await api.inContext(cluster, () =>
        client.followTask(upid, {
          onLog: (line) => {
            const clean = scrub(line);
            lines.push(clean);
            ctx.log(clean, 'stdout');
          },
          pollMs,
          timeoutMs: Math.min(ctx.timeoutMs, migrateTimeoutMs),
          signal: ctx.signal,
        }),
      );
    } catch (err) {
      if (isCwError(err) && err.code === 'CANCELLED') {
        // Ask the node to stop the task; before the switch-over PVE rolls the move back.
        await client.delete(`/nodes/${encodeURIComponent(node)}/tasks/${encodeURIComponent(upid)}`).catch(() => undefined);
        throw new CwError('CANCELLED', `Asked ${node} to stop ${what}; check its task log: past the switch-over the move completes anyway.`);
      }
      if (isCwError(err) && err.code === 'REMOTE_FAILED') {
        const cause = [...lines].reverse().find((l) => /ERROR: /.test(l))?.replace(/^.*?ERROR: /, '');
        const exit = typeof err.detail === 'object' && err.detail && 'exitstatus' in err.detail ? String((err.detail as { exitstatus?: unknown }).exitstatus) : scrub(err.message);
        throw new CwError('REMOTE_FAILED', `${what} failed on ${node}: ${cause ?? exit}. The task log above says why.`, { upid });
      }
      throw err;
    }
  };

  const migrate = async (a: Args<'migrate'>, ctx: StackOpContext): Promise<void> => {
    const cluster = await clusterApi(a.cluster);
    const client = api.client(cluster);
    const what = `moving VM ${a.name} (${a.vmid}) from ${a.source} to ${a.target}`;
    if (a.ha) {
      const deadline = Date.now() + Math.min(ctx.timeoutMs, migrateTimeoutMs);
      const haPlace = async () => {
        const ha = await api.inContext(cluster, () => haServices(client));
        if (ha) return ha.get(a.vmid);
        const now = await place(cluster, a.vmid);
        return now ? { node: now.node, state: now.lock === 'migrate' ? 'migrate' : 'unknown' } : undefined;
      };
      const before = await haPlace();
      if (before?.state === 'migrate' || before?.state === 'relocate') {
        ctx.log(`vm:${a.vmid} is already being moved by the HA stack (HA ${before.state} on ${before.node}): following it instead of asking again`, 'info');
      } else {
        ctx.log(`${a.name} is HA-managed: asking the HA stack on cluster '${a.cluster}' (via ${client.where}) to migrate vm:${a.vmid} to ${a.target}`, 'info');
        const answer = await api.inContext(cluster, () => client.post<{ sid: string; 'requested-node': string; 'blocking-resources'?: { sid: string; cause?: string }[] }>(`/cluster/ha/resources/${encodeURIComponent(`vm:${a.vmid}`)}/migrate`, { node: a.target }));
        if (answer['blocking-resources']?.length) {
          throw new CwError('REMOTE_FAILED', `The HA stack refused ${what}: blocked by ${answer['blocking-resources'].map((b) => `${b.sid}${b.cause ? ` (${b.cause})` : ''}`).join(', ')}. Change the HA rules or move those resources first.`);
        }
      }
      // The HA manager works asynchronously: watch its status until it has the VM on the target and no longer moving.
      let lastSeen = '';
      let moving = false;
      for (;;) {
        if (ctx.signal.aborted) throw new CwError('CANCELLED', `Stopped watching the HA move of VM ${a.name} (${a.vmid}); the HA stack may still complete it.`);
        const now = await haPlace();
        const seen = now ? `${now.node} (HA ${now.state})` : 'not listed';
        if (seen !== lastSeen) ctx.log(`vm:${a.vmid} is on ${seen}`, 'info');
        lastSeen = seen;
        const inMotion = now?.state === 'migrate' || now?.state === 'relocate';
        moving ||= inMotion;
        if (now?.node === a.target && !inMotion) return;
        if (now?.state === 'error') throw new CwError('REMOTE_FAILED', `The HA stack put vm:${a.vmid} into the error state on ${now.node} while ${what}: read the HA log on ${now.node} (journalctl -u pve-ha-lrm), then clear the error (ha-manager set vm:${a.vmid} --state disabled, then started).`);
        if (moving && !inMotion && now?.node !== a.target) throw new CwError('REMOTE_FAILED', `The HA stack gave up ${what}: vm:${a.vmid} is back on ${now?.node ?? 'no node'} (HA ${now?.state ?? 'not listed'}). Read the migration task log on ${a.source}.`);
        if (Date.now() > deadline) throw new CwError('TIMEOUT', `The HA stack has not finished ${what} in time: check the HA status (ha-manager status) on the cluster.`);
        await sleep(pollMs, ctx.signal);
      }
    }
    // Never twice: a migration of this VM still running (the app crashed or lost its link while it ran) is followed.
    const already = await runningTask(cluster, a.source, a.vmid, ['qmigrate', 'hamigrate']);
    if (already) {
      ctx.log(`A migration of VM ${a.vmid} is already running on ${a.source} (task ${already}): following it instead of starting another`, 'info');
      await follow(cluster, a.source, already, what, ctx);
      return;
    }
    ctx.log(`Asking ${a.source} (via ${client.where}) to migrate VM ${a.vmid} to ${a.target}${a.online ? ' online' : ''}${a.withLocalDisks ? `, with local disks${a.targetStorage ? ` to ${a.targetStorage}` : ''}` : ''}`, 'info');
    let upid: string;
    try {
      upid = await api.inContext(cluster, () =>
        client.post<string>(`/nodes/${encodeURIComponent(a.source)}/qemu/${a.vmid}/migrate`, {
          target: a.target,
          ...(a.online ? { online: true } : {}),
          ...(a.withLocalDisks ? { 'with-local-disks': true } : {}),
          ...(a.withLocalDisks && a.targetStorage ? { targetstorage: a.targetStorage } : {}),
        }),
      );
    } catch (err) {
      if (isCwError(err) && (err.code === 'UNREACHABLE' || err.code === 'TIMEOUT')) throw err;
      throw new CwError('REMOTE_FAILED', `Proxmox refused ${what}: ${(err as Error).message}`);
    }
    await follow(cluster, a.source, upid, what, ctx);
  };

  const remoteMigrate = async (a: Args<'remote-migrate'>, ctx: StackOpContext): Promise<void> => {
    const { workspace } = await options.workspaces.current();
    const cluster = api.resolve(workspace, a.cluster);
    const client = api.client(cluster);
    const what = `moving VM ${a.name} (${a.vmid}) from ${a.source} (cluster ${a.cluster}) to ${a.target} (cluster ${a.targetCluster})`;
    const { field, problem } = remoteApiProblem(workspace, a.targetCluster, a.target);
    if (problem) throw new CwError('INVALID_INPUT', problem, { field });
    const target = api.resolve(workspace, a.targetCluster);
    if (target.credentials.kind !== 'token') throw new CwError('INVALID_INPUT', `Cannot go on ${what}: ${field} must use an API token (tokenId, tokenSecret).`);
    const reveal = target.credentials.secret;
    // The token secret is looked up here, at the moment of use, and leaves this function only inside the request body.
    const secret = await api.inContext(target, async () => (typeof reveal === 'function' ? await reveal() : reveal));
    const scrub = (text: string): string => redactEndpoint(secret.length >= 4 ? text.split(secret).join('***') : text);
    const already = await runningTask(cluster, a.source, a.vmid, ['qmigrate']);
    if (already) {
      ctx.log(`A migration of VM ${a.vmid} is already running on ${a.source} (task ${already}): following it instead of starting another`, 'info');
      await follow(cluster, a.source, already, what, ctx, scrub);
      return;
    }
    const endpoint = remoteEndpointText({ tokenId: target.credentials.tokenId, secret, host: target.endpoint.host, port: target.endpoint.port, fingerprint: normalizeFingerprint(target.endpoint.fingerprint!) });
    const storageMap = formatIdMap(a.storageMap) || 'local';
    const bridgeMap = formatIdMap(a.bridgeMap) || 'vmbr0';
    ctx.log(`Asking ${a.source} (via ${client.where}) to move VM ${a.vmid} to cluster '${a.targetCluster}' as VMID ${a.targetVmid}${a.online ? ' online' : ''}: remote_migrate with target-endpoint ${redactEndpoint(endpoint)}, target-storage ${storageMap}, target-bridge ${bridgeMap}, keep the source stopped`, 'info');
    let upid: string;
    try {
      upid = await client.post<string>(`/nodes/${encodeURIComponent(a.source)}/qemu/${a.vmid}/remote_migrate`, {
        'target-endpoint': endpoint,
        'target-storage': storageMap,
        'target-bridge': bridgeMap,
        ...(a.targetVmid !== a.vmid ? { 'target-vmid': a.targetVmid } : {}),
        ...(a.online ? { online: true } : {}),
      });
    } catch (err) {
      if (isCwError(err) && (err.code === 'UNREACHABLE' || err.code === 'TIMEOUT')) throw new CwError(err.code, scrub(err.message), err.detail);
      throw new CwError('REMOTE_FAILED', scrub(`Proxmox on ${a.source} refused ${what}: ${(err as Error).message}`));
    }
    await follow(cluster, a.source, upid, what, ctx, scrub);
  };

  const destroy = async (a: Args<'destroy'>, ctx: StackOpContext): Promise<void> => {
    const cluster = await clusterApi(a.cluster);
    const client = api.client(cluster);
    const what = `destroying VM ${a.vmid} on ${a.node} (cluster ${a.cluster})`;
    const already = await runningTask(cluster, a.node, a.vmid, ['qmdestroy']);
    let upid = already;
    if (already) ctx.log(`VM ${a.vmid} is already being destroyed on ${a.node} (task ${already}): following it`, 'info');
    else {
      ctx.log(`Asking ${a.node} (via ${client.where}) to destroy the source VM ${a.vmid} and its disks (skiplock, purge)`, 'info');
      try {
        upid = await api.inContext(cluster, () => client.delete<string>(`/nodes/${encodeURIComponent(a.node)}/qemu/${a.vmid}`, { skiplock: true, purge: true }));
      } catch (err) {
        if (isCwError(err) && (err.code === 'UNREACHABLE' || err.code === 'TIMEOUT')) throw err;
        throw new CwError('REMOTE_FAILED', `Proxmox refused ${what}: ${(err as Error).message}`);
      }
    }
    await follow(cluster, a.node, upid!, what, ctx);
    ctx.log(`removed source VM ${a.vmid} on ${a.node} (cluster ${a.cluster})`, 'info');
  };

  const executor: StackExecutor = {
    describe(c) {
      switch (opOf(c)) {
        case 'migrate': {
          const a = argsOf(c, 'migrate');
          return a.ha
            ? `POST /cluster/ha/resources/vm:${a.vmid}/migrate node=${a.target} (cluster ${a.cluster})`
            : `POST /nodes/${a.source}/qemu/${a.vmid}/migrate target=${a.target}${a.online ? ' online=1' : ''}${a.withLocalDisks ? ' with-local-disks=1' : ''}${a.targetStorage ? ` targetstorage=${a.targetStorage}` : ''} (cluster ${a.cluster})`;
        }
        case 'remote-migrate': {
          const a = argsOf(c, 'remote-migrate');
          return `POST /nodes/${a.source}/qemu/${a.vmid}/remote_migrate to ${a.target} in cluster ${a.targetCluster} as VMID ${a.targetVmid}, target-storage ${formatIdMap(a.storageMap) || '(none)'}, target-bridge ${formatIdMap(a.bridgeMap) || '(none)'}${a.online ? ', online' : ''} (the endpoint's API token stays a secret)`;
        }
        case 'destroy': {
          const a = argsOf(c, 'destroy');
          return `DELETE /nodes/${a.node}/qemu/${a.vmid} skiplock=1 purge=1 (cluster ${a.cluster})`;
        }
        case 'vm-on': {
          const a = argsOf(c, 'vm-on');
          return `VM ${a.vmid} of cluster ${a.cluster} is on ${a.node}, not locked${a.running === undefined ? '' : a.running ? ', running' : ', stopped'}`;
        }
        case 'vm-absent': {
          const a = argsOf(c, 'vm-absent');
          return `VM ${a.vmid} is gone from cluster ${a.cluster}`;
        }
      }
    },

    command(c) {
      switch (opOf(c)) {
        case 'migrate': {
          const a = argsOf(c, 'migrate');
          if (a.ha) return { node: a.source, argv: ['ha-manager', 'migrate', `vm:${a.vmid}`, a.target] };
          return { node: a.source, argv: ['qm', 'migrate', String(a.vmid), a.target, ...(a.online ? ['--online'] : []), ...(a.withLocalDisks ? ['--with-local-disks'] : []), ...(a.withLocalDisks && a.targetStorage ? ['--targetstorage', a.targetStorage] : [])] };
        }
        // qm remote-migrate takes the API token's secret on its command line: it is not exported.
        case 'remote-migrate':
          return undefined;
        case 'destroy': {
          const a = argsOf(c, 'destroy');
          return { node: a.node, argv: ['qm', 'destroy', String(a.vmid), '--skiplock', '1', '--purge', '1'] };
        }
        case 'vm-on': {
          const a = argsOf(c, 'vm-on');
          // `qm status` answers only for VMs on the node it runs on; the lock is in `qm config`.
          const wanted = a.running === undefined ? '' : ` && qm status ${a.vmid} | grep -q 'status: ${a.running ? 'running' : 'stopped'}'`;
          return { node: a.node, argv: ['sh', '-c', `qm status ${a.vmid} >/dev/null 2>&1 && ! qm config ${a.vmid} | grep -q '^lock:'${wanted}`] };
        }
        case 'vm-absent':
          return undefined;
      }
    },

    async act(c, ctx) {
      switch (opOf(c)) {
        case 'migrate':
          return migrate(argsOf(c, 'migrate'), ctx);
        case 'remote-migrate':
          return remoteMigrate(argsOf(c, 'remote-migrate'), ctx);
        case 'destroy':
          return destroy(argsOf(c, 'destroy'), ctx);
        default:
          throw new CwError('INVALID_INPUT', `"${c.op}" is a Proxmox check, not an operation a step can run.`);
      }
    },

    async check(c) {
      switch (opOf(c)) {
        case 'vm-on': {
          const a = argsOf(c, 'vm-on');
          const now = await place(await clusterApi(a.cluster), a.vmid);
          return now !== undefined && now.node === a.node && !now.lock && (a.running === undefined || (now.status === 'running') === a.running);
        }
        case 'vm-absent': {
          const a = argsOf(c, 'vm-absent');
          return (await place(await clusterApi(a.cluster), a.vmid)) === undefined;
        }
        default:
          throw new CwError('INVALID_INPUT', `"${c.op}" is a Proxmox operation, not a check.`);
      }
    },
  };

  return { migration, executor };
}

/** The plan of one move (pure): the verdict says how (plain, HA or to another cluster), the request what the admin chose. */
export function movePlan(workspace: Workspace, vm: VmRecord, request: MoveRequest, verdict: MigrationTarget, migrateTimeoutMs = 30 * 60_000): MovePlan {
  const vmid = vmidOf(vm);
  const choices = proxmoxChoices(request.choices);
  const details = verdict.details?.stack === STACK ? verdict.details : undefined;
  const target = request.target;
  const nodes: Record<string, PlanNode> = {};
  const remoteCluster = verdict.kind === 'remote' ? (details?.remote?.cluster ?? clusterOfNode(workspace, target, vm.cluster)) : undefined;
  const running = vm.status === 'running';
  const live = request.online && running;
  const title = `Move ${vm.name} (${vm.id}) from ${vm.node} to ${target}${remoteCluster ? ` in cluster ${remoteCluster}` : ''}${request.online ? ' (live)' : ''}`;
  for (const name of [vm.node, target]) {
    const node = planNodeOf(workspace, name);
    if (node) nodes[name] = node;
  }
  const elapsed = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const planId = `migrate-${vmid}-${planIdPart(vm.node)}-to-${planIdPart(target)}`;
  const stopped = (runId: string) =>
    `The move of VM ${vm.name} (${vmid}) to ${target} was stopped: Proxmox rolls a migration back before the switch-over and completes one already switching over. Check where it runs now; resume with \`clusterwright resume ${runId}\`.`;

  if (!remoteCluster) {
    const steps = [
      {
        id: 'move',
        title,
        target: { node: vm.node },
        action: call('migrate', {
          cluster: vm.cluster,
          vmid,
          name: vm.name,
          source: vm.node,
          target,
          online: request.online,
          withLocalDisks: (details?.localDisks.length ?? 0) > 0,
          ...(choices.targetStorage ? { targetStorage: choices.targetStorage } : {}),
          ha: vm.haManaged === true,
        }),
        // Already there (a move that finished while nobody watched): nothing to do.
        precheck: call('vm-on', { cluster: vm.cluster, vmid, node: target }),
        verify: call('vm-on', { cluster: vm.cluster, vmid, node: target, ...(running && !request.online ? {} : { running: running && request.online }) }),
        rollback: `Move it back: drag ${vm.name} onto ${vm.node}, or qm migrate ${vmid} ${vm.node}${live ? ' --online' : ''} on ${target}.`,
        // Safe to run again: the operation follows a migration already running for this VM instead of starting another.
        idempotent: true,
        timeoutMs: migrateTimeoutMs,
      },
    ];
    const plan: PlanInput = { id: planId, title, nodes, steps, touches: [{ stack: STACK, cluster: vm.cluster }] };
    return {
      plan,
      summary: (result) => {
        if (result.status === 'succeeded') {
          if (result.nothingChanged) return `VM ${vm.name} (${vmid}) is already on ${target}: nothing to move.`;
          return `Moved VM ${vm.name} (${vmid}) from ${vm.node} to ${target}${vm.haManaged ? ' through the HA stack' : live ? ' live' : ''} in ${elapsed(result.durationMs)}.`;
        }
        if (result.status === 'cancelled') return stopped(result.runId);
        return result.failure?.message ?? result.message;
      },
    };
  }

  const targetVmid = choices.targetVmid ?? vmid;
  const moveStep = {
    id: 'move',
    title,
    target: { node: vm.node },
    action: call('remote-migrate', {
      cluster: vm.cluster,
      vmid,
      name: vm.name,
      source: vm.node,
      target,
      targetCluster: remoteCluster,
      targetVmid,
      online: request.online,
      storageMap: choices.storageMap ?? {},
      bridgeMap: choices.bridgeMap ?? {},
    }),
    precheck: call('vm-on', { cluster: remoteCluster, vmid: targetVmid, node: target }),
    verify: call('vm-on', { cluster: remoteCluster, vmid: targetVmid, node: target }),
    rollback: `The source stays on ${vm.node}, stopped and locked: unlock it (qm unlock ${vmid}) and start it to go back; remove VM ${targetVmid} on ${target} if the copy is not wanted.`,
    idempotent: true,
    timeoutMs: migrateTimeoutMs,
  };
  const deleteStep = {
    id: 'delete-source',
    title: `Destroy the source VM ${vm.name} (${vmid}) and its disks on ${vm.node} (cluster ${vm.cluster})`,
    target: { node: vm.node },
    action: call('destroy', { cluster: vm.cluster, vmid, node: vm.node }),
    precheck: call('vm-absent', { cluster: vm.cluster, vmid }),
    verify: call('vm-absent', { cluster: vm.cluster, vmid }),
    rollback: `None: the source and its disks are gone; the copy runs as VM ${targetVmid} on ${target} (cluster ${remoteCluster}).`,
    destructive: true,
    dependsOn: ['move'],
    timeoutMs: 10 * 60_000,
  };
  const plan: PlanInput = {
    id: planId,
    title,
    nodes,
    steps: request.deleteSource ? [moveStep, deleteStep] : [moveStep],
    touches: [
      { stack: STACK, cluster: vm.cluster },
      { stack: STACK, cluster: remoteCluster },
    ],
  };
  return {
    plan,
    summary: (result) => {
      const what = `VM ${vm.name} (${vmid}) from ${vm.node} (cluster ${vm.cluster}) to ${target} (cluster ${remoteCluster})`;
      if (result.status === 'succeeded') {
        const source = request.deleteSource
          ? 'the source VM was removed'
          : `the source VM stays on ${vm.node}, stopped and locked (migrate): remove it once the copy runs (qm destroy ${vmid} --skiplock), or unlock it (qm unlock ${vmid}) to use it again`;
        return `Moved ${what} as VMID ${targetVmid} in ${elapsed(result.durationMs)}; ${source}.`;
      }
      if (result.status === 'cancelled') return stopped(result.runId);
      return result.failure?.message ?? result.message;
    },
  };
}
