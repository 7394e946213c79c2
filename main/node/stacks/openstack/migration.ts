// Moving an OpenStack server: the precheck behind drag-to-migrate (inside a region: the server's state and
// the target's nova-compute; into another region: a cold copy), the move as a plan for the engine, and the
// executor of its operations. A live migration is never started twice: one already running for the server
// (after a crash, a lost connection or a resumed run) is followed instead. A cold copy snapshots the server,
// copies the image into the target region's image service, boots it there, and deletes the original only in
// a destructive step approved with the plan. Every step finds what an earlier attempt left and goes on from it.
import * as z from 'zod';
import type { MigrationChoices, MigrationTarget, VmRecord } from '../../../common/contract/inventory.js';
import { CwError, isCwError } from '../../../common/errors.js';
import type { PlanInput, StackCall } from '../../../common/plan/schema.js';
import type { OpenstackMigrationChoices } from '../../../common/stacks/openstack/contract.js';
import { novaHostSchema } from '../../../common/stacks/openstack/schema.js';
import type { Workspace } from '../../../common/workspace/schema.js';
import type { StackExecutor, StackOpContext } from '../../engine/stack-ops.js';
import type { MovePlan, MoveRequest, StackMigration, StackWorkspaces } from '../types.js';
import type { Cloud } from './client/index.js';
import { finalMigrationStatuses, serverHost, type NovaMigration, type NovaServer } from './client/nova.js';
import { computeRegionOf, novaHostOf, regionOf, type OpenstackClouds } from './cloud.js';
import { parseServerVmId } from './inventory.js';

const STACK = 'openstack';

export interface OpenstackMovesOptions {
  clouds: OpenstackClouds;
  workspaces: StackWorkspaces;
  pollMs?: number;
  /** How long a move may run before the app stops waiting (ms). */
  migrateTimeoutMs?: number;
}

function openstackChoices(choices: MigrationChoices | undefined): Omit<OpenstackMigrationChoices, 'stack'> {
  if (!choices) return {};
  if (choices.stack !== STACK) throw new CwError('INVALID_INPUT', `These are choices for a ${choices.stack} move; this server is on OpenStack.`);
  const { stack: _stack, ...rest } = choices as OpenstackMigrationChoices;
  return rest;
}

// ------------------------------------------------------------------------------------------
// Operation arguments: a plan file is input like any other, so each operation checks its own.

const region = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a region name');
const server = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'a server UUID');
const host = novaHostSchema;
const text = z.string().min(1).max(255);

const argSchemas = {
  'live-migrate': z.object({ region, server, name: text, source: host, target: host }).strict(),
  'server-on': z.object({ region, server, host, active: z.boolean().optional() }).strict(),
  'cold-snapshot': z.object({ region, server, name: text, image: text }).strict(),
  'image-in': z.object({ region, image: text }).strict(),
  'cold-transfer': z.object({ region, targetRegion: region, image: text }).strict(),
  'cold-boot': z.object({ region, targetRegion: region, server, name: text, image: text, target: host, flavor: text.optional() }).strict(),
  'copy-on': z.object({ region, copyOf: server, host }).strict(),
  'delete-server': z.object({ region, server, name: text }).strict(),
  'server-absent': z.object({ region, server }).strict(),
};
type Op = keyof typeof argSchemas;
type Args<O extends Op> = z.output<(typeof argSchemas)[O]>;

