// Nova (compute) client: every call carries an explicit OpenStack-API-Version, chosen per call and checked
// against the server's maximum once; servers, compute services, hypervisors, migrations, live migration with
// abort and force-complete, and createImage (the first step of a cold copy to another region).
import * as z from 'zod';
import { CwError } from '../../../../common/errors.js';
import { poll, ServiceClient, type PollOptions } from './service.js';

/**
 * The microversion each call is pinned to. Pinned, never "latest": fields come and go between microversions
 * (2.88 removed the hypervisor capacity fields), and a tool that floats breaks silently when the cloud upgrades.
 */
export const novaMicroversions = {
  /** 2.74 lets an admin name the target host at boot; 2.79 is Train, the floor for this client. */
  servers: '2.79',
  /** 2.53+: services and hypervisors are addressed by UUID. */
  services: '2.79',
  /** The last microversions that still report vcpus/memory on hypervisors are < 2.88. */
  hypervisors: '2.79',
  flavors: '2.79',
  /** 2.80 adds user and project filters; 2.59 paging. */
  migrations: '2.80',
  /** 2.25: block_migration "auto"; 2.68 removed `force` — so this body is the same for every later version. */
  liveMigrate: '2.68',
  /** 2.24 allows abort; 2.65 also aborts queued and preparing migrations. */
  abortMigration: '2.65',
  forceComplete: '2.22',
  /** 2.45: createImage answers with the image id in the body. */
  createImage: '2.45',
} as const;

export type NovaCall = keyof typeof novaMicroversions;

function versionNumber(v: string): number {
  const [major, minor] = v.split('.').map(Number);
  return major! * 1000 + minor!;
}

// ---- the shapes this client relies on in nova's replies (each the fields the app reads; others are dropped) ----

const text = z.string().max(255);
/** Host and service names, ids and states: nova's own values, never long. */
const word = z.string().max(255);
const timestamp = z.string().max(64);
const microversion = z.string().regex(/^(\d{1,4}\.\d{1,4})?$/, 'expected a microversion like 2.79');

const serverSchema = z.object({
  id: word,
  name: text,
  status: word,
  'OS-EXT-SRV-ATTR:host': word.nullish(),
  'OS-EXT-SRV-ATTR:hypervisor_hostname': word.nullish(),
  'OS-EXT-STS:task_state': word.nullish(),
  'OS-EXT-STS:vm_state': word.nullish(),
  'OS-EXT-AZ:availability_zone': word.nullish(),
  flavor: z.object({ original_name: text.optional(), vcpus: z.number().optional(), ram: z.number().optional(), disk: z.number().optional() }).optional(),
  fault: z.object({ message: z.string().max(4096), code: z.number() }).optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  created: timestamp.optional(),
  updated: timestamp.optional(),
});
export type NovaServer = z.output<typeof serverSchema>;

const serviceSchema = z.object({
  id: word,
  binary: word,
  host: word,
  zone: word.optional(),
  status: z.enum(['enabled', 'disabled']),
  state: z.enum(['up', 'down']),
  forced_down: z.boolean(),
  updated_at: timestamp.nullable(),
  disabled_reason: z.string().max(4096).nullable(),
});
export type NovaService = z.output<typeof serviceSchema>;

const hypervisorSchema = z.object({
  id: word,
  hypervisor_hostname: word,
  state: z.enum(['up', 'down']),
  status: z.enum(['enabled', 'disabled']),
  hypervisor_type: word.optional(),
  host_ip: word.optional(),
  vcpus: z.number().optional(),
  vcpus_used: z.number().optional(),
  memory_mb: z.number().optional(),
  memory_mb_used: z.number().optional(),
  running_vms: z.number().optional(),
});
export type NovaHypervisor = z.output<typeof hypervisorSchema>;

const flavorSchema = z.object({ id: word, name: text, vcpus: z.number().optional(), ram: z.number().optional(), disk: z.number().optional() });
export type NovaFlavor = z.output<typeof flavorSchema>;

