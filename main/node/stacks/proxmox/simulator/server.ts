// The Proxmox VE test server: the subset of /api2/json the app and common third-party clients (Ansible, proxmoxer) use, over HTTPS, with every request
// and reply checked against the official schema, and real corosync underneath (see docs/proxmox-verification.md).
import crypto from 'node:crypto';
import fs from 'node:fs';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, readBody, safeEqual, send } from './http.js';
import { TicketSigner } from './tickets.js';
import { registerGuestHandlers, type GuestHost } from './guests.js';
import path from 'node:path';
import { CwError, isCwError } from '../../../../common/errors.js';
import {
  addNodeToConf,
  bumpConfigVersion,
  clusterName,
  configVersion,
  corosyncNodes,
  createClusterConf,
  type CorosyncSection,
  type LinkMap,
  parseCorosyncConf,
  parseLink,
  removeNodeFromConf,
  renderCorosyncConf,
  maxLinkIndex,
} from '../../../../common/stacks/proxmox/corosync-conf.js';
import { PveApiSchema, pveApiSchema, summarizeIssues, type RouteMatch } from '../api-schema.js';
import { PveClient } from '../client.js';
import { certificateInfo, createCa, issueNodeCertificate, type CertificateAuthority } from './certs.js';
import { CorosyncDriver } from './corosync.js';
import { type HostRunner, hostAddresses, writeHostFile } from './host.js';
import { pveshConfigPath, type PveshConfig } from './pvesh-cli.js';
import { type GuestRecord, PmxcfsDir, defaultStorages } from './pmxcfs.js';
import { haServiceStatus, haStateOfGuest } from './ha-status.js';
import { type InfoHost, type Member, type TaskEntry, nodeStats, registerInfoHandlers } from './node-info.js';
import { cpuBetween, readNode, rrdFrom, type NodeReading, type NodeRrd } from './node-status.js';
import type { SimulatorQemu } from './qemu-backend.js';
import { storageDefs } from './storage.js';

export interface PveTestServerOptions {
  nodeName: string;
  /** Where the HTTPS server listens (reachable by the app). */
  listenHost: string;
  port?: number;
  /** The node's own address on the cluster network (pve_addr; link0 when none is given). */
  nodeAddress: string;
  /** Runs programs inside the node (corosync, ip, ping). */
  runner: HostRunner;
  /** This server's private files (its pointer to the current /etc/pve, its local certificates). */
  stateDir: string;
  /** Shared by all test servers of one lab: one subdirectory per cluster plays /etc/pve. */
  pmxcfsRoot: string;
  rootPassword: string;
  /** Reported by /version; HA groups on 8.x, HA rules on 9.x. */
  release?: string;
  /** Extra users: `admin@pve` → password and, optionally, a fixed TOTP code (two-factor). */
  users?: Record<string, { password: string; totp?: string; privs?: Record<string, string[]> }>;
  /** API tokens: `monitor@pve!dash` → secret and privileges per ACL path. */
  tokens?: Record<string, { secret: string; privs: Record<string, string[]> }>;
  /** Guests this node holds at start (standalone). */
  guests?: GuestRecord[];
  /** Maps the `hostname` of a join request to where that node's API listens (default: host:8006). */
  resolvePeer?: (hostname: string) => { host: string; port: number };
  /** Link speed used for migration time (Mbit/s), and a factor to shorten simulated transfers in tests. */
  linkMbit?: number;
  migrationTimeScale?: number;
  schema?: PveApiSchema;
  now?: () => number;
  /** Poll interval of the corosync.conf sync (pmxcfs → /etc/corosync). */
  syncIntervalMs?: number;
  /** How often the node's figures (uptime, CPU, memory, root disk) are read inside it and published for /nodes (pvestatd: 10 s). */
  statsIntervalMs?: number;
  /** How corosync is started on the node: the lab's `systemctl` stand-in, or directly (sandboxes). */
  serviceManager?: 'systemctl' | 'direct';
  /** Real QEMU guests (lab): VM records run as processes on their node's host; absent, guests are records only. */
  qemu?: SimulatorQemu;
  /** The lab's HA stack on real guests (set by the lab once every server runs). */
  ha?: GuestHost['ha'];
  /** A link inside the node that /etc/pve resolves through (lab hosts): kept pointing at the node's current pmxcfs directory. */
  etcPveLink?: string;
}

export interface SchemaViolation {
  kind: 'request' | 'response';
  method: string;
  path: string;
  issues: string;
}

/** A task as the server keeps it, with what only this server needs: its log, its end, its stop. */
interface Task extends TaskEntry {
  log: string[];
  done: Promise<void>;
  /** Aborted by DELETE /nodes/{node}/tasks/{upid} (a task stop). */
  stop: AbortController;
}

interface Auth {
  user: string;
  token?: string;
  privs?: Record<string, string[]>;
}

interface Ctx {
  params: Record<string, string>;
  auth: Auth | undefined;
  route: RouteMatch;
  /** Whether the caller holds any of `privs` on `aclPath` (PVE's `check_any`, root@pam always). */
  can(aclPath: string, privs: string[]): boolean;
}

type Handler = (ctx: Ctx) => Promise<unknown>;

const joinApiVersion = 1;

/** Calls PVE proxies to the node that this server answers from the shared /etc/pve (same answer on every node). */
const answeredLocally = new Set(['/nodes/{node}/certificates/info']);

export class PveTestServer {
  readonly nodeName: string;
  readonly violations: SchemaViolation[] = [];
  /** Requests validated against the schema, and replies validated. */
  readonly counts = { requests: 0, responses: 0 };
  /** Requests this server answered itself (not forwarded to another member), by `METHOD /route/{template}`: tests count API calls per path. */
  readonly answered = new Map<string, number>();
  private server: https.Server | undefined;
  private readonly schema: PveApiSchema;
  private readonly corosync: CorosyncDriver;
  private readonly tasks = new Map<string, Task>();
  private readonly handlers = new Map<string, Handler>();
  private readonly now: () => number;
  private syncTimer: NodeJS.Timeout | undefined;
  private statsTimer: NodeJS.Timeout | undefined;
  private publishing: Promise<void> | undefined;
  private readonly lastReading: { value?: NodeReading } = {};
  private syncing = false;
  private lastSyncedVersion = -1;
  private fingerprint = '';
  private closed = false;
  private readonly tickets: TicketSigner;

