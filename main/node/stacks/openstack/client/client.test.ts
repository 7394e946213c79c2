// The OpenStack clients against a small local Keystone/Nova stand-in that records what it receives: token
// cache and re-auth, the catalog resolver, pinned microversions, endpoint registration that never touches
// another region, redaction, and TLS pinning (a real TLS server with a self-signed certificate).
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CwError } from '../../../../common/errors.js';
import { OpenstackHttp } from './http.js';
import { catalogRegions, KeystoneClient, resolveEndpoint, type CatalogService } from './keystone.js';
import { GlanceClient } from './glance.js';
import { NeutronClient } from './neutron.js';
import { novaMicroversions, NovaClient } from './nova.js';
import { PlacementClient } from './placement.js';
import { normalizeFingerprint } from './tls.js';
import { caught } from '../../../../common/testing/caught.js';

const catalog: CatalogService[] = [
  {
    id: 'c',
    type: 'compute',
    name: 'nova',
    endpoints: [
      { id: '1', interface: 'public', region_id: 'RegionOne', region: 'RegionOne', url: 'https://r1.example:8774/v2.1' },
      { id: '2', interface: 'internal', region_id: 'RegionOne', region: 'RegionOne', url: 'http://10.0.1.10:8774/v2.1' },
      { id: '3', interface: 'public', region_id: 'RegionTwo', region: 'RegionTwo', url: 'https://r2.example:8774/v2.1' },
    ],
  },
  { id: 'i', type: 'identity', name: 'keystone', endpoints: [{ id: '4', interface: 'public', region: 'RegionOne', url: 'https://r1.example:5000/v3' }] },
];

describe('the catalog resolver', () => {
  it('picks the endpoint by type, region and interface', () => {
    expect(resolveEndpoint(catalog, { type: 'compute', region: 'RegionTwo' })).toBe('https://r2.example:8774/v2.1');
    expect(resolveEndpoint(catalog, { type: 'compute', region: 'RegionOne', interface: 'internal' })).toBe('http://10.0.1.10:8774/v2.1');
    // Older catalogs carry only `region`.
    expect(resolveEndpoint(catalog, { type: 'identity', region: 'RegionOne' })).toBe('https://r1.example:5000/v3');
    expect(catalogRegions(catalog)).toEqual(['RegionOne', 'RegionTwo']);
  });

  it('names what exists when the region or the service is missing, and never falls back to another region', () => {
    const noRegion = (() => {
      try {
        resolveEndpoint(catalog, { type: 'compute', region: 'regionone' });
      } catch (e) {
        return e as CwError;
      }
    })();
    expect(noRegion?.code).toBe('NOT_FOUND');
    expect(noRegion?.message).toContain('it has one in: RegionOne, RegionTwo');
    expect(() => resolveEndpoint(catalog, { type: 'compute', region: 'RegionTwo', interface: 'internal' })).toThrow(/no internal compute endpoint in region RegionTwo/);
    expect(() => resolveEndpoint(catalog, { type: 'network', region: 'RegionOne' })).toThrow(/no network service \(it lists: compute, identity\)/);
  });

  it('refuses two endpoints for the same type, region and interface instead of taking the first', () => {
    const twice: CatalogService[] = [...catalog, { id: 'c2', type: 'compute', name: 'nova-old', endpoints: [{ id: '9', interface: 'public', region_id: 'RegionTwo', url: 'https://old.example/v2.1' }] }];
    expect(() => resolveEndpoint(twice, { type: 'compute', region: 'RegionTwo' })).toThrow(/2 public compute endpoints in region RegionTwo \(https:\/\/r2.example:8774\/v2.1, https:\/\/old.example\/v2.1\); refusing to guess/);
  });
});

// ---- a recording stand-in for Keystone and Nova ---------------------------------------------------

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

interface Stand {
  url: string;
  seen: Seen[];
  tokens: number;
  /** Tokens the stand-in no longer accepts. */
  revoked: Set<string>;
  /** Reject every token (a user whose roles were removed). */
  rejectAll: boolean;
  /** Endpoints; GET /v3/endpoints ignores its filters on purpose (like a broken proxy might). */
  endpoints: { id: string; service_id: string; interface: string; region_id: string; url: string }[];
  novaMax: string;
  expiresInMs: number;
  regions: { id: string }[];
  services: { id: string; type: string; name: string }[];
  /** Replaces the token body Keystone sends (a hostile or broken identity service). */
  tokenBody?: (base: string) => unknown;
  /** Canned answers by `METHOD /path` (any service behind the stand-in; a hostile or broken one). */
  canned: Map<string, { status: number; body: unknown; contentType?: string }>;
  close(): Promise<void>;
}

