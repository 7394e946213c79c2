// HTTP plumbing of the Proxmox test server: PVE-style errors (message in the reason phrase), form
// and JSON bodies, replies, constant-time comparison.
import crypto from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** PVE answers errors with the message in the HTTP reason phrase and JSON `{data: null, errors?}`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string>,
  ) {
    super(message);
  }
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

export function readBody(req: IncomingMessage): Promise<Record<string, string>> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 1024 * 1024) {
        reject(new HttpError(413, 'request too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const type = req.headers['content-type'] ?? '';
      try {
        if (type.includes('application/json')) {
          const obj = text ? (JSON.parse(text) as Record<string, unknown>) : {};
          resolve(Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v)])));
        } else {
          const out: Record<string, string> = {};
          new URLSearchParams(text).forEach((v, k) => (out[k] = v));
          resolve(out);
        }
      } catch {
        reject(new HttpError(400, 'malformed request body'));
      }
    });
    req.on('error', reject);
  });
}

export function send(res: ServerResponse, status: number, reason: string, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, reason.replace(/[\r\n]+/g, ' ').slice(0, 200), { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}