  constructor(readonly options: PveTestServerOptions) {
    this.nodeName = options.nodeName;
    this.schema = options.schema ?? pveApiSchema();
    this.corosync = new CorosyncDriver(options.runner, { serviceManager: options.serviceManager ?? 'direct' });
    this.now = options.now ?? Date.now;
    this.tickets = new TicketSigner(() => this.pmxcfs.read('priv/authkey.key')!.trim(), this.now);
    this.registerHandlers();
  }

  get port(): number {
    const addr = this.server?.address();
    return typeof addr === 'object' && addr ? addr.port : (this.options.port ?? 8006);
  }

  get certificateFingerprint(): string {
    return this.fingerprint;
  }

  get release(): string {
    return this.options.release ?? '9.1';
  }

  /** The /etc/pve this node currently sees (its own before a cluster exists, the cluster's after). */
  get pmxcfs(): PmxcfsDir {
    const pointer = path.join(this.options.stateDir, 'pmxcfs-dir');
    const name = fs.existsSync(pointer) ? fs.readFileSync(pointer, 'utf8').trim() : `local-${this.nodeName}`;
    return new PmxcfsDir(path.join(this.options.pmxcfsRoot, name));
  }

  private async setPmxcfs(name: string): Promise<void> {
    fs.writeFileSync(path.join(this.options.stateDir, 'pmxcfs-dir'), `${name}\n`);
    await this.linkEtcPve();
  }

  /** Points the node's /etc/pve (through its link) at the pmxcfs directory it sees now, so plans can edit /etc/pve as on Proxmox. */
  private async linkEtcPve(): Promise<void> {
    if (!this.options.etcPveLink) return;
    const res = await this.options.runner.run(['ln', '-sfn', this.pmxcfs.dir, this.options.etcPveLink], { timeoutMs: 10_000 });
    if (res.code !== 0) throw new CwError('REMOTE_FAILED', `Could not point /etc/pve on ${this.options.runner.label} at ${this.pmxcfs.dir}: ${res.stderr.trim()}`);
    // Plans edit /etc/pve/corosync.conf as on Proxmox: a host without the /etc/pve link is refused now, not at that step.
    // (Whether its target is visible inside the host depends on where the servers keep pmxcfs; the stand-ins check that.)
    const seen = await this.options.runner.run(['test', '-L', '/etc/pve'], { timeoutMs: 10_000 });
    if (seen.code !== 0) {
      throw new CwError('MISSING_DEPENDENCY', `${this.options.runner.label} has no /etc/pve (its /etc overlay is missing; is overlayfs available? see the host's init.log in the lab state), so Proxmox plans could not edit /etc/pve/corosync.conf there.`);
    }
  }

  async start(): Promise<void> {
    fs.mkdirSync(this.options.stateDir, { recursive: true, mode: 0o700 });
    fs.mkdirSync(this.options.pmxcfsRoot, { recursive: true, mode: 0o700 });
    const cfs = this.pmxcfs;
    if (!cfs.exists('priv/authkey.key')) {
      cfs.write('priv/authkey.key', crypto.randomBytes(32).toString('hex'), 0o600);
      const ca = await createCa();
      cfs.write('pve-root-ca.pem', ca.certPem);
      cfs.write('priv/pve-root-ca.key', ca.keyPem, 0o600);
      cfs.writeJson('storage.json', defaultStorages);
      for (const g of this.options.guests ?? []) cfs.putGuest(this.nodeName, g);
    }
    if (!cfs.exists(`nodes/${this.nodeName}/pve-ssl.pem`)) await this.issueCertificate(cfs);
    const cert = cfs.read(`nodes/${this.nodeName}/pve-ssl.pem`)!;
    const key = cfs.read(`nodes/${this.nodeName}/pve-ssl.key`)!;
    this.fingerprint = new crypto.X509Certificate(cert).fingerprint256;
    this.server = https.createServer({ cert, key }, (req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', (err) => reject(new CwError('CONFLICT', `The Proxmox test server for ${this.nodeName} cannot listen on ${this.options.listenHost}:${this.options.port ?? 8006}: ${err.message}`)));
      this.server!.listen(this.options.port ?? 8006, this.options.listenHost, () => resolve());
    });
    cfs.writeJson(`nodes/${this.nodeName}/cw-endpoint.json`, { host: this.options.listenHost, port: this.port, address: this.options.nodeAddress });
    await this.writePveshConfig();
    await this.linkEtcPve();
    this.syncTimer = setInterval(() => void this.syncCorosyncConf(), this.options.syncIntervalMs ?? 1000);
    await this.publishReading();
    this.statsTimer = setInterval(() => void this.publishReading(), this.options.statsIntervalMs ?? 10_000);
  }

  async close(options: { stopCorosync?: boolean } = {}): Promise<void> {
    this.closed = true;
    if (this.syncTimer) clearInterval(this.syncTimer);
    if (this.statsTimer) clearInterval(this.statsTimer);
    await this.publishing;
    await Promise.allSettled([...this.tasks.values()].map((t) => t.done));
    if (this.server) {
      const closed = new Promise<void>((r) => this.server!.close(() => r()));
      this.server.closeAllConnections();
      await closed;
    }
    if (options.stopCorosync ?? true) await this.corosync.stop();
  }

  /**
   * Reads the node's figures inside it and publishes them in /etc/pve (nodes/<node>/cw-rrd.json), as pvestatd
   * broadcasts them to the cluster: /nodes and /cluster/resources show them, and the HA status takes their time
   * as the node's LRM timestamp. A failed reading is skipped (the next one retries).
   */
  private publishReading(): Promise<void> {
    if (this.publishing || this.closed) return this.publishing ?? Promise.resolve();
    this.publishing = (async () => {
      try {
        const reading = await readNode(this.options.runner);
        const { cpu } = cpuBetween(this.lastReading.value, reading);
        this.lastReading.value = reading;
        if (!this.closed) this.pmxcfs.writeJson(`nodes/${this.nodeName}/cw-rrd.json`, rrdFrom(reading, cpu));
      } catch {
        // The node may be stopping; /nodes shows it without figures until a reading succeeds.
      } finally {
        this.publishing = undefined;
      }
    })();
    return this.publishing;
  }

