// A small typed client for QEMU's machine protocol (QMP) over its Unix socket: the greeting, capability
// negotiation, commands matched to replies by id, asynchronous events, and a deadline on everything.
import net from 'node:net';
import { CwError } from '../../../common/errors.js';

export interface QmpVersion {
  qemu: { major: number; minor: number; micro: number };
  package: string;
}

export interface QmpGreeting {
  version: QmpVersion;
  capabilities: string[];
}

export interface QmpEvent {
  event: string;
  data: Record<string, unknown>;
  timestamp: { seconds: number; microseconds: number };
}

export interface QmpConnectOptions {
  /** For messages: "guest vm100 on lab host a1". */
  label?: string;
  /** How long to keep trying to connect and to wait for the greeting. */
  timeoutMs?: number;
  /** Default deadline of a command. */
  commandTimeoutMs?: number;
}

interface Pending {
  command: string;
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

interface EventWaiter {
  name: string;
  match(event: QmpEvent): boolean;
  resolve(event: QmpEvent): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

/** Largest reply line accepted (human-monitor-command dumps can be large; anything beyond is a broken peer). */
const maxLineBytes = 16 * 1024 * 1024;
/** Events kept for waitForEvent calls that start after the event arrived. */
const eventBacklog = 256;

/** QMP's error classes carried in CwError.detail. */
export interface QmpErrorDetail {
  command: string;
  class: string;
  desc: string;
}

export class QmpClient {
  readonly greeting: QmpGreeting;
  readonly label: string;
  private readonly socket: net.Socket;
  private readonly commandTimeoutMs: number;
  private readonly pending = new Map<string, Pending>();
  private readonly waiters = new Set<EventWaiter>();
  private readonly listeners = new Set<(event: QmpEvent) => void>();
  private readonly backlog: QmpEvent[] = [];
  private nextId = 1;
  private closedWith: Error | undefined;

  private constructor(socket: net.Socket, greeting: QmpGreeting, label: string, commandTimeoutMs: number, rest: string) {
    this.socket = socket;
    this.greeting = greeting;
    this.label = label;
    this.commandTimeoutMs = commandTimeoutMs;
    let buffer = '';
    const consume = (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl).trim();
        buffer = buffer.slice(nl + 1);
        if (line) this.onLine(line);
      }
      if (buffer.length > maxLineBytes) this.fail(new CwError('REMOTE_FAILED', `QMP of ${this.label} sent a line longer than ${maxLineBytes} bytes; closing the connection.`));
    };
    socket.on('data', consume);
    socket.on('error', (error) => this.fail(new CwError('UNREACHABLE', `QMP connection to ${this.label} failed: ${error.message}`)));
    socket.on('close', () => this.fail(new CwError('UNREACHABLE', `QMP connection to ${this.label} closed (QEMU exited or closed its monitor).`)));
    socket.resume();
    consume(rest);
  }