const migrationSchema = z.object({
  id: z.number().int(),
  uuid: word.optional(),
  instance_uuid: word,
  migration_type: z.enum(['live-migration', 'migration', 'resize', 'evacuation']),
  status: word,
  source_compute: word.nullable(),
  dest_compute: word.nullable(),
  created_at: timestamp,
  updated_at: timestamp.nullable(),
});
export type NovaMigration = z.output<typeof migrationSchema>;

const bytes = z.number().nullable();
/** A live migration in progress, as `GET /servers/{id}/migrations` reports it (memory and disk progress). */
const serverMigrationSchema = z.object({
  id: z.number().int(),
  status: word,
  source_compute: word.nullable(),
  dest_compute: word.nullable(),
  memory_total_bytes: bytes,
  memory_processed_bytes: bytes,
  memory_remaining_bytes: bytes,
  disk_total_bytes: bytes,
  disk_processed_bytes: bytes,
  disk_remaining_bytes: bytes,
});
export type ServerMigration = z.output<typeof serverMigrationSchema>;

const replies = {
  version: z.object({ version: z.object({ version: microversion, min_version: microversion }) }).describe('a version document'),
  servers: z.object({ servers: z.array(serverSchema) }).describe('a server list'),
  server: z.object({ server: serverSchema }).describe('a server'),
  created: z.object({ server: z.object({ id: word }) }).describe('a created server'),
  flavors: z.object({ flavors: z.array(flavorSchema) }).describe('a flavor list'),
  services: z.object({ services: z.array(serviceSchema) }).describe('a compute service list'),
  service: z.object({ service: serviceSchema }).describe('a compute service'),
  hypervisors: z.object({ hypervisors: z.array(hypervisorSchema) }).describe('a hypervisor list'),
  migrations: z.object({ migrations: z.array(migrationSchema) }).describe('a migration list'),
  serverMigrations: z.object({ migrations: z.array(serverMigrationSchema) }).describe("a server's migration list"),
  image: z.object({ image_id: word.min(1) }).describe('a createImage answer'),
};

export interface CreateServerRequest {
  name: string;
  flavorRef: string;
  imageRef: string;
  /** Since 2.37 the choice is explicit: no network, one picked automatically, or these. */
  networks: 'none' | 'auto' | { uuid?: string; port?: string; fixed_ip?: string }[];
  availabilityZone?: string;
  /** Admin only (2.74): the compute host to boot on. */
  host?: string;
  metadata?: Record<string, string>;
}

/** Migration statuses after which nothing more happens. */
export const finalMigrationStatuses = new Set(['completed', 'failed', 'error', 'cancelled', 'done', 'confirmed', 'reverted']);

export class NovaClient extends ServiceClient {
  protected readonly serviceType = 'compute';
  private maxVersion: string | undefined;

  private headers(call: NovaCall): Record<string, string> {
    return { 'OpenStack-API-Version': `compute ${novaMicroversions[call]}` };
  }

  /** The newest microversion the endpoint supports; throws UNSUPPORTED naming the calls it cannot serve. */
  async checkMicroversions(): Promise<{ max: string; min: string }> {
    const reply = await this.call('GET', '/', { headers: { 'OpenStack-API-Version': 'compute 2.1' }, reply: replies.version });
    const { version, min_version } = reply.data.version;
    if (!version) throw new CwError('UNSUPPORTED', `${this.label} does not support microversions (v2.1 API with no version); it is too old for this client.`);
    const tooNew = Object.entries(novaMicroversions).filter(([, v]) => versionNumber(v) > versionNumber(version) || versionNumber(v) < versionNumber(min_version));
    if (tooNew.length) throw new CwError('UNSUPPORTED', `${this.label} supports compute API ${min_version}–${version}; these calls need another microversion: ${tooNew.map(([c, v]) => `${c} (${v})`).join(', ')}. Upgrade nova to Train (20.0) or later.`, { max: version, min: min_version });
    this.maxVersion = version;
    return { max: version, min: min_version };
  }

  get supportedMax(): string | undefined {
    return this.maxVersion;
  }

  // ---- servers ---------------------------------------------------------------------------------

