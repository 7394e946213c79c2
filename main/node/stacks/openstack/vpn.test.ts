// The VPN plan's operations against a small two-region neutron stand-in on 127.0.0.1 that records what it
// receives: every step creates what is missing and then holds (a second pass changes nothing), the connection
// points at the peer router's gateway with the stored key, a changed key or endpoint is updated or refused as
// neutron would, the status is reported as it is, a hostile reply is refused by shape, and the key never reaches
// a description, a log line or an error.
import crypto from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parsePlan } from '../../../common/plan/dag.js';
import type { StackCall } from '../../../common/plan/schema.js';
import { vpnPlan } from '../../../common/stacks/openstack/vpn.js';
import { caught } from '../../../common/testing/caught.js';
import { workspaceSchema, type Workspace } from '../../../common/workspace/schema.js';
import type { StackOpContext } from '../../engine/stack-ops.js';
import { MemorySecretStore } from '../../secrets/index.js';
import { createOpenstackClouds } from './cloud.js';
import { createVpnExecutor } from './vpn.js';

const PSK = `k3y "with" $(quotes) ${crypto.randomBytes(4).toString('hex')}`;
type Item = Record<string, unknown> & { id: string; name: string };
const collections = ['routers', 'subnets', 'vpn/ikepolicies', 'vpn/ipsecpolicies', 'vpn/vpnservices', 'vpn/endpoint-groups', 'vpn/ipsec-site-connections'] as const;
const itemKey: Record<string, string> = { 'vpn/ikepolicies': 'ikepolicy', 'vpn/ipsecpolicies': 'ipsecpolicy', 'vpn/vpnservices': 'vpnservice', 'vpn/endpoint-groups': 'endpoint_group', 'vpn/ipsec-site-connections': 'ipsec_site_connection' };

interface Neutron {
  url: string;
  db: Record<string, Record<string, Item[]>>;
  seen: { region: string; method: string; path: string; body: string }[];
  /** A reply to send instead, once, for a GET of this path. */
  hostile: Map<string, unknown>;
  close(): Promise<void>;
}

