// Debian's Chromium, headless, driven over its DevTools protocol with nothing but Target and Runtime
// calls: for benchmarks. Playwright enables the Network domain on every page, so each WebSocket frame
// a page receives is also copied (base64) to the test process — a cost the product never pays, which
// would be charged to the page's main thread, the browser process and the Node process that hosts
// the server. Same flags as test/support/browser.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { CHROMIUM } from './browser.js';

export interface BarePage {
  /** A DevTools protocol call on this page's session. */
  send<T>(method: string, params?: Record<string, unknown>): Promise<T>;
  /** Navigates and waits until `ready` (an expression) is true. */
  navigate(url: string, ready?: string): Promise<void>;
  /** Evaluates an expression in the page, awaiting a promise, and returns its value (JSON). */
  evaluate<T>(expression: string): Promise<T>;
  /** Calls `window.<object>.<method>(...args)` in the page. */
  call<T>(object: string, method: string, ...args: unknown[]): Promise<T>;
  close(): Promise<void>;
}

export interface BareChromium {
  /** The browser process (its descendants are the renderer, GPU and utility processes). */
  pid: number;
  /** Opens a tab at `url` and waits until `ready` (an expression) is true. */
  open(url: string, ready?: string): Promise<BarePage>;
  /** Closes every tab this object did not open (the one Chromium starts with). */
  closeOtherTabs(): Promise<void>;
  close(): Promise<void>;
}

export async function launchBareChromium(): Promise<BareChromium> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`Chromium is not installed at ${CHROMIUM} (Debian package "chromium").`);
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-chromium-bare-'));
  const child: ChildProcess = spawn(
    CHROMIUM,
    [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--no-default-browser-check',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-features=Translate,OptimizationHints,MediaRouter',
      '--window-size=1280,800',
      '--remote-debugging-port=0',
      `--user-data-dir=${profile}`,
      'about:blank',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const stopOnExit = () => child.kill('SIGKILL');
  process.once('exit', stopOnExit);
  let stderr = '';
  const endpoint = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Chromium did not open its DevTools endpoint within 20 s:\n${stderr.slice(-2000)}`)), 20_000);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      stderr += text;
      const match = /DevTools listening on (ws:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`Chromium exited with ${code}:\n${stderr.slice(-2000)}`));
    });
  });
  const socket = new WebSocket(endpoint, { perMessageDeflate: false, maxPayload: 256 * 1024 * 1024 });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  let nextId = 1;
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
    if (message.id === undefined) return;
    const entry = pending.get(message.id);
    if (!entry) return;
    pending.delete(message.id);
    if (message.error) entry.reject(new Error(message.error.message));
    else entry.resolve(message.result);
  });
  const send = <T>(method: string, params: Record<string, unknown> = {}, sessionId?: string): Promise<T> => {
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      socket.send(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }));
    });
  };

  const evaluateIn = async <T>(sessionId: string, expression: string): Promise<T> => {
    const reply = await send<{ result: { value?: unknown }; exceptionDetails?: { text: string; exception?: { description?: string } } }>(
      'Runtime.evaluate',
      { expression, awaitPromise: true, returnByValue: true },
      sessionId,
    );
    if (reply.exceptionDetails) throw new Error(`In the page: ${reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text}`);
    return reply.result.value as T;
  };

  const opened = new Set<string>();
  const waitFor = async (sessionId: string, ready: string, what: string) => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const done = await evaluateIn<boolean>(sessionId, `(() => { try { return Boolean(${ready}); } catch { return false; } })()`).catch(() => false);
      if (done) return;
      if (Date.now() > deadline) throw new Error(`The page ${what} was not ready within 30 s (${ready}).`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  return {
    pid: child.pid!,
    async open(url, ready = 'document.readyState === "complete"') {
      const { targetId } = await send<{ targetId: string }>('Target.createTarget', { url });
      opened.add(targetId);
      const { sessionId } = await send<{ sessionId: string }>('Target.attachToTarget', { targetId, flatten: true });
      if (url !== 'about:blank') await waitFor(sessionId, ready, new URL(url).pathname);
      return {
        send: (method, params = {}) => send(method, params, sessionId),
        navigate: async (to, until = 'document.readyState === "complete"') => {
          await send('Page.navigate', { url: to }, sessionId);
          await waitFor(sessionId, until, new URL(to).pathname);
        },
        evaluate: (expression) => evaluateIn(sessionId, expression),
        call: (object, method, ...args) => evaluateIn(sessionId, `window.${object}.${method}(...${JSON.stringify(args)})`),
        close: async () => {
          await send('Target.closeTarget', { targetId });
          opened.delete(targetId);
        },
      };
    },
    async closeOtherTabs() {
      const { targetInfos } = await send<{ targetInfos: { targetId: string; type: string }[] }>('Target.getTargets');
      for (const info of targetInfos) if (info.type === 'page' && !opened.has(info.targetId)) await send('Target.closeTarget', { targetId: info.targetId });
    },
    async close() {
      socket.close();
      const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      process.removeListener('exit', stopOnExit);
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