function reply(res: http.ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

function startStand(tlsOptions?: { key: string; cert: string }): Promise<Stand> {
  const stand: Stand = { url: '', seen: [], tokens: 0, revoked: new Set(), rejectAll: false, endpoints: [], novaMax: '2.93', expiresInMs: 3_600_000, regions: [], services: [], canned: new Map(), close: async () => undefined };
  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      stand.seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      const u = new URL(req.url!, 'http://x');
      if (req.method === 'POST' && u.pathname === '/v3/auth/tokens') {
        const auth = JSON.parse(body).auth;
        const pw = auth.identity.password?.user?.password;
        if (pw !== undefined && pw !== 'right-password') return reply(res, 401, { error: { code: 401, title: 'Unauthorized', message: `The password ${pw} is wrong.` } });
        const id = `tok-${++stand.tokens}-${crypto.randomBytes(6).toString('hex')}`;
        const base = stand.url;
        if (stand.tokenBody) return reply(res, 201, stand.tokenBody(base), { 'X-Subject-Token': id });
        return reply(res, 201, { token: { issued_at: new Date().toISOString(), expires_at: new Date(Date.now() + stand.expiresInMs).toISOString(), user: { id: 'u1', name: 'admin' }, roles: [{ name: 'admin' }], catalog: [{ id: 'c', type: 'compute', endpoints: [{ id: 'e1', interface: 'public', region_id: 'RegionOne', url: `${base}/compute/v2.1` }] }] } }, { 'X-Subject-Token': id });
      }
      const token = String(req.headers['x-auth-token'] ?? '');
      if (!token.startsWith('tok-') || stand.revoked.has(token) || stand.rejectAll) return reply(res, 401, { error: { code: 401, message: 'The request you have made requires authentication.' } });
      const canned = stand.canned.get(`${req.method} ${u.pathname}`);
      if (canned) {
        res.writeHead(canned.status, { 'Content-Type': canned.contentType ?? 'application/json' });
        return res.end(typeof canned.body === 'string' ? canned.body : JSON.stringify(canned.body));
      }
      if (u.pathname === '/v3/endpoints' && req.method === 'GET') return reply(res, 200, { endpoints: stand.endpoints });
      if (u.pathname === '/v3/endpoints' && req.method === 'POST') {
        const e = JSON.parse(body).endpoint;
        const created = { ...e, id: `new-${stand.endpoints.length}` };
        stand.endpoints.push(created);
        return reply(res, 201, { endpoint: created });
      }
      if (u.pathname.startsWith('/v3/endpoints/') && req.method === 'PATCH') return reply(res, 200, { endpoint: {} });
      if (u.pathname === '/v3/regions' && req.method === 'GET') return reply(res, 200, { regions: stand.regions });
      if (u.pathname === '/v3/regions' && req.method === 'POST') {
        stand.regions.push(JSON.parse(body).region);
        return reply(res, 201, { region: JSON.parse(body).region });
      }
      if (u.pathname === '/v3/services' && req.method === 'GET') return reply(res, 200, { services: stand.services });
      if (u.pathname === '/v3/services' && req.method === 'POST') {
        const created = { ...JSON.parse(body).service, id: `svc-${stand.services.length}` };
        stand.services.push(created);
        return reply(res, 201, { service: created });
      }
      if (u.pathname === '/compute/v2.1/') return reply(res, 200, { version: { id: 'v2.1', version: stand.novaMax, min_version: '2.1' } });
      if (u.pathname === '/compute/v2.1/os-hypervisors/detail') return reply(res, 200, { hypervisors: [] });
      if (u.pathname.endsWith('/action')) {
        const action = JSON.parse(body);
        if (action.createImage) return reply(res, 202, { image_id: 'img-1' });
        res.writeHead(202);
        return res.end();
      }
      if (u.pathname === '/network/v2.0/vpn/ipsec-site-connections') return reply(res, 400, { NeutronError: { type: 'Invalid', message: `Invalid input: psk ${JSON.parse(body).ipsec_site_connection.psk} too weak`, detail: '' } });
      reply(res, 404, { itemNotFound: { code: 404, message: 'Not found.' } });
    });
  };
  const server = tlsOptions ? https.createServer(tlsOptions, handler) : http.createServer(handler);
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      stand.url = `${tlsOptions ? 'https' : 'http'}://127.0.0.1:${port}`;
      stand.close = () => new Promise((r) => server.close(() => r()));
      resolve(stand);
    });
  });
}

function keystoneFor(stand: Stand, http: OpenstackHttp, password = 'right-password', now?: () => number): KeystoneClient {
  return new KeystoneClient({ authUrl: `${stand.url}/v3`, http, now, credentials: { kind: 'password', user: { name: 'admin', domain: { id: 'default' } }, password, scope: { project: { name: 'admin', domain: { id: 'default' } } } } });
}

