// Typed client for the Proxmox VE REST API (https://HOST:8006/api2/json): ticket or API-token auth,
// TLS pinned by SHA-256 fingerprint, task following, and every request checked against the official schema.
import https from 'node:https';
import tls from 'node:tls';
import { CwError, type ErrorCode } from '../../../common/errors.js';
import { maskSecrets } from '../../../common/secrets/mask.js';
import { firstOf, normalizeFingerprint, readPeerCertificate, serverNameFor } from '../../tls/certificate.js';
import type { PveApiSchema } from './api-schema.js';
import { summarizeIssues } from './api-schema.js';

export interface PveEndpoint {
  host: string;
  port?: number;
  /** `AA:BB:…` (SHA-256 of the DER certificate) the admin confirmed; without it the first contact fails with the fingerprint. */
  fingerprint?: string;
}

/** A secret is looked up at the moment of use (from the secret store), never kept in the client's options. */
export type SecretSource = string | (() => string | Promise<string>);

export type PveCredentials =
  | {
      kind: 'password';
      /** `root@pam`, `admin@pve`, … */
      username: string;
      password: SecretSource;
      /** Asked when the account has two-factor auth: returns e.g. `totp:123456` or `recovery:KEY`. */
      secondFactor?: (challenge: { username: string; types: string[] }) => Promise<string>;
    }
  | {
      kind: 'token';
      /** `USER@REALM!TOKENID` */
      tokenId: string;
      secret: SecretSource;
    };

export interface PveClientOptions {
  endpoint: PveEndpoint;
  credentials: PveCredentials;
  /** When given, every request is validated before it is sent (and replies after); a rejection throws. */
  schema?: PveApiSchema;
  validateResponses?: boolean;
  /** Request lines (method, path, status, ms) — never parameters, never secrets. */
  log?: (line: string) => void;
  timeoutMs?: number;
  /** Clock for ticket age (tests move it forward). */
  now?: () => number;
}

/** PVE tickets live 2 h; renew well before. */
export const ticketLifetimeMs = 2 * 60 * 60 * 1000;
export const ticketRenewAfterMs = 60 * 60 * 1000;

type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';
export type PveParams = Record<string, string | number | boolean | undefined>;

interface Ticket {
  ticket: string;
  csrf: string;
  username: string;
  issuedAt: number;
}

export interface TaskStatus {
  upid: string;
  node: string;
  status: 'running' | 'stopped';
  exitstatus?: string;
  type: string;
  id: string;
  user: string;
  starttime: number;
  pid: number;
  pstart: number;
}

export interface FollowTaskOptions {
  onLog?: (line: string) => void;
  /**
   * Called when the node's certificate changes while the task runs (a join reissues it from the cluster CA):
   * re-pin through a trusted node (see repinThrough) and following continues. Without it, the change is an error.
   */
  onCertificateChange?: (err: CwError) => Promise<void>;
  pollMs?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Formats a Node fingerprint256 / hex digest the way Proxmox shows it (upper-case, colon-separated). */
export { normalizeFingerprint };

/** Parses `UPID:node:pid:pstart:starttime:type:id:user:` (the node a task runs on is in the UPID). */
export function parseUpid(upid: string): { node: string; type: string; id: string; user: string; starttime: number } {
  const m = /^UPID:([a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s]+):([^:\s]*):([^:\s]+):$/.exec(upid);
  if (!m) throw new CwError('INVALID_OUTPUT', `'${upid}' is not a Proxmox task ID (UPID).`);
  return { node: m[1]!, starttime: parseInt(m[4]!, 16), type: m[5]!, id: m[6]!, user: m[7]! };
}

async function reveal(s: SecretSource): Promise<string> {
  return typeof s === 'function' ? await s() : s;
}

/** Reads the certificate a Proxmox node presents, without trusting it: for the "confirm this fingerprint" prompt. */
export function probeCertificate(endpoint: PveEndpoint, timeoutMs = 10_000): Promise<{ fingerprint: string; subject: string; issuer: string; validTo: string }> {
  const port = endpoint.port ?? 8006;
  return readPeerCertificate(endpoint.host, port, {
    timeoutMs,
    timeoutError: () => new CwError('TIMEOUT', `No TLS answer from ${endpoint.host}:${port} within ${timeoutMs} ms. Check that pveproxy runs and port ${port} is reachable.`),
    connectError: (err) => networkError(err, endpoint.host, port),
  });
}

function networkError(err: NodeJS.ErrnoException, host: string, port: number): CwError {
  const code = err.code ?? '';
  if (code === 'ETIMEDOUT') return new CwError('TIMEOUT', `Connecting to the Proxmox VE API on ${host}:${port} timed out. Check the address and that port ${port}/tcp is open.`);
  return new CwError('UNREACHABLE', `Cannot reach the Proxmox VE API on ${host}:${port} (${code || err.message}). Check that the node is up, pveproxy runs, and port ${port}/tcp is open from here.`);
}

export class PveClient {
  readonly host: string;
  readonly port: number;
  private fingerprint: string | undefined;
  private ticket: Ticket | undefined;
  private permissions: Record<string, Record<string, number>> | undefined;
  private readonly secrets = new Set<string>();
  private readonly now: () => number;
  /** Requests sent (each validated against the schema first when one is configured). */
  requestCount = 0;
  /** Requests the schema rejected, so they were never sent. */
  refusedCount = 0;