async function standIn(): Promise<Neutron> {
  const db: Neutron['db'] = {};
  for (const r of ['Paris', 'Lyon']) db[r] = Object.fromEntries(collections.map((c) => [c, []]));
  const n: Neutron = { url: '', db, seen: [], hostile: new Map(), close: async () => undefined };
  const reply = (res: http.ServerResponse, status: number, body?: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(body === undefined ? undefined : JSON.stringify(body));
  };
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const u = new URL(req.url!, 'http://x');
      if (req.method === 'POST' && u.pathname === '/v3/auth/tokens') {
        const endpoints = (r: string) => [{ id: r, interface: 'public', region_id: r, url: `${n.url}/${r}` }];
        return reply(res, 201, { token: { expires_at: new Date(Date.now() + 3_600_000).toISOString(), user: { id: 'u1', name: 'admin' }, catalog: [{ id: 'n', type: 'network', name: 'neutron', endpoints: [...endpoints('Paris'), ...endpoints('Lyon')] }] } }, { 'X-Subject-Token': 'tok-1' });
      }
      const m = /^\/(Paris|Lyon)\/v2\.0\/((?:vpn\/)?[a-z-]+)(?:\/([^/]+))?$/.exec(u.pathname);
      if (!m) return reply(res, 404, { NeutronError: { message: 'no such path' } });
      const [, region, collection, id] = m as unknown as [string, string, string, string | undefined];
      n.seen.push({ region, method: req.method!, path: u.pathname, body });
      const list = db[region]![collection];
      if (!list) return reply(res, 404, {});
      const key = collection.replace(/^vpn\//, '').replace(/-/g, '_');
      const one = itemKey[collection]!;
      if (req.method === 'GET' && !id) {
        if (n.hostile.has(u.pathname)) {
          const h = n.hostile.get(u.pathname);
          n.hostile.delete(u.pathname);
          return reply(res, 200, h);
        }
        const filters = [...u.searchParams.entries()];
        return reply(res, 200, { [key]: list.filter((x) => filters.every(([k, v]) => String(x[k]) === v)) });
      }
      const found = list.find((x) => x.id === id);
      if (req.method === 'GET') return found ? reply(res, 200, { [one]: found }) : reply(res, 404, {});
      if (req.method === 'POST') {
        const created = { status: collection === 'vpn/ipsec-site-connections' ? 'PENDING_CREATE' : 'ACTIVE', ...JSON.parse(body)[one], id: crypto.randomUUID() } as Item;
        if (collection === 'vpn/ikepolicies' || collection === 'vpn/ipsecpolicies') created.lifetime ??= { units: 'seconds', value: 3600 };
        if (collection === 'vpn/ipsec-site-connections') created.mtu ??= 1500;
        list.push(created);
        return reply(res, 201, { [one]: created });
      }
      if (req.method === 'PUT' && found) {
        if (collection === 'vpn/ipsec-site-connections' && String(found.status).startsWith('PENDING_')) return reply(res, 400, { NeutronError: { message: `Invalid state ${String(found.status)} of vpnaas resource ${found.id} for updating` } });
        Object.assign(found, JSON.parse(body)[one]);
        return reply(res, 200, { [one]: found });
      }
      reply(res, 404, {});
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  n.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  n.close = () => new Promise((r) => server.close(() => r()));
  return n;
}

/** What the admin has: per region a router with a gateway and a tenant subnet. */
function seed(n: Neutron): void {
  const add = (region: string, gateway: string, cidr: string) => {
    const subnet = { id: crypto.randomUUID(), name: 'tenant', cidr, ip_version: 4, network_id: crypto.randomUUID() };
    n.db[region]!.subnets!.push(subnet);
    n.db[region]!.routers!.push({ id: crypto.randomUUID(), name: 'edge', external_gateway_info: { network_id: crypto.randomUUID(), external_fixed_ips: [{ subnet_id: crypto.randomUUID(), ip_address: gateway }] } });
  };
  add('Paris', '203.0.113.7', '10.1.0.0/24');
  add('Lyon', '198.51.100.9', '10.2.0.0/24');
}

describe('the VPN operations on neutron', () => {
  let n: Neutron;
  const secrets = new MemorySecretStore();
  let workspace: Workspace;
  const logs: string[] = [];
  const ctx: StackOpContext = { signal: new AbortController().signal, timeoutMs: 10_000, runId: 'r', stepId: 's', log: (text, stream = 'info') => logs.push(`${stream}: ${text}`) };
  const clouds = createOpenstackClouds(secrets);
  const executor = createVpnExecutor(clouds, { current: async () => ({ workspace, facts: {}, path: '/nowhere' }), save: async () => undefined, storeFacts: async () => '' }, secrets);

  beforeAll(async () => {
    n = await standIn();
  });
  afterAll(async () => {
    await clouds.close();
    await n.close();
  });
  beforeEach(async () => {
    for (const r of Object.values(n.db)) for (const c of collections) r[c] = [];
    seed(n);
    logs.length = 0;
    const password = await secrets.put('admin-pw', { label: 'admin', kind: 'password' });
    const pskSecret = await secrets.put(PSK, { label: 'psk', kind: 'password' });
    workspace = workspaceSchema.parse({
      version: 1,
      name: 'vpn',
      openstack: {
        keystone: { authUrl: `${n.url}/v3`, passwordSecret: password },
        regions: [
          { name: 'Paris', keystone: true },
          { name: 'Lyon' },
        ],
        interconnects: [{ between: ['Paris', 'Lyon'], kind: 'vpn', vpn: { pskSecret, mtu: 1400, sides: { Paris: { router: 'edge', subnets: ['tenant'] }, Lyon: { router: n.db.Lyon!.routers![0]!.id, subnets: ['tenant'] } } } }],
      },
    });
  });

  const steps = () => parsePlan(vpnPlan(workspace).plan).steps;
  /** Runs the plan's steps in order the way the engine does: precheck, act when not done, verify. */
  const apply = async () => {
    let changed = 0;
    for (const step of steps()) {
      const call = (step.action.kind === 'wait' ? step.action.until : step.action) as StackCall;
      if (await executor.check(step.precheck as StackCall, ctx)) continue;
      await executor.act(call, ctx);
      if (step.verify) expect(await executor.check(step.verify as StackCall, ctx), step.id).toBe(true);
      changed++;
    }
    return changed;
  };

  it('creates everything both ways, pointing each connection at the other router, then finds it all done', async () => {
    expect(await apply()).toBe(8);
    for (const [me, peer, gateway, cidr] of [
      ['Paris', 'Lyon', '198.51.100.9', '10.2.0.0/24'],
      ['Lyon', 'Paris', '203.0.113.7', '10.1.0.0/24'],
    ] as const) {
      const db = n.db[me]!;
      const conn = db['vpn/ipsec-site-connections']![0]!;
      expect(conn).toMatchObject({ name: `cw-Paris-Lyon-to-${peer}`, peer_address: gateway, peer_id: gateway, psk: PSK, mtu: 1400, initiator: 'bi-directional' });
      expect(db['vpn/endpoint-groups']!.map((g) => [g.name, g.type, g.endpoints])).toEqual([
        ['cw-Paris-Lyon-local', 'subnet', [db.subnets![0]!.id]],
        ['cw-Paris-Lyon-peer', 'cidr', [cidr]],
      ]);
      expect(db['vpn/ikepolicies']![0]).toMatchObject({ ike_version: 'v2', encryption_algorithm: 'aes-256', auth_algorithm: 'sha256', pfs: 'group14', lifetime: { units: 'seconds', value: 3600 } });
      expect(db['vpn/vpnservices']![0]!.router_id).toBe(db.routers![0]!.id);
    }
    const writes = n.seen.filter((s) => s.method !== 'GET').length;
    expect(await apply()).toBe(0);
    expect(n.seen.filter((s) => s.method !== 'GET').length).toBe(writes);
    // Only the connection's creation carried the key.
    expect(n.seen.filter((s) => s.body.includes(JSON.stringify(PSK))).map((s) => [s.method, s.path.replace(/^\/\w+/, '')])).toEqual([
      ['POST', '/v2.0/vpn/ipsec-site-connections'],
      ['POST', '/v2.0/vpn/ipsec-site-connections'],
    ]);
    const described = steps().map((s) => executor.describe((s.action.kind === 'wait' ? s.action.until : s.action) as StackCall));
    expect(described.join('\n')).toContain('pre-shared key: secret');
    expect([...described, ...logs].join('\n')).not.toContain(PSK);
  });

  it('reports each connection as it is: PENDING_CREATE as created but not up, ACTIVE as up, ERROR as a failure', async () => {
    await apply();
    const verify = steps().at(-1)!;
    const call = (verify.action as { until: StackCall }).until;
    logs.length = 0;
    expect(await executor.check(call, ctx)).toBe(true);
    expect(logs.filter((l) => l.startsWith('stderr: warning')).length).toBe(2);
    expect(logs[0]).toContain('is PENDING_CREATE: created; no VPN agent has brought it up yet');
    n.db.Paris!['vpn/ipsec-site-connections']![0]!.status = 'ACTIVE';
    logs.length = 0;
    expect(await executor.check(call, ctx)).toBe(true);
    expect(logs[0]).toBe('stdout: Paris → Lyon: connection cw-Paris-Lyon-to-Lyon to 198.51.100.9 is ACTIVE (up)');
    n.db.Lyon!['vpn/ipsec-site-connections']![0]!.status = 'ERROR';
    expect((await caught(executor.check(call, ctx))).code).toBe('REMOTE_FAILED');
    // A connection removed behind the app's back: the check no longer holds.
    n.db.Lyon!['vpn/ipsec-site-connections'] = [];
    expect(await executor.check(call, ctx)).toBe(false);
  });

  it('updates a changed key on a connection an agent has taken up, and says why it cannot while it is pending', async () => {
    await apply();
    const fresh = await secrets.put(`${PSK}-rotated`, { label: 'psk', kind: 'password' });
    workspace.openstack!.interconnects[0]!.vpn!.pskSecret = fresh;
    n.db.Paris!['vpn/ipsec-site-connections']![0]!.status = 'ACTIVE';
    const connection = steps().find((s) => s.id === 'vpn-1-paris-connection')!;
    expect(await executor.check(connection.precheck as StackCall, ctx)).toBe(false);
    await executor.act(connection.action as StackCall, ctx);
    expect(n.db.Paris!['vpn/ipsec-site-connections']![0]!.psk).toBe(`${PSK}-rotated`);
    expect(logs.at(-1)).toBe('stdout: Paris: IPsec site connection cw-Paris-Lyon-to-Lyon updated (pre-shared key)');
    const pending = steps().find((s) => s.id === 'vpn-1-lyon-connection')!;
    const error = await caught(executor.act(pending.action as StackCall, ctx));
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toContain('differs from the workspace (pre-shared key), but it is PENDING_CREATE');
    expect(JSON.stringify(error.toPayload())).not.toContain(PSK);
  });

  it('refuses a pre-shared key too short to be a secret before anything is sent', async () => {
    workspace.openstack!.interconnects[0]!.vpn!.pskSecret = await secrets.put('abc', { label: 'psk', kind: 'password' });
    await apply().catch(() => undefined);
    const connection = steps().find((s) => s.id === 'vpn-1-paris-connection')!;
    const error = await caught(executor.act(connection.action as StackCall, ctx));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain('has 3 characters: store one of at least 8');
    expect(n.db.Paris!['vpn/ipsec-site-connections']).toEqual([]);
  });

  it('refuses to change an endpoint group neutron cannot change, naming what to delete', async () => {
    await apply();
    n.db.Lyon!.subnets![0]!.cidr = '10.9.0.0/24';
    const endpoints = steps().find((s) => s.id === 'vpn-1-paris-endpoints')!;
    expect(await executor.check(endpoints.precheck as StackCall, ctx)).toBe(false);
    const error = await caught(executor.act(endpoints.action as StackCall, ctx));
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toBe(
      "Endpoint group cw-Paris-Lyon-peer in Paris holds cidr 10.2.0.0/24, but the workspace now wants cidr 10.9.0.0/24; neutron cannot change an endpoint group's endpoints. Delete the connection cw-Paris-Lyon-to-Lyon and the group cw-Paris-Lyon-peer in Paris, then run the plan again.",
    );
  });

  it('refuses replies of the wrong shape and names a router that is not there', async () => {
    const service = steps().find((s) => s.id === 'vpn-1-paris-service')!;
    n.hostile.set('/Paris/v2.0/routers', { routers: [{ id: 'edge; rm -rf /', name: 'edge' }] });
    const bad = await caught(executor.act(service.action as StackCall, ctx));
    expect(bad.code).toBe('INVALID_OUTPUT');
    expect(bad.message).toContain('answered with a routers list of an unexpected shape');
    n.hostile.set('/Paris/v2.0/vpn/vpnservices', { vpnservices: 'everything' });
    expect((await caught(executor.act(service.action as StackCall, ctx))).code).toBe('INVALID_OUTPUT');
    n.db.Paris!.routers = [];
    const missing = await caught(executor.act(service.action as StackCall, ctx));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toBe('The router "edge" does not exist in region Paris (the router of cw-Paris-Lyon), neither as a name nor as an id. Create it first, or correct the workspace.');
    expect(n.db.Paris!['vpn/vpnservices']).toEqual([]);
  });
});