function argsOf<O extends Op>(c: StackCall, op: O): Args<O> {
  const parsed = argSchemas[op].safeParse(c.args);
  if (!parsed.success) throw new CwError('INVALID_INPUT', `The ${op} operation of an OpenStack plan step has bad arguments: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`).join('; ')}.`);
  return parsed.data as Args<O>;
}

function opOf(c: StackCall): Op {
  if (!(c.op in argSchemas)) throw new CwError('INVALID_INPUT', `OpenStack has no plan operation "${c.op}" (known: ${Object.keys(argSchemas).join(', ')}).`);
  return c.op as Op;
}

const call = <O extends Op>(op: O, args: z.input<(typeof argSchemas)[O]>) => ({ kind: 'stack' as const, stack: STACK, op, args: args as Record<string, unknown> });

/** The metadata key a cold copy carries: the source server's region and UUID. */
export const copyOfKey = 'clusterwright.copy_of';
/** The snapshot (and its copy) a cold copy of `server` uses: one name, so a resumed run finds them. */
export const coldImageName = (server: string) => `clusterwright-cold-copy-${server}`;

const planIdPart = (t: string) => t.toLowerCase().replace(/[^a-z0-9._-]+/g, '-');

/** The plan's API targets: one per region, reached through the shared Keystone (no header: the token is the executor's). */
export function regionApis(workspace: Workspace, regions: string[]): PlanInput['apis'] {
  const authUrl = workspace.openstack?.keystone?.authUrl;
  if (!authUrl) throw new CwError('INVALID_INPUT', 'The workspace has no openstack.keystone block: the app cannot reach the regions without it.', { field: 'openstack.keystone' });
  return Object.fromEntries(regions.map((r) => [`openstack:${r}`, { baseUrl: authUrl }]));
}

export function createOpenstackMoves(options: OpenstackMovesOptions): { migration: StackMigration; executor: StackExecutor } {
  const { clouds } = options;
  const pollMs = options.pollMs ?? 500;
  const migrateTimeoutMs = options.migrateTimeoutMs ?? 30 * 60_000;

  const migration: StackMigration = {
    async precheck(workspace, vm, targets, signal, { choices: raw, quick }): Promise<MigrationTarget[]> {
      openstackChoices(raw);
      const { server: serverId } = parseServerVmId(vm.id);
      const { region } = regionOf(workspace, vm.cluster);
      if (signal.aborted) throw new CwError('CANCELLED', `The migration precheck for ${vm.name} was cancelled.`);
      const cloud = clouds.of(workspace);
      const nova = cloud.nova(region.name);
      const sourceHost = novaHostOf(region, vm.node);
      const inRegion = targets.filter((t) => region.compute.includes(t));
      // One read of the server and, when a node of its region is asked, one of the region's compute services.
      const server = await nova.getServer(serverId);
      const services = inRegion.length ? await nova.listServices({ binary: 'nova-compute' }) : [];
      const imageService = new Map<string, string | undefined>();
      const imageProblem = async (name: string): Promise<string | undefined> => {
        if (quick) return undefined;
        if (!imageService.has(name)) {
          imageService.set(
            name,
            await cloud.keystone.endpoint({ type: 'image', region: name }).then(
              () => undefined,
              (e: unknown) => `region ${name} has no image service in the catalog (${(e as Error).message}); a cold copy goes through glance`,
            ),
          );
        }
        return imageService.get(name);
      };
      const verdicts: MigrationTarget[] = [];
      let running: NovaMigration | null | undefined;
      for (const target of targets) {
        const base = { stack: 'openstack' as const, region: region.name, sourceHost };
        if (target === vm.node) {
          verdicts.push({ node: target, allowed: false, kind: 'live', reasons: [`${vm.name} already runs on ${target}`], details: base });
          continue;
        }
        if (region.compute.includes(target)) {
          const targetHost = novaHostOf(region, target);
          const reasons: string[] = [];
          const svc = services.find((s) => s.host === targetHost);
          if (!svc) reasons.push(`nova has no nova-compute on ${targetHost} in region ${region.name}`);
          else {
            if (svc.state !== 'up') reasons.push(`nova-compute on ${targetHost} is down`);
            if (svc.status !== 'enabled') reasons.push(`nova-compute on ${targetHost} is disabled${svc.disabled_reason ? ` (${svc.disabled_reason})` : ''}`);
            if (svc.forced_down) reasons.push(`nova-compute on ${targetHost} is forced down`);
          }
          const task = server['OS-EXT-STS:task_state'];
          if (server.status === 'MIGRATING' || task === 'migrating') {
            // Already moving: allowed only towards where it is going (the plan then follows that migration).
            running ??= (await nova.listMigrations({ instanceUuid: serverId, type: 'live-migration' })).filter((m) => !finalMigrationStatuses.has(m.status)).sort((x, y) => y.id - x.id)[0] ?? null;
            if (running && running.dest_compute && running.dest_compute !== targetHost) reasons.push(`${vm.name} is already being live-migrated to ${running.dest_compute} (migration ${running.id}); wait for it or abort it first`);
          } else {
            if (server.status !== 'ACTIVE' && server.status !== 'PAUSED') reasons.push(`${vm.name} is ${server.status}; nova live-migrates ACTIVE or PAUSED servers only`);
            if (task) reasons.push(`${vm.name} is busy in nova (${task})`);
          }
          if (!region.liveMigration) reasons.push(`live migration is off for region ${region.name} in the workspace (openstack.regions[].liveMigration)`);
          verdicts.push({ node: target, allowed: reasons.length === 0, kind: 'live', reasons, details: { ...base, targetHost } });
          continue;
        }
        const other = computeRegionOf(workspace, target);
        if (!other) {
          verdicts.push({ node: target, allowed: false, kind: 'live', reasons: [`${target} is not a compute node of an OpenStack region`], details: base });
          continue;
        }
        const reasons: string[] = [];
        if (server.status !== 'ACTIVE' && server.status !== 'SHUTOFF') reasons.push(`${vm.name} is ${server.status}; a snapshot needs it ACTIVE or SHUTOFF`);
        for (const name of [region.name, other.name]) {
          const problem = await imageProblem(name);
          if (problem) reasons.push(problem);
        }
        verdicts.push({
          node: target,
          allowed: reasons.length === 0,
          kind: 'cold',
          reasons,
          details: {
            ...base,
            targetHost: novaHostOf(other, target),
            coldCopy: {
              targetRegion: other.name,
              steps: [
                `snapshot ${vm.name} in ${region.name} (nova createImage)`,
                `copy the image to ${other.name}'s image service (glance, verified by its hash)`,
                `boot the copy on ${target} in ${other.name} (same name and flavor, no network ports: attach networks there)`,
                `delete the original in ${region.name} only if you approve that step`,
              ],
            },
          },
        });
      }
      return verdicts;
    },

    plan(workspace, vm, request, verdict): MovePlan {
      return openstackMovePlan(workspace, vm, request, verdict, migrateTimeoutMs);
    },
  };

  // ----------------------------------------------------------------------------------------
  // The executor

  const cloudNow = async (): Promise<Cloud> => clouds.of((await options.workspaces.current()).workspace);
  const bound = (ctx: StackOpContext) => ({ pollMs, timeoutMs: Math.min(ctx.timeoutMs, migrateTimeoutMs), signal: ctx.signal });

  const liveMigrate = async (a: Args<'live-migrate'>, ctx: StackOpContext): Promise<void> => {
    const nova = (await cloudNow()).nova(a.region);
    const what = `the live migration of ${a.name} (${a.server}) from ${a.source} to ${a.target} in ${a.region}`;
    // Never twice: a live migration of this server that has not ended is followed.
    const running = (await nova.listMigrations({ instanceUuid: a.server, type: 'live-migration' })).filter((m) => !finalMigrationStatuses.has(m.status)).sort((x, y) => y.id - x.id)[0];
    let since: string | undefined;
    if (running) {
      ctx.log(`A live migration of ${a.name} is already under way (migration ${running.id}, ${running.source_compute} → ${running.dest_compute ?? 'scheduler'}, ${running.status}): following it instead of starting another`, 'info');
      since = running.created_at;
    } else {
      const now = await nova.getServer(a.server);
      if (serverHost(now) === a.target) return ctx.log(`${a.name} already runs on ${a.target}`, 'info');
      ctx.log(`Asking nova in ${a.region} to live-migrate ${a.name} to ${a.target} (os-migrateLive, block_migration auto, compute API 2.68)`, 'info');
      // nova's created_at has second precision, UTC without zone: anything from a second before counts.
      since = new Date(Date.now() - 1000).toISOString().replace('Z', '').replace(/\.\d+$/, '');
      try {
        await nova.liveMigrate(a.server, a.target);
      } catch (err) {
        if (isCwError(err) && (err.code === 'UNREACHABLE' || err.code === 'TIMEOUT')) throw err;
        throw new CwError('REMOTE_FAILED', `nova refused ${what}: ${(err as Error).message}`);
      }
    }
    let migrationId: number | undefined;
    try {
      await nova.followLiveMigration(a.server, {
        ...bound(ctx),
        since,
        onProgress: (m, progress) => {
          migrationId = m.id;
          const memory = progress?.memory_total_bytes ? ` memory ${Math.round((100 * (progress.memory_processed_bytes ?? 0)) / progress.memory_total_bytes)} %` : '';
          ctx.log(`migration ${m.id}: ${m.source_compute} → ${m.dest_compute ?? '?'} ${m.status}${memory}`, 'stdout');
        },
      });
    } catch (err) {
      if (isCwError(err) && err.code === 'CANCELLED' && migrationId !== undefined) {
        await nova.abortLiveMigration(a.server, migrationId).catch(() => undefined);
        throw new CwError('CANCELLED', `Asked nova to abort ${what} (migration ${migrationId}); past the switch-over nova completes it anyway.`);
      }
      throw err;
    }
  };

  const findImage = async (cloud: Cloud, regionName: string, name: string) => (await cloud.glance(regionName).listImages({ name })).find((i) => i.name === name);

  const coldSnapshot = async (a: Args<'cold-snapshot'>, ctx: StackOpContext): Promise<void> => {
    const cloud = await cloudNow();
    const glance = cloud.glance(a.region);
    let image = await findImage(cloud, a.region, a.image);
    if (image) ctx.log(`Snapshot ${a.image} of ${a.name} already exists in ${a.region} (${image.status}): using it`, 'info');
    else {
      ctx.log(`Asking nova in ${a.region} to snapshot ${a.name} as ${a.image}`, 'info');
      const id = await cloud.nova(a.region).createImage(a.server, a.image, { [copyOfKey]: `${a.region}/${a.server}` });
      image = await glance.getImage(id);
    }
    await glance.waitForImage(image.id, bound(ctx));
    ctx.log(`Snapshot ${a.image} is active in ${a.region}`, 'stdout');
  };

  const coldTransfer = async (a: Args<'cold-transfer'>, ctx: StackOpContext): Promise<void> => {
    const cloud = await cloudNow();
    const there = await findImage(cloud, a.targetRegion, a.image);
    if (there?.status === 'active') return ctx.log(`${a.image} is already in ${a.targetRegion}'s image service`, 'info');
    // A copy an interrupted run left half-done is removed and made again (glance cannot resume an upload).
    if (there) await cloud.glance(a.targetRegion).deleteImage(there.id);
    const source = await findImage(cloud, a.region, a.image);
    if (!source) throw new CwError('REMOTE_FAILED', `The snapshot ${a.image} is gone from ${a.region}; run the move again from the start.`);
    ctx.log(`Copying image ${a.image} (${source.size ?? '?'} bytes) from ${a.region} to ${a.targetRegion}`, 'info');
    await cloud.glance(a.targetRegion).copyFrom(cloud.glance(a.region), source.id, { name: a.image, timeoutMs: Math.min(ctx.timeoutMs, migrateTimeoutMs) });
    ctx.log(`Image ${a.image} copied to ${a.targetRegion}; glance's hashes match`, 'stdout');
  };

  const copyIn = async (cloud: Cloud, regionName: string, copyOf: string): Promise<NovaServer | undefined> => {
    const nova = cloud.nova(regionName);
    for (const s of await nova.listServers({ allProjects: true })) {
      const full = await nova.getServer(s.id);
      if (full.metadata?.[copyOfKey]?.endsWith(`/${copyOf}`)) return full;
    }
    return undefined;
  };

  const coldBoot = async (a: Args<'cold-boot'>, ctx: StackOpContext): Promise<void> => {
    const cloud = await cloudNow();
    const nova = cloud.nova(a.targetRegion);
    const existing = await copyIn(cloud, a.targetRegion, a.server);
    let id = existing?.id;
    if (id) ctx.log(`The copy of ${a.name} already exists in ${a.targetRegion} (${id}): waiting for it`, 'info');
    else {
      const image = await findImage(cloud, a.targetRegion, a.image);
      if (!image) throw new CwError('REMOTE_FAILED', `Image ${a.image} is not in ${a.targetRegion}; run the move again from the start.`);
      const source = await cloud.nova(a.region).getServer(a.server).catch(() => undefined);
      const flavorName = a.flavor ?? source?.flavor?.original_name;
      const flavors = await nova.listFlavors();
      const flavor = flavors.find((f) => f.name === flavorName) ?? flavors.find((f) => f.id === flavorName);
      if (!flavor) throw new CwError('REMOTE_FAILED', `Region ${a.targetRegion} has no flavor ${flavorName ?? '(unknown)'}; choose a flavor there for the copy of ${a.name}.`);
      ctx.log(`Booting the copy of ${a.name} on ${a.target} in ${a.targetRegion} (flavor ${flavor.name}, image ${a.image})`, 'info');
      id = await nova.createServer({ name: a.name, flavorRef: flavor.id, imageRef: image.id, networks: 'none', host: a.target, metadata: { [copyOfKey]: `${a.region}/${a.server}` } });
    }
    const up = await nova.waitForServer(id, 'ACTIVE', bound(ctx));
    ctx.log(`The copy of ${a.name} runs on ${serverHost(up)} in ${a.targetRegion} (${id})`, 'stdout');
  };

  const deleteServer = async (a: Args<'delete-server'>, ctx: StackOpContext): Promise<void> => {
    const nova = (await cloudNow()).nova(a.region);
    ctx.log(`Deleting the original ${a.name} (${a.server}) in ${a.region}`, 'info');
    await nova.deleteServer(a.server);
    await nova.waitForServerGone(a.server, bound(ctx));
    ctx.log(`Deleted ${a.name} in ${a.region}`, 'stdout');
  };

  const describeOp = (c: StackCall): string => {
    switch (opOf(c)) {
      case 'live-migrate': {
        const a = argsOf(c, 'live-migrate');
        return `POST /servers/${a.server}/action os-migrateLive host=${a.target} block_migration=auto (compute 2.68, region ${a.region})`;
      }
      case 'server-on': {
        const a = argsOf(c, 'server-on');
        return `server ${a.server} of region ${a.region} runs on ${a.host}${a.active ? ', ACTIVE' : ''}`;
      }
      case 'cold-snapshot': {
        const a = argsOf(c, 'cold-snapshot');
        return `POST /servers/${a.server}/action createImage name=${a.image} (region ${a.region})`;
      }
      case 'image-in': {
        const a = argsOf(c, 'image-in');
        return `image ${a.image} is active in region ${a.region}`;
      }
      case 'cold-transfer': {
        const a = argsOf(c, 'cold-transfer');
        return `copy image ${a.image} from ${a.region}'s glance to ${a.targetRegion}'s (download → upload, hashes compared)`;
      }
      case 'cold-boot': {
        const a = argsOf(c, 'cold-boot');
        return `POST /servers name=${a.name} host=${a.target} image=${a.image}${a.flavor ? ` flavor=${a.flavor}` : ''} (region ${a.targetRegion})`;
      }
      case 'copy-on': {
        const a = argsOf(c, 'copy-on');
        return `a copy of server ${a.copyOf} runs on ${a.host} in region ${a.region}`;
      }
      case 'delete-server': {
        const a = argsOf(c, 'delete-server');
        return `DELETE /servers/${a.server} (${a.name}, region ${a.region})`;
      }
      case 'server-absent': {
        const a = argsOf(c, 'server-absent');
        return `server ${a.server} is gone from region ${a.region}`;
      }
    }
  };

  const executor: StackExecutor = {
    describe: describeOp,
    // The openstack CLI's equivalent, for the exports (run where the admin's clouds.yaml is).
    command(c) {
      switch (opOf(c)) {
        case 'live-migrate': {
          const a = argsOf(c, 'live-migrate');
          return { node: a.source, argv: ['openstack', '--os-region-name', a.region, '--os-compute-api-version', '2.68', 'server', 'migrate', '--live-migration', '--host', a.target, '--auto-approve', '--', a.server] };
        }
        case 'delete-server': {
          const a = argsOf(c, 'delete-server');
          return { node: a.name, argv: ['openstack', '--os-region-name', a.region, 'server', 'delete', '--wait', '--', a.server] };
        }
        default:
          return undefined;
      }
    },
    async act(c, ctx) {
      switch (opOf(c)) {
        case 'live-migrate':
          return liveMigrate(argsOf(c, 'live-migrate'), ctx);
        case 'cold-snapshot':
          return coldSnapshot(argsOf(c, 'cold-snapshot'), ctx);
        case 'cold-transfer':
          return coldTransfer(argsOf(c, 'cold-transfer'), ctx);
        case 'cold-boot':
          return coldBoot(argsOf(c, 'cold-boot'), ctx);
        case 'delete-server':
          return deleteServer(argsOf(c, 'delete-server'), ctx);
        default:
          throw new CwError('INVALID_INPUT', `"${c.op}" is an OpenStack check, not an operation a step can run.`);
      }
    },
    async check(c) {
      const cloud = await cloudNow();
      switch (opOf(c)) {
        case 'server-on': {
          const a = argsOf(c, 'server-on');
          const s = await cloud.nova(a.region).getServer(a.server);
          return serverHost(s) === a.host && !s['OS-EXT-STS:task_state'] && (!a.active || s.status === 'ACTIVE');
        }
        case 'image-in': {
          const a = argsOf(c, 'image-in');
          return (await findImage(cloud, a.region, a.image))?.status === 'active';
        }
        case 'copy-on': {
          const a = argsOf(c, 'copy-on');
          const s = await copyIn(cloud, a.region, a.copyOf);
          return s !== undefined && s.status === 'ACTIVE' && serverHost(s) === a.host;
        }
        case 'server-absent': {
          const a = argsOf(c, 'server-absent');
          try {
            const s = await cloud.nova(a.region).getServer(a.server);
            return s.status === 'DELETED';
          } catch (err) {
            if (isCwError(err) && err.code === 'NOT_FOUND') return true;
            throw err;
          }
        }
        default:
          throw new CwError('INVALID_INPUT', `"${c.op}" is an OpenStack operation, not a check.`);
      }
    },
  };

  return { migration, executor };
}

