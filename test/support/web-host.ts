// Starts the real core and web host for a test, on a random port, and a ws client speaking the wire.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { createCore, type Core, type CoreOptions } from '../../main/node/core.js';
import { startWebHost, TOKEN_COOKIE, type WebHost } from '../../main/server/web-host.js';
import type { WireSessionOptions } from '../../main/node/wire-session.js';

export interface TestHost {
  core: Core;
  host: WebHost;
  origin: string;
  cookie: string;
  home: string;
  close(): Promise<void>;
}

export async function startTestHost(options: { staticDir?: string; core?: Partial<Omit<CoreOptions, 'hostKind' | 'workspaceDir'>>; wire?: WireSessionOptions } = {}): Promise<TestHost> {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-host-'));
  let staticDir = options.staticDir;
  if (!staticDir) {
    staticDir = path.join(home, 'renderer');
    fs.mkdirSync(staticDir);
    fs.writeFileSync(path.join(staticDir, 'index.html'), '<!doctype html><title>test renderer</title>');
  }
  const core = createCore({ hostKind: 'web', workspaceDir: path.join(home, 'workspace'), ...options.core });
  const host = await startWebHost({ core, staticDir, ...(options.wire ? { wire: options.wire } : {}) });
  return {
    core,
    host,
    home,
    origin: `http://127.0.0.1:${host.port}`,
    cookie: `${TOKEN_COOKIE}=${host.token}`,
    async close() {
      await host.close();
      await core.close();
      fs.rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A wire-protocol client over ws for integration tests. */
export async function connectWire(t: TestHost, headers: Record<string, string> = { Origin: t.origin, Cookie: t.cookie }) {
  const socket = new WebSocket(`ws://127.0.0.1:${t.host.port}/rpc`, { headers });
  const frames: unknown[] = [];
  const waiters: { match: (f: unknown) => boolean; resolve: (f: unknown) => void }[] = [];
  socket.on('message', (data, isBinary) => {
    if (isBinary) return;
    const frame = JSON.parse(data.toString()) as unknown;
    frames.push(frame);
    const index = waiters.findIndex((w) => w.match(frame));
    if (index >= 0) waiters.splice(index, 1)[0]!.resolve(frame);
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
  return {
    socket,
    frames,
    sendRaw: (text: string) => socket.send(text),
    next(match: (f: Record<string, unknown>) => boolean, timeoutMs = 5000): Promise<Record<string, unknown>> {
      const existing = frames.find((f) => match(f as Record<string, unknown>));
      if (existing) {
        frames.splice(frames.indexOf(existing), 1);
        return Promise.resolve(existing as Record<string, unknown>);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no matching frame in time')), timeoutMs);
        waiters.push({
          match: (f) => match(f as Record<string, unknown>),
          resolve: (f) => {
            clearTimeout(timer);
            frames.splice(frames.indexOf(f), 1);
            resolve(f as Record<string, unknown>);
          },
        });
      });
    },
    close: () => socket.close(),
  };
}
