// SOAP over HTTPS to vCenter (/sdk for vim25, /vsanHealth for vSAN) with undici: the certificate is pinned
// by SHA-256 before a byte is sent, the session cookie from /sdk travels to /vsanHealth, faults become
// CwErrors the UI can act on, and no secret (password, session cookie) reaches a log line or an error.
import tls from 'node:tls';
import { Agent, request } from 'undici';
import { normalizeThumbprint } from '../../../../common/stacks/vsan/thumbprint.js';
import { CwError, type ErrorCode } from '../../../../common/errors.js';
import { maskSecrets } from '../../../../common/secrets/mask.js';
import { encodeCall } from './schema.js';
import { XNode, escapeXml, parseXml, type MoRef } from './xml.js';

export interface VcenterEndpoint {
  host: string;
  port?: number;
  /** SHA-256 of vCenter's certificate (`AA:BB:…`) the admin confirmed; without it the first contact fails with the one seen. */
  thumbprint?: string;
}

export interface SoapCall {
  path: string;
  method: string;
  ms: number;
  ok: boolean;
}

export interface SoapFault {
  /** The vmodl fault type (`InvalidArgument`, `SSLVerifyFault`, …). */
  type: string;
  message: string;
  /** The fault's simple fields (`invalidProperty`, `thumbprint`, …). */
  fields: Record<string, string>;
}

const SOAP_ENV = 'http://schemas.xmlsoap.org/soap/envelope/';

/** What the UI can do about a vmodl fault. */
export function faultCode(type: string): ErrorCode {
  if (['InvalidLogin', 'NotAuthenticated', 'InvalidLocale'].includes(type)) return 'AUTH_FAILED';
  if (['NoPermission', 'RestrictedVersion'].includes(type)) return 'FORBIDDEN';
  if (['ManagedObjectNotFound', 'NotFound'].includes(type)) return 'NOT_FOUND';
  if (['InvalidArgument', 'InvalidRequest', 'InvalidType', 'InvalidName'].includes(type)) return 'INVALID_INPUT';
  if (['DuplicateName', 'AlreadyExists', 'AlreadyConnected'].includes(type)) return 'CONFLICT';
  if (['MethodNotFound', 'NotSupported', 'NotImplemented'].includes(type)) return 'UNSUPPORTED';
  if (['HostNotConnected', 'HostConnectFault', 'NoHost', 'NotSupportedHost'].includes(type)) return 'UNREACHABLE';
  if (type === 'SSLVerifyFault') return 'HOST_KEY_UNKNOWN';
  return 'REMOTE_FAILED';
}

/** Reads a vmodl fault element (`<detail><XFault xsi:type="X">…` or a task's `<fault xsi:type="X">`). */
export function readFault(node: XNode, message: string): SoapFault {
  const type = node.xsiType ?? node.name.replace(/Fault$/, '');
  const fields: Record<string, string> = {};
  for (const c of node.children) if (c.children.length === 0 && !(c.name in fields)) fields[c.name] = c.textContent;
  return { type, message, fields };
}

export class SoapTransport {
  readonly host: string;
  readonly port: number;
  private pinned: string | undefined;
  private readonly agent: Agent;
  private cookie: string | undefined;
  private connectError: CwError | undefined;
  private readonly secrets = new Set<string>();
  /** Every call made (method names and timings only). */
  readonly calls: SoapCall[] = [];