  /** A node's last published figures. */
  private rrd(node: string): NodeRrd | undefined {
    return this.pmxcfs.readJson<NodeRrd | undefined>(`nodes/${node}/cw-rrd.json`, undefined);
  }

  /** Cluster members in nodeid order with corosync's view of them; a standalone node is its own quorate "cluster". */
  private async membership(): Promise<{ clustered: boolean; quorate: boolean; members: Member[] }> {
    const conf = this.clusterConf();
    if (!conf) return { clustered: false, quorate: true, members: [{ name: this.nodeName, nodeid: 0, online: true }] };
    const q = await this.corosync.quorum();
    const members = corosyncNodes(conf)
      // The answering node counts itself online, as /cluster/resources always did here.
      .map((n) => ({ name: n.name, nodeid: n.nodeid, online: n.name === this.nodeName || q.members.has(n.nodeid) }))
      .sort((a, b) => a.nodeid - b.nodeid);
    return { clustered: true, quorate: q.quorate, members };
  }

  /**
   * What this node's corosync sees now, by node name: whether it is quorate and who its members are (the HA
   * runtime's input); undefined when corosync does not answer or the node is not in a cluster.
   */
  async corosyncView(): Promise<{ quorate: boolean; members: string[]; nodes: string[] } | undefined> {
    const conf = this.clusterConf();
    if (!conf) return undefined;
    const q = await this.corosync.quorum();
    if (!q.running) return undefined;
    const nodes = corosyncNodes(conf);
    return { quorate: q.quorate, members: nodes.filter((n) => q.members.has(n.nodeid)).map((n) => n.name), nodes: nodes.map((n) => n.name) };
  }

  /** Hands HA migrations of this node's API to the lab's HA stack. */
  useHa(ha: GuestHost['ha']): void {
    (this.options as { ha?: GuestHost['ha'] }).ha = ha;
  }

  /** The cluster's corosync.conf totem/nodelist as this node sees it (undefined: standalone). */
  clusterSection(): CorosyncSection | undefined {
    return this.clusterConf();
  }

  /** Adds a guest record to this node (for tests and `lab up`). */
  addGuest(guest: GuestRecord): void {
    this.pmxcfs.putGuest(this.nodeName, guest);
  }

  private async issueCertificate(cfs: PmxcfsDir): Promise<void> {
    const ca: CertificateAuthority = { certPem: cfs.read('pve-root-ca.pem')!, keyPem: cfs.read('priv/pve-root-ca.key')! };
    const cert = await issueNodeCertificate(ca, this.nodeName, [this.options.nodeAddress, this.options.listenHost]);
    cfs.write(`nodes/${this.nodeName}/pve-ssl.pem`, cert.certPem);
    cfs.write(`nodes/${this.nodeName}/pve-ssl.key`, cert.keyPem, 0o600);
    this.fingerprint = cert.fingerprint;
    this.server?.setSecureContext({ cert: cert.certPem, key: cert.keyPem });
    if (this.server) await this.writePveshConfig();
  }

  /** Tells the node's `pvesh` stand-in where its API listens and which certificate it has (root-only file). */
  private async writePveshConfig(): Promise<void> {
    const config: PveshConfig = { host: this.options.listenHost, port: this.port, fingerprint: this.fingerprint, rootPassword: this.options.rootPassword };
    await writeHostFile(this.options.runner, pveshConfigPath, `${JSON.stringify(config)}\n`, '0600');
  }