describe('Keystone sessions', () => {
  let stand: Stand;
  beforeAll(async () => {
    stand = await startStand();
  });
  afterAll(() => stand.close());

  it('refuses a token reply of an unexpected shape with INVALID_OUTPUT naming the field, never a TypeError', async () => {
    const good = (base: string) => ({ issued_at: new Date().toISOString(), expires_at: new Date(Date.now() + 3_600_000).toISOString(), user: { id: 'u1', name: 'admin' }, catalog: [{ id: 'c', type: 'compute', endpoints: [{ id: 'e1', interface: 'public', region_id: 'RegionOne', url: `${base}/compute/v2.1` }] }] });
    const cases: [string, (base: string) => unknown, RegExp][] = [
      ['no token', () => ({}), /token of an unexpected shape \(token: /],
      ['null body', () => null, /token of an unexpected shape/],
      ['no user', (b) => ({ token: { ...good(b), user: undefined } }), /\(token\.user: /],
      ['user without id', (b) => ({ token: { ...good(b), user: { name: 'admin' } } }), /\(token\.user\.id: /],
      ['expiry not a date', (b) => ({ token: { ...good(b), expires_at: 'soon' } }), /\(token\.expires_at: expected a date and time\)/],
      ['catalog not a list', (b) => ({ token: { ...good(b), catalog: { compute: 'x' } } }), /\(token\.catalog: /],
      ['endpoint of an unknown interface', (b) => ({ token: { ...good(b), catalog: [{ id: 'c', type: 'compute', endpoints: [{ id: 'e', interface: 'everywhere', url: `${b}/x` }] }] } }), /\(token\.catalog\.0\.endpoints\.0\.interface: /],
    ];
    try {
      for (const [what, body, message] of cases) {
        stand.tokenBody = body;
        const http = new OpenstackHttp();
        const nova = new NovaClient({ keystone: keystoneFor(stand, http), region: 'RegionOne' });
        const error = await nova.listHypervisors().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error, what).toBeInstanceOf(CwError);
        expect((error as CwError).code, what).toBe('INVALID_OUTPUT');
        expect((error as CwError).message, what).toMatch(message);
        await http.close();
      }
      // The same stand-in with a well-formed reply: accepted.
      stand.tokenBody = (b) => ({ token: good(b) });
      const http = new OpenstackHttp();
      await expect(new NovaClient({ keystone: keystoneFor(stand, http), region: 'RegionOne' }).listHypervisors()).resolves.toEqual([]);
      await http.close();
    } finally {
      stand.tokenBody = undefined;
    }
  });

  it('shares one token between concurrent calls and renews it before it expires, by its lifetime not our clock', async () => {
    let clock = Date.now() - 3 * 3_600_000; // a local clock three hours behind Keystone's
    const http = new OpenstackHttp();
    const ks = keystoneFor(stand, http, 'right-password', () => clock);
    const nova = new NovaClient({ keystone: ks, region: 'RegionOne' });
    await Promise.all([nova.listHypervisors(), nova.listHypervisors(), nova.listHypervisors()]);
    expect(ks.authCount).toBe(1);
    clock += 50 * 60_000; // 10 minutes left, outside the 5-minute renew window: still cached.
    await nova.listHypervisors();
    expect(ks.authCount).toBe(1);
    clock += 6 * 60_000; // 4 minutes left: renewed.
    await nova.listHypervisors();
    expect(ks.authCount).toBe(2);
    await http.close();
  });

  it('authenticates again once after a 401 and retries; a second 401 is AUTH_FAILED', async () => {
    const http = new OpenstackHttp();
    const ks = keystoneFor(stand, http);
    const nova = new NovaClient({ keystone: ks, region: 'RegionOne' });
    const first = await ks.getToken();
    stand.revoked.add(first.id);
    await nova.listHypervisors();
    expect(ks.authCount).toBe(2);
    const before = stand.seen.length;
    stand.rejectAll = true;
    try {
      const error = await caught(nova.listHypervisors());
      expect(error.code).toBe('AUTH_FAILED');
      expect(ks.authCount).toBe(3);
      expect(stand.seen.slice(before).map((s) => `${s.method} ${new URL(s.url, 'http://x').pathname}`)).toEqual(['GET /compute/v2.1/os-hypervisors/detail', 'POST /v3/auth/tokens', 'GET /compute/v2.1/os-hypervisors/detail']);
    } finally {
      stand.rejectAll = false;
    }
    await http.close();
  });

  it('keeps the password out of errors even when the server echoes it', async () => {
    const lines: string[] = [];
    const http = new OpenstackHttp({ log: (l) => lines.push(l) });
    const ks = keystoneFor(stand, http, 'echoed-secret-9f2');
    const error = await caught(ks.getToken());
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.message).toContain('The password *** is wrong');
    expect(JSON.stringify(error.toPayload())).not.toContain('echoed-secret-9f2');
    expect(lines.join('\n')).not.toContain('echoed-secret-9f2');
    await http.close();
  });

  it('keeps a VPN pre-shared key out of errors', async () => {
    const http = new OpenstackHttp();
    const ks = keystoneFor(stand, http);
    const neutron = new NeutronClient({ keystone: ks, region: 'RegionOne', endpointOverride: `${stand.url}/network` });
    const error = await caught(neutron.create('ipsec-site-connections', { name: 'x', vpnservice_id: 'v', ikepolicy_id: 'i', ipsecpolicy_id: 'p', peer_address: '192.0.2.1', peer_id: '192.0.2.1', local_ep_group_id: 'l', peer_ep_group_id: 'r', psk: 'psk-a81f07c2' }));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('Invalid input: psk *** too weak');
    await http.close();
  });

  it('registers an endpoint for its own region even when the server ignores the region filter', async () => {
    stand.endpoints = [
      { id: 'other-region', service_id: 'svc', interface: 'public', region_id: 'RegionOne', url: 'http://r1/v2.1' },
      { id: 'other-iface', service_id: 'svc', interface: 'internal', region_id: 'RegionTwo', url: 'http://r2-internal/v2.1' },
    ];
    const http = new OpenstackHttp();
    const ks = keystoneFor(stand, http);
    const before = stand.seen.length;
    expect(await ks.ensureEndpoint('svc', 'RegionTwo', 'public', 'http://r2/v2.1')).toBe('created');
    const writes = stand.seen.slice(before).filter((s) => s.method !== 'GET' && !s.url.startsWith('/v3/auth'));
    expect(writes.map((w) => `${w.method} ${w.url}`)).toEqual(['POST /v3/endpoints']);
    expect(JSON.parse(writes[0]!.body)).toEqual({ endpoint: { service_id: 'svc', interface: 'public', region_id: 'RegionTwo', url: 'http://r2/v2.1', enabled: true } });
    expect(await ks.ensureEndpoint('svc', 'RegionTwo', 'public', 'http://r2/v2.1')).toBe('unchanged');
    await expect(ks.ensureEndpoint('svc', 'Region Two', 'public', 'http://r2/v2.1')).rejects.toThrow(/not a usable region name/);
    await expect(ks.ensureEndpoint('svc', 'RegionTwo', 'public', 'http://user:pw@r2/v2.1')).rejects.toThrow(/must not carry credentials/);
    await http.close();
  });

  it("registers a region's endpoints in three reads and only the writes needed, leaving the other region's alone", async () => {
    stand.regions = [{ id: 'RegionOne' }];
    stand.services = [{ id: 'svc', type: 'compute', name: 'nova' }];
    stand.endpoints = [{ id: 'r1-public', service_id: 'svc', interface: 'public', region_id: 'RegionOne', url: 'http://r1/v2.1' }];
    const http = new OpenstackHttp();
    const ks = keystoneFor(stand, http);
    const regs = [
      { type: 'compute', name: 'nova', region: 'RegionTwo', urls: { public: 'http://r2/v2.1', internal: 'http://10.2.0.10:8774/v2.1' } },
      { type: 'image', name: 'glance', region: 'RegionTwo', urls: { public: 'http://r2:9292' } },
    ];
    await ks.getToken();
    const before = stand.seen.length;
    const report = await ks.registerEndpoints(regs);
    expect(report).toEqual({
      regions: { RegionTwo: 'created' },
      services: { 'compute/nova': 'unchanged', 'image/glance': 'created' },
      endpoints: { 'compute/RegionTwo/public': 'created', 'compute/RegionTwo/internal': 'created', 'image/RegionTwo/public': 'created' },
    });
    const calls = stand.seen.slice(before).map((c) => `${c.method} ${c.url}`);
    expect(calls).toEqual(['GET /v3/regions', 'GET /v3/services', 'GET /v3/endpoints', 'POST /v3/regions', 'POST /v3/endpoints', 'POST /v3/endpoints', 'POST /v3/services', 'POST /v3/endpoints']);
    expect(stand.endpoints.find((e) => e.id === 'r1-public')).toEqual({ id: 'r1-public', service_id: 'svc', interface: 'public', region_id: 'RegionOne', url: 'http://r1/v2.1' });
    const again = stand.seen.length;
    const second = await ks.registerEndpoints(regs);
    expect(new Set([...Object.values(second.regions), ...Object.values(second.services), ...Object.values(second.endpoints)])).toEqual(new Set(['unchanged']));
    expect(stand.seen.slice(again).map((c) => c.method)).toEqual(['GET', 'GET', 'GET']);
    await http.close();
  });

  it('sends an explicit compute microversion on every nova call, the pinned one for each', async () => {
    const http = new OpenstackHttp();
    const ks = keystoneFor(stand, http);
    const nova = new NovaClient({ keystone: ks, region: 'RegionOne' });
    const before = stand.seen.length;
    await nova.checkMicroversions();
    await nova.listHypervisors();
    await nova.liveMigrate('srv-1', 'host2');
    expect(await nova.createImage('srv-1', 'snap')).toBe('img-1');
    const calls = stand.seen.slice(before).filter((s) => s.url.startsWith('/compute'));
    expect(calls.map((c) => c.headers['openstack-api-version'])).toEqual(['compute 2.1', `compute ${novaMicroversions.hypervisors}`, 'compute 2.68', 'compute 2.45']);
    expect(JSON.parse(calls[2]!.body)).toEqual({ 'os-migrateLive': { host: 'host2', block_migration: 'auto' } });
    stand.novaMax = '2.60';
    const error = await caught(nova.checkMicroversions());
    expect(error.code).toBe('UNSUPPORTED');
    expect(error.message).toMatch(/servers \(2\.79\).*liveMigrate \(2\.68\)/);
    stand.novaMax = '2.93';
    await http.close();
  });
});

// ---- replies of an unexpected shape ---------------------------------------------------------------

describe('replies of an unexpected shape', () => {
  let stand: Stand;
  let http: OpenstackHttp;
  let ks: KeystoneClient;
  beforeAll(async () => {
    stand = await startStand();
    http = new OpenstackHttp();
    ks = keystoneFor(stand, http);
  });
  afterAll(async () => {
    await http.close();
    await stand.close();
  });

  const nova = () => new NovaClient({ keystone: ks, region: 'RegionOne' });
  const glance = () => new GlanceClient({ keystone: ks, region: 'RegionOne', endpointOverride: `${stand.url}/image` });
  const placement = () => new PlacementClient({ keystone: ks, region: 'RegionOne', endpointOverride: `${stand.url}/placement` });
  const neutron = () => new NeutronClient({ keystone: ks, region: 'RegionOne', endpointOverride: `${stand.url}/network` });

  // Well-formed items, as the real services send them (trimmed to a few of their fields).
  const server = { id: '2c5c5a36-8a8a-4a5e-9a43-1f0c3e7b0a11', name: 'db1', status: 'ACTIVE', 'OS-EXT-SRV-ATTR:host': 'host1', 'OS-EXT-STS:task_state': null, flavor: { original_name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1 }, metadata: {}, links: [] };
  const service = { id: 'f1d0c8e2-0b7e-4e43-9b1c-3f7d2d3c4b5a', binary: 'nova-compute', host: 'host1', zone: 'nova', status: 'enabled', state: 'up', forced_down: false, updated_at: '2026-12-05T12:00:00.000000', disabled_reason: null };
  const hypervisor = { id: 'a1b2c3d4-0000-4000-8000-000000000001', hypervisor_hostname: 'host1', state: 'up', status: 'enabled', hypervisor_type: 'fake', vcpus: 8, memory_mb: 8192, service: { host: 'host1', id: 'x', disabled_reason: null } };
  const migration = { id: 7, uuid: 'm-7', instance_uuid: server.id, migration_type: 'live-migration', status: 'running', source_compute: 'host1', dest_compute: 'host2', created_at: '2026-12-05T12:00:00.000000', updated_at: null };
  const progress = { id: 7, status: 'running', source_compute: 'host1', dest_compute: 'host2', memory_total_bytes: 100, memory_processed_bytes: 50, memory_remaining_bytes: 50, disk_total_bytes: null, disk_processed_bytes: null, disk_remaining_bytes: null };
  const image = { id: 'b7e1c7d2-1111-4111-8111-111111111111', name: 'boot', status: 'active', disk_format: 'raw', container_format: 'bare', size: 4096, checksum: 'c', os_hash_algo: 'sha512', os_hash_value: 'h', visibility: 'shared', owner: 'p', min_disk: 0, min_ram: 0, hw_disk_bus: 'scsi', tags: [] };
  const provider = { uuid: 'c0ffee00-0000-4000-8000-000000000001', name: 'host1', generation: 3, parent_provider_uuid: null, root_provider_uuid: 'c0ffee00-0000-4000-8000-000000000001' };
  const inventory = { total: 8, reserved: 0, min_unit: 1, max_unit: 8, step_size: 1, allocation_ratio: 16 };
  const endpoint = { id: 'e1', service_id: 'svc', interface: 'public', region_id: 'RegionOne', region: 'RegionOne', url: 'http://r1/v2.1', enabled: true };
  const ike = { id: '0d6b4a7e-2222-4222-8222-222222222222', name: 'cw-ike', auth_algorithm: 'sha256', encryption_algorithm: 'aes-256', phase1_negotiation_mode: 'main', ike_version: 'v2', pfs: 'group14', lifetime: { units: 'seconds', value: 3600 } };

  const expectShapeError = async (what: string, call: () => Promise<unknown>, field: RegExp): Promise<CwError> => {
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, what).toBeInstanceOf(CwError);
    expect((error as CwError).code, `${what}: ${(error as Error).message}`).toBe('INVALID_OUTPUT');
    expect((error as CwError).message, what).toMatch(/ of an unexpected shape \(/);
    expect((error as CwError).message, what).toMatch(field);
    return error as CwError;
  };

  type Case = [what: string, method: string, path: string, body: unknown, call: () => Promise<unknown>, field: RegExp, status?: number];
  const run = async (cases: Case[]) => {
    for (const [what, method, path, body, call, field, status] of cases) {
      stand.canned.set(`${method} ${path}`, { status: status ?? 200, body });
      try {
        await expectShapeError(what, call, field);
      } finally {
        stand.canned.delete(`${method} ${path}`);
      }
    }
  };

  it('refuses a nova reply of another shape with INVALID_OUTPUT naming the service, the call and the field', async () => {
    stand.canned.set('GET /compute/v2.1/servers/detail', { status: 200, body: { servers: [{ ...server, status: 5 }] } });
    const error = await expectShapeError('a status that is a number', () => nova().listServers(), /servers\.0\.status: /);
    stand.canned.delete('GET /compute/v2.1/servers/detail');
    expect(error.message).toBe(`compute in RegionOne at ${new URL(stand.url).host} answered GET /compute/v2.1/servers/detail with a server list of an unexpected shape (servers.0.status: Invalid input: expected string, received number).`);
    const id = server.id;
    await run([
      ['no servers key', 'GET', '/compute/v2.1/servers/detail', {}, () => nova().listServers(), /\(servers: /],
      ['a null server', 'GET', '/compute/v2.1/servers/detail', { servers: [null] }, () => nova().listServers(), /\(servers\.0: /],
      ['a server without a name', 'GET', `/compute/v2.1/servers/${id}`, { server: { ...server, name: undefined } }, () => nova().getServer(id), /\(server\.name: /],
      ['a server that is null', 'GET', `/compute/v2.1/servers/${id}`, { server: null }, () => nova().getServer(id), /\(server: /],
      ['a server that is null while waiting for it', 'GET', `/compute/v2.1/servers/${id}`, { server: null }, () => nova().waitForServer(id, 'ACTIVE', { timeoutMs: 1_000 }), /\(server: /],
      ['flavor RAM as text', 'GET', `/compute/v2.1/servers/${id}`, { server: { ...server, flavor: { ram: '512' } } }, () => nova().getServer(id), /\(server\.flavor\.ram: /],
      ['metadata with a number', 'GET', `/compute/v2.1/servers/${id}`, { server: { ...server, metadata: { copy: 1 } } }, () => nova().getServer(id), /\(server\.metadata\.copy: /],
      ['a created server without id', 'POST', '/compute/v2.1/servers', { server: {} }, () => nova().createServer({ name: 'x', flavorRef: '1', imageRef: 'i', networks: 'none' }), /\(server\.id: /, 202],
      ['no flavors', 'GET', '/compute/v2.1/flavors/detail', { flavors: null }, () => nova().listFlavors(), /\(flavors: /],
      ['a service in an unknown state', 'GET', '/compute/v2.1/os-services', { services: [{ ...service, state: 'sideways' }] }, () => nova().listServices(), /\(services\.0\.state: /],
      ['forced_down as text', 'GET', '/compute/v2.1/os-services', { services: [{ ...service, forced_down: 'no' }] }, () => nova().listServices(), /\(services\.0\.forced_down: /],
      ['an updated service that is text', 'PUT', `/compute/v2.1/os-services/${service.id}`, { service: 'ok' }, () => nova().updateService(service.id, { status: 'enabled' }), /\(service: /],
      ['hypervisors as an object', 'GET', '/compute/v2.1/os-hypervisors/detail', { hypervisors: {} }, () => nova().listHypervisors(), /\(hypervisors: /],
      ['a migration id as text', 'GET', '/compute/v2.1/os-migrations', { migrations: [{ ...migration, id: '7' }] }, () => nova().listMigrations(), /\(migrations\.0\.id: /],
      ['a null progress entry', 'GET', `/compute/v2.1/servers/${id}/migrations`, { migrations: [null] }, () => nova().serverMigrations(id), /\(migrations\.0: /],
      ['a version that is no microversion', 'GET', '/compute/v2.1/', { version: { version: 'latest', min_version: '2.1' } }, () => nova().checkMicroversions(), /\(version\.version: expected a microversion/],
      ['createImage without an image id', 'POST', `/compute/v2.1/servers/${id}/action`, {}, () => nova().createImage(id, 'snap'), /\(image_id: /, 202],
      ['a null body', 'GET', '/compute/v2.1/os-services', null, () => nova().listServices(), /\(the body: /],
    ]);
    // A login page from a proxy in front of nova: not JSON at all.
    stand.canned.set('GET /compute/v2.1/os-hypervisors/detail', { status: 200, body: '<html>login</html>', contentType: 'text/html' });
    await expectShapeError('an HTML page', () => nova().listHypervisors(), /with a hypervisor list of an unexpected shape \(the body: no JSON \(Content-Type text\/html\)\)/);
    stand.canned.clear();
  });

  it('still accepts well-formed nova replies, with the fields the app reads', async () => {
    const id = server.id;
    stand.canned.set('GET /compute/v2.1/servers/detail', { status: 200, body: { servers: [server] } });
    stand.canned.set(`GET /compute/v2.1/servers/${id}`, { status: 200, body: { server: { ...server, metadata: { 'clusterwright.copy_of': `RegionOne/${id}` } } } });
    stand.canned.set('GET /compute/v2.1/os-services', { status: 200, body: { services: [service] } });
    stand.canned.set('GET /compute/v2.1/os-hypervisors/detail', { status: 200, body: { hypervisors: [hypervisor] } });
    stand.canned.set('GET /compute/v2.1/os-migrations', { status: 200, body: { migrations: [migration] } });
    stand.canned.set(`GET /compute/v2.1/servers/${id}/migrations`, { status: 200, body: { migrations: [progress] } });
    stand.canned.set('GET /compute/v2.1/flavors/detail', { status: 200, body: { flavors: [{ id: '1', name: 'm1.tiny', vcpus: 1, ram: 512, disk: 1 }] } });
    stand.canned.set('POST /compute/v2.1/servers', { status: 202, body: { server: { id, links: [] } } });
    try {
      const n = nova();
      expect((await n.listServers()).map((s) => [s.name, s['OS-EXT-SRV-ATTR:host'], s.flavor?.ram])).toEqual([['db1', 'host1', 512]]);
      expect((await n.getServer(id)).metadata).toEqual({ 'clusterwright.copy_of': `RegionOne/${id}` });
      expect(await n.listServices()).toEqual([service]);
      expect((await n.listHypervisors()).map((h) => [h.hypervisor_hostname, h.state, h.status])).toEqual([['host1', 'up', 'enabled']]);
      expect((await n.listMigrations())[0]).toEqual(migration);
      expect((await n.serverMigrations(id))[0]?.memory_processed_bytes).toBe(50);
      expect((await n.listFlavors()).map((f) => f.name)).toEqual(['m1.tiny']);
      expect(await n.createServer({ name: 'db1', flavorRef: '1', imageRef: 'i', networks: 'none' })).toBe(id);
      expect(await n.checkMicroversions()).toEqual({ max: '2.93', min: '2.1' });
    } finally {
      stand.canned.clear();
    }
  });

  it('refuses a glance reply of another shape, and keeps the other properties of a well-formed image', async () => {
    await run([
      ['an image without id', 'GET', `/image/v2/images/${image.id}`, { ...image, id: undefined }, () => glance().getImage(image.id), /\(id: /],
      ['a null image', 'GET', `/image/v2/images/${image.id}`, null, () => glance().getImage(image.id), /\(the body: /],
      ['a size as text', 'GET', '/image/v2/images', { images: [{ ...image, size: '4096' }] }, () => glance().listImages({ name: 'boot' }), /\(images\.0\.size: /],
      ['no images key', 'GET', '/image/v2/images', { next: '/v2/images?marker=x' }, () => glance().listImages(), /\(images: /],
      ['a created image with min_disk null', 'POST', '/image/v2/images', { ...image, status: 'queued', min_disk: null }, () => glance().createImage({ name: 'x', disk_format: 'raw', container_format: 'bare' }), /\(min_disk: /, 201],
    ]);
    stand.canned.set(`GET /image/v2/images/${image.id}`, { status: 200, body: image });
    try {
      const got = await glance().getImage(image.id);
      expect(got).toEqual(image);
      expect(got.hw_disk_bus).toBe('scsi');
    } finally {
      stand.canned.clear();
    }
  });

  it('refuses a placement reply of another shape, naming the resource class; a well-formed one gives the free units', async () => {
    const uuid = provider.uuid;
    // free() reads the usages alongside the inventories.
    stand.canned.set(`GET /placement/resource_providers/${uuid}/usages`, { status: 200, body: { usages: { VCPU: 2 } } });
    await run([
      ['a provider uuid as a number', 'GET', '/placement/resource_providers', { resource_providers: [{ ...provider, uuid: 1 }] }, () => placement().listResourceProviders(), /\(resource_providers\.0\.uuid: /],
      ['no inventories', 'GET', `/placement/resource_providers/${uuid}/inventories`, { resource_provider_generation: 3 }, () => placement().inventories(uuid), /\(inventories: /],
      ['a total as text', 'GET', `/placement/resource_providers/${uuid}/inventories`, { inventories: { VCPU: { ...inventory, total: '8' } } }, () => placement().inventories(uuid), /\(inventories\.VCPU\.total: /],
      ['a null inventory while counting free units', 'GET', `/placement/resource_providers/${uuid}/inventories`, { inventories: { VCPU: null } }, () => placement().free(uuid), /\(inventories\.VCPU: /],
      ['a null usage', 'GET', `/placement/resource_providers/${uuid}/usages`, { usages: { VCPU: null } }, () => placement().usages(uuid), /\(usages\.VCPU: /],
    ]);
    stand.canned.set(`GET /placement/resource_providers/${uuid}/inventories`, { status: 200, body: { inventories: { VCPU: inventory, MEMORY_MB: { ...inventory, total: 8192, max_unit: 8192, reserved: 512, allocation_ratio: 1.5 } }, resource_provider_generation: 3 } });
    stand.canned.set(`GET /placement/resource_providers/${uuid}/usages`, { status: 200, body: { usages: { VCPU: 2, MEMORY_MB: 1024 }, resource_provider_generation: 3 } });
    try {
      expect(await placement().free(uuid)).toEqual({ VCPU: 126, MEMORY_MB: 10496 });
    } finally {
      stand.canned.clear();
    }
  });

  it('keeps secrets the client handled out of a shape error, even in a field name the service made up', async () => {
    await ks.getToken(); // registers the password with the transport
    const error = await (async () => {
      stand.canned.set(`GET /placement/resource_providers/${provider.uuid}/usages`, { status: 200, body: { usages: { 'right-password': 1 } } });
      try {
        return await expectShapeError('a resource class that is the password', () => placement().usages(provider.uuid), /\(usages\.\*\*\*/);
      } finally {
        stand.canned.clear();
      }
    })();
    expect(error.message).not.toContain('right-password');
  });

  it("refuses a Keystone identity reply of another shape, the application credential's secret included", async () => {
    await run([
      ['no regions key', 'GET', '/v3/regions', {}, () => ks.listRegions(), /\(regions: /],
      ['services that are null', 'GET', '/v3/services', { services: null }, () => ks.listServices(), /\(services: /],
      ['an endpoint of an unknown interface', 'GET', '/v3/endpoints', { endpoints: [{ ...endpoint, interface: 'everywhere' }] }, () => ks.listEndpoints(), /\(endpoints\.0\.interface: /],
      ['an endpoint without a URL', 'GET', '/v3/endpoints', { endpoints: [{ ...endpoint, url: null }] }, () => ks.ensureEndpoint('svc', 'RegionOne', 'public', 'http://r1/v2.1'), /\(endpoints\.0\.url: /],
      ['a null project', 'GET', '/v3/projects', { projects: [null] }, () => ks.ensureProject('service'), /\(projects\.0: /],
      ['a role without id', 'GET', '/v3/roles', { roles: [{ name: 'admin' }] }, () => ks.ensureRole('admin'), /\(roles\.0\.id: /],
      ['a user list that is text', 'GET', '/v3/users', { users: 'admin' }, () => ks.ensureUser('nova', 'pw-of-nova-1'), /\(users: /],
      ['a credential without its secret', 'POST', '/v3/users/u1/application_credentials', { application_credential: { id: 'ac1', name: 'cw' } }, () => ks.createApplicationCredential('cw'), /\(application_credential\.secret: /, 201],
    ]);
    stand.canned.set('GET /v3/endpoints', { status: 200, body: { endpoints: [endpoint], links: {} } });
    try {
      expect(await ks.listEndpoints({ region: 'RegionOne' })).toEqual([{ id: 'e1', service_id: 'svc', interface: 'public', region_id: 'RegionOne', url: 'http://r1/v2.1', enabled: true }]);
    } finally {
      stand.canned.clear();
    }
  });

  it('refuses a neutron reply of another shape: a missing list is no longer read as an empty one', async () => {
    await run([
      ['no ikepolicies key', 'GET', '/network/v2.0/vpn/ikepolicies', {}, () => neutron().list('ikepolicies'), /an IKE policy list of an unexpected shape \(ikepolicies: /],
      ['a null policy', 'GET', `/network/v2.0/vpn/ikepolicies/${ike.id}`, { ikepolicy: null }, () => neutron().get('ikepolicies', ike.id), /\(ikepolicy: /],
      ['an id that is no id', 'POST', '/network/v2.0/vpn/vpnservices', { vpnservice: { id: 'a b;rm -rf', name: 'v', router_id: 'r', status: 'ACTIVE' } }, () => neutron().create('vpnservices', { name: 'v', router_id: 'r' }), /\(vpnservice\.id: expected an id\)/, 201],
      ['a lifetime as text', 'PUT', `/network/v2.0/vpn/ikepolicies/${ike.id}`, { ikepolicy: { ...ike, lifetime: '3600' } }, () => neutron().update('ikepolicies', ike.id, { pfs: 'group14' }), /\(ikepolicy\.lifetime: /],
      ['a null extension', 'GET', '/network/v2.0/extensions', { extensions: [null] }, () => neutron().vpnExtensions(), /\(extensions\.0: /],
      ['a gateway that is text', 'POST', '/network/v2.0/routers', { router: { id: 'r1', name: 'edge', external_gateway_info: 'none' } }, () => neutron().createRouter({ name: 'edge' }), /\(router\.external_gateway_info: /, 201],
    ]);
    stand.canned.set('GET /network/v2.0/vpn/ikepolicies', { status: 200, body: { ikepolicies: [{ ...ike, tenant_id: 'p', description: '' }] } });
    try {
      expect(await neutron().list('ikepolicies')).toEqual([ike]);
    } finally {
      stand.canned.clear();
    }
  });
});

// ---- TLS pinning ----------------------------------------------------------------------------------

const haveOpenssl = spawnSync('openssl', ['version']).status === 0;

describe.skipIf(!haveOpenssl)('TLS pinning', () => {
  let stand: Stand;
  let fingerprint: string;
  let dir: string;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-os-tls-'));
    const made = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=keystone.test', '-addext', 'subjectAltName=IP:127.0.0.1'], { encoding: 'utf8', timeout: 30_000 });
    if (made.status !== 0) throw new Error(made.stderr);
    const cert = fs.readFileSync(path.join(dir, 'cert.pem'), 'utf8');
    fingerprint = normalizeFingerprint(new crypto.X509Certificate(cert).fingerprint256);
    stand = await startStand({ key: fs.readFileSync(path.join(dir, 'key.pem'), 'utf8'), cert });
  });
  afterAll(async () => {
    await stand.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an unpinned certificate and shows its fingerprint, before sending anything', async () => {
    const http = new OpenstackHttp();
    const before = stand.seen.length;
    const error = await caught(keystoneFor(stand, http).getToken());
    expect(error.code).toBe('HOST_KEY_UNKNOWN');
    expect(error.detail).toMatchObject({ fingerprint, host: '127.0.0.1' });
    expect(stand.seen.length).toBe(before);
    await http.close();
  });

  it('refuses a changed certificate and sends nothing; the pinned one works', async () => {
    const port = new URL(stand.url).port;
    const wrong = normalizeFingerprint(crypto.createHash('sha256').update('another certificate').digest('hex'));
    const bad = new OpenstackHttp({ pins: { [`127.0.0.1:${port}`]: wrong } });
    const before = stand.seen.length;
    const error = await caught(keystoneFor(stand, bad).getToken());
    expect(error.code).toBe('HOST_KEY_CHANGED');
    expect(error.detail).toMatchObject({ fingerprint, pinned: wrong });
    expect(stand.seen.length).toBe(before);
    await bad.close();

    const good = new OpenstackHttp({ pins: { [`127.0.0.1:${port}`]: fingerprint.toLowerCase().replace(/:/g, '') } });
    const ks = keystoneFor(stand, good);
    expect((await ks.getToken()).user.name).toBe('admin');
    expect(stand.seen.length).toBe(before + 1);
    await good.close();
  });
});