/** The plan of one move (pure): a live migration inside the region, or a cold copy into another. */
export function openstackMovePlan(workspace: Workspace, vm: VmRecord, request: MoveRequest, verdict: MigrationTarget, migrateTimeoutMs = 30 * 60_000): MovePlan {
  const { server } = parseServerVmId(vm.id);
  const choices = openstackChoices(request.choices);
  const { region } = regionOf(workspace, vm.cluster);
  const source = novaHostOf(region, vm.node);
  const elapsed = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const planId = `migrate-${planIdPart(vm.name)}-${server.slice(0, 8)}-to-${planIdPart(request.target)}`;
  const details = verdict.details?.stack === STACK ? verdict.details : undefined;

  if (verdict.kind !== 'cold') {
    if (!region.compute.includes(request.target)) throw new CwError('INVALID_INPUT', `${request.target} is not a compute node of region ${region.name}.`);
    const target = novaHostOf(region, request.target);
    const title = `Live-migrate ${vm.name} from ${vm.node} to ${request.target} in region ${region.name}`;
    const plan: PlanInput = {
      id: planId,
      title,
      nodes: {},
      apis: regionApis(workspace, [region.name]),
      steps: [
        {
          id: 'move',
          title,
          target: { api: `openstack:${region.name}` },
          action: call('live-migrate', { region: region.name, server, name: vm.name, source, target }),
          // Already there (a move that finished while nobody watched): nothing to do.
          precheck: call('server-on', { region: region.name, server, host: target }),
          verify: call('server-on', { region: region.name, server, host: target, active: vm.status === 'running' }),
          rollback: `Move it back: drag ${vm.name} onto ${vm.node}, or openstack server migrate --live-migration --host ${source} ${server}.`,
          // Safe to run again: the operation follows a live migration already running for this server.
          idempotent: true,
          timeoutMs: migrateTimeoutMs,
        },
      ],
      touches: [{ stack: STACK, cluster: region.name }],
    };
    return {
      plan,
      summary: (result) => {
        if (result.status === 'succeeded') return result.nothingChanged ? `${vm.name} already runs on ${request.target}: nothing to move.` : `Live-migrated ${vm.name} from ${vm.node} to ${request.target} in region ${region.name} in ${elapsed(result.durationMs)}.`;
        if (result.status === 'cancelled') return `The live migration of ${vm.name} was stopped: nova aborts it before the switch-over and completes one already switching over. Check where it runs now; resume with \`clusterwright resume ${result.runId}\`.`;
        return result.failure?.message ?? result.message;
      },
    };
  }

  const other = computeRegionOf(workspace, request.target);
  if (!other || other.name === region.name) throw new CwError('INVALID_INPUT', `${request.target} is not a compute node of another OpenStack region.`);
  const target = details?.targetHost ?? novaHostOf(other, request.target);
  const image = coldImageName(server);
  const title = `Cold-copy ${vm.name} from ${vm.node} (${region.name}) to ${request.target} (${other.name})`;
  const steps: PlanInput['steps'] = [
    {
      id: 'snapshot',
      title: `Snapshot ${vm.name} in ${region.name}`,
      target: { api: `openstack:${region.name}` },
      action: call('cold-snapshot', { region: region.name, server, name: vm.name, image }),
      precheck: call('image-in', { region: region.name, image }),
      verify: call('image-in', { region: region.name, image }),
      rollback: `Delete image ${image} in ${region.name} (openstack image delete).`,
      idempotent: true,
      timeoutMs: migrateTimeoutMs,
    },
    {
      id: 'transfer',
      title: `Copy the image to ${other.name}`,
      target: { api: `openstack:${other.name}` },
      action: call('cold-transfer', { region: region.name, targetRegion: other.name, image }),
      precheck: call('image-in', { region: other.name, image }),
      verify: call('image-in', { region: other.name, image }),
      rollback: `Delete image ${image} in ${other.name}.`,
      idempotent: true,
      dependsOn: ['snapshot'],
      timeoutMs: migrateTimeoutMs,
    },
    {
      id: 'boot',
      title: `Boot the copy of ${vm.name} on ${request.target} in ${other.name}`,
      target: { api: `openstack:${other.name}` },
      action: call('cold-boot', { region: region.name, targetRegion: other.name, server, name: vm.name, image, target, ...(choices.flavor ? { flavor: choices.flavor } : {}) }),
      precheck: call('copy-on', { region: other.name, copyOf: server, host: target }),
      verify: call('copy-on', { region: other.name, copyOf: server, host: target }),
      rollback: `Delete the copy of ${vm.name} in ${other.name}; the original still runs in ${region.name}.`,
      idempotent: true,
      dependsOn: ['transfer'],
      timeoutMs: migrateTimeoutMs,
    },
  ];
  if (request.deleteSource) {
    steps.push({
      id: 'delete-source',
      title: `Delete the original ${vm.name} in ${region.name}`,
      target: { api: `openstack:${region.name}` },
      action: call('delete-server', { region: region.name, server, name: vm.name }),
      precheck: call('server-absent', { region: region.name, server }),
      verify: call('server-absent', { region: region.name, server }),
      rollback: `None: the original is gone; the copy runs on ${request.target} in ${other.name}.`,
      destructive: true,
      dependsOn: ['boot'],
      timeoutMs: 10 * 60_000,
    });
  }
  const plan: PlanInput = {
    id: planId,
    title,
    nodes: {},
    apis: regionApis(workspace, [region.name, other.name]),
    steps,
    touches: [
      { stack: STACK, cluster: region.name },
      { stack: STACK, cluster: other.name },
    ],
  };
  return {
    plan,
    summary: (result) => {
      if (result.status === 'succeeded') {
        const kept = request.deleteSource ? 'the original was deleted' : `the original still runs in ${region.name}: delete it once the copy serves`;
        return `Copied ${vm.name} to ${request.target} in region ${other.name} in ${elapsed(result.durationMs)}; ${kept}. The images ${image} stay in both regions until you delete them.`;
      }
      if (result.status === 'cancelled') return `The cold copy of ${vm.name} was stopped; the original is untouched in ${region.name}. Resume with \`clusterwright resume ${result.runId}\`.`;
      return result.failure?.message ?? result.message;
    },
  };
}