  // ------------------------------------------------------------------------------------------
  // HTTP

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'https://localhost');
    const apiPath = url.pathname.replace(/^\/api2\/json/, '');
    try {
      if (!url.pathname.startsWith('/api2/json/')) throw new HttpError(404, 'only /api2/json is served here');
      const params: Record<string, string> = {};
      url.searchParams.forEach((v, k) => (params[k] = v));
      const body = method === 'POST' || method === 'PUT' ? await readBody(req) : undefined;
      if (body) Object.assign(params, body);
      this.counts.requests++;
      const check = this.schema.validateRequest(method, apiPath, params, 'form');
      if (!check.route) throw new HttpError(check.issues[0]?.message.startsWith('method') ? 501 : 404, `${check.issues[0]?.message}`);
      if (!check.ok) {
        this.violations.push({ kind: 'request', method, path: apiPath, issues: summarizeIssues(check.issues) });
        throw new HttpError(400, 'Parameter verification failed.', Object.fromEntries(check.issues.map((i) => [i.at, i.message])));
      }
      const route = check.route;
      const auth = this.authenticate(req, method, route);
      this.authorize(auth, route);
      // pveproxy forwards a call about another cluster node (`proxyto: node`) to that node, as PVE does.
      const owner = route.info.proxyto ? route.pathParams[route.info.proxyto] : undefined;
      const peer = owner && owner !== this.nodeName && !answeredLocally.has(route.template) ? this.memberEndpoint(owner) : undefined;
      if (peer) {
        await this.proxy(req, res, method, `${url.pathname}${url.search}`, body, peer, owner!);
        return;
      }
      const handler = this.handlers.get(`${method} ${route.template}`);
      if (!handler) throw new HttpError(501, `Method '${method} ${route.template}' is not implemented by the Clusterwright Proxmox test server`);
      this.answered.set(`${method} ${route.template}`, (this.answered.get(`${method} ${route.template}`) ?? 0) + 1);
      const data = await handler({ params: { ...params, ...route.pathParams }, auth, route, can: (aclPath, privs) => this.can(auth, aclPath, privs) });
      this.counts.responses++;
      const out = this.schema.validateResponse(method, apiPath, data ?? null);
      if (!out.ok) {
        const issues = summarizeIssues(out.issues);
        this.violations.push({ kind: 'response', method, path: apiPath, issues });
        throw new HttpError(500, `test server reply violates the official API schema: ${issues}`);
      }
      send(res, 200, 'OK', { data: data ?? null });
    } catch (err) {
      if (err instanceof HttpError) send(res, err.status, err.message, { data: null, message: `${err.message}\n`, ...(err.errors ? { errors: err.errors } : {}) });
      else if (isCwError(err)) send(res, 500, err.message, { data: null, message: `${err.message}\n` });
      else send(res, 500, (err as Error).message, { data: null, message: `${(err as Error).message}\n` });
    }
  }

  /** Where a cluster member's API listens (only nodes of this cluster's corosync.conf). */
  private memberEndpoint(node: string): { host: string; port: number } | undefined {
    const conf = this.clusterConf();
    if (!conf || !corosyncNodes(conf).some((n) => n.name === node)) return undefined;
    return this.nodeEndpoint(node);
  }

  /**
   * Forwards one request to another member with the caller's ticket (or token) and CSRF token, and relays its
   * answer. Inside the cluster the peer's certificate is not checked: the test servers share the cluster CA.
   */
  private proxy(req: IncomingMessage, res: ServerResponse, method: string, pathAndQuery: string, body: Record<string, string> | undefined, peer: { host: string; port: number }, node: string): Promise<void> {
    const form = body ? new URLSearchParams(body).toString() : undefined;
    const headers: Record<string, string> = { Accept: 'application/json' };
    for (const h of ['cookie', 'csrfpreventiontoken', 'authorization'] as const) {
      const v = req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    if (form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(form));
    }
    return new Promise((resolve) => {
      const out = https.request({ host: peer.host, port: peer.port, method, path: pathAndQuery, headers, rejectUnauthorized: false, timeout: 30_000 }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.once('end', () => {
          const text = Buffer.concat(chunks);
          res.writeHead(answer.statusCode ?? 500, answer.statusMessage ?? '', { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': text.length });
          res.end(text);
          resolve();
        });
      });
      out.once('timeout', () => out.destroy(new Error('timed out')));
      out.once('error', (err) => {
        send(res, 595, `Errors during connection establishment, proxy handler: ${node}: ${err.message}`, { data: null });
        resolve();
      });
      out.end(form);
    });
  }

  private authenticate(req: IncomingMessage, method: string, route: RouteMatch): Auth | undefined {
    if (route.info.permissions?.user === 'world') return undefined;
    const authz = req.headers.authorization;
    if (authz?.startsWith('PVEAPIToken=')) {
      const m = /^PVEAPIToken=([^=]+)=(.+)$/.exec(authz);
      const token = m ? this.options.tokens?.[m[1]!] : undefined;
      if (!m || !token || !safeEqual(token.secret, m[2]!)) throw new HttpError(401, 'authentication failure');
      return { user: m[1]!.split('!')[0]!, token: m[1]!, privs: token.privs };
    }
    const cookie = /(?:^|;\s*)PVEAuthCookie=([^;]+)/.exec(req.headers.cookie ?? '');
    if (!cookie) throw new HttpError(401, 'No ticket');
    const ticket = decodeURIComponent(cookie[1]!);
    const valid = this.tickets.verify(ticket);
    if (!valid || valid.tfa !== undefined) throw new HttpError(401, 'invalid ticket');
    if (method !== 'GET') {
      const csrf = req.headers.csrfpreventiontoken;
      if (typeof csrf !== 'string' || !safeEqual(csrf, this.tickets.csrf(valid.user, valid.time))) throw new HttpError(401, 'Permission denied - invalid csrf token');
    }
    return { user: valid.user, privs: valid.user === 'root@pam' ? undefined : this.options.users?.[valid.user]?.privs ?? {} };
  }

  /** PVE: no permissions block → root@pam only; `perm` checks against the user's or token's privileges. */
  private authorize(auth: Auth | undefined, route: RouteMatch): void {
    const perms = route.info.permissions;
    if (perms?.user === 'world') return;
    if (!auth) throw new HttpError(401, 'No ticket');
    const isRoot = auth.user === 'root@pam' && !auth.token;
    if (!perms) {
      if (!isRoot) throw new HttpError(403, 'Permission check failed (user != root@pam)');
      return;
    }
    if (auth.token && !route.info.allowtoken) throw new HttpError(403, 'Permission check failed (API tokens are not allowed here)');
    const check = perms.check;
    if (isRoot || !Array.isArray(check) || check[0] !== 'perm') return;
    const aclPath = String(check[1]).replace(/\{(\w+)\}/g, (_, k: string) => route.pathParams[k] ?? '');
    const needed = (check[2] as string[]) ?? [];
    const have = this.privilegesAt(auth, aclPath);
    const lacking = needed.filter((n) => !have.has(n));
    if (lacking.length) throw new HttpError(403, `Permission check failed (${aclPath}, ${lacking.join('|')})`);
  }

  /** The privileges a user or token holds on an ACL path (granted on the path or a parent). */
  private privilegesAt(auth: Auth, aclPath: string): Set<string> {
    const have = new Set<string>();
    for (const [p, privs] of Object.entries(auth.privs ?? {})) if (p === '/' || p === aclPath || aclPath.startsWith(`${p}/`)) privs.forEach((x) => have.add(x));
    return have;
  }

  private can(auth: Auth | undefined, aclPath: string, privs: string[]): boolean {
    if (!auth) return false;
    if (auth.user === 'root@pam' && !auth.token) return true;
    const have = this.privilegesAt(auth, aclPath);
    return privs.some((p) => have.has(p));
  }

  // ------------------------------------------------------------------------------------------
  // Tasks

  private startTask(type: string, id: string, user: string, work: (log: (line: string) => void, signal: AbortSignal) => Promise<void>): string {
    const starttime = Math.floor(this.now() / 1000);
    const pid = 10000 + Math.floor(Math.random() * 50000);
    const pstart = Math.floor(process.uptime() * 100) + 1000;
    const hex = (n: number, w: number): string => n.toString(16).toUpperCase().padStart(w, '0');
    const upid = `UPID:${this.nodeName}:${hex(pid, 8)}:${hex(pstart, 8)}:${hex(starttime, 8)}:${type}:${id}:${user}:`;
    const task: Task = { upid, type, id, user, starttime, pid, pstart, status: 'running', log: [], done: Promise.resolve(), stop: new AbortController() };
    const log = (line: string): void => void task.log.push(...line.split('\n'));
    task.done = (async () => {
      try {
        await work(log, task.stop.signal);
        if (task.stop.signal.aborted) throw new Error('interrupted by signal');
        task.exitstatus = 'OK';
        log('TASK OK');
      } catch (err) {
        // A stopped task ends as PVE's do: "interrupted by signal", whatever the work was doing.
        const msg = task.stop.signal.aborted ? 'interrupted by signal' : (err as Error).message.trim();
        task.exitstatus = msg.split('\n').at(-1) ?? 'unexpected error';
        log(`TASK ERROR: ${msg}`);
      } finally {
        task.status = 'stopped';
        task.endtime = Math.floor(this.now() / 1000);
      }
    })();
    this.tasks.set(upid, task);
    return upid;
  }

  /** Waits until a task this server started has stopped (tests and `lab up` use it). */
  async waitTask(upid: string): Promise<{ exitstatus?: string; log: string[] }> {
    const t = this.tasks.get(upid);
    if (!t) throw new CwError('NOT_FOUND', `No task ${upid} on ${this.nodeName}.`);
    await t.done;
    return { exitstatus: t.exitstatus, log: t.log };
  }

  // ------------------------------------------------------------------------------------------
  // Cluster state

  private clusterConf(): CorosyncSection | undefined {
    const text = this.pmxcfs.read('corosync.conf');
    return text ? parseCorosyncConf(text) : undefined;
  }

  private async writeClusterConf(conf: CorosyncSection): Promise<void> {
    bumpConfigVersion(conf);
    const text = renderCorosyncConf(conf);
    this.pmxcfs.write('corosync.conf', text);
    await this.corosync.writeConf(text);
    this.lastSyncedVersion = configVersion(conf);
  }

  /** pmxcfs copies a newer /etc/pve/corosync.conf to /etc/corosync and corosync reloads it. */
  private async syncCorosyncConf(): Promise<void> {
    if (this.syncing || this.closed) return;
    this.syncing = true;
    try {
      const conf = this.clusterConf();
      if (!conf || !corosyncNodes(conf).some((n) => n.name === this.nodeName)) return;
      const version = configVersion(conf);
      if (version <= this.lastSyncedVersion) return;
      const local = await this.corosync.readConf();
      const localVersion = local ? configVersion(parseCorosyncConf(local)) : -1;
      if (version > localVersion) {
        await this.corosync.writeConf(renderCorosyncConf(conf));
        if (await this.corosync.pid()) await this.corosync.reload();
      }
      this.lastSyncedVersion = version;
    } catch {
      // The next round retries; a broken config shows up in /cluster/status.
    } finally {
      this.syncing = false;
    }
  }

  /** datacenter.cfg as `key: value` lines. */
  private datacenterLines(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of (this.pmxcfs.read('datacenter.cfg') ?? '').split('\n')) {
      const m = /^([a-z][a-z0-9_-]*):\s*(.*)$/.exec(line.trim());
      if (m) out[m[1]!] = m[2]!;
    }
    return out;
  }

  /** GET /cluster/options: datacenter.cfg parsed as Proxmox does; `migration` becomes { type, network }. */
  private datacenterOptions(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(this.datacenterLines())) {
      if (k === 'migration') {
        const parts = Object.fromEntries(v.split(',').map((kv) => (kv.includes('=') ? (kv.split('=', 2) as [string, string]) : ['type', kv])));
        out[k] = { type: parts.type ?? 'secure', ...(parts.network ? { network: parts.network } : {}) };
      } else out[k] = v;
    }
    return out;
  }

  private async assertQuorate(): Promise<void> {
    if (!this.clusterConf()) return;
    const q = await this.corosync.quorum();
    if (!q.quorate) throw new HttpError(500, 'cluster not ready - no quorum?');
  }

  private nodeEndpoint(node: string): { host: string; port: number; address: string } | undefined {
    return this.pmxcfs.readJson<{ host: string; port: number; address: string } | undefined>(`nodes/${node}/cw-endpoint.json`, undefined);
  }

  private assertLocalNode(node: string): void {
    if (node !== this.nodeName) {
      const known = this.pmxcfs.nodeNames().includes(node);
      throw new HttpError(known ? 595 : 500, known ? `the test server does not proxy to other nodes; ask ${node} directly` : `hostname lookup '${node}' failed - failed to get address info for: ${node}`);
    }
  }

  // ------------------------------------------------------------------------------------------
  // Handlers

  private on(method: string, template: string, handler: Handler): void {
    if (!this.schema.method(template, method)) throw new CwError('INTERNAL', `test server handler for ${method} ${template}, which the API schema does not have`);
    this.handlers.set(`${method} ${template}`, handler);
  }

  private registerHandlers(): void {
    this.on('GET', '/version', async () => {
      const [major] = this.release.split('.');
      return { release: this.release, version: `${this.release}.${major === '8' ? '4' : '3'}`, repoid: 'c0ffee42', console: 'html5' };
    });

    this.on('POST', '/access/ticket', async ({ params }) => this.login(params));

    this.on('GET', '/access/permissions', async ({ auth }) => {
      if (auth!.user === 'root@pam' && !auth!.token) return { '/': Object.fromEntries(allPrivileges.map((p) => [p, 1])) };
      const out: Record<string, Record<string, number>> = {};
      for (const [p, privs] of Object.entries(auth!.privs ?? {})) out[p] = Object.fromEntries(privs.map((x) => [x, 1]));
      return out;
    });

    this.on('GET', '/nodes/{node}/tasks/{upid}/status', async ({ params }) => {
      this.assertLocalNode(params.node!);
      const t = this.tasks.get(params.upid!);
      if (!t) throw new HttpError(500, `unable to open file - No such file or directory`);
      const out: Record<string, unknown> = { upid: t.upid, node: this.nodeName, pid: t.pid, pstart: t.pstart, starttime: t.starttime, type: t.type, id: t.id, user: t.user, status: t.status };
      if (t.exitstatus !== undefined) out.exitstatus = t.exitstatus;
      return out;
    });

    // Stopping a task (the web UI's "Stop"): the work sees the abort, rolls back what it can, and the task ends interrupted.
    this.on('DELETE', '/nodes/{node}/tasks/{upid}', async ({ params }) => {
      this.assertLocalNode(params.node!);
      const t = this.tasks.get(params.upid!);
      if (!t) throw new HttpError(500, `unable to open file - No such file or directory`);
      if (t.status === 'running') t.stop.abort();
      return null;
    });

    this.on('GET', '/nodes/{node}/tasks/{upid}/log', async ({ params }) => {
      this.assertLocalNode(params.node!);
      const t = this.tasks.get(params.upid!);
      if (!t) throw new HttpError(500, `unable to open file - No such file or directory`);
      const start = Number(params.start ?? 0);
      const limit = Number(params.limit ?? 50);
      const lines = t.log.slice(start, start + limit).map((text, i) => ({ n: start + i + 1, t: text }));
      return lines.length ? lines : [{ n: start + 1, t: 'no content' }];
    });

    this.on('GET', '/nodes/{node}/certificates/info', async ({ params }) => {
      const cfs = this.pmxcfs;
      const pem = cfs.read(`nodes/${params.node}/pve-ssl.pem`);
      if (!pem) throw new HttpError(500, `hostname lookup '${params.node}' failed - failed to get address info for: ${params.node}`);
      return [certificateInfo('pve-root-ca.pem', cfs.read('pve-root-ca.pem')!), certificateInfo('pve-ssl.pem', pem)];
    });

    this.on('GET', '/cluster/config/apiversion', async () => joinApiVersion);

    this.on('POST', '/cluster/config', async ({ params, auth }) => this.createCluster(params, auth!));

    // PVE reads the nodelist of /etc/pve/corosync.conf: a standalone node has none, so the list is empty.
    this.on('GET', '/cluster/config/nodes', async () => {
      const conf = this.clusterConf();
      return conf ? corosyncNodes(conf).map((n) => ({ node: n.name })) : [];
    });

    this.on('POST', '/cluster/config/nodes/{node}', async ({ params }) => this.addNode(params));

    this.on('DELETE', '/cluster/config/nodes/{node}', async ({ params }) => {
      if (params.node === this.nodeName) throw new HttpError(500, 'Cannot delete myself from cluster!');
      await this.assertQuorate();
      const conf = this.clusterConf();
      if (!conf) throw new HttpError(500, `Error: Corosync config '/etc/pve/corosync.conf' does not exist - is this node part of a cluster?`);
      const { conf: next } = removeNodeFromConf(conf, params.node!);
      await this.writeClusterConf(next);
      await this.corosync.reload();
      return null;
    });

    this.on('GET', '/cluster/config/join', async ({ params }) => {
      const conf = this.clusterConf();
      if (!conf) throw new HttpError(424, 'node is not in a cluster, no join info available!');
      const name = params.node ?? this.nodeName;
      const nodes = corosyncNodes(conf);
      if (!nodes.some((n) => n.name === name)) throw new HttpError(500, `unknown node '${name}'`);
      const cfs = this.pmxcfs;
      const nodelist = nodes.map((n) => {
        const entry: Record<string, unknown> = { name: n.name, nodeid: n.nodeid, quorum_votes: n.quorumVotes };
        for (const [link, addr] of Object.entries(n.links)) entry[`ring${link}_addr`] = addr;
        const pem = cfs.read(`nodes/${n.name}/pve-ssl.pem`);
        if (pem) entry.pve_fp = new crypto.X509Certificate(pem).fingerprint256;
        const ep = this.nodeEndpoint(n.name);
        if (ep) entry.pve_addr = ep.address;
        return entry;
      });
      const raw = cfs.read('corosync.conf')!;
      return { nodelist, preferred_node: name, totem: conf.totem, config_digest: crypto.createHash('sha1').update(raw).digest('hex') };
    });

    this.on('POST', '/cluster/config/join', async ({ params, auth }) => this.join(params, auth!));

    this.on('GET', '/cluster/config/totem', async () => {
      const conf = this.clusterConf();
      return conf?.totem ?? {};
    });

    this.on('GET', '/cluster/config/qdevice', async () => {
      const q = await this.corosync.quorum();
      return q.qdevice ? { State: 'Connected', Votes: String(q.qdevice.votes) } : {};
    });

    this.on('GET', '/cluster/status', async () => this.clusterStatus());

    // datacenter.cfg: cluster-wide options (the wizard sets the migration network).
    this.on('GET', '/cluster/options', async () => this.datacenterOptions());
    this.on('PUT', '/cluster/options', async ({ params }) => {
      await this.assertQuorate();
      const lines = new Map(Object.entries(this.datacenterLines()));
      for (const key of (params.delete ?? '').split(/[,;\s]+/).filter(Boolean)) lines.delete(key);
      for (const [k, v] of Object.entries(params)) if (k !== 'delete' && k !== 'digest') lines.set(k, v);
      this.pmxcfs.write('datacenter.cfg', [...lines].map(([k, v]) => `${k}: ${v}\n`).join(''));
      return null;
    });

    this.on('GET', '/cluster/resources', async ({ params, can }) => this.resources(params.type, can));

    registerInfoHandlers((method, template, handler) => this.on(method, template, (ctx) => handler({ params: ctx.params, user: ctx.auth!.user, ...(ctx.auth!.token ? { tokenId: ctx.auth!.token } : {}), can: ctx.can })), this.infoHost());

    registerGuestHandlers((method, template, handler) => this.on(method, template, (ctx) => handler({ params: ctx.params, user: ctx.auth!.user })), this.guestHost());
  }

  // ------------------------------------------------------------------------------------------
  // Auth

  private login(params: Record<string, string>): Record<string, unknown> {
    const username = params.username!;
    const user = username.includes('@') ? username : `${username}@${params.realm ?? 'pam'}`;
    const password = params.password!;
    if (params['tfa-challenge']) {
      const partial = this.tickets.verify(params['tfa-challenge']);
      const code = this.options.users?.[user]?.totp;
      if (!partial || partial.tfa === undefined || partial.user !== user || !code || password !== `totp:${code}`) throw new HttpError(401, 'authentication failure');
      return this.fullTicket(user);
    }
    // A valid ticket is accepted as the password: that is how clients renew before the 2 h expiry.
    const asTicket = this.tickets.verify(password);
    if (asTicket && asTicket.tfa === undefined && asTicket.user === user) return this.fullTicket(user);
    const known = user === 'root@pam' ? this.options.rootPassword : this.options.users?.[user]?.password;
    if (known === undefined || !safeEqual(known, password)) throw new HttpError(401, 'authentication failure');
    if (this.options.users?.[user]?.totp) {
      const challenge = encodeURIComponent(JSON.stringify({ totp: true }));
      return { username: user, ticket: this.tickets.issue(user, `!tfa!${challenge}:`), NeedTFA: 1 };
    }
    return this.fullTicket(user);
  }

  private fullTicket(user: string): Record<string, unknown> {
    const ticket = this.tickets.issue(user);
    const out: Record<string, unknown> = { username: user, ticket, CSRFPreventionToken: this.tickets.csrf(user, this.tickets.verify(ticket)!.time) };
    const name = this.clusterConf() ? clusterName(this.clusterConf()!) : undefined;
    if (name) out.clustername = name;
    return out;
  }

  // ------------------------------------------------------------------------------------------
  // Cluster create / join / addnode

  private linksFrom(params: Record<string, string>): LinkMap {
    const links: LinkMap = {};
    for (let n = 0; n <= maxLinkIndex; n++) if (params[`link${n}`]) links[n] = parseLink(params[`link${n}`]!);
    return links;
  }

  private createCluster(params: Record<string, string>, auth: Auth): string {
    if (this.clusterConf()) throw new HttpError(500, "cluster config '/etc/pve/corosync.conf' already exists");
    const name = params.clustername!;
    const target = path.join(this.options.pmxcfsRoot, `cluster-${name}`);
    if (fs.existsSync(target)) throw new HttpError(500, `a cluster named '${name}' already exists in this lab; choose another name`);
    const links = this.linksFrom(params);
    return this.startTask('clustercreate', name, auth.user, async (log) => {
      if (!(await this.corosync.hasAuthkey())) {
        await this.corosync.generateAuthkey();
      }
      const conf = createClusterConf({
        clusterName: name,
        nodeName: this.nodeName,
        nodeid: params.nodeid ? Number(params.nodeid) : undefined,
        votes: params.votes ? Number(params.votes) : undefined,
        links,
        fallbackAddress: this.options.nodeAddress,
        tokenCoefficient: Number(params['token-coefficient'] ?? 125),
      });
      log('Writing corosync config to /etc/pve/corosync.conf');
      fs.renameSync(this.pmxcfs.dir, target);
      await this.setPmxcfs(`cluster-${name}`);
      await this.writeClusterConf(conf);
      log('Restart corosync and cluster filesystem');
      await this.corosync.stop();
      await this.corosync.start();
    });
  }

  private async addNode(params: Record<string, string>): Promise<Record<string, unknown>> {
    const apiversion = Number(params.apiversion ?? 0);
    if (apiversion < joinApiVersion) throw new HttpError(500, `error: unsupported old API version on joining node (${apiversion}), cluster node has ${joinApiVersion}`);
    await this.assertQuorate();
    const conf = this.clusterConf();
    if (!conf) throw new HttpError(500, `Error: Corosync config '/etc/pve/corosync.conf' does not exist - is this node part of a cluster?`);
    let next: CorosyncSection;
    try {
      next = addNodeToConf(conf, {
        name: params.node!,
        nodeid: params.nodeid ? Number(params.nodeid) : undefined,
        votes: params.votes !== undefined ? Number(params.votes) : undefined,
        links: this.linksFrom(params),
        newNodeIp: params.new_node_ip,
        force: params.force === '1',
      }).conf;
    } catch (err) {
      throw new HttpError(500, (err as Error).message);
    }
    fs.mkdirSync(this.pmxcfs.file(`nodes/${params.node}`), { recursive: true });
    await this.writeClusterConf(next);
    await this.corosync.reload();
    const authkey = await this.corosync.readAuthkey();
    return { corosync_authkey: authkey!.toString('latin1'), corosync_conf: this.pmxcfs.read('corosync.conf')!, warnings: [] };
  }

  private join(params: Record<string, string>, auth: Auth): string {
    const links = this.linksFrom(params);
    const password = params.password!;
    return this.startTask('clusterjoin', '', auth.user, async (log) => {
      // assert_joinable: collect every reason, then refuse with all of them.
      const errors: string[] = [];
      if (await this.corosync.hasAuthkey()) errors.push("authentication key '/etc/corosync/authkey' already exists");
      if (this.clusterConf() || (await this.corosync.hasConf())) errors.push("cluster config '/etc/pve/corosync.conf' already exists");
      const guests = this.pmxcfs.guests(this.nodeName);
      if (guests.length) errors.push(`this host already contains virtual guests (${guests.map((g) => g.vmid).join(', ')})`);
      if ((await this.corosync.quorum()).running) errors.push('corosync is already running, is this node already in a cluster?!');
      const local = await hostAddresses(this.options.runner);
      for (const [n, link] of Object.entries(links)) if (link && !local.includes(link.address)) errors.push(`link${n}: cannot use IP '${link.address}', not found on local node!`);
      if (errors.length) {
        log(`detected the following error(s):\n${errors.map((e) => `* ${e}`).join('\n')}`);
        throw new Error('Check if node may join a cluster failed!');
      }
      const peer = this.options.resolvePeer?.(params.hostname!) ?? { host: params.hostname!, port: 8006 };
      log(`Establishing API connection with host '${params.hostname}'`);
      const client = new PveClient({ endpoint: { ...peer, fingerprint: params.fingerprint }, credentials: { kind: 'password', username: 'root@pam', password }, schema: this.schema });
      await client.login();
      log('Login succeeded.');
      log('check cluster join API version');
      const apiver = await client.get<number>('/cluster/config/apiversion');
      if (apiver < joinApiVersion) throw new Error(`error: incompatible join API version on cluster (${apiver}), local node has ${joinApiVersion}`);
      const args: Record<string, string> = { apiversion: String(joinApiVersion) };
      for (const [n, link] of Object.entries(links)) if (link) args[`link${n}`] = params[`link${n}`]!;
      if (!Object.keys(links).length) {
        args.new_node_ip = this.options.nodeAddress;
        log(`No cluster network links passed explicitly, fallback to local node IP '${this.options.nodeAddress}'`);
      }
      if (params.nodeid) args.nodeid = params.nodeid;
      if (params.votes !== undefined) args.votes = params.votes;
      if (params.force) args.force = params.force;
      log('Request addition of this node');
      let res: { corosync_authkey: string; corosync_conf: string; warnings?: string[] };
      try {
        res = await client.post(`/cluster/config/nodes/${this.nodeName}`, args);
      } catch (err) {
        log(`An error occurred on the cluster node: ${client.redact((err as Error).message)}`);
        throw new Error('Cluster join aborted!');
      }
      for (const w of res.warnings ?? []) log(`cluster: ${w}`);
      log('Join request OK, finishing setup locally');
      const conf = parseCorosyncConf(res.corosync_conf);
      const name = clusterName(conf)!;
      await this.corosync.writeAuthkey(Buffer.from(res.corosync_authkey, 'latin1'));
      await this.corosync.writeConf(res.corosync_conf);
      this.lastSyncedVersion = configVersion(conf);
      log('stopping pve-cluster service');
      const own = this.pmxcfs;
      await this.setPmxcfs(`cluster-${name}`);
      fs.rmSync(own.dir, { recursive: true, force: true });
      await this.corosync.start();
      log('waiting for quorum...');
      const deadline = Date.now() + 60_000;
      while (!(await this.corosync.quorum()).quorate) {
        if (Date.now() > deadline) throw new Error('waiting for quorum timed out after 60 s - check the corosync links between this node and the cluster');
        await new Promise((r) => setTimeout(r, 250));
      }
      log('OK');
      log('(re)generate node files');
      log('generate new node certificate');
      await this.issueCertificate(this.pmxcfs);
      this.pmxcfs.writeJson(`nodes/${this.nodeName}/cw-endpoint.json`, { host: this.options.listenHost, port: this.port, address: this.options.nodeAddress });
      // The cluster's /nodes shows this node's figures from now on, not only after the next periodic reading.
      await this.publishReading();
      log('merge authorized SSH keys');
      log('generated new node certificate, restart pveproxy and pvedaemon services');
      log(`successfully added node '${this.nodeName}' to cluster.`);
    });
  }

  // ------------------------------------------------------------------------------------------
  // Status and resources

  private async clusterStatus(): Promise<unknown[]> {
    const conf = this.clusterConf();
    const ownEndpoint = this.nodeEndpoint(this.nodeName);
    if (!conf) return [{ type: 'node', id: `node/${this.nodeName}`, name: this.nodeName, ip: ownEndpoint?.address ?? this.options.nodeAddress, local: 1, nodeid: 0, online: 1, level: '' }];
    const q = await this.corosync.quorum();
    const nodes = corosyncNodes(conf);
    const out: unknown[] = [{ type: 'cluster', id: 'cluster', name: clusterName(conf)!, nodes: nodes.length, quorate: q.quorate ? 1 : 0, version: configVersion(conf) }];
    for (const n of nodes) {
      const ep = this.nodeEndpoint(n.name);
      out.push({ type: 'node', id: `node/${n.name}`, name: n.name, nodeid: n.nodeid, ip: ep?.address ?? n.links[0] ?? '', local: n.name === this.nodeName ? 1 : 0, online: q.members.has(n.nodeid) ? 1 : 0, level: '' });
    }
    return out;
  }

  private async resources(type: string | undefined, can: (aclPath: string, privs: string[]) => boolean): Promise<unknown[]> {
    const cfs = this.pmxcfs;
    const { clustered, members } = await this.membership();
    const names = members.map((m) => m.name);
    const services = haServiceStatus(cfs);
    const out: unknown[] = [];
    if (!type || type === 'node') for (const m of [...members].sort((a, b) => a.name.localeCompare(b.name))) out.push(nodeStats(this.infoHost(), m, clustered, can(`/nodes/${m.name}`, ['Sys.Audit'])));
    if (!type || type === 'vm') {
      for (const n of names) {
        for (const g of cfs.guests(n)) {
          // With real guests, the figures are the QEMU process's (pvestatd reads them from the process too).
          const proc = this.options.qemu ? await this.options.qemu.status(n, g.vmid).catch(() => undefined) : undefined;
          const running = proc?.running ?? g.running;
          const entry: Record<string, unknown> = { id: `qemu/${g.vmid}`, type: 'qemu', vmid: g.vmid, name: g.name, node: n, status: running ? 'running' : 'stopped', maxmem: g.memoryMiB * 1024 ** 2, maxcpu: g.cores, maxdisk: (g.disks[0]?.sizeGiB ?? 0) * 1024 ** 3, template: 0 };
          if (proc) Object.assign(entry, { cpu: proc.cpu, mem: proc.mem, uptime: proc.uptime });
          const hastate = haStateOfGuest(cfs, g.vmid, services);
          if (hastate) entry.hastate = hastate;
          if (g.lock) entry.lock = g.lock;
          out.push(entry);
        }
      }
    }
    if (!type || type === 'storage') {
      for (const n of names) for (const [id, def] of storageDefs(cfs)) out.push({ id: `storage/${n}/${id}`, type: 'storage', storage: id, node: n, shared: def.shared ? 1 : 0, plugintype: def.type, content: def.content, status: 'available' });
    }
    return out;
  }

  /** What the node, storage, task and HA status handlers may use of this server. */
  private infoHost(): InfoHost {
    return {
      nodeName: this.nodeName,
      release: this.release,
      runner: this.options.runner,
      pmxcfs: () => this.pmxcfs,
      membership: () => this.membership(),
      assertLocalNode: (node) => this.assertLocalNode(node),
      tasks: () => [...this.tasks.values()],
      fingerprintOf: (node) => {
        const pem = this.pmxcfs.read(`nodes/${node}/pve-ssl.pem`);
        return pem ? new crypto.X509Certificate(pem).fingerprint256 : undefined;
      },
      rrd: (node) => this.rrd(node),
      lastReading: this.lastReading,
    };
  }

  /** What the guest, migration and HA handlers may use of this server. */
  private guestHost(): GuestHost {
    const host: GuestHost = {
      nodeName: this.nodeName,
      release: this.release,
      runner: this.options.runner,
      linkMbit: this.options.linkMbit ?? 1000,
      migrationTimeScale: this.options.migrationTimeScale ?? 1,
      pmxcfs: () => this.pmxcfs,
      clusterConf: () => this.clusterConf(),
      quorum: () => this.corosync.quorum(),
      assertQuorate: () => this.assertQuorate(),
      assertLocalNode: (node) => this.assertLocalNode(node),
      startTask: (type, id, user, work) => this.startTask(type, id, user, work),
      ...(this.options.qemu ? { qemu: this.options.qemu } : {}),
    };
    // Read at each request: the lab hands HA over once every server runs.
    const options = this.options;
    Object.defineProperty(host, 'ha', { get: () => options.ha, enumerable: true });
    return host;
  }
}

const allPrivileges = ['Sys.Audit', 'Sys.Modify', 'Sys.Console', 'Sys.PowerMgmt', 'VM.Audit', 'VM.Migrate', 'VM.Allocate', 'VM.PowerMgmt', 'Datastore.Audit', 'Permissions.Modify'];
