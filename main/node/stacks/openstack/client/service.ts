// What every OpenStack service client shares: its endpoint from the catalog (type + region + interface),
// authenticated requests through the Keystone session, and bounded polling.
import { CwError } from '../../../../common/errors.js';
import type * as z from 'zod';
import type { HttpReply, HttpRequest, Method, ReplyData } from './http.js';
import type { EndpointInterface, KeystoneClient } from './keystone.js';

export interface ServiceClientOptions {
  keystone: KeystoneClient;
  region: string;
  interface?: EndpointInterface;
  /** Skip the catalog (e.g. before the endpoints are registered); the region still names the service in messages. */
  endpointOverride?: string;
}

export abstract class ServiceClient {
  protected abstract readonly serviceType: string;
  readonly region: string;
  protected readonly keystone: KeystoneClient;
  private readonly iface: EndpointInterface;
  private readonly override: string | undefined;

  constructor(options: ServiceClientOptions) {
    this.keystone = options.keystone;
    this.region = options.region;
    this.iface = options.interface ?? 'public';
    this.override = options.endpointOverride;
  }

  /** `compute in RegionTwo` */
  get label(): string {
    return `${this.serviceType} in ${this.region}`;
  }

  /** The endpoint URL without a trailing slash. */
  async endpoint(): Promise<string> {
    const url = this.override ?? (await this.keystone.endpoint({ type: this.serviceType, region: this.region, interface: this.iface }));
    return url.replace(/\/+$/, '');
  }

  /** One authenticated request to this service; with `req.reply`, a body of another shape is INVALID_OUTPUT. */
  protected async call<S extends z.ZodType | undefined = undefined>(method: Method, path: string, req: HttpRequest<S> = {}): Promise<HttpReply<ReplyData<S>>> {
    return this.keystone.request(this.label, method, `${await this.endpoint()}${path}`, req);
  }
}

export interface PollOptions {
  timeoutMs?: number;
  pollMs?: number;
  signal?: AbortSignal;
}

/** Calls `read` until `done` returns a value; a bound on time and a cancel signal, never an endless loop. */
export async function poll<T, R>(what: string, read: () => Promise<T>, done: (value: T) => R | undefined, options: PollOptions = {}): Promise<R> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (options.signal?.aborted) throw new CwError('CANCELLED', `Stopped waiting for ${what}.`);
    const result = done(await read());
    if (result !== undefined) return result;
    if (Date.now() > deadline) throw new CwError('TIMEOUT', `${what} did not happen within ${Math.round(timeoutMs / 1000)} s.`);
    await new Promise((r) => setTimeout(r, options.pollMs ?? 500));
  }
}
