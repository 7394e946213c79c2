// Keystone v3: password or application-credential auth with a token cache and one re-auth on 401, a catalog
// resolver that picks the endpoint by service type + region + interface (never "the first one"), and the
// identity calls registration needs (regions, services, endpoints — only ever the named region's — users, roles).
import * as z from 'zod';
import { CwError } from '../../../../common/errors.js';
import { OpenstackHttp, reveal, type HttpReply, type HttpRequest, type Method, type ReplyData, type SecretSource } from './http.js';

export type DomainRef = { id: string } | { name: string };

export type KeystoneScope = { project: { name: string; domain: DomainRef } | { id: string } } | { domain: DomainRef } | { system: 'all' };

export type KeystoneCredentials =
  | {
      kind: 'password';
      user: { name: string; domain: DomainRef } | { id: string };
      password: SecretSource;
      scope?: KeystoneScope;
    }
  | {
      kind: 'application-credential';
      /** By id, or by name together with its user. */
      credential: { id: string } | { name: string; user: { name: string; domain: DomainRef } | { id: string } };
      secret: SecretSource;
    };

export type EndpointInterface = 'public' | 'internal' | 'admin';

export interface CatalogEndpoint {
  id: string;
  interface: EndpointInterface;
  region_id?: string | null;
  region?: string | null;
  url: string;
}

export interface CatalogService {
  id: string;
  type: string;
  name?: string;
  endpoints: CatalogEndpoint[];
}

export interface KeystoneToken {
  /** Kept inside the client; never put into logs, errors or anything stored. */
  readonly id: string;
  expiresAt: number;
  issuedAt: number;
  catalog: CatalogService[];
  user: { id: string; name: string };
  project?: { id: string; name: string };
  roles: string[];
}

export interface EndpointQuery {
  type: string;
  region: string;
  interface?: EndpointInterface;
}

/** Resolves one endpoint URL; no match and several matches are both errors that name what the catalog holds. */
export function resolveEndpoint(catalog: CatalogService[], query: EndpointQuery): string {
  const iface = query.interface ?? 'public';
  const services = catalog.filter((s) => s.type === query.type);
  if (services.length === 0) {
    const types = [...new Set(catalog.map((s) => s.type))].sort();
    throw new CwError('NOT_FOUND', `The service catalog has no ${query.type} service (it lists: ${types.join(', ') || 'nothing'}). Register the ${query.type} endpoints of region ${query.region} first.`, { type: query.type, types });
  }
  const regionOf = (e: CatalogEndpoint): string | undefined => e.region_id ?? e.region ?? undefined;
  const endpoints = services.flatMap((s) => s.endpoints.map((e) => ({ ...e, service: s })));
  const matches = endpoints.filter((e) => e.interface === iface && regionOf(e) === query.region);
  if (matches.length === 1) return matches[0]!.url;
  if (matches.length === 0) {
    const regions = [...new Set(endpoints.filter((e) => e.interface === iface).map((e) => regionOf(e) ?? '(no region)'))].sort();
    throw new CwError('NOT_FOUND', `The catalog has no ${iface} ${query.type} endpoint in region ${query.region}${regions.length ? ` (it has one in: ${regions.join(', ')})` : ''}. Register that region's endpoints, or check the region name (region names are case-sensitive).`, { ...query, interface: iface, regions });
  }
  throw new CwError('CONFLICT', `The catalog has ${matches.length} ${iface} ${query.type} endpoints in region ${query.region} (${matches.map((m) => m.url).join(', ')}); refusing to guess. Delete the stale one in Keystone.`, { ...query, interface: iface, urls: matches.map((m) => m.url) });
}

/** Regions that have at least one endpoint in the catalog. */
export function catalogRegions(catalog: CatalogService[]): string[] {
  return [...new Set(catalog.flatMap((s) => s.endpoints.map((e) => e.region_id ?? e.region ?? '')).filter(Boolean) as string[])].sort();
}

export interface KeystoneClientOptions {
  /** The identity endpoint, e.g. `https://keystone.example:5000/v3`. */
  authUrl: string;
  credentials: KeystoneCredentials;
  http: OpenstackHttp;
  /** Tokens are renewed this long before they expire. */
  renewBeforeMs?: number;
  now?: () => number;
}

export type Region = z.output<typeof regionSchema>;
export type Service = z.output<typeof serviceSchema>;
export type Endpoint = z.output<typeof endpointSchema>;
export type Project = z.output<typeof projectSchema>;
export type User = z.output<typeof userSchema>;
export type Role = z.output<typeof roleSchema>;

