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
import { NeutronClient } from './neutron.js';
import { novaMicroversions, NovaClient } from './nova.js';
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
  close(): Promise<void>;
}

function reply(res: http.ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(body === undefined ? '' : JSON.stringify(body));
}

function startStand(tlsOptions?: { key: string; cert: string }): Promise<Stand> {
  const stand: Stand = { url: '', seen: [], tokens: 0, revoked: new Set(), rejectAll: false, endpoints: [], novaMax: '2.93', expiresInMs: 3_600_000, regions: [], services: [], close: async () => undefined };
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