  async listServers(filter: { host?: string; allProjects?: boolean; name?: string } = {}): Promise<NovaServer[]> {
    const query = { host: filter.host, all_tenants: filter.allProjects ? 1 : undefined, name: filter.name };
    return (await this.call('GET', '/servers/detail', { headers: this.headers('servers'), query, reply: replies.servers })).data.servers;
  }

  async getServer(id: string): Promise<NovaServer> {
    return (await this.call('GET', `/servers/${encodeURIComponent(id)}`, { headers: this.headers('servers'), reply: replies.server })).data.server;
  }

  /** Boots a server; returns its id (the boot itself continues in nova: wait with waitForServer). */
  async createServer(req: CreateServerRequest): Promise<string> {
    const server: Record<string, unknown> = { name: req.name, flavorRef: req.flavorRef, imageRef: req.imageRef, networks: req.networks };
    if (req.availabilityZone) server.availability_zone = req.availabilityZone;
    if (req.host) server.host = req.host;
    if (req.metadata) server.metadata = req.metadata;
    const reply = await this.call('POST', '/servers', { headers: this.headers('servers'), json: { server }, expect: [202], reply: replies.created });
    return reply.data.server.id;
  }

  async deleteServer(id: string): Promise<void> {
    await this.call('DELETE', `/servers/${encodeURIComponent(id)}`, { headers: this.headers('servers'), expect: [204, 404] });
  }

  /** Waits until the server reaches `status` with no task running; ERROR ends the wait with nova's fault message. */
  async waitForServer(id: string, status: string, options: PollOptions = {}): Promise<NovaServer> {
    return poll(
      `server ${id} in ${this.region} to become ${status}`,
      () => this.getServer(id),
      (s) => {
        if (s.status === 'ERROR' && status !== 'ERROR') throw new CwError('REMOTE_FAILED', `Server ${s.name} (${id}) in ${this.region} went to ERROR${s.fault ? `: ${s.fault.message}` : ''}.`, { fault: s.fault });
        return s.status === status && !s['OS-EXT-STS:task_state'] ? s : undefined;
      },
      options,
    );
  }

  async waitForServerGone(id: string, options: PollOptions = {}): Promise<void> {
    await poll(
      `server ${id} in ${this.region} to be deleted`,
      async () => {
        try {
          return await this.getServer(id);
        } catch (error) {
          if (error instanceof CwError && error.code === 'NOT_FOUND') return undefined;
          throw error;
        }
      },
      (s) => (s === undefined || s.status === 'DELETED' ? true : undefined),
      options,
    );
  }

  async listFlavors(): Promise<NovaFlavor[]> {
    return (await this.call('GET', '/flavors/detail', { headers: this.headers('flavors'), reply: replies.flavors })).data.flavors;
  }

  // ---- hosts -----------------------------------------------------------------------------------

  async listServices(filter: { binary?: string; host?: string } = {}): Promise<NovaService[]> {
    return (await this.call('GET', '/os-services', { headers: this.headers('services'), query: { binary: filter.binary, host: filter.host }, reply: replies.services })).data.services;
  }

  /**
   * Enables or disables a service (with the reason nova keeps), or marks it forced down (a compute host known dead,
   * so evacuation may start before the service group notices). The service by its UUID (2.53+).
   */
  async updateService(id: string, change: { status?: 'enabled' | 'disabled'; disabledReason?: string; forcedDown?: boolean }): Promise<NovaService> {
    const body: Record<string, unknown> = {};
    if (change.status) body.status = change.status;
    if (change.disabledReason !== undefined) body.disabled_reason = change.disabledReason;
    if (change.forcedDown !== undefined) body.forced_down = change.forcedDown;
    return (await this.call('PUT', `/os-services/${encodeURIComponent(id)}`, { headers: this.headers('services'), json: body, reply: replies.service })).data.service;
  }

  async listHypervisors(): Promise<NovaHypervisor[]> {
    return (await this.call('GET', '/os-hypervisors/detail', { headers: this.headers('hypervisors'), reply: replies.hypervisors })).data.hypervisors;
  }

  // ---- migrations ------------------------------------------------------------------------------