  constructor(private readonly options: PveClientOptions) {
    this.host = options.endpoint.host;
    this.port = options.endpoint.port ?? 8006;
    this.fingerprint = options.endpoint.fingerprint ? normalizeFingerprint(options.endpoint.fingerprint) : undefined;
    this.now = options.now ?? Date.now;
  }

  get where(): string {
    return `${this.host}:${this.port}`;
  }

  get pinnedFingerprint(): string | undefined {
    return this.fingerprint;
  }

  get usesToken(): boolean {
    return this.options.credentials.kind === 'token';
  }

  /** Pins a new certificate (after a join the node's certificate is reissued by the cluster CA) and drops the ticket. */
  repin(fingerprint: string): void {
    this.fingerprint = normalizeFingerprint(fingerprint);
    this.ticket = undefined;
  }

  /**
   * After this node joined a cluster: read its new certificate's fingerprint through a node we already trust
   * (`GET /nodes/{node}/certificates/info` on the cluster), re-pin, and log in again.
   */
  async repinThrough(trusted: PveClient, nodeName: string): Promise<string> {
    const certs = await trusted.get<{ filename?: string; fingerprint?: string }[]>(`/nodes/${encodeURIComponent(nodeName)}/certificates/info`);
    const cert = certs.find((c) => c.filename === 'pveproxy-ssl.pem') ?? certs.find((c) => c.filename === 'pve-ssl.pem');
    if (!cert?.fingerprint) throw new CwError('REMOTE_FAILED', `The cluster did not report a certificate for node '${nodeName}' (via ${trusted.where}). Run 'pvecm updatecerts' on ${nodeName} and retry.`);
    this.repin(cert.fingerprint);
    if (!this.usesToken) await this.login();
    return this.fingerprint!;
  }

  // ------------------------------------------------------------------------------------------
  // Authentication

  /** Logs in with the password (and second factor when the account has one). */
  async login(): Promise<void> {
    const cred = this.options.credentials;
    if (cred.kind !== 'password') return;
    const password = await reveal(cred.password);
    this.secrets.add(password);
    const first = await this.call<{ ticket?: string; CSRFPreventionToken?: string; username: string; NeedTFA?: number }>('POST', '/access/ticket', { username: cred.username, password }, { auth: false });
    let result = first;
    if (first.NeedTFA) {
      if (!first.ticket) throw new CwError('AUTH_FAILED', `${this.where} asked for a second factor but sent no challenge.`);
      this.secrets.add(first.ticket);
      if (!cred.secondFactor) throw new CwError('AUTH_FAILED', `The account ${cred.username} on ${this.where} has two-factor authentication; answer the second-factor prompt to log in.`, { needsSecondFactor: true });
      const types = tfaTypes(first.ticket);
      const answer = await cred.secondFactor({ username: cred.username, types });
      this.secrets.add(answer);
      result = await this.call('POST', '/access/ticket', { username: cred.username, 'tfa-challenge': first.ticket, password: answer }, { auth: false });
    }
    if (!result.ticket || !result.CSRFPreventionToken) throw new CwError('AUTH_FAILED', `${this.where} did not return a ticket for ${cred.username}.`);
    this.secrets.add(result.ticket);
    this.secrets.add(result.CSRFPreventionToken);
    this.ticket = { ticket: result.ticket, csrf: result.CSRFPreventionToken, username: result.username, issuedAt: this.now() };
    this.permissions = undefined;
  }

