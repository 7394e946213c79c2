// The Proxmox client against the Proxmox test server on sandboxed nodes with real corosync: TLS pinning,
// tickets (renewal, two-factor), API tokens, tasks, cluster create, and the joins Proxmox refuses.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CwError } from '../../main/common/errors.js';
import { parseCorosyncConf, corosyncNodes, configVersion } from '../../main/common/stacks/proxmox/corosync-conf.js';
import { PveApiSchema } from '../../main/node/stacks/proxmox/api-schema.js';
import { PveClient, probeCertificate, type PveCredentials } from '../../main/node/stacks/proxmox/client.js';
import { PveTestServer } from '../../main/node/stacks/proxmox/simulator/server.js';
import { describeLab } from '../support/lab.js';
import { startSandbox, type Sandbox } from '../support/proxmox/sandbox.js';

const rootPassword = crypto.randomBytes(12).toString('base64url');
const adminPassword = crypto.randomBytes(12).toString('base64url');
const tokenSecret = crypto.randomUUID();
const schema = new PveApiSchema();
const started = Date.now();

// A loopback /24 of our own, so parallel runs and other listeners on 8006 do not collide.
const net = `127.${100 + Math.floor(Math.random() * 100)}.${Math.floor(Math.random() * 250)}`;
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };

interface TestNode {
  sandbox: Sandbox;
  server: PveTestServer;
  listen: string;
}

const nodes: Record<string, TestNode> = {};
let tmp = '';
const clients: PveClient[] = [];

function client(node: string, credentials: PveCredentials = { kind: 'password', username: 'root@pam', password: rootPassword }, fingerprint?: string): PveClient {
  const n = nodes[node]!;
  const c = new PveClient({ endpoint: { host: n.listen, fingerprint: fingerprint ?? n.server.certificateFingerprint }, credentials, schema, validateResponses: true, now: clock.now });
  clients.push(c);
  return c;
}

async function addNode(name: string, index: number, extraAddresses: string[] = [], guests = false, release = '9.1'): Promise<void> {
  const address = `127.0.1.${index}`;
  const sandbox = await startSandbox(name, address);
  for (const a of extraAddresses) await sandbox.runner.run(['ip', 'addr', 'add', `${a}/8`, 'dev', 'lo']);
  const listen = `${net}.${index}`;
  const server = new PveTestServer({
    nodeName: name,
    listenHost: listen,
    nodeAddress: address,
    runner: sandbox.runner,
    stateDir: path.join(tmp, name),
    pmxcfsRoot: path.join(tmp, 'pmxcfs'),
    rootPassword,
    release,
    users: { 'admin@pve': { password: adminPassword, totp: '424242', privs: { '/': ['Sys.Audit'] } } },
    tokens: { 'monitor@pve!dash': { secret: tokenSecret, privs: { '/': ['Sys.Audit', 'VM.Audit'] } } },
    guests: guests ? [{ vmid: 100, name: 'web', memoryMiB: 512, cores: 1, running: true, disks: [{ key: 'scsi0', storage: 'local-lvm', sizeGiB: 8 }] }] : [],
    resolvePeer: (hostname) => {
      const peer = Object.values(nodes).find((x) => x.sandbox.address === hostname || x.server.nodeName === hostname);
      if (!peer) throw new Error(`unknown peer ${hostname}`);
      return { host: peer.listen, port: 8006 };
    },
    schema,
    now: clock.now,
    syncIntervalMs: 300,
  });
  await server.start();
  nodes[name] = { sandbox, server, listen };
}

