// Real OpenStack services started by this file on 127.0.0.1 — one Keystone shared by two regions, each with
// nova (API, conductor, scheduler, placement, two fake-driver computes), glance-api and neutron-server with
// VPNaaS — driven through Clusterwright's own clients: the shared catalog, auth, hosts, live migration with
// abort, the cold copy between regions, VPN site connections both ways, and the monitor reading nova's services
// and Keystone's token time as a compute is forced down, disabled and enabled again.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, it } from 'vitest';
import * as z from 'zod';
import { caught } from '../support/openstack/caught.js';
import { connectCloud } from '../../main/node/stacks/openstack/client/index.js';
import { catalogRegions, resolveEndpoint, type Endpoint } from '../../main/node/stacks/openstack/client/keystone.js';
import { NeutronClient } from '../../main/node/stacks/openstack/client/neutron.js';
import { serverHost, type NovaClient, type NovaMigration } from '../../main/node/stacks/openstack/client/nova.js';
import { portOwnership, tcpListeners } from '../../main/node/stacks/openstack/lab/process.js';
import { describeLab } from '../support/lab.js';
import type { MonitorAlert } from '../../main/common/monitor/model.js';
import { workspaceSchema, WORKSPACE_VERSION } from '../../main/common/workspace/schema.js';
import { EventBus } from '../../main/node/events.js';
import { MemorySecretStore } from '../../main/node/secrets/index.js';
import { createMonitorService } from '../../main/node/services/monitor.js';
import { openstackModule } from '../../main/node/stacks/openstack/module.js';

import { openstackSkipReason, useOpenstackLab } from '../support/openstack/lab.js';

const R1 = 'RegionOne';
const R2 = 'RegionTwo';