  /** Renews the ticket (PVE accepts the current ticket as the password) when it is older than an hour. */
  private async ensureTicket(): Promise<Ticket | undefined> {
    const cred = this.options.credentials;
    if (cred.kind !== 'password') return undefined;
    const age = this.ticket ? this.now() - this.ticket.issuedAt : Infinity;
    if (!this.ticket || age >= ticketLifetimeMs) {
      await this.login();
    } else if (age >= ticketRenewAfterMs) {
      const renewed = await this.call<{ ticket?: string; CSRFPreventionToken?: string; username: string }>('POST', '/access/ticket', { username: this.ticket.username, password: this.ticket.ticket }, { auth: false });
      if (!renewed.ticket || !renewed.CSRFPreventionToken) {
        await this.login();
      } else {
        this.secrets.add(renewed.ticket);
        this.secrets.add(renewed.CSRFPreventionToken);
        this.ticket = { ticket: renewed.ticket, csrf: renewed.CSRFPreventionToken, username: renewed.username, issuedAt: this.now() };
      }
    }
    return this.ticket;
  }

  /**
   * Refuses, before sending anything, what an API token cannot do: methods only root@pam may call
   * (cluster create, join, node delete) and methods that do not allow tokens.
   */
  assertTokenMayCall(method: Method, path: string): void {
    if (!this.usesToken || !this.options.schema) return;
    const route = this.options.schema.match(method, path);
    if (!route) return;
    const what = route.info.description?.split('.')[0] ?? `${method} ${route.template}`;
    if (!route.info.permissions) {
      throw new CwError(
        'FORBIDDEN',
        `"${what}" (${method} ${route.template}) on ${this.where} can only be done by root@pam with its password; Proxmox refuses API tokens for it. Log in as root@pam for this step.`,
        { template: route.template, method, needs: 'root@pam' },
      );
    }
    if (!route.info.allowtoken) {
      throw new CwError('FORBIDDEN', `Proxmox does not accept API tokens for ${method} ${route.template}; log in with a password for this step.`, { template: route.template, method });
    }
  }

  /** Effective permissions of the logged-in user or token (`GET /access/permissions`), cached. */
  async effectivePermissions(): Promise<Record<string, Record<string, number>>> {
    this.permissions ??= await this.get<Record<string, Record<string, number>>>('/access/permissions');
    return this.permissions;
  }

  /**
   * Checks, before a plan runs, that this login may do each call: root-only calls for tokens, and the
   * privileges each method's schema names for its path. Returns what is missing, in the admin's words.
   */
  async preflight(calls: { method: Method; path: string }[]): Promise<string[]> {
    const missing: string[] = [];
    for (const c of calls) {
      try {
        this.assertTokenMayCall(c.method, c.path);
      } catch (err) {
        missing.push((err as Error).message);
      }
    }
    if (!this.options.schema) return missing;
    const perms = await this.effectivePermissions();
    for (const c of calls) {
      const route = this.options.schema.match(c.method, c.path);
      const check = route?.info.permissions?.check;
      if (!route || !Array.isArray(check) || check[0] !== 'perm') continue;
      const aclPath = String(check[1]).replace(/\{(\w+)\}/g, (_, k: string) => route.pathParams[k] ?? `{${k}}`);
      const privs = (check[2] as string[]) ?? [];
      const have = permsFor(perms, aclPath);
      const lacking = privs.filter((p) => !have.has(p));
      if (lacking.length) missing.push(`${c.method} ${route.template} needs ${lacking.join(', ')} on ${aclPath}; ${this.identity} does not have it on ${this.where}.`);
    }
    return missing;
  }

