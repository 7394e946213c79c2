import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import WebSocket from 'ws';
import { connectWire, startTestHost, type TestHost } from '../support/web-host.js';

let t: TestHost;
beforeAll(async () => {
  t = await startTestHost();
});
afterAll(async () => {
  await t.close();
});

function get(pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port: t.host.port, path: pathname, headers, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function upgradeStatus(headers: Record<string, string>, pathname = '/rpc'): Promise<number> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`ws://127.0.0.1:${t.host.port}${pathname}`, { headers });
    socket.on('open', () => {
      socket.close();
      resolve(101);
    });
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    socket.on('error', () => resolve(-1));
  });
}

describe('web host: connection token', () => {
  it('uses a token of at least 256 bits', () => {
    expect(Buffer.from(t.host.token, 'base64url').length).toBeGreaterThanOrEqual(32);
  });

  it('rejects a request without the token', async () => {
    const res = await get('/');
    expect(res.status).toBe(401);
    expect(res.body).not.toContain(t.host.token);
  });

  it('rejects a wrong token', async () => {
    const res = await get('/?tkn=' + 'A'.repeat(43));
    expect(res.status).toBe(403);
  });

  it('exchanges ?tkn= for an HttpOnly SameSite=Strict cookie and redirects without it', async () => {
    const res = await get(`/some/page?x=1&tkn=${t.host.token}`);
    expect(res.status).toBe(302);
    expect(res.headers.location).toBe('/some/page?x=1');
    const cookie = res.headers['set-cookie']?.[0] ?? '';
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    const page = await get('/', { Cookie: t.cookie });
    expect(page.status).toBe(200);
    expect(page.body).toContain('test renderer');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('never serves files outside the renderer folder', async () => {
    for (const p of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/..%2f..%2f..%2fetc%2fpasswd']) {
      const res = await get(p, { Cookie: t.cookie });
      expect(res.body).not.toContain('root:');
    }
  });
});

describe('web host: Host and Origin checks', () => {
  it('rejects a wrong Host header (DNS rebinding)', async () => {
    const res = await get('/', { Cookie: t.cookie, Host: `evil.example:${t.host.port}` });
    expect(res.status).toBe(403);
  });

  it('rejects a cross-site Origin on a request', async () => {
    const res = await get('/', { Cookie: t.cookie, Origin: 'http://evil.example' });
    expect(res.status).toBe(403);
  });

  it('refuses WebSocket upgrades with a wrong Origin, without Origin, without the cookie, or with a wrong Host', async () => {
    expect(await upgradeStatus({ Origin: 'http://evil.example', Cookie: t.cookie })).toBe(403);
    expect(await upgradeStatus({ Cookie: t.cookie })).toBe(403);
    expect(await upgradeStatus({ Origin: t.origin })).toBe(401);
    expect(await upgradeStatus({ Origin: t.origin, Cookie: t.cookie, Host: `attacker.test:${t.host.port}` })).toBe(403);
    expect(await upgradeStatus({ Origin: t.origin, Cookie: t.cookie })).toBe(101);
  });

  it('listens on 127.0.0.1 only', async () => {
    const tryConnect = (host: string) =>
      new Promise<boolean>((resolve) => {
        const socket = net.connect({ host, port: t.host.port });
        socket.once('connect', () => {
          socket.destroy();
          resolve(true);
        });
        socket.once('error', () => resolve(false));
      });
    expect(await tryConnect('127.0.0.1')).toBe(true);
    expect(await tryConnect('127.0.0.2')).toBe(false);
    expect(await tryConnect('::1')).toBe(false);
  });
});

describe('web host: wire protocol', () => {
  it('answers app.info over the WebSocket', async () => {
    const wire = await connectWire(t);
    wire.sendRaw(JSON.stringify({ t: 'call', id: 1, method: 'app.info', input: {} }));
    const frame = await wire.next((f) => f.t === 'result' && f.id === 1);
    expect(frame).toMatchObject({ ok: true, value: { name: 'Clusterwright', hostKind: 'web' } });
    wire.close();
  });

  it('never compresses frames, whatever the client offers (terminal bytes go out as plain binary frames)', async () => {
    // The ws client offers permessage-deflate by default, as browsers do.
    const wire = await connectWire(t);
    expect(wire.socket.extensions).toBe('');
    wire.close();
  });

  it('answers malformed messages with INVALID_INPUT and stays usable', async () => {
    const wire = await connectWire(t);
    wire.sendRaw('{not json');
    expect(await wire.next((f) => f.t === 'error')).toMatchObject({ error: { code: 'INVALID_INPUT' } });
    wire.sendRaw(JSON.stringify({ t: 'call', id: 'seven', method: 'app.info' }));
    expect(await wire.next((f) => f.t === 'error')).toMatchObject({ error: { code: 'INVALID_INPUT' } });
    wire.sendRaw(JSON.stringify({ t: 'call', id: 2, method: 'app.info', input: { extra: true } }));
    expect(await wire.next((f) => f.id === 2)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    wire.sendRaw(JSON.stringify({ t: 'call', id: 3, method: 'no.such', input: {} }));
    expect(await wire.next((f) => f.id === 3)).toMatchObject({ ok: false, error: { code: 'UNKNOWN_METHOD' } });
    wire.socket.send(Buffer.from([1, 2, 3]));
    expect(await wire.next((f) => f.t === 'error')).toMatchObject({ error: { code: 'INVALID_INPUT' } });
    wire.sendRaw(JSON.stringify({ t: 'call', id: 4, method: 'app.info', input: {} }));
    expect(await wire.next((f) => f.id === 4)).toMatchObject({ ok: true });
    expect(wire.socket.readyState).toBe(WebSocket.OPEN);
    wire.close();
  });
});