  constructor(
    endpoint: VcenterEndpoint,
    private readonly options: {
      timeoutMs?: number;
      log?: (line: string) => void;
      /** Sees each request body, secrets already replaced by *** (conformance tests check the WSDL order). */
      onRequest?: (method: string, body: string) => void;
    } = {},
  ) {
    this.host = endpoint.host;
    this.port = endpoint.port ?? 443;
    this.pinned = endpoint.thumbprint ? normalizeThumbprint(endpoint.thumbprint, 32) : undefined;
    this.agent = new Agent({
      connections: 4,
      keepAliveTimeout: 30_000,
      connect: (opts, callback) => {
        const ip = /^[0-9.]+$/.test(opts.hostname) || opts.hostname.includes(':');
        const socket = tls.connect({ host: opts.hostname, port: Number(opts.port) || this.port, servername: ip ? undefined : opts.hostname, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] });
        socket.setNoDelay(true);
        const onError = (err: Error): void => callback(err, null);
        socket.once('error', onError);
        socket.once('secureConnect', () => {
          socket.off('error', onError);
          const refusal = this.checkCertificate(socket.getPeerCertificate().fingerprint256);
          if (refusal) {
            this.connectError = refusal;
            socket.destroy();
            callback(refusal, null);
            return;
          }
          callback(null, socket);
        });
      },
    });
  }

  get where(): string {
    return `${this.host}:${this.port}`;
  }

  get thumbprint(): string | undefined {
    return this.pinned;
  }

  private checkCertificate(seenRaw: string): CwError | undefined {
    const seen = normalizeThumbprint(seenRaw, 32);
    const detail = { kind: 'tls-certificate', host: this.host, port: this.port, fingerprint: seen };
    if (!this.pinned) {
      return new CwError('HOST_KEY_UNKNOWN', `vCenter at ${this.where} presented a certificate not seen before (SHA-256 ${seen}). Compare it with the certificate shown in the vCenter appliance's console or the vSphere Client, then confirm it to pin it.`, detail);
    }
    if (seen !== this.pinned) {
      return new CwError('HOST_KEY_CHANGED', `The certificate of vCenter at ${this.where} changed: pinned ${this.pinned}, now ${seen}. Nothing was sent. If vCenter's certificate was replaced on purpose, pin the new one; otherwise treat it as an attack.`, { ...detail, pinned: this.pinned });
    }
    return undefined;
  }

  /** Remembers a secret so that no message this transport produces contains it. */
  addSecret(secret: string): void {
    if (secret.length >= 4) this.secrets.add(secret);
  }

  redact(text: string): string {
    return maskSecrets(text, this.secrets);
  }

  get hasSession(): boolean {
    return this.cookie !== undefined;
  }

  dropSession(): void {
    this.cookie = undefined;
  }

  private async send(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; text: string; setCookie: string[] }> {
    const timeoutMs = this.options.timeoutMs ?? 60_000;
    this.connectError = undefined;
    try {
      const res = await request(`https://${this.host.includes(':') ? `[${this.host}]` : this.host}:${this.port}${path}`, {
        method,
        headers: { ...headers, ...(this.cookie ? { cookie: this.cookie } : {}) },
        body,
        dispatcher: this.agent,
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      const text = await res.body.text();
      const raw = res.headers['set-cookie'];
      return { status: res.statusCode, text, setCookie: raw === undefined ? [] : Array.isArray(raw) ? raw : [raw] };
    } catch (err) {
      if (this.connectError) throw this.connectError;
      const e = err as Error & { code?: string };
      if (e.code === 'UND_ERR_HEADERS_TIMEOUT' || e.code === 'UND_ERR_BODY_TIMEOUT' || e.code === 'UND_ERR_CONNECT_TIMEOUT') {
        throw new CwError('TIMEOUT', `vCenter at ${this.where} did not answer ${path} within ${timeoutMs / 1000} s.`);
      }
      throw new CwError('UNREACHABLE', `Cannot reach vCenter at ${this.where} (${e.code ?? e.message}). Check the address, that port ${this.port}/tcp is open from here, and that the vCenter services run.`);
    }
  }

  /** GET of a small document (`/sdk/vimServiceVersions.xml`); undefined when vCenter does not serve it. */
  async getDocument(path: string): Promise<string | undefined> {
    const res = await this.send('GET', path, { accept: 'text/xml' });
    if (res.status === 404) return undefined;
    if (res.status !== 200) throw new CwError('REMOTE_FAILED', `vCenter at ${this.where} answered GET ${path} with HTTP ${res.status}.`);
    return res.text;
  }

  /**
   * Calls `method` on `_this` at `path` (`/sdk` or `/vsanHealth`) in namespace `ns` (`urn:vim25`, `urn:vsan`)
   * and returns the response element; a SOAP fault throws a CwError whose detail holds the fault.
   */
  async call(path: string, ns: string, version: string, method: string, params: Record<string, unknown>): Promise<XNode> {
    const body =
      '<?xml version="1.0" encoding="UTF-8"?>' +
      `<soapenv:Envelope xmlns:soapenv="${SOAP_ENV}" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
      `<soapenv:Body><${method} xmlns="${escapeXml(ns)}">${encodeCall(method, params)}</${method}></soapenv:Body></soapenv:Envelope>`;
    this.options.onRequest?.(method, this.redact(body));
    const started = Date.now();
    let ok = false;
    try {
      const res = await this.send('POST', path, { 'content-type': 'text/xml; charset=utf-8', soapaction: `"${ns}/${version}"` }, body);
      for (const c of res.setCookie) {
        const pair = c.split(';')[0]!.trim();
        if (pair.startsWith('vmware_soap_session=')) {
          this.cookie = pair;
          this.addSecret(pair.slice('vmware_soap_session='.length).replace(/^"|"$/g, ''));
        }
      }
      const where = `vCenter at ${this.where} (${method})`;
      if (res.status !== 200 && res.status !== 500) throw new CwError('REMOTE_FAILED', `${where} answered HTTP ${res.status}.`);
      const envelope = parseXml(res.text, where);
      const soapBody = envelope.child('Body');
      const first = soapBody?.children[0];
      if (!first) throw new CwError('INVALID_OUTPUT', `${where} sent an empty SOAP body.`);
      if (first.name === 'Fault') throw this.faultError(method, first);
      if (first.name !== `${method}Response`) throw new CwError('INVALID_OUTPUT', `${where} answered with <${first.name}> instead of <${method}Response>.`);
      ok = true;
      return first;
    } finally {
      const ms = Date.now() - started;
      this.calls.push({ path, method, ms, ok });
      this.options.log?.(`${method} on ${this.where}${path} → ${ok ? 'ok' : 'failed'} (${ms} ms)`);
    }
  }

  private faultError(method: string, fault: XNode): CwError {
    const message = this.redact((fault.text('faultstring') ?? '').trim());
    const detail = fault.child('detail')?.children[0];
    const info = detail ? readFault(detail, message) : { type: 'SystemError', message, fields: {} };
    for (const k of Object.keys(info.fields)) info.fields[k] = this.redact(info.fields[k]!);
    return new CwError(faultCode(info.type), `vCenter at ${this.where} refused ${method}: ${message || info.type} (${info.type}).`, { fault: info, method });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

export type { MoRef };