  async listMigrations(filter: { instanceUuid?: string; type?: NovaMigration['migration_type']; sourceCompute?: string } = {}): Promise<NovaMigration[]> {
    const query = { instance_uuid: filter.instanceUuid, migration_type: filter.type, source_compute: filter.sourceCompute };
    return (await this.call('GET', '/os-migrations', { headers: this.headers('migrations'), query, reply: replies.migrations })).data.migrations;
  }

  /** In-progress live migrations of one server, with memory and disk progress. */
  async serverMigrations(serverId: string): Promise<ServerMigration[]> {
    return (await this.call('GET', `/servers/${encodeURIComponent(serverId)}/migrations`, { headers: this.headers('migrations'), reply: replies.serverMigrations })).data.migrations;
  }

  /**
   * Starts a live migration (202, no body). `host: null` lets the scheduler choose; a named host is checked by
   * the scheduler too (2.68 has no `force`). block_migration "auto": nova picks block migration when the disk
   * is not on shared storage.
   */
  async liveMigrate(serverId: string, host: string | null): Promise<void> {
    await this.call('POST', `/servers/${encodeURIComponent(serverId)}/action`, { headers: this.headers('liveMigrate'), json: { 'os-migrateLive': { host, block_migration: 'auto' } }, expect: [202] });
  }

  async abortLiveMigration(serverId: string, migrationId: number): Promise<void> {
    await this.call('DELETE', `/servers/${encodeURIComponent(serverId)}/migrations/${migrationId}`, { headers: this.headers('abortMigration'), expect: [202] });
  }

  async forceCompleteLiveMigration(serverId: string, migrationId: number): Promise<void> {
    await this.call('POST', `/servers/${encodeURIComponent(serverId)}/migrations/${migrationId}/action`, { headers: this.headers('forceComplete'), json: { force_complete: null }, expect: [202] });
  }

  /**
   * Follows the newest live migration of a server that started at or after `since` until it is final.
   * Resolves on `completed`; throws on `failed`, `error` or `cancelled` with the migration in the detail.
   */
  async followLiveMigration(serverId: string, options: PollOptions & { since?: string; onProgress?: (m: NovaMigration, progress?: ServerMigration) => void } = {}): Promise<NovaMigration> {
    let lastStatus = '';
    return poll(
      `the live migration of server ${serverId} in ${this.region}`,
      async () => {
        const all = await this.listMigrations({ instanceUuid: serverId, type: 'live-migration' });
        const mine = all.filter((m) => !options.since || m.created_at >= options.since).sort((a, b) => b.id - a.id)[0];
        let progress: ServerMigration | undefined;
        if (mine && !finalMigrationStatuses.has(mine.status)) progress = (await this.serverMigrations(serverId)).find((m) => m.id === mine.id);
        return { mine, progress };
      },
      ({ mine, progress }) => {
        if (!mine) return undefined;
        if (mine.status !== lastStatus || progress) options.onProgress?.(mine, progress);
        lastStatus = mine.status;
        if (mine.status === 'completed') return mine;
        if (finalMigrationStatuses.has(mine.status)) throw new CwError('REMOTE_FAILED', `The live migration of server ${serverId} from ${mine.source_compute} to ${mine.dest_compute ?? '(scheduler)'} in ${this.region} ended ${mine.status}. See nova-compute's log on ${mine.source_compute}.`, { migration: mine });
        return undefined;
      },
      options,
    );
  }

  // ---- images (cold copy) ----------------------------------------------------------------------

  /** Snapshots a server into an image of the region's image service; returns the new image's id. */
  async createImage(serverId: string, name: string, metadata: Record<string, string> = {}): Promise<string> {
    const reply = await this.call('POST', `/servers/${encodeURIComponent(serverId)}/action`, { headers: this.headers('createImage'), json: { createImage: { name, metadata } }, expect: [202], reply: replies.image });
    return reply.data.image_id;
  }
}

/** The compute host a server runs on, as nova reports it to admins. */
export function serverHost(server: NovaServer): string | undefined {
  return server['OS-EXT-SRV-ATTR:host'] ?? undefined;
}