export type Change = 'created' | 'updated' | 'unchanged';

export interface EndpointRegistration {
  type: string;
  /** Service name shown in the catalog (`nova`, `placement`, …). */
  name: string;
  region: string;
  urls: Partial<Record<EndpointInterface, string>>;
}

export interface RegistrationReport {
  regions: Record<string, Change>;
  services: Record<string, Change>;
  /** `type/region/interface` → change. */
  endpoints: Record<string, Change>;
}

export class KeystoneClient {
  readonly authUrl: string;
  private token: KeystoneToken | undefined;
  private pending: Promise<KeystoneToken> | undefined;
  private readonly now: () => number;
  /** Tokens issued so far (tests check the cache and the re-auth). */
  authCount = 0;

  constructor(private readonly options: KeystoneClientOptions) {
    this.authUrl = options.authUrl.replace(/\/+$/, '');
    if (!/^https?:\/\//.test(this.authUrl)) throw new CwError('INVALID_INPUT', `The Keystone URL '${options.authUrl}' must start with http:// or https://.`);
    this.now = options.now ?? Date.now;
  }

  get http(): OpenstackHttp {
    return this.options.http;
  }

  /** A valid token, from the cache while it has more than `renewBeforeMs` left. */
  async getToken(): Promise<KeystoneToken> {
    const renewBefore = this.options.renewBeforeMs ?? 5 * 60_000;
    if (this.token && this.token.expiresAt - renewBefore > this.now()) return this.token;
    this.pending ??= this.authenticate().finally(() => (this.pending = undefined));
    return this.pending;
  }

  /** Forgets the cached token (after a 401, or when the credentials changed). */
  invalidate(token?: KeystoneToken): void {
    if (!token || this.token === token) this.token = undefined;
  }

  private async authenticate(): Promise<KeystoneToken> {
    const cred = this.options.credentials;
    let auth: Record<string, unknown>;
    if (cred.kind === 'password') {
      const password = await reveal(cred.password);
      this.http.addSecret(password);
      auth = { identity: { methods: ['password'], password: { user: { ...cred.user, password } } }, ...(cred.scope ? { scope: cred.scope } : {}) };
    } else {
      const secret = await reveal(cred.secret);
      this.http.addSecret(secret);
      auth = { identity: { methods: ['application_credential'], application_credential: { ...cred.credential, secret } } };
    }
    // A token reply of another shape is INVALID_OUTPUT naming the field (the transport checks it against the schema).
    const reply = await this.http.request('identity', 'POST', `${this.authUrl}/auth/tokens`, { json: { auth }, expect: [201], reply: tokenReplySchema });
    const id = reply.headers.get('x-subject-token');
    if (!id) throw new CwError('INVALID_OUTPUT', `Keystone at ${this.authUrl} issued a token without the X-Subject-Token header.`);
    this.http.addSecret(id);
    const body: TokenBody = reply.data.token;
    this.authCount++;
    // The token's lifetime by Keystone's own clock, counted from now by ours: a skewed local clock neither
    // renews on every call nor keeps an expired token.
    const lifetime = body.issued_at ? Date.parse(body.expires_at) - Date.parse(body.issued_at) : Date.parse(body.expires_at) - Date.now();
    this.token = {
      id,
      expiresAt: this.now() + lifetime,
      issuedAt: this.now(),
      catalog: body.catalog ?? [],
      user: { id: body.user.id, name: body.user.name },
      project: body.project ? { id: body.project.id, name: body.project.name } : undefined,
      roles: (body.roles ?? []).map((r) => r.name),
    };
    return this.token;
  }

  /** The endpoint for a service type in a region (public unless said otherwise), from the token's catalog. */
  async endpoint(query: EndpointQuery): Promise<string> {
    const token = await this.getToken();
    try {
      return resolveEndpoint(token.catalog, query);
    } catch (error) {
      // A token's catalog is a copy from when it was issued: after endpoints were registered, look once more with a new one.
      if (!(error instanceof CwError) || error.code !== 'NOT_FOUND' || this.now() - token.issuedAt < 2_000) throw error;
      this.invalidate(token);
      return resolveEndpoint((await this.getToken()).catalog, query);
    }
  }

  /**
   * Sends an authenticated request. A 401 drops the cached token, authenticates again and retries once
   * (Keystone rejects an expired or revoked token before the service acts on the request).
   */
  async request<S extends z.ZodType | undefined = undefined>(label: string, method: Method, url: string, req: HttpRequest<S> = {}): Promise<HttpReply<ReplyData<S>>> {
    const token = await this.getToken();
    try {
      return await this.http.request(label, method, url, { ...req, headers: { ...req.headers, 'X-Auth-Token': token.id } });
    } catch (error) {
      if (!(error instanceof CwError) || error.code !== 'AUTH_FAILED' || req.body instanceof ReadableStream) throw error;
      this.invalidate(token);
      const fresh = await this.getToken();
      return this.http.request(label, method, url, { ...req, headers: { ...req.headers, 'X-Auth-Token': fresh.id } });
    }
  }

  private identity<S extends z.ZodType | undefined = undefined>(method: Method, path: string, req: HttpRequest<S> = {}): Promise<HttpReply<ReplyData<S>>> {
    return this.request('identity', method, `${this.authUrl}${path}`, req);
  }

  // ---- regions -------------------------------------------------------------------------------

  async listRegions(): Promise<Region[]> {
    return (await this.identity('GET', '/regions', { reply: replies.regions })).data.regions;
  }

  /** Creates the region when missing; an existing region is left as it is (its id cannot change). */
  async ensureRegion(id: string, description?: string): Promise<Change> {
    checkRegionId(id);
    const existing = await this.identity('GET', `/regions/${encodeURIComponent(id)}`, { expect: [200, 404] });
    if (existing.status === 200) return 'unchanged';
    await this.identity('POST', '/regions', { json: { region: { id, ...(description ? { description } : {}) } }, expect: [201] });
    return 'created';
  }

  // ---- services and endpoints ----------------------------------------------------------------

  async listServices(type?: string): Promise<Service[]> {
    return (await this.identity('GET', '/services', { query: { type }, reply: replies.services })).data.services;
  }

  /** The service of this type and name; created when missing. Several with the same type and name: refused. */
  async ensureService(type: string, name: string): Promise<{ service: Service; change: Change }> {
    const same = (await this.listServices(type)).filter((s) => s.type === type && s.name === name);
    if (same.length > 1) throw new CwError('CONFLICT', `Keystone has ${same.length} ${type} services named ${name} (${same.map((s) => s.id).join(', ')}); remove the duplicate before registering endpoints.`);
    if (same[0]) return { service: same[0], change: 'unchanged' };
    const created = await this.identity('POST', '/services', { json: { service: { type, name, enabled: true } }, expect: [201], reply: replies.service });
    return { service: created.data.service, change: 'created' };
  }

  async listEndpoints(filter: { serviceId?: string; region?: string; interface?: EndpointInterface } = {}): Promise<Endpoint[]> {
    const reply = await this.identity('GET', '/endpoints', { query: { service_id: filter.serviceId, region_id: filter.region, interface: filter.interface }, reply: replies.endpoints });
    // Filtered again here: a server that ignored a filter must not make us touch another region's endpoint.
    return reply.data.endpoints.filter((e) => (!filter.serviceId || e.service_id === filter.serviceId) && (!filter.region || e.region_id === filter.region) && (!filter.interface || e.interface === filter.interface));
  }

  /**
   * The endpoint of `serviceId` in `region` for `iface` points at `url` afterwards. Only endpoints of that very
   * service, region and interface are read or changed; two of them at once is a conflict for the admin to settle.
   */
  async ensureEndpoint(serviceId: string, region: string, iface: EndpointInterface, url: string): Promise<Change> {
    checkRegionId(region);
    checkEndpointUrl(url);
    return this.settleEndpoint(await this.listEndpoints({ serviceId, region, interface: iface }), serviceId, region, iface, url);
  }

  /** Creates or repoints the one endpoint of `known` that matches service, region and interface exactly. */
  private async settleEndpoint(known: Endpoint[], serviceId: string, region: string, iface: EndpointInterface, url: string): Promise<Change> {
    const mine = known.filter((e) => e.service_id === serviceId && e.region_id === region && e.interface === iface);
    if (mine.length > 1) throw new CwError('CONFLICT', `Keystone holds ${mine.length} ${iface} endpoints of service ${serviceId} in region ${region} (${mine.map((e) => e.url).join(', ')}); delete the stale one first.`);
    const current = mine[0];
    if (!current) {
      const created = await this.identity('POST', '/endpoints', { json: { endpoint: { service_id: serviceId, interface: iface, region_id: region, url, enabled: true } }, expect: [201], reply: replies.endpoint });
      known.push(created.data.endpoint);
      return 'created';
    }
    if (current.url === url && current.enabled !== false) return 'unchanged';
    await this.identity('PATCH', `/endpoints/${encodeURIComponent(current.id)}`, { json: { endpoint: { url, enabled: true } } });
    current.url = url;
    current.enabled = true;
    return 'updated';
  }

  /**
   * Registers regions, services and their endpoints; running it again with the same input changes nothing.
   * Reads regions, services and endpoints once (every call may cross a WAN), then writes only what differs —
   * and only endpoints of the named regions.
   */
  async registerEndpoints(registrations: EndpointRegistration[]): Promise<RegistrationReport> {
    for (const reg of registrations) {
      checkRegionId(reg.region);
      for (const url of Object.values(reg.urls)) if (url) checkEndpointUrl(url);
    }
    const report: RegistrationReport = { regions: {}, services: {}, endpoints: {} };
    const regions = new Set((await this.listRegions()).map((r) => r.id));
    const services = await this.listServices();
    const endpoints = await this.listEndpoints();
    for (const reg of registrations) {
      if (!(reg.region in report.regions)) {
        if (regions.has(reg.region)) report.regions[reg.region] = 'unchanged';
        else {
          await this.identity('POST', '/regions', { json: { region: { id: reg.region } }, expect: [201] });
          regions.add(reg.region);
          report.regions[reg.region] = 'created';
        }
      }
      const key = `${reg.type}/${reg.name}`;
      const same = services.filter((x) => x.type === reg.type && x.name === reg.name);
      if (same.length > 1) throw new CwError('CONFLICT', `Keystone has ${same.length} ${reg.type} services named ${reg.name} (${same.map((x) => x.id).join(', ')}); remove the duplicate before registering endpoints.`);
      let service = same[0];
      if (!service) {
        service = (await this.identity('POST', '/services', { json: { service: { type: reg.type, name: reg.name, enabled: true } }, expect: [201], reply: replies.service })).data.service;
        services.push(service);
        report.services[key] = 'created';
      } else report.services[key] ??= 'unchanged';
      for (const iface of ['public', 'internal', 'admin'] as const) {
        const url = reg.urls[iface];
        if (url) report.endpoints[`${reg.type}/${reg.region}/${iface}`] = await this.settleEndpoint(endpoints, service.id, reg.region, iface, url);
      }
    }
    return report;
  }

  // ---- projects, users, roles, application credentials ---------------------------------------

  async ensureProject(name: string, domainId = 'default'): Promise<Project> {
    const found = (await this.identity('GET', '/projects', { query: { name, domain_id: domainId }, reply: replies.projects })).data.projects.filter((p) => p.name === name);
    if (found[0]) return found[0];
    return (await this.identity('POST', '/projects', { json: { project: { name, domain_id: domainId, enabled: true } }, expect: [201], reply: replies.project })).data.project;
  }

  async ensureRole(name: string): Promise<Role> {
    const found = (await this.identity('GET', '/roles', { query: { name }, reply: replies.roles })).data.roles.filter((r) => r.name === name);
    if (found[0]) return found[0];
    return (await this.identity('POST', '/roles', { json: { role: { name } }, expect: [201], reply: replies.role })).data.role;
  }

  /** The user with this name, created with `password` when missing (an existing user's password is set to it). */
  async ensureUser(name: string, password: SecretSource, domainId = 'default', defaultProjectId?: string): Promise<User> {
    const secret = await reveal(password);
    this.http.addSecret(secret);
    const found = (await this.identity('GET', '/users', { query: { name, domain_id: domainId }, reply: replies.users })).data.users.filter((u) => u.name === name);
    if (found[0]) {
      await this.identity('PATCH', `/users/${encodeURIComponent(found[0].id)}`, { json: { user: { password: secret, enabled: true } } });
      return found[0];
    }
    const user = { name, domain_id: domainId, password: secret, enabled: true, ...(defaultProjectId ? { default_project_id: defaultProjectId } : {}) };
    return (await this.identity('POST', '/users', { json: { user }, expect: [201], reply: replies.user })).data.user;
  }

  async grantProjectRole(projectId: string, userId: string, roleId: string): Promise<void> {
    await this.identity('PUT', `/projects/${encodeURIComponent(projectId)}/users/${encodeURIComponent(userId)}/roles/${encodeURIComponent(roleId)}`, { expect: [204] });
  }

  /** Creates an application credential for the token's own user; the secret is returned once and never again. */
  async createApplicationCredential(name: string, options: { roles?: string[]; expiresAt?: string } = {}): Promise<{ id: string; name: string; secret: string }> {
    const userId = (await this.getToken()).user.id;
    const body = { application_credential: { name, ...(options.roles ? { roles: options.roles.map((r) => ({ name: r })) } : {}), ...(options.expiresAt ? { expires_at: options.expiresAt } : {}) } };
    const reply = await this.identity('POST', `/users/${encodeURIComponent(userId)}/application_credentials`, { json: body, expect: [201], reply: replies.applicationCredential });
    this.http.addSecret(reply.data.application_credential.secret);
    return reply.data.application_credential;
  }

  async deleteApplicationCredential(id: string): Promise<void> {
    const userId = (await this.getToken()).user.id;
    await this.identity('DELETE', `/users/${encodeURIComponent(userId)}/application_credentials/${encodeURIComponent(id)}`, { expect: [204, 404] });
  }

  /** Revokes a token (tests use it to force the re-auth path). */
  async revokeToken(token: KeystoneToken): Promise<void> {
    await this.identity('DELETE', '/auth/tokens', { headers: { 'X-Subject-Token': token.id }, expect: [204, 404] });
  }
}

const timestamp = z.string().refine((v) => !Number.isNaN(Date.parse(v)), 'expected a date and time');
/** What the client reads of a token reply (Keystone's other fields are left alone); anything else is refused. */
const tokenBodySchema = z.object({
  expires_at: timestamp,
  issued_at: timestamp.optional(),
  catalog: z
    .array(
      z.object({
        id: z.string(),
        type: z.string(),
        name: z.string().optional(),
        endpoints: z.array(z.object({ id: z.string(), interface: z.enum(['public', 'internal', 'admin']), region_id: z.string().nullish(), region: z.string().nullish(), url: z.string() })),
      }),
    )
    .optional(),
  user: z.object({ id: z.string(), name: z.string() }),
  project: z.object({ id: z.string(), name: z.string() }).optional(),
  roles: z.array(z.object({ name: z.string() })).optional(),
});
type TokenBody = z.output<typeof tokenBodySchema>;
const tokenReplySchema = z.object({ token: tokenBodySchema }).describe('a token');

// ---- what the identity calls rely on in Keystone's replies (the fields read; the others are dropped) ----
const ksId = z.string().min(1).max(255);
const ksName = z.string().max(255);
const regionSchema = z.object({ id: ksId, description: z.string().max(4096).optional(), parent_region_id: ksId.nullish() });
const serviceSchema = z.object({ id: ksId, type: ksName, name: ksName.optional(), enabled: z.boolean().optional(), description: z.string().max(4096).optional() });
const endpointSchema = z.object({ id: ksId, service_id: ksId, interface: z.enum(['public', 'internal', 'admin']), region_id: ksId.nullable(), url: z.string().max(2048), enabled: z.boolean().optional() });
const projectSchema = z.object({ id: ksId, name: ksName, domain_id: ksId });
const userSchema = z.object({ id: ksId, name: ksName, domain_id: ksId });
const roleSchema = z.object({ id: ksId, name: ksName });
const replies = {
  regions: z.object({ regions: z.array(regionSchema) }).describe('a region list'),
  services: z.object({ services: z.array(serviceSchema) }).describe('a service list'),
  service: z.object({ service: serviceSchema }).describe('a service'),
  endpoints: z.object({ endpoints: z.array(endpointSchema) }).describe('an endpoint list'),
  endpoint: z.object({ endpoint: endpointSchema }).describe('an endpoint'),
  projects: z.object({ projects: z.array(projectSchema) }).describe('a project list'),
  project: z.object({ project: projectSchema }).describe('a project'),
  roles: z.object({ roles: z.array(roleSchema) }).describe('a role list'),
  role: z.object({ role: roleSchema }).describe('a role'),
  users: z.object({ users: z.array(userSchema) }).describe('a user list'),
  user: z.object({ user: userSchema }).describe('a user'),
  applicationCredential: z.object({ application_credential: z.object({ id: ksId, name: ksName, secret: z.string().min(1).max(4096) }) }).describe('an application credential'),
};

/** Keystone takes any string up to 255 as a region id; we keep to names tools and Kolla handle without quoting. */
export function checkRegionId(id: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(id)) throw new CwError('INVALID_INPUT', `'${id}' is not a usable region name: use letters, digits, '.', '_' and '-' (at most 64, starting with a letter or digit).`);
}

function checkEndpointUrl(url: string): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new CwError('INVALID_INPUT', `'${url}' is not an endpoint URL.`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new CwError('INVALID_INPUT', `Endpoint URL '${url}' must use http or https.`);
  if (u.username || u.password) throw new CwError('INVALID_INPUT', `Endpoint URL for ${u.host} must not carry credentials.`);
}