// Root, unshare and corosync: what the lab needs, so the harness skips it (with the reason) where the
// lab cannot run, and fails it under CW_REQUIRE_LAB=1 instead of passing it by in silence.
describeLab('Proxmox client and test server on sandboxed nodes (real corosync)', () => {
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-pve-api-'));
    await addNode('pve1', 1);
    await addNode('pve2', 2, [], true);
    // pve3 also holds pve1's link0 address (on its own loopback) and a second link address.
    await addNode('pve3', 3, ['127.0.2.3', '127.0.1.1'], false, '8.4');
  }, 60_000);

  afterEach(() => {
    // Every request and reply during the test must have passed the official schema on the server side.
    for (const n of Object.values(nodes)) expect(n.server.violations).toEqual([]);
  });

  afterAll(async () => {
    const sent = clients.reduce((s, c) => s + c.requestCount, 0);
    const refused = clients.reduce((s, c) => s + c.refusedCount, 0);
    const served = Object.values(nodes).reduce((s, n) => s + n.server.counts.requests, 0);
    const replies = Object.values(nodes).reduce((s, n) => s + n.server.counts.responses, 0);
    console.log(
      `Proxmox API suite: the clients validated ${sent + refused} requests against the official schema before sending (${refused} refused on purpose, ${sent} sent); ` +
        `the test servers validated ${served} requests (including server-to-server join calls) and ${replies} replies, with ${Object.values(nodes).reduce((s, n) => s + n.server.violations.length, 0)} violations; ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    for (const n of Object.values(nodes)) {
      await n.server.close();
      await n.sandbox.stop();
    }
    // Nothing we started may outlive the suite.
    for (const n of Object.values(nodes)) expect(fs.existsSync(`/proc/${n.sandbox.initPid}`)).toBe(false);
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  describe('TLS pinning', () => {
    it('refuses a first contact and returns the certificate fingerprint for the admin to confirm', async () => {
      const before = nodes.pve1!.server.counts.requests;
      const c = new PveClient({ endpoint: { host: nodes.pve1!.listen }, credentials: { kind: 'password', username: 'root@pam', password: rootPassword }, schema });
      const err = await c.login().then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(CwError);
      expect((err as CwError).code).toBe('HOST_KEY_UNKNOWN');
      expect((err as CwError).detail).toMatchObject({ kind: 'tls-certificate', fingerprint: nodes.pve1!.server.certificateFingerprint, host: nodes.pve1!.listen, port: 8006 });
      expect((await probeCertificate({ host: nodes.pve1!.listen })).fingerprint).toBe(nodes.pve1!.server.certificateFingerprint);
      expect(nodes.pve1!.server.counts.requests).toBe(before);
    });

    it('refuses a changed certificate before sending anything (no password leaves the machine)', async () => {
      const before = nodes.pve1!.server.counts.requests;
      const wrong = nodes.pve2!.server.certificateFingerprint;
      const err = (await client('pve1', undefined, wrong).login().catch((e: unknown) => e)) as CwError;
      expect(err.code).toBe('HOST_KEY_CHANGED');
      expect(err.message).toContain('Nothing was sent');
      expect(err.message).not.toContain(rootPassword);
      expect(nodes.pve1!.server.counts.requests).toBe(before);
    });
  });

  describe('tickets', () => {
    it('logs in, sends the CSRF token on writes, and reports a wrong password without echoing it', async () => {
      const c = client('pve1');
      await c.login();
      expect(await c.get<{ release: string }>('/version')).toMatchObject({ release: '9.1' });
      const bad = client('pve1', { kind: 'password', username: 'root@pam', password: 'wrong-password-123' });
      const err = (await bad.login().catch((e: unknown) => e)) as CwError;
      expect(err.code).toBe('AUTH_FAILED');
      expect(err.message).toMatch(/on 127\.\d+\.\d+\.1:8006/);
      expect(err.message).not.toContain('wrong-password-123');
    });

    it('renews the ticket after an hour and logs in again after two', async () => {
      const c = client('pve1');
      await c.login();
      const before = nodes.pve1!.server.counts.requests;
      clock.offsetMs = 61 * 60_000;
      await c.get('/cluster/status');
      // renewal (POST /access/ticket with the old ticket) + the call itself
      expect(nodes.pve1!.server.counts.requests - before).toBe(2);
      clock.offsetMs = 61 * 60_000 + 2 * 60 * 60_000 + 60_000;
      await c.get('/cluster/status');
      expect(nodes.pve1!.server.counts.requests - before).toBe(4);
      clock.offsetMs = 0;
    });

    it('asks for the second factor when the account has TOTP', async () => {
      const noPrompt = client('pve1', { kind: 'password', username: 'admin@pve', password: adminPassword });
      const err = (await noPrompt.login().catch((e: unknown) => e)) as CwError;
      expect(err.code).toBe('AUTH_FAILED');
      expect(err.detail).toEqual({ needsSecondFactor: true });
      const asked: string[][] = [];
      const c = client('pve1', { kind: 'password', username: 'admin@pve', password: adminPassword, secondFactor: async ({ types }) => (asked.push(types), 'totp:424242') });
      await c.login();
      expect(asked).toEqual([['totp']]);
      expect(await c.get<unknown[]>('/cluster/status')).toHaveLength(1);
      const wrongCode = client('pve1', { kind: 'password', username: 'admin@pve', password: adminPassword, secondFactor: async () => 'totp:000000' });
      expect(((await wrongCode.login().catch((e: unknown) => e)) as CwError).code).toBe('AUTH_FAILED');
    });
  });

  describe('API tokens', () => {
    const token: PveCredentials = { kind: 'token', tokenId: 'monitor@pve!dash', secret: tokenSecret };

    it('reads with a token, and refuses cluster create, join and node delete before sending', async () => {
      const c = client('pve1', token);
      expect(await c.get<unknown[]>('/cluster/resources')).toEqual(expect.any(Array));
      const before = nodes.pve1!.server.counts.requests;
      for (const [method, p, params] of [
        ['POST', '/cluster/config', { clustername: 'x' }],
        ['POST', '/cluster/config/join', { hostname: 'h', password: 'p', fingerprint: nodes.pve1!.server.certificateFingerprint }],
        ['DELETE', '/cluster/config/nodes/pve2', {}],
      ] as const) {
        const err = (await c.request(method, p, params).catch((e: unknown) => e)) as CwError;
        expect(err.code).toBe('FORBIDDEN');
        expect(err.message).toMatch(/root@pam/);
      }
      expect(nodes.pve1!.server.counts.requests).toBe(before);
      expect(c.redact(`x ${tokenSecret} y`)).toBe('x *** y');
    });

    it('preflights the privileges a plan needs from /access/permissions', async () => {
      const missing = await client('pve1', token).preflight([
        { method: 'GET', path: '/cluster/status' },
        { method: 'POST', path: '/nodes/pve1/qemu/100/migrate' },
        { method: 'POST', path: '/cluster/config' },
      ]);
      expect(missing).toHaveLength(2);
      expect(missing[0]).toMatch(/root@pam/);
      expect(missing[1]).toMatch(/needs VM\.Migrate on \/vms\/100; API token monitor@pve!dash does not have it/);
      expect(await client('pve1').preflight([{ method: 'POST', path: '/cluster/config' }])).toEqual([]);
    });
  });

  describe('schema checks on the client', () => {
    it('does not send a request the official schema rejects', async () => {
      const c = client('pve1');
      await c.login();
      const before = nodes.pve1!.server.counts.requests;
      const err = (await c.post('/cluster/config', { clustername: 'a-name-that-is-far-too-long', link0: 'address=127.0.1.1,priority=999' }).catch((e: unknown) => e)) as CwError;
      expect(err.code).toBe('INVALID_INPUT');
      expect(err.message).toMatch(/clustername: value may only be 15 characters long/);
      expect(err.message).toMatch(/priority: value must have a maximum value of 255/);
      expect(nodes.pve1!.server.counts.requests).toBe(before);
    });
  });

  describe('cluster create and join refusals (real corosync)', () => {
    it('creates a cluster: the task log streams, corosync.conf is written the Proxmox way, real corosync is quorate', async () => {
      const c = client('pve1');
      const upid = await c.post<string>('/cluster/config', { clustername: 'homelab', link0: 'address=127.0.1.1,priority=10' });
      const lines: string[] = [];
      await c.followTask(upid, { onLog: (l) => lines.push(l), pollMs: 100, timeoutMs: 60_000 });
      expect(lines).toContain('Writing corosync config to /etc/pve/corosync.conf');
      expect(lines.at(-1)).toBe('TASK OK');
      const onNode = await nodes.pve1!.sandbox.runner.run(['cat', '/etc/corosync/corosync.conf']);
      const conf = parseCorosyncConf(onNode.stdout);
      expect(configVersion(conf)).toBe(1);
      expect(conf.totem).toMatchObject({ cluster_name: 'homelab', link_mode: 'passive', secauth: 'on', version: '2', ip_version: 'ipv4-6', token_coefficient: '125', interface: [{ linknumber: '0', knet_link_priority: '10' }] });
      expect(corosyncNodes(conf)).toEqual([{ name: 'pve1', nodeid: 1, quorumVotes: 1, links: { 0: '127.0.1.1' } }]);
      expect((await nodes.pve1!.sandbox.runner.run(['stat', '-c', '%a', '/etc/corosync/authkey'])).stdout.trim()).toBe('400');
      let status: { type: string; quorate?: number; online?: number; name: string }[] = [];
      for (let i = 0; i < 50; i++) {
        status = await c.get('/cluster/status');
        if (status[0]?.quorate) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      expect(status[0]).toMatchObject({ type: 'cluster', name: 'homelab', nodes: 1, quorate: 1, version: 1 });
      expect(status[1]).toMatchObject({ type: 'node', name: 'pve1', online: 1, local: 1 });
      const quorumtool = await nodes.pve1!.sandbox.runner.run(['corosync-quorumtool', '-s'], { timeoutMs: 5000 });
      expect(quorumtool.code).toBe(0);
      expect(quorumtool.stdout).toMatch(/Quorate:\s+Yes/);
    }, 60_000);

    it('refuses a second create on the same node', async () => {
      const err = (await client('pve1').post('/cluster/config', { clustername: 'again' }).catch((e: unknown) => e)) as CwError;
      expect(err.code).toBe('REMOTE_FAILED');
      expect(err.message).toMatch(/cluster config '\/etc\/pve\/corosync.conf' already exists/);
    });

    it('gives join information with the node fingerprint', async () => {
      const info = await client('pve1').get<{ nodelist: { name: string; pve_fp: string; ring0_addr: string }[]; preferred_node: string }>('/cluster/config/join');
      expect(info.preferred_node).toBe('pve1');
      expect(info.nodelist).toEqual([expect.objectContaining({ name: 'pve1', pve_fp: nodes.pve1!.server.certificateFingerprint, ring0_addr: '127.0.1.1' })]);
    });

    async function joinLog(joiner: string, params: Record<string, string>): Promise<{ err: CwError; lines: string[] }> {
      const c = client(joiner);
      const upid = await c.post<string>('/cluster/config/join', { hostname: '127.0.1.1', password: rootPassword, fingerprint: nodes.pve1!.server.certificateFingerprint, ...params });
      const lines: string[] = [];
      const err = (await c.followTask(upid, { onLog: (l) => lines.push(l), pollMs: 100 }).catch((e: unknown) => e)) as CwError;
      expect(lines.join('\n')).not.toContain(rootPassword);
      return { err, lines };
    }

    it('refuses a joiner that holds a guest, saying why', async () => {
      const { err, lines } = await joinLog('pve2', { link0: '127.0.1.2' });
      expect(err.code).toBe('REMOTE_FAILED');
      expect(err.message).toMatch(/Check if node may join a cluster failed!/);
      expect(lines).toContain('* this host already contains virtual guests (100)');
    });

    it('refuses a link that is not on the joiner, and a link count that differs from the cluster', async () => {
      const notLocal = await joinLog('pve3', { link0: '127.0.9.9' });
      expect(notLocal.lines).toContain("* link0: cannot use IP '127.0.9.9', not found on local node!");
      const twoLinks = await joinLog('pve3', { link0: '127.0.1.3', link1: '127.0.2.3' });
      expect(twoLinks.err.message).toMatch(/Cluster join aborted!/);
      expect(twoLinks.lines.join('\n')).toMatch(/link 1 specified for new node doesn't exist in cluster config/);
    });

    it('refuses an address another node already uses', async () => {
      const dup = await joinLog('pve3', { link0: '127.0.1.1' });
      expect(dup.lines.join('\n')).toMatch(/address '127\.0\.1\.1' already used on link ring0_addr by node 'pve1'/);
      // Refusals changed nothing: pve1's cluster still has one node, config_version 1, and pve3 has no corosync.conf.
      const conf = parseCorosyncConf((await nodes.pve1!.sandbox.runner.run(['cat', '/etc/corosync/corosync.conf'])).stdout);
      expect(corosyncNodes(conf).map((n) => n.name)).toEqual(['pve1']);
      expect(configVersion(conf)).toBe(1);
      expect((await nodes.pve3!.sandbox.runner.run(['test', '-e', '/etc/corosync/corosync.conf'])).code).not.toBe(0);
    });
  });

  describe('guests and migration on one node', () => {
    it('lists guests and refuses a migration to a node outside the cluster', async () => {
      const c = client('pve2');
      const vms = await c.get<{ vmid: number; status: string }[]>('/nodes/pve2/qemu');
      expect(vms).toEqual([expect.objectContaining({ vmid: 100, status: 'running', maxmem: 512 * 1024 * 1024 })]);
      const pre = await c.get<{ local_disks: { volid: string }[]; running: number }>('/nodes/pve2/qemu/100/migrate');
      expect(pre.local_disks.map((d) => d.volid)).toEqual(['local-lvm:vm-100-disk-0']);
      const err = (await c.post('/nodes/pve2/qemu/100/migrate', { target: 'pve1', online: true }).catch((e: unknown) => e)) as CwError;
      expect(err.message).toMatch(/no such cluster node 'pve1'/);
    });

    it('serves HA groups on PVE 9 as migrated to rules, and groups without rules on PVE 8', async () => {
      const err = (await client('pve1').post('/cluster/ha/groups', { group: 'site-a', nodes: 'pve1' }).catch((e: unknown) => e)) as CwError;
      expect(err.message).toMatch(/ha groups have been migrated to rules/);
      const pve8 = client('pve3');
      expect(await pve8.get('/version')).toMatchObject({ release: '8.4' });
      await pve8.post('/cluster/ha/groups', { group: 'site-a', nodes: 'pve3:2', restricted: true });
      expect(await pve8.get('/cluster/ha/groups')).toEqual([{ group: 'site-a' }]);
      const rules = (await pve8.get('/cluster/ha/rules').catch((e: unknown) => e)) as CwError;
      expect(rules.code).toBe('UNSUPPORTED');
    });
  });
});