  get identity(): string {
    const cred = this.options.credentials;
    return cred.kind === 'token' ? `API token ${cred.tokenId}` : cred.username;
  }

  // ------------------------------------------------------------------------------------------
  // Requests

  get<T>(path: string, params?: PveParams): Promise<T> {
    return this.request<T>('GET', path, params);
  }
  post<T>(path: string, params?: PveParams): Promise<T> {
    return this.request<T>('POST', path, params);
  }
  put<T>(path: string, params?: PveParams): Promise<T> {
    return this.request<T>('PUT', path, params);
  }
  delete<T>(path: string, params?: PveParams): Promise<T> {
    return this.request<T>('DELETE', path, params);
  }

  async request<T>(method: Method, path: string, params: PveParams = {}): Promise<T> {
    this.assertTokenMayCall(method, path);
    try {
      return await this.call<T>(method, path, params, { auth: true });
    } catch (err) {
      // An expired or revoked ticket: log in once more and retry.
      if (err instanceof CwError && err.code === 'AUTH_FAILED' && this.options.credentials.kind === 'password' && this.ticket) {
        this.ticket = undefined;
        return this.call<T>(method, path, params, { auth: true });
      }
      throw err;
    }
  }

  private async call<T>(method: Method, path: string, raw: PveParams, opts: { auth: boolean }): Promise<T> {
    const params: Record<string, string> = {};
    for (const [k, v] of Object.entries(raw)) if (v !== undefined) params[k] = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
    const schema = this.options.schema;
    if (schema) {
      const res = schema.validateRequest(method, path, params, 'form');
      if (!res.ok) {
        this.refusedCount++;
        throw new CwError('INVALID_INPUT', this.redact(`Not sending ${method} ${path} to ${this.where}: the Proxmox VE API schema rejects it (${summarizeIssues(res.issues)}).`), {
          issues: res.issues.map((i) => ({ at: i.at, message: this.redact(i.message) })),
        });
      }
    }
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (opts.auth) {
      const cred = this.options.credentials;
      if (cred.kind === 'token') {
        const secret = await reveal(cred.secret);
        this.secrets.add(secret);
        headers.Authorization = `PVEAPIToken=${cred.tokenId}=${secret}`;
      } else {
        const ticket = await this.ensureTicket();
        headers.Cookie = `PVEAuthCookie=${encodeURIComponent(ticket!.ticket)}`;
        if (method !== 'GET') headers.CSRFPreventionToken = ticket!.csrf;
      }
    }
    const form = new URLSearchParams(params).toString();
    let urlPath = `/api2/json${path}`;
    let body: string | undefined;
    if (method === 'GET' || method === 'DELETE') {
      if (form) urlPath += `?${form}`;
    } else {
      body = form;
      headers['Content-Type'] = 'application/x-www-form-urlencoded';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const started = this.now();
    const res = await this.send(method, urlPath, headers, body);
    this.requestCount++;
    this.options.log?.(`${method} ${path} → ${res.status} (${Date.now() - started} ms) on ${this.where}`);
    let parsed: { data?: unknown; errors?: Record<string, string>; message?: string } = {};
    try {
      parsed = res.body ? (JSON.parse(res.body) as typeof parsed) : {};
    } catch {
      if (res.status === 200) throw new CwError('INVALID_OUTPUT', `${this.where} answered ${method} ${path} with something that is not JSON.`);
    }
    if (res.status !== 200) throw this.httpError(method, path, res.status, res.reason, parsed);
    if (schema && this.options.validateResponses) {
      const check = schema.validateResponse(method, path, parsed.data ?? null);
      if (!check.ok) throw new CwError('INVALID_OUTPUT', `${this.where} answered ${method} ${path} with data the Proxmox VE API schema does not allow (${summarizeIssues(check.issues)}).`, { issues: check.issues });
    }
    return (parsed.data ?? null) as T;
  }

  private httpError(method: Method, path: string, status: number, reason: string, body: { errors?: Record<string, string>; message?: string }): CwError {
    const detailText = body.errors ? Object.entries(body.errors).map(([k, v]) => `${k}: ${String(v).trim()}`).join('; ') : '';
    const what = this.redact(`${method} ${path} on ${this.where} failed: ${status} ${(body.message ?? reason).trim()}${detailText ? ` (${detailText})` : ''}`);
    const detail = { status, errors: body.errors ? Object.fromEntries(Object.entries(body.errors).map(([k, v]) => [k, this.redact(String(v))])) : undefined };
    let code: ErrorCode = 'REMOTE_FAILED';
    let next = 'See the task log on the node.';
    if (status === 401) {
      code = 'AUTH_FAILED';
      next = 'Check the user name and password (or token) for this node.';
    } else if (status === 403) {
      code = 'FORBIDDEN';
      next = `Give ${this.identity} the privilege named above, or use root@pam.`;
    } else if (status === 400) {
      code = 'INVALID_INPUT';
      next = 'Correct the values named above.';
    } else if (status === 404 || status === 501) {
      code = status === 404 ? 'NOT_FOUND' : 'UNSUPPORTED';
      next = 'This Proxmox VE version may not have that call; check the node version.';
    } else if (status === 595 || status === 596) {
      code = 'UNREACHABLE';
      next = 'The node could not reach the other node it proxies to; check the cluster network.';
    }
    return new CwError(code, `${what}. ${next}`, detail);
  }

  /** Sends one HTTPS request on a connection whose certificate was checked before any byte was written. */
  private send(method: Method, urlPath: string, headers: Record<string, string>, body?: string): Promise<{ status: number; reason: string; body: string }> {
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    return new Promise((resolve, reject) => {
      const socket = tls.connect({ host: this.host, port: this.port, rejectUnauthorized: false, servername: serverNameFor(this.host) });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new CwError('TIMEOUT', `${method} ${urlPath.split('?')[0]} on ${this.where} got no answer within ${timeoutMs} ms. The node may be overloaded or the link down.`));
      }, timeoutMs);
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err instanceof CwError ? err : networkError(err, this.host, this.port));
      });
      socket.once('secureConnect', () => {
        const cert = socket.getPeerCertificate();
        const seen = normalizeFingerprint(cert.fingerprint256);
        const certDetail = { kind: 'tls-certificate', host: this.host, port: this.port, fingerprint: seen, subject: firstOf(cert.subject?.CN), issuer: firstOf(cert.issuer?.CN) };
        if (!this.fingerprint) {
          clearTimeout(timer);
          socket.destroy();
          reject(
            new CwError(
              'HOST_KEY_UNKNOWN',
              `The Proxmox VE API on ${this.where} presented a certificate not seen before (SHA-256 ${seen}, issued by ${certDetail.issuer || 'unknown'}). Compare it with 'pvenode cert info' on the node (or the fingerprint shown under Datacenter → Cluster → Join Information), then confirm it to pin it.`,
              certDetail,
            ),
          );
          return;
        }
        if (seen !== this.fingerprint) {
          clearTimeout(timer);
          socket.destroy();
          reject(
            new CwError(
              'HOST_KEY_CHANGED',
              `The certificate of ${this.where} changed: pinned ${this.fingerprint}, now ${seen}. Nothing was sent. If the node just joined a cluster its certificate was reissued by the cluster CA — re-pin it through a cluster node; otherwise treat it as an attack.`,
              { ...certDetail, pinned: this.fingerprint },
            ),
          );
          return;
        }
        let req: ReturnType<typeof https.request>;
        try {
          req = https.request({ method, path: urlPath, headers: { Host: this.host.includes(':') ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`, ...headers }, createConnection: () => socket });
        } catch (err) {
          // Node refuses a header or path with control characters (a token id or secret holding a line break): nothing was sent.
          clearTimeout(timer);
          socket.destroy();
          reject(new CwError('INVALID_INPUT', `${method} ${urlPath.split('?')[0]} on ${this.where} was not sent: ${this.redact((err as Error).message)}. Check the API user, token id and secret for line breaks or other control characters.`));
          return;
        }
        req.once('error', (err: NodeJS.ErrnoException) => {
          clearTimeout(timer);
          reject(err instanceof CwError ? err : networkError(err, this.host, this.port));
        });
        req.once('response', (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.once('end', () => {
            clearTimeout(timer);
            socket.end();
            resolve({ status: res.statusCode ?? 0, reason: res.statusMessage ?? '', body: Buffer.concat(chunks).toString('utf8') });
          });
        });
        req.end(body);
      });
    });
  }

  /** Replaces every secret this client has handled (passwords, tickets, token secrets) with ***. */
  redact(text: string): string {
    return maskSecrets(text, this.secrets);
  }

  // ------------------------------------------------------------------------------------------
  // Tasks

  /** Follows a task until it stops, streaming its log lines; resolves on `OK`, throws with the log tail otherwise. */
  async followTask(upid: string, options: FollowTaskOptions = {}): Promise<TaskStatus> {
    const { node } = parseUpid(upid);
    const pollMs = options.pollMs ?? 500;
    const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
    const base = `/nodes/${encodeURIComponent(node)}/tasks/${encodeURIComponent(upid)}`;
    let next = 0;
    const tail: string[] = [];
    const readLog = async (): Promise<void> => {
      for (;;) {
        const lines = await this.get<{ n: number; t: string }[]>(`${base}/log`, { start: next, limit: 500 });
        const fresh = lines.filter((l) => l.n > next && l.t !== 'no content');
        for (const l of fresh) {
          options.onLog?.(l.t);
          tail.push(l.t);
          if (tail.length > 20) tail.shift();
          next = l.n;
        }
        if (fresh.length < 500) return;
      }
    };
    let repinned = false;
    for (;;) {
      if (options.signal?.aborted) throw new CwError('CANCELLED', `Stopped following task ${upid} on ${node}; the task itself keeps running on the node.`);
      let status: TaskStatus;
      try {
        status = await this.get<TaskStatus>(`${base}/status`);
        await readLog();
      } catch (err) {
        if (err instanceof CwError && err.code === 'HOST_KEY_CHANGED' && options.onCertificateChange && !repinned) {
          repinned = true;
          await options.onCertificateChange(err);
          continue;
        }
        throw err;
      }
      if (status.status === 'stopped') {
        if (status.exitstatus === 'OK' || status.exitstatus?.startsWith('WARNINGS')) return status;
        throw new CwError('REMOTE_FAILED', `Task ${status.type} on ${node} failed: ${status.exitstatus ?? 'no exit status'}. Last log lines:\n${tail.join('\n')}`, { upid, exitstatus: status.exitstatus, log: tail });
      }
      if (Date.now() > deadline) throw new CwError('TIMEOUT', `Task ${status.type} on ${node} is still running after ${Math.round((options.timeoutMs ?? 1_800_000) / 1000)} s; it keeps running on the node — check its log there.`, { upid });
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }
}

function tfaTypes(challengeTicket: string): string[] {
  // PVE's partial ticket embeds the challenge as `!tfa!{json}`; list the offered methods for the prompt.
  const m = /!tfa!([^:]+)/.exec(challengeTicket);
  if (!m) return ['totp'];
  try {
    const json = JSON.parse(decodeURIComponent(m[1]!)) as Record<string, unknown>;
    return Object.keys(json).filter((k) => json[k]);
  } catch {
    return ['totp'];
  }
}

/** Privileges that apply on `aclPath` given `/access/permissions` (PVE propagates from parent paths). */
function permsFor(perms: Record<string, Record<string, number>>, aclPath: string): Set<string> {
  const have = new Set<string>();
  for (const [p, privs] of Object.entries(perms)) {
    const exact = p === aclPath;
    const parent = p === '/' || aclPath.startsWith(p.endsWith('/') ? p : `${p}/`);
    // The value is the propagate flag: a privilege granted on a parent reaches children only when it propagates.
    for (const [priv, propagate] of Object.entries(privs)) if (exact || (parent && propagate)) have.add(priv);
  }
  return have;
}