describeLab('OpenStack on real Keystone, nova, placement, glance and neutron-server (127.0.0.1)', () => {
  const h = useOpenstackLab({
    regions: [
      { name: R1, glance: true, neutron: true, liveMigrationSeconds: 4 },
      { name: R2, glance: true, neutron: true, liveMigrationSeconds: 4 },
    ],
  });

  const portOf = (url: string): number => Number(new URL(url).port);
  const bootImages = new Map<string, string>();

  /** A small raw image in the region's real glance, to boot from. */
  async function bootImage(region: string): Promise<string> {
    const known = bootImages.get(region);
    if (known) return known;
    const glance = h.admin.glance(region);
    const img = await glance.createImage({ name: 'cw-boot', disk_format: 'raw', container_format: 'bare' });
    await glance.upload(img.id, new Uint8Array(4096).fill(7));
    await glance.waitForImage(img.id, { timeoutMs: 30_000 });
    bootImages.set(region, img.id);
    return img.id;
  }

  async function tinyFlavor(nova: NovaClient): Promise<string> {
    const flavors = await nova.listFlavors();
    const tiny = flavors.find((f) => f.name === 'm1.tiny') ?? flavors.sort((a, b) => (a.ram ?? 0) - (b.ram ?? 0))[0];
    if (!tiny) throw new Error('nova has no flavors');
    return tiny.id;
  }

  async function boot(region: string, name: string, host: string): Promise<string> {
    const nova = h.admin.nova(region);
    const id = await nova.createServer({ name, flavorRef: await tinyFlavor(nova), imageRef: await bootImage(region), networks: 'none', host });
    const server = await nova.waitForServer(id, 'ACTIVE', { timeoutMs: 60_000, pollMs: 250 });
    expect(serverHost(server)).toBe(host);
    return id;
  }

  it('runs every service on loopback, each port held by its own process group alone', () => {
    const { lab } = h;
    const services = [
      { pid: lab.keystone.pid, port: lab.keystone.port },
      ...lab.regions.flatMap((r) => [
        { pid: r.nova.pid, port: portOf(r.nova.computeUrl) },
        { pid: r.nova.pid, port: portOf(r.nova.placementUrl) },
        { pid: r.glance!.pid, port: portOf(r.glance!.url) },
        { pid: r.neutron!.pid, port: portOf(r.neutron!.url) },
      ]),
    ];
    expect(new Set(services.map((s) => s.port)).size).toBe(services.length);
    for (const s of services) {
      expect(portOwnership(s.port, s.pid)).toEqual({ owned: true, listeners: 1, foreign: 0 });
      // 0100007F is 127.0.0.1 in /proc/net/tcp's byte order: nothing listens on another address.
      expect(tcpListeners().filter((l) => l.port === s.port).map((l) => l.address)).toEqual(['0100007F']);
    }
    console.log(`OpenStack lab start times (ms): ${JSON.stringify(lab.timings)}`);
  });

  it('registers both regions in the shared catalog; a second run changes nothing', async () => {
    const { keystone } = h.admin;
    const first = await keystone.registerEndpoints(h.lab.endpointRegistrations());
    expect(first.regions).toEqual({ [R1]: 'unchanged', [R2]: 'created' });
    expect(first.endpoints[`compute/${R1}/public`]).toBe('created');
    expect(first.endpoints[`compute/${R2}/internal`]).toBe('created');
    expect(first.endpoints[`network/${R2}/public`]).toBe('created');
    // Keystone's bootstrap already registered its own endpoint in the Keystone region.
    expect(first.endpoints[`identity/${R1}/public`]).toBe('unchanged');
    expect(first.endpoints[`identity/${R2}/public`]).toBe('created');

    const before = await keystone.listEndpoints();
    const second = await keystone.registerEndpoints(h.lab.endpointRegistrations());
    for (const section of [second.regions, second.services, second.endpoints]) expect(new Set(Object.values(section))).toEqual(new Set(['unchanged']));
    expect(await keystone.listEndpoints()).toEqual(before);

    keystone.invalidate();
    const token = await keystone.getToken();
    expect(catalogRegions(token.catalog)).toEqual([R1, R2]);
    for (const r of h.lab.regions) {
      expect(resolveEndpoint(token.catalog, { type: 'compute', region: r.name })).toBe(r.nova.computeUrl);
      expect(resolveEndpoint(token.catalog, { type: 'image', region: r.name, interface: 'internal' })).toBe(r.glance!.url);
      expect(resolveEndpoint(token.catalog, { type: 'identity', region: r.name })).toBe(`${h.lab.keystone.url}/`);
    }
  });

  it("moves one region's endpoint without touching the other region's", async () => {
    const { keystone } = h.admin;
    const compute = (await keystone.listServices('compute'))[0]!;
    const snapshot = async (region: string): Promise<Endpoint[]> => (await keystone.listEndpoints({ region })).sort((a, b) => a.id.localeCompare(b.id));
    const r1 = await snapshot(R1);
    const r2url = h.lab.regions[1]!.nova.computeUrl;
    expect(await keystone.ensureEndpoint(compute.id, R2, 'public', 'http://127.0.0.1:9/v2.1')).toBe('updated');
    expect((await keystone.listEndpoints({ serviceId: compute.id, region: R2, interface: 'public' })).map((e) => e.url)).toEqual(['http://127.0.0.1:9/v2.1']);
    expect(await keystone.ensureEndpoint(compute.id, R2, 'public', r2url)).toBe('updated');
    expect(await keystone.ensureEndpoint(compute.id, R2, 'public', r2url)).toBe('unchanged');
    expect(await snapshot(R1)).toEqual(r1);
  });

  it('refuses to guess when the catalog holds two endpoints for one service, region and interface', async () => {
    const { keystone } = h.admin;
    const compute = (await keystone.listServices('compute'))[0]!;
    const extra = await keystone.request('identity', 'POST', `${keystone.authUrl}/endpoints`, { json: { endpoint: { service_id: compute.id, interface: 'public', region_id: R2, url: 'http://127.0.0.1:9/stale' } }, expect: [201], reply: z.object({ endpoint: z.object({ id: z.string() }) }) });
    try {
      keystone.invalidate();
      const error = await caught(keystone.endpoint({ type: 'compute', region: R2 }));
      expect(error.code).toBe('CONFLICT');
      expect(error.message).toContain('http://127.0.0.1:9/stale');
      expect((await caught(keystone.ensureEndpoint(compute.id, R2, 'public', 'http://127.0.0.1:9/other'))).code).toBe('CONFLICT');
      // The other region still resolves: the duplicate is only RegionTwo's problem.
      expect(await keystone.endpoint({ type: 'compute', region: R1 })).toBe(h.lab.regions[0]!.nova.computeUrl);
    } finally {
      await keystone.request('identity', 'DELETE', `${keystone.authUrl}/endpoints/${extra.data.endpoint.id}`, { expect: [204] });
      keystone.invalidate();
    }
    expect(await keystone.endpoint({ type: 'compute', region: R2 })).toBe(h.lab.regions[1]!.nova.computeUrl);
  });

  it('authenticates with an application credential and re-authenticates once after its token is revoked', async () => {
    const credential = await h.admin.keystone.createApplicationCredential(`cw-test-${randomBytes(4).toString('hex')}`);
    const log: string[] = [];
    const cloud = connectCloud({ authUrl: h.lab.keystone.url, credentials: { kind: 'application-credential', credential: { id: credential.id }, secret: credential.secret }, log: (l) => log.push(l) });
    try {
      const nova = cloud.nova(R2);
      expect((await nova.listHypervisors()).map((x) => x.hypervisor_hostname).sort()).toEqual(['host1', 'host2']);
      await nova.listServices();
      expect(cloud.keystone.authCount).toBe(1);
      await h.admin.keystone.revokeToken(await cloud.keystone.getToken());
      // Keystone itself rejects the revoked token at once (services may accept it from their token cache for a while).
      expect((await cloud.keystone.listRegions()).map((r) => r.id).sort()).toEqual([R1, R2]);
      expect(cloud.keystone.authCount).toBe(2);
      expect((await nova.listHypervisors()).length).toBe(2);
      expect(log.some((l) => / → 401 /.test(l))).toBe(true);
      const text = log.join('\n');
      expect(text).not.toContain(credential.secret);
      expect(text).not.toContain((await cloud.keystone.getToken()).id);
    } finally {
      await cloud.close();
      await h.admin.keystone.deleteApplicationCredential(credential.id);
    }
  });

  it('keeps passwords and tokens out of errors and request logs', async () => {
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    const cloud = connectCloud({ authUrl: h.lab.keystone.url, credentials: { kind: 'password', user: { name: 'admin', domain: { id: 'default' } }, password: wrong, scope: { project: { name: 'admin', domain: { id: 'default' } } } } });
    try {
      const error = await caught(cloud.nova(R1).listServers());
      expect(error.code).toBe('AUTH_FAILED');
      expect(JSON.stringify(error.toPayload())).not.toContain(wrong);
    } finally {
      await cloud.close();
    }
    const everything = h.log.join('\n');
    expect(h.log.length).toBeGreaterThan(10);
    expect(everything).not.toContain(h.lab.admin.password);
    expect(everything).not.toContain((await h.admin.keystone.getToken()).id);
  });

  it('reports compute services up and both hypervisors per region; placement has a provider per compute host', async () => {
    for (const region of [R1, R2]) {
      const nova = h.admin.nova(region);
      const versions = await nova.checkMicroversions();
      expect(Number(versions.max.split('.')[1])).toBeGreaterThanOrEqual(79);
      const computes = await nova.listServices({ binary: 'nova-compute' });
      expect(computes.map((s) => [s.host, s.state, s.status]).sort()).toEqual([
        ['host1', 'up', 'enabled'],
        ['host2', 'up', 'enabled'],
      ]);
      const hypervisors = await nova.listHypervisors();
      expect(hypervisors.map((x) => x.hypervisor_hostname).sort()).toEqual(['host1', 'host2']);
      // Pinned below 2.88, the capacity fields are still there.
      expect(hypervisors.every((x) => typeof x.vcpus === 'number' && x.vcpus > 0)).toBe(true);
      const placement = h.admin.placement(region);
      const providers = await placement.listResourceProviders();
      expect(providers.map((p) => p.name).sort()).toEqual(['host1', 'host2']);
      const inventory = await placement.inventories(providers[0]!.uuid);
      expect(inventory.VCPU?.total).toBeGreaterThan(0);
      expect(inventory.MEMORY_MB?.total).toBeGreaterThan(0);
    }
  });

  it('boots a server on host1 and live-migrates it to host2, followed through the migrations API', async () => {
    const nova = h.admin.nova(R1);
    const id = await boot(R1, 'cw-live', 'host1');
    const seen: string[] = [];
    const started = Date.now();
    await nova.liveMigrate(id, 'host2');
    const migration = await nova.followLiveMigration(id, { timeoutMs: 60_000, pollMs: 250, onProgress: (m) => seen.push(m.status) });
    expect(migration).toMatchObject({ status: 'completed', source_compute: 'host1', dest_compute: 'host2', migration_type: 'live-migration' });
    expect(seen).toContain('running');
    expect(Date.now() - started).toBeGreaterThanOrEqual(3_000);
    const server = await nova.waitForServer(id, 'ACTIVE', { timeoutMs: 30_000 });
    expect(serverHost(server)).toBe('host2');
    expect((await nova.listMigrations({ instanceUuid: id })).map((m) => [m.migration_type, m.status])).toEqual([['live-migration', 'completed']]);
    await nova.deleteServer(id);
    await nova.waitForServerGone(id, { timeoutMs: 30_000 });
  });

  it('aborts a running live migration: nova marks it cancelled and the server stays on its host', async () => {
    const nova = h.admin.nova(R2);
    const id = await boot(R2, 'cw-abort', 'host1');
    await nova.liveMigrate(id, null);
    let running: NovaMigration | undefined;
    for (const deadline = Date.now() + 30_000; !running && Date.now() < deadline; ) {
      running = (await nova.listMigrations({ instanceUuid: id, type: 'live-migration' })).find((m) => m.status === 'running');
      if (!running) await new Promise((r) => setTimeout(r, 100));
    }
    expect(running?.dest_compute).toBe('host2');
    expect((await nova.serverMigrations(id)).map((m) => m.id)).toEqual([running!.id]);
    await nova.abortLiveMigration(id, running!.id);
    const error = await caught(nova.followLiveMigration(id, { timeoutMs: 30_000, pollMs: 250 }));
    expect(error.code).toBe('REMOTE_FAILED');
    expect((error.detail as { migration: NovaMigration }).migration.status).toBe('cancelled');
    expect(serverHost(await nova.waitForServer(id, 'ACTIVE', { timeoutMs: 30_000 }))).toBe('host1');
    // Aborting a migration that is over is refused, not ignored.
    expect(['CONFLICT', 'INVALID_INPUT', 'NOT_FOUND']).toContain((await caught(nova.abortLiveMigration(id, running!.id))).code);
    await nova.deleteServer(id);
    await nova.waitForServerGone(id, { timeoutMs: 30_000 });
  });

  it('cold copy across regions: snapshot in RegionOne, image streamed to RegionTwo, booted there, then the original deleted', async () => {
    const source = await boot(R1, 'cw-cold', 'host1');
    const nova1 = h.admin.nova(R1);
    const nova2 = h.admin.nova(R2);
    const glance1 = h.admin.glance(R1);
    const glance2 = h.admin.glance(R2);
    const snapshotId = await nova1.createImage(source, 'cw-cold-snapshot', { 'clusterwright.source': source });
    const snapshot = await glance1.waitForImage(snapshotId, { timeoutMs: 60_000, pollMs: 250 });
    expect(snapshot.size).toBeGreaterThan(0);
    expect(snapshot['clusterwright.source']).toBe(source);
    await nova1.waitForServer(source, 'ACTIVE', { timeoutMs: 30_000 });

    const copy = await glance2.copyFrom(glance1, snapshotId, { timeoutMs: 60_000 });
    expect(copy).toMatchObject({ status: 'active', size: snapshot.size, os_hash_value: snapshot.os_hash_value, 'clusterwright.copied_from': `${R1}/${snapshotId}`, 'clusterwright.source': source });
    expect(copy.id).not.toBe(snapshotId);

    const target = await nova2.createServer({ name: 'cw-cold', flavorRef: await tinyFlavor(nova2), imageRef: copy.id, networks: 'none', host: 'host2' });
    expect(serverHost(await nova2.waitForServer(target, 'ACTIVE', { timeoutMs: 60_000, pollMs: 250 }))).toBe('host2');

    // Only now may the original go (in the product: a destructive step approved against the plan's hash).
    await nova1.deleteServer(source);
    await nova1.waitForServerGone(source, { timeoutMs: 30_000 });
    expect((await nova1.listServers()).map((s) => s.id)).not.toContain(source);
    expect((await nova2.listServers()).map((s) => s.id)).toContain(target);

    await nova2.deleteServer(target);
    await nova2.waitForServerGone(target, { timeoutMs: 30_000 });
    await glance1.deleteImage(snapshotId);
    await glance2.deleteImage(copy.id);
    expect((await caught(glance2.getImage(copy.id))).code).toBe('NOT_FOUND');
  });

  it("creates IPsec site connections both ways between the two regions' routers (VPNaaS API; no agents run here)", async () => {
    const psk = randomBytes(16).toString('hex');
    const sides = [
      { region: R1, external: '203.0.113.0/24', tenant: '10.1.0.0/24' },
      { region: R2, external: '198.51.100.0/24', tenant: '10.2.0.0/24' },
    ];
    const built = [];
    for (const side of sides) {
      const n = h.admin.neutron(side.region);
      expect(await n.vpnExtensions()).toEqual(expect.arrayContaining(['vpnaas', 'vpn-endpoint-groups']));
      const wan = await n.createNetwork({ name: 'cw-wan', 'router:external': true, 'provider:network_type': 'flat', 'provider:physical_network': 'physnet1' });
      await n.createSubnet({ network_id: wan.id, cidr: side.external, ip_version: 4, enable_dhcp: false });
      const net = await n.createNetwork({ name: 'cw-tenant' });
      const subnet = await n.createSubnet({ network_id: net.id, cidr: side.tenant, ip_version: 4 });
      const router = await n.createRouter({ name: 'cw-router', external_gateway_info: { network_id: wan.id } });
      await n.addRouterInterface(router.id, subnet.id);
      const vpnservice = await n.create('vpnservices', { name: `cw-vpn-${side.region}`, router_id: router.id });
      const ike = await n.create('ikepolicies', { name: 'cw-ike', ike_version: 'v2', encryption_algorithm: 'aes-256', auth_algorithm: 'sha256', pfs: 'group14' });
      const ipsec = await n.create('ipsecpolicies', { name: 'cw-ipsec', encryption_algorithm: 'aes-256', auth_algorithm: 'sha256', pfs: 'group14' });
      const local = await n.create('endpoint-groups', { name: 'cw-local', type: 'subnet', endpoints: [subnet.id] });
      built.push({ ...side, n, wan, net, subnet, router, vpnservice, ike, ipsec, local, gateway: NeutronClient.gatewayAddress(router) });
    }
    const connections = [];
    for (const [me, peer] of [
      [built[0]!, built[1]!],
      [built[1]!, built[0]!],
    ] as const) {
      const remote = await me.n.create('endpoint-groups', { name: 'cw-peer', type: 'cidr', endpoints: [peer.tenant] });
      const conn = await me.n.create('ipsec-site-connections', {
        name: `cw-${me.region}-to-${peer.region}`,
        vpnservice_id: me.vpnservice.id,
        ikepolicy_id: me.ike.id,
        ipsecpolicy_id: me.ipsec.id,
        peer_address: peer.gateway,
        peer_id: peer.gateway,
        local_ep_group_id: me.local.id,
        peer_ep_group_id: remote.id,
        psk,
        mtu: 1400,
        initiator: 'bi-directional',
      });
      connections.push({ me, remote, conn });
    }
    for (const { me, conn } of connections) {
      const peer = built.find((b) => b !== me)!;
      const read = await me.n.get('ipsec-site-connections', conn.id);
      expect(read).toMatchObject({ peer_address: peer.gateway, vpnservice_id: me.vpnservice.id, local_ep_group_id: me.local.id, mtu: 1400, admin_state_up: true });
      // Without an L3 agent running StrongSwan nothing reports back: the connection stays PENDING_CREATE.
      expect(read.status).toBe('PENDING_CREATE');
      expect((await me.n.list('ipsec-site-connections')).map((c) => c.id)).toEqual([conn.id]);
    }
    expect(h.log.join('\n')).not.toContain(psk);

    for (const { me, remote, conn } of connections) {
      await me.n.delete('ipsec-site-connections', conn.id);
      await me.n.delete('endpoint-groups', remote.id);
    }
    for (const b of built) {
      await b.n.delete('endpoint-groups', b.local.id);
      await b.n.delete('vpnservices', b.vpnservice.id);
      await b.n.delete('ikepolicies', b.ike.id);
      await b.n.delete('ipsecpolicies', b.ipsec.id);
      await b.n.removeRouterInterface(b.router.id, b.subnet.id);
      await b.n.deleteRouter(b.router.id);
      await b.n.deleteNetwork(b.net.id);
      await b.n.deleteNetwork(b.wan.id);
      expect(await b.n.list('vpnservices')).toEqual([]);
    }
  });

  it('a client asking for a region the catalog lacks gets a NOT_FOUND that names the regions it has', async () => {
    const error = await caught(h.admin.nova('RegionThree').listServers());
    expect(error.code).toBe('NOT_FOUND');
    expect(error.message).toContain(`it has one in: ${R1}, ${R2}`);
  });
  it('the monitor records nova-compute forced down and disabled through the real nova API, raises the alert and clears it; Keystone answers with its token time', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-monstk-'));
    const secrets = new MemorySecretStore();
    const workspace = workspaceSchema.parse({
      version: WORKSPACE_VERSION,
      name: 'monitored',
      sites: [{ name: 'one', kind: 'lan' }],
      networks: [],
      nodes: [{ name: 'host1', site: 'one' }, { name: 'host2', site: 'one' }],
      openstack: {
        keystone: { authUrl: h.lab.keystone.url, username: h.lab.admin.username, project: h.lab.admin.project, passwordSecret: await secrets.put(h.lab.admin.password, { label: 'keystone', kind: 'password' }) },
        regions: [{ name: R1, keystone: true, controllers: ['host1'], compute: ['host1', 'host2'] }, { name: R2, compute: ['host1', 'host2'] }],
      },
    });
    const events = new EventBus();
    const seen: { name: string; alert: MonitorAlert }[] = [];
    events.subscribe((name, payload) => {
      if (name === 'monitor.alertRaised' || name === 'monitor.alertCleared') seen.push({ name, alert: payload as MonitorAlert });
    });
    const module = openstackModule.create({ events, secrets, workspaces: { current: async () => ({ workspace, facts: {}, path: path.join(dir, 'clusterwright.yaml') }), save: async () => undefined, storeFacts: async () => '' }, options: {} });
    const monitor = createMonitorService({
      events,
      current: async () => ({ workspace, path: path.join(dir, 'clusterwright.yaml') }),
      nodeRunner: () => ({ kind: 'none', runsOnNodes: false, exec: () => Promise.reject(new Error('no node is asked: the workspace has no networks')) }),
      discoveries: [module.discovery!],
    });
    const nova = h.admin.nova(R1);
    const host2 = (await nova.listServices({ binary: 'nova-compute', host: 'host2' }))[0]!;
    const subject = `cluster/openstack/${R1}/nova-compute/host2`;
    const waitFor = async (what: string, found: () => boolean | Promise<boolean>) => {
      const deadline = Date.now() + 30_000;
      while (!(await found())) {
        if (Date.now() > deadline) throw new Error(`the monitor did not see ${what} within 30 s (events: ${JSON.stringify(seen.map((e) => [e.name, e.alert.subject, e.alert.severity]))})`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const host2In = async (sinceMs: number) => {
      const { rounds } = await monitor.handlers['monitor.history']({ sinceMs }, {} as never);
      return rounds.map((r) => r.clusters.find((c) => c.cluster === R1)?.services?.find((x) => x.kind === 'nova-compute' && x.name === 'host2'));
    };
    try {
      await monitor.handlers['monitor.start']({ intervalS: 1 }, {} as never);
      await waitFor('a first round', async () => (await monitor.handlers['monitor.status']({}, {} as never)).rounds >= 1);
      const first = (await monitor.handlers['monitor.history']({}, {} as never)).rounds[0]!;
      expect(first.clusters.map((c) => [c.cluster, c.reachable])).toEqual([
        [R1, true],
        [R2, true],
      ]);
      const r1 = first.clusters[0]!;
      expect(r1.services!.filter((x) => x.kind === 'nova-compute').map((x) => [x.name, x.state, x.enabled, x.level])).toEqual([
        ['host1', 'up', true, 'ok'],
        ['host2', 'up', true, 'ok'],
      ]);
      expect(r1.services!.map((x) => x.kind)).toEqual(expect.arrayContaining(['nova-conductor', 'nova-scheduler']));
      expect(r1.apis).toEqual([expect.objectContaining({ name: 'keystone', reachable: true })]);
      expect(r1.apis![0]!.ms).toBeGreaterThan(0);
      console.log(`Keystone token time in the monitor's first round: ${r1.apis![0]!.ms} ms`);
      expect(seen).toEqual([]);

      // host2's compute forced down: nova reports it down at once; the monitor records it and raises an error.
      const downAt = Date.now();
      await nova.updateService(host2.id, { forcedDown: true });
      await waitFor('host2 down', () => seen.some((e) => e.name === 'monitor.alertRaised' && e.alert.subject === subject && e.alert.severity === 'error'));
      expect((await host2In(downAt)).some((x) => x?.state === 'down (forced)' && x.level === 'error')).toBe(true);
      expect(monitor.exposition()).toMatch(new RegExp(`openstack_nova_agent_state\\{region="${R1}",service="nova-compute",hostname="host2",adminState="enabled",disabledReason=""\\} 0\\n`));
      // Up again but disabled by the admin: the same alert, now a warning.
      await nova.updateService(host2.id, { forcedDown: false });
      await nova.updateService(host2.id, { status: 'disabled', disabledReason: 'cw monitor test' });
      await waitFor('host2 disabled', () => seen.some((e) => e.name === 'monitor.alertRaised' && e.alert.subject === subject && e.alert.severity === 'warning'));
      expect(seen.filter((e) => e.alert.subject === subject).at(-1)!.alert.message).toBe(`${R1}: nova-compute host2 is up and disabled (cw monitor test)`);
      // Enabled: the alert clears, once.
      await nova.updateService(host2.id, { status: 'enabled' });
      await waitFor('the alert cleared', () => seen.some((e) => e.name === 'monitor.alertCleared' && e.alert.subject === subject));
      expect(seen.filter((e) => e.name === 'monitor.alertCleared').map((e) => e.alert.subject)).toEqual([subject]);
      expect((await monitor.handlers['monitor.status']({}, {} as never)).alerts).toEqual([]);
      // Nothing else raised along the way (RegionTwo and the other services stayed ok).
      expect(new Set(seen.map((e) => e.alert.subject))).toEqual(new Set([subject]));
    } finally {
      await monitor.close();
      await nova.updateService(host2.id, { forcedDown: false, status: 'enabled' }).catch(() => undefined);
      await module.close?.();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
}, { unless: () => openstackSkipReason });