  /**
   * Connects to a QMP socket (retrying while it does not exist yet or refuses, until the deadline), reads the
   * greeting and leaves capability negotiation mode with `qmp_capabilities`.
   */
  static async connect(socketPath: string, options: QmpConnectOptions = {}): Promise<QmpClient> {
    const label = options.label ?? socketPath;
    const timeoutMs = options.timeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    let lastError = '';
    for (;;) {
      try {
        const { socket, greeting, rest } = await openAndGreet(socketPath, Math.max(100, deadline - Date.now()));
        const client = new QmpClient(socket, greeting, label, options.commandTimeoutMs ?? 30_000, rest);
        await client.execute('qmp_capabilities', undefined, { timeoutMs: Math.max(1_000, deadline - Date.now()) });
        return client;
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
        const retriable = /ENOENT|ECONNREFUSED|EAGAIN/.test(lastError);
        if (!retriable || Date.now() >= deadline) break;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new CwError('UNREACHABLE', `Could not open the QMP monitor of ${label} (${socketPath}) within ${timeoutMs / 1000} s: ${lastError}`);
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  /**
   * Runs a command and resolves with its `return` value. A QMP error rejects with REMOTE_FAILED (its class and
   * description in the detail), no reply within the deadline with TIMEOUT, a closed connection with UNREACHABLE.
   */
  execute<T = unknown>(command: string, args?: Record<string, unknown>, options: { timeoutMs?: number } = {}): Promise<T> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = `cw-${this.nextId++}`;
    const timeoutMs = options.timeoutMs ?? this.commandTimeoutMs;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CwError('TIMEOUT', `QMP command ${command} on ${this.label} got no reply within ${timeoutMs / 1000} s.`));
      }, timeoutMs);
      this.pending.set(id, { command, resolve: resolve as (v: unknown) => void, reject, timer });
      this.socket.write(JSON.stringify(args === undefined ? { execute: command, id } : { execute: command, arguments: args, id }) + '\n');
    });
  }

  /** Calls `listener` for every event from now on; returns the function that removes it. */
  onEvent(listener: (event: QmpEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events received so far (the latest few hundred). */
  get events(): readonly QmpEvent[] {
    return this.backlog;
  }

  /**
   * Resolves with the first event named `name` that `match` accepts: one already received after `since`
   * (an index into `events`, e.g. `client.events.length` taken before the command that causes it), or the next.
   */
  waitForEvent(name: string, options: { match?: (event: QmpEvent) => boolean; timeoutMs?: number; since?: number } = {}): Promise<QmpEvent> {
    const match = options.match ?? (() => true);
    if (options.since !== undefined) {
      const seen = this.backlog.slice(Math.max(0, options.since)).find((e) => e.event === name && match(e));
      if (seen) return Promise.resolve(seen);
    }
    if (this.closedWith) return Promise.reject(this.closedWith);
    const timeoutMs = options.timeoutMs ?? this.commandTimeoutMs;
    return new Promise((resolve, reject) => {
      const waiter: EventWaiter = {
        name,
        match,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(new CwError('TIMEOUT', `QEMU of ${this.label} sent no ${name} event within ${timeoutMs / 1000} s.`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Closes the connection; pending commands and waits reject. */
  close(): void {
    this.fail(new CwError('UNREACHABLE', `QMP connection to ${this.label} was closed.`));
  }

  private onLine(line: string): void {
    let message: Record<string, unknown>;
    try {
      message = JSON.parse(line) as Record<string, unknown>;
    } catch {
      this.fail(new CwError('REMOTE_FAILED', `QMP of ${this.label} sent a line that is not JSON: ${line.slice(0, 200)}`));
      return;
    }
    if (typeof message.event === 'string') {
      const event: QmpEvent = {
        event: message.event,
        data: (message.data as Record<string, unknown> | undefined) ?? {},
        timestamp: (message.timestamp as QmpEvent['timestamp'] | undefined) ?? { seconds: 0, microseconds: 0 },
      };
      this.backlog.push(event);
      if (this.backlog.length > eventBacklog) this.backlog.splice(0, this.backlog.length - eventBacklog);
      for (const listener of this.listeners) listener(event);
      for (const waiter of [...this.waiters]) {
        if (waiter.name === event.event && waiter.match(event)) {
          clearTimeout(waiter.timer);
          this.waiters.delete(waiter);
          waiter.resolve(event);
        }
      }
      return;
    }
    const id = typeof message.id === 'string' ? message.id : undefined;
    const pending = id ? this.pending.get(id) : undefined;
    if (!pending || !id) return; // a reply to a command that timed out, or one this client did not send
    this.pending.delete(id);
    clearTimeout(pending.timer);
    if ('return' in message) {
      pending.resolve(message.return);
      return;
    }
    const error = (message.error as { class?: string; desc?: string } | undefined) ?? {};
    const detail: QmpErrorDetail = { command: pending.command, class: String(error.class ?? 'GenericError'), desc: String(error.desc ?? 'no description') };
    pending.reject(new CwError('REMOTE_FAILED', `QEMU of ${this.label} refused ${pending.command}: ${detail.desc}`, detail));
  }

  private fail(error: Error): void {
    if (this.closedWith) return;
    this.closedWith = error;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      this.pending.delete(id);
      p.reject(error);
    }
    for (const w of this.waiters) {
      clearTimeout(w.timer);
      w.reject(error);
    }
    this.waiters.clear();
    this.socket.destroy();
  }
}

/** Connects and reads the greeting line; resolves with what followed it in the same chunk. */
function openAndGreet(socketPath: string, timeoutMs: number): Promise<{ socket: net.Socket; greeting: QmpGreeting; rest: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ path: socketPath });
    let buffer = '';
    const timer = setTimeout(() => done(new Error(`no QMP greeting within ${timeoutMs} ms`)), timeoutMs);
    const done = (error?: Error, value?: { socket: net.Socket; greeting: QmpGreeting; rest: string }) => {
      clearTimeout(timer);
      socket.removeAllListeners('data');
      socket.removeAllListeners('error');
      socket.removeAllListeners('close');
      // Nothing may be lost between here and the client attaching its own handlers.
      socket.pause();
      if (error) {
        socket.destroy();
        reject(error);
      } else resolve(value!);
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const nl = buffer.indexOf('\n');
      if (nl < 0) {
        if (buffer.length > 64 * 1024) done(new Error('the peer sent no line in its first 64 KiB: not a QMP monitor'));
        return;
      }
      try {
        const parsed = JSON.parse(buffer.slice(0, nl)) as { QMP?: QmpGreeting };
        if (!parsed.QMP?.version?.qemu) throw new Error('no QMP greeting');
        done(undefined, { socket, greeting: { version: parsed.QMP.version, capabilities: parsed.QMP.capabilities ?? [] }, rest: buffer.slice(nl + 1) });
      } catch {
        done(new Error(`the peer did not greet as a QMP monitor: ${buffer.slice(0, 120)}`));
      }
    });
    socket.once('error', (error) => done(error));
    socket.once('close', () => done(new Error('the socket closed before the greeting')));
  });
}
