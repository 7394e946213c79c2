// Local web host: serves the built renderer and the contract over one WebSocket, on 127.0.0.1 only,
// behind a connection token (?tkn= once, then an HttpOnly cookie) with Host and Origin checks.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Core } from '../node/core.js';
import { WireSession, type WireSessionOptions } from '../node/wire-session.js';
import { contentSecurityPolicy } from '../common/csp.js';
import { resolveInside } from '../node/static-path.js';

export const TOKEN_COOKIE = 'cw_tkn';
export const RPC_PATH = '/rpc';
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

const mimeTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.map': 'application/json',
};

export interface WebHostOptions {
  core: Core;
  /** Folder holding the built renderer (index.html and assets). */
  staticDir: string;
  /** 0 or absent: a random free port. */
  port?: number;
  /** For tests: a fixed token; otherwise 32 random bytes. */
  token?: string;
  /** Stream options of every connection (credit window, statistics for benchmarks). */
  wire?: WireSessionOptions;
}

export interface WebHost {
  port: number;
  token: string;
  /** The URL to open, with the token; print it, never log it. */
  url: string;
  close(): Promise<void>;
}

/** Constant-time comparison of two tokens. */
function sameToken(a: string | undefined | null, b: string): boolean {
  if (!a) return false;
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && crypto.timingSafeEqual(left, right);
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export async function startWebHost(options: WebHostOptions): Promise<WebHost> {
  const token = options.token ?? crypto.randomBytes(32).toString('base64url');
  const staticRoot = path.resolve(options.staticDir);
  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  const hostAllowed = (req: http.IncomingMessage) => allowedHosts().has(req.headers.host ?? '');
  const originAllowed = (req: http.IncomingMessage, required: boolean) => {
    const origin = req.headers.origin;
    if (origin === undefined) return !required;
    return allowedOrigins().has(origin);
  };
  const hasCookie = (req: http.IncomingMessage) => sameToken(readCookie(req.headers.cookie, TOKEN_COOKIE), token);

  const securityHeaders = {
    'Content-Security-Policy': contentSecurityPolicy,
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  };

  const deny = (res: http.ServerResponse, status: number, text: string) => {
    res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...securityHeaders });
    res.end(text + '\n');
  };

  const server = http.createServer((req, res) => {
    if (!hostAllowed(req)) return deny(res, 403, 'Forbidden: unexpected Host header.');
    if (!originAllowed(req, false)) return deny(res, 403, 'Forbidden: cross-origin request.');
    if (req.method !== 'GET' && req.method !== 'HEAD') return deny(res, 405, 'Method not allowed.');
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    const offered = url.searchParams.get('tkn');
    if (offered !== null) {
      if (!sameToken(offered, token)) return deny(res, 403, 'Forbidden: wrong connection token.');
      url.searchParams.delete('tkn');
      res.writeHead(302, {
        'Set-Cookie': `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname + (url.search || ''),
        'Cache-Control': 'no-store',
        ...securityHeaders,
      });
      res.end();
      return;
    }
    if (!hasCookie(req)) return deny(res, 401, 'Unauthorized: open the URL printed by Clusterwright (it carries the connection token).');
    let file = resolveInside(staticRoot, url.pathname);
    if (file === null) return deny(res, 404, 'Not found.');
    if (!fs.existsSync(file) || fs.statSync(file).isDirectory()) {
      // Single-page app: unknown paths without an extension get index.html.
      if (path.extname(url.pathname) !== '') return deny(res, 404, 'Not found.');
      file = path.join(staticRoot, 'index.html');
    }
    if (!fs.existsSync(file)) return deny(res, 503, 'The renderer is not built: run `npm run build`.');
    const ext = path.extname(file);
    res.writeHead(200, {
      'Content-Type': mimeTypes[ext] ?? 'application/octet-stream',
      'Cache-Control': ext === '.html' ? 'no-store' : 'private, max-age=3600',
      ...securityHeaders,
    });
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(file).pipe(res);
  });

  // No per-message compression: terminal bytes are small frames on loopback, where deflate costs CPU
  // on both ends (and the browser's main thread) and saves nothing.
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });
  const sessions = new Set<WireSession>();

  const refuseUpgrade = (socket: Duplex, status: number, text: string) => {
    socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    if (!hostAllowed(req)) return refuseUpgrade(socket, 403, 'Forbidden');
    // Browsers always send Origin on WebSocket upgrades: requiring it blocks cross-site hijacking.
    if (!originAllowed(req, true)) return refuseUpgrade(socket, 403, 'Forbidden');
    if (!hasCookie(req)) return refuseUpgrade(socket, 401, 'Unauthorized');
    if (url.pathname !== RPC_PATH) return refuseUpgrade(socket, 404, 'Not Found');
    wss.handleUpgrade(req, socket, head, (ws) => attach(ws));
  });

  const attach = (ws: WebSocket) => {
    const session = new WireSession(options.core, {
      sendJson: (frame) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(frame));
      },
      sendBinary: (frame) => {
        if (ws.readyState === ws.OPEN) ws.send(frame, { binary: true });
      },
    }, options.wire);
    sessions.add(session);
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        ws.send(JSON.stringify({ t: 'error', error: { code: 'INVALID_INPUT', message: 'Binary frames are not accepted from the client.' } }));
        return;
      }
      void session.receiveText(Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.concat(data as Buffer[]).toString('utf8'));
    });
    ws.on('close', () => {
      sessions.delete(session);
      session.close();
    });
    ws.on('error', () => ws.terminate());
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('The web host did not get a TCP port.');
  port = address.port;

  return {
    port,
    token,
    url: `http://127.0.0.1:${port}/?tkn=${token}`,
    close: async () => {
      for (const session of sessions) session.close();
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
