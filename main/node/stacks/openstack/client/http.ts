// One HTTP request to an OpenStack API over undici fetch: pinned TLS, a bound on time, OpenStack's error bodies
// turned into CwErrors that say what failed where, and every secret the client handled redacted from them.
import { fetch, type Agent } from 'undici';
import * as z from 'zod';
import { CwError, type ErrorCode } from '../../../../common/errors.js';
import { maskSecrets } from '../../../../common/secrets/mask.js';
import { pinnedAgent, type CertificatePins } from './tls.js';

/** A secret is read at the moment of use (from the secret store, by id), never kept in options. */
export type SecretSource = string | (() => string | Promise<string>);

export async function reveal(s: SecretSource): Promise<string> {
  return typeof s === 'function' ? await s() : s;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

export interface HttpRequest<S extends z.ZodType | undefined = undefined> {
  headers?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined>;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is (image data): bytes or a stream. */
  body?: Uint8Array | ReadableStream<Uint8Array>;
  /** Statuses that count as success (default: any 2xx). */
  expect?: number[];
  /** Give the body back as a stream instead of parsing it (image download). */
  stream?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
  /**
   * The shape an accepted reply's body must have (described with `.describe('a server list')` for messages).
   * A body of another shape is INVALID_OUTPUT naming the field; without a schema the body is `unknown`.
   * Checked on every accepted status: a call that also accepts a 404 (absence) reads the status alone.
   */
  reply?: S;
}

/** What a reply's body is typed as: the schema's output, else unknown (to be checked before use). */
export type ReplyData<S extends z.ZodType | undefined> = S extends z.ZodType ? z.output<S> : unknown;

/** A field path of a reply as a message shows it (`servers.0.status`), clipped: remote keys are not ours to print at length. */
function fieldPath(path: readonly PropertyKey[]): string {
  const joined = path.map((p) => String(p)).join('.');
  const clean = joined.replace(/[\u0000-\u001f\u007f]/g, '?');
  return clean.length > 120 ? `${clean.slice(0, 117)}...` : clean || 'the body';
}

export interface HttpReply<T> {
  status: number;
  headers: Headers;
  data: T;
  /** Only with `stream: true`. */
  stream?: ReadableStream<Uint8Array>;
}

export interface HttpOptions {
  /** Certificate pins by `host:port` for https endpoints. */
  pins?: CertificatePins;
  timeoutMs?: number;
  /** One line per request (method, path, status, ms, where) — never headers, bodies or query strings. */
  log?: (line: string) => void;
}

/** Pulls the human message out of the error body shapes OpenStack services use. */
export function openstackErrorMessage(body: unknown, text: string): string {
  if (body && typeof body === 'object') {
    const b = body as Record<string, unknown>;
    const err = b.error as { message?: unknown } | undefined;
    if (err && typeof err.message === 'string') return err.message;
    const neutron = b.NeutronError as { message?: unknown } | undefined;
    if (neutron && typeof neutron.message === 'string') return neutron.message;
    const errors = b.errors as { detail?: unknown; title?: unknown }[] | undefined;
    if (Array.isArray(errors) && errors[0]) return String(errors[0].detail ?? errors[0].title ?? '');
    for (const v of Object.values(b)) {
      if (v && typeof v === 'object' && typeof (v as { message?: unknown }).message === 'string') return (v as { message: string }).message;
    }
    if (typeof b.message === 'string') return b.message;
  }
  return text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

function codeFor(status: number): { code: ErrorCode; next: string } {
  if (status === 401) return { code: 'AUTH_FAILED', next: 'Check the user, password or application credential, and that the token has not been revoked.' };
  if (status === 403) return { code: 'FORBIDDEN', next: 'The account lacks the role this call needs (often admin); grant it or use another account.' };
  if (status === 404) return { code: 'NOT_FOUND', next: 'It may have been deleted meanwhile, or the endpoint is for another service.' };
  if (status === 406) return { code: 'UNSUPPORTED', next: 'The service does not support the API microversion requested; check its version.' };
  if (status === 409) return { code: 'CONFLICT', next: 'The resource is in a state that does not allow this now; read it again and retry when it has settled.' };
  if (status === 400 || status === 413 || status === 422) return { code: 'INVALID_INPUT', next: 'Correct the values named above.' };
  if (status === 501) return { code: 'UNSUPPORTED', next: 'The service does not implement this call.' };
  if (status === 503 || status === 502 || status === 504) return { code: 'UNREACHABLE', next: 'The service or its load balancer is not answering; check that it runs.' };
  return { code: 'REMOTE_FAILED', next: "See the service's log for the request id." };
}

/** The transport all OpenStack service clients share; one per cloud (it holds the pins and the connection pool). */
export class OpenstackHttp {
  private readonly secrets = new Set<string>();
  private readonly agent: Agent;
  private readonly pins: CertificatePins;
  requestCount = 0;

  constructor(private readonly options: HttpOptions = {}) {
    this.pins = { ...(options.pins ?? {}) };
    this.agent = pinnedAgent(() => this.pins);
  }

  /** Pins (or re-pins) the certificate of `host:port` after the admin confirmed it. */
  pin(hostPort: string, fingerprint: string): void {
    this.pins[hostPort.toLowerCase()] = fingerprint;
  }

  /** Registers a secret (password, token, credential secret) so no error or log line can carry it. */
  addSecret(secret: string): void {
    if (secret.length >= 4) this.secrets.add(secret);
  }

  redact(text: string): string {
    return maskSecrets(text, this.secrets);
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /** Sends one request; `label` names the service and region for messages ("compute in RegionTwo"). */
  async request<S extends z.ZodType | undefined = undefined>(label: string, method: Method, url: string, req: HttpRequest<S> = {}): Promise<HttpReply<ReplyData<S>>> {
    const u = new URL(url);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) u.searchParams.set(k, String(v));
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'clusterwright', ...req.headers };
    let body: string | Uint8Array | ReadableStream<Uint8Array> | undefined;
    if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['Content-Type'] = 'application/json';
    } else if (req.body !== undefined) {
      body = req.body;
      headers['Content-Type'] ??= 'application/octet-stream';
    }
    const timeoutMs = req.timeoutMs ?? this.options.timeoutMs ?? 60_000;
    const signals = [AbortSignal.timeout(timeoutMs), ...(req.signal ? [req.signal] : [])];
    const where = `${label} (${u.host})`;
    const started = Date.now();
    let res: Awaited<ReturnType<typeof fetch>>;
    try {
      res = await fetch(u, {
        method,
        headers,
        body,
        dispatcher: this.agent,
        signal: AbortSignal.any(signals),
        redirect: 'manual',
        ...(body instanceof ReadableStream ? { duplex: 'half' as const } : {}),
      });
    } catch (error) {
      throw this.transportError(error, method, u, where, timeoutMs, req.signal);
    }
    this.requestCount++;
    const accepted = req.expect ? req.expect.includes(res.status) : res.status >= 200 && res.status < 300;
    this.options.log?.(`${method} ${u.pathname} → ${res.status} (${Date.now() - started} ms) on ${where}`);
    if (accepted && req.stream) {
      return { status: res.status, headers: res.headers, data: undefined as ReplyData<S>, stream: (res.body ?? undefined) as ReadableStream<Uint8Array> | undefined };
    }
    let text: string;
    try {
      text = await res.text();
    } catch (error) {
      throw this.transportError(error, method, u, where, timeoutMs, req.signal);
    }
    let parsed: unknown = undefined;
    if (text && (res.headers.get('content-type') ?? '').includes('json')) {
      try {
        parsed = JSON.parse(text);
      } catch {
        if (accepted) throw new CwError('INVALID_OUTPUT', this.redact(`${where} answered ${method} ${u.pathname} with malformed JSON.`));
      }
    }
    if (!accepted) {
      const { code, next } = codeFor(res.status);
      const message = this.redact(openstackErrorMessage(parsed, text));
      const requestId = res.headers.get('x-openstack-request-id') ?? res.headers.get('x-compute-request-id') ?? undefined;
      throw new CwError(code, `${method} ${u.pathname} on ${where} failed: ${res.status}${message ? ` ${message}` : ''}. ${next}`, { status: res.status, service: label, requestId });
    }
    if (!req.reply) return { status: res.status, headers: res.headers, data: parsed as ReplyData<S> };
    const what = req.reply.description ?? 'a reply';
    const shapeError = (detail: string) => new CwError('INVALID_OUTPUT', this.redact(`${label} at ${u.host} answered ${method} ${u.pathname} with ${what} of an unexpected shape (${detail}).`), { service: label, status: res.status });
    if (parsed === undefined) throw shapeError(`the body: no JSON (${text ? `Content-Type ${(res.headers.get('content-type') ?? 'none').slice(0, 60)}` : 'empty'})`);
    const checked = req.reply.safeParse(parsed);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw shapeError(`${fieldPath(issue?.path ?? [])}: ${(issue?.message ?? 'not as expected').slice(0, 200)}`);
    }
    return { status: res.status, headers: res.headers, data: checked.data as ReplyData<S> };
  }

  private transportError(error: unknown, method: Method, u: URL, where: string, timeoutMs: number, signal?: AbortSignal): CwError {
    if (error instanceof CwError) return error;
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof CwError) return cause;
    const name = (error as { name?: string }).name;
    if (signal?.aborted) return new CwError('CANCELLED', `${method} ${u.pathname} on ${where} was cancelled.`);
    if (name === 'TimeoutError' || name === 'AbortError') return new CwError('TIMEOUT', `${method} ${u.pathname} on ${where} got no answer within ${Math.round(timeoutMs / 1000)} s. The service may be overloaded or the link down.`);
    const code = (cause as NodeJS.ErrnoException | undefined)?.code;
    return new CwError('UNREACHABLE', this.redact(`Cannot reach ${where} for ${method} ${u.pathname} (${code ?? (cause as Error | undefined)?.message ?? (error as Error).message}). Check that the service runs and the port is open from here.`));
  }
}
