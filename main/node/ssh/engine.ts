// The SSH engine: connections per jump chain (reused while alive), chained forwarded channels
// through jump hosts, TCP_NODELAY on the first hop, reconnect with backoff, and the operations
// the app needs on top: exec, atomic SFTP upload, interactive shells, and a connection test.
import { withChildSignal } from '../abort.js';
import { randomBytes } from 'node:crypto';
import type net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ClientChannel } from 'ssh2';
import { CwError } from '../../common/errors.js';
import type { SecretStore } from '../secrets/store.js';
import { SshConnection, describeConnectionError, type VerifiedHostKey } from './connection.js';
import { attemptsUnderWay, openEarlyTcp, type EarlyTcp } from './early-tcp.js';
import { HostKeyQuestions } from './host-key-questions.js';
import type { HostKeyChecker } from './host-keys.js';
import { connectWithRetry, defaultReconnectPolicy, type ReconnectPolicy } from './reconnect.js';
import { shellQuote } from './shell-quote.js';
import { preloadSsh2 } from './ssh2-module.js';
import { uploadAtomically, type UploadOptions, type UploadResult } from './sftp-upload.js';
import { chainName, hopName, type SshHop, type SshPrompter, type SshStateChange, type SshTarget } from './types.js';

export interface SshEngineOptions {
  hostKeys: HostKeyChecker;
  secrets: SecretStore;
  /** Asks about unknown host keys, passwords, passphrases, 2FA; null where no one can answer (CLI, batch). */
  prompter?: SshPrompter | null;
  acceptNewHostKeys?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Handshake timeout for the first hop; each further hop adds readyTimeoutPerHopMs. */
  readyTimeoutMs?: number;
  readyTimeoutPerHopMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Channels open at once on one connection (exec, shell, SFTP, forwards to the next hop); below OpenSSH's MaxSessions 10. */
  maxChannelsPerConnection?: number;
  /** TCP_NODELAY on the first hop's socket (default true): ~45 ms → ~3 ms per exec round trip on a LAN. */
  noDelay?: boolean;
  reconnect?: ReconnectPolicy;
  onStateChanged?: (change: SshStateChange) => void;
}

export interface ExecOptions {
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
  /** Stop the command (KILL, then close the channel) after this long; the call fails with TIMEOUT. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Sent to the command's stdin, which is then closed. */
  stdin?: string | Buffer;
}

export interface ExecResult {
  /** null when the command was ended by a signal. */
  exitCode: number | null;
  /** "TERM", "KILL"… without "SIG", as the server reports it. */
  exitSignal: string | null;
  durationMs: number;
}

export interface CollectedExecResult extends ExecResult {
  stdout: string;
  stderr: string;
}

export interface ShellOptions {
  rows: number;
  cols: number;
  term?: string;
  signal?: AbortSignal;
}

export interface SshShell {
  /** Output (stdout and stderr as the terminal shows them); pausable for credit-based flow control. */
  onData(listener: (chunk: Uint8Array) => void): void;
  onEnd(listener: (error?: Error) => void): void;
  pause(): void;
  resume(): void;
  write(data: string | Uint8Array): void;
  /** ssh2 takes rows first: setWindow(rows, cols, height, width). */
  resize(rows: number, cols: number, heightPx?: number, widthPx?: number): void;
  close(): void;
}

export interface HopReport {
  label: string;
  host: string;
  port: number;
  user: string;
  keyType: string;
  fingerprint: string;
  trust: string;
}

export interface ConnectionTestReport {
  destination: HopReport;
  jumps: HopReport[];
  connectMs: number;
  /** One `true` exec round trip on the ready connection. */
  roundTripMs: number;
  reused: boolean;
}

const KEY_SEPARATOR = ' > ';
const JOB_VARIABLE = 'CLUSTERWRIGHT_JOB';

/** The command as sent: tagged with a job id in its environment, so it can be killed with all its children. */
export function jobCommand(jobId: string, command: string): string {
  return `export ${JOB_VARIABLE}=${jobId}; ${command}`;
}

export function killJobCommand(jobId: string): string {
  return `for p in /proc/[0-9]*; do if grep -qzx ${shellQuote(`${JOB_VARIABLE}=${jobId}`)} "$p/environ" 2>/dev/null; then kill -KILL "\${p#/proc/}" 2>/dev/null; fi; done; true`;
}

function hopKey(hop: SshHop): string {
  return `${hop.user}@${hop.host.toLowerCase()}:${hop.port}`;
}

/** The pool key: host, port and user of every hop, in order. */
export function chainKey(hops: SshHop[]): string {
  return hops.map(hopKey).join(KEY_SEPARATOR);
}

function allHops(target: SshTarget): SshHop[] {
  return [...target.jumps, target.destination];
}

function cancelledError(what: string): CwError {
  return new CwError('CANCELLED', `${what} was cancelled.`);
}

export class SshEngine {
  private readonly pool = new Map<string, Promise<SshConnection>>();
  private readonly live = new Map<string, SshConnection>();
  private readonly options: Required<Omit<SshEngineOptions, 'prompter' | 'onStateChanged'>> & Pick<SshEngineOptions, 'onStateChanged'> & { prompter: SshPrompter | null };
  private closed = false;
  /** TCP connections opened ahead (preconnect), by host:port, each taken by the first hop that goes there. */
  private readonly preopened = new Map<string, { socket: net.Socket; ready: Promise<Duplex> }>();
  /** One question per unknown key for all connections of this engine. */
  private readonly hostKeyQuestions: HostKeyQuestions | null;

  constructor(options: SshEngineOptions) {
    this.options = {
      prompter: options.prompter ?? null,
      acceptNewHostKeys: options.acceptNewHostKeys ?? false,
      env: options.env ?? process.env,
      readyTimeoutMs: options.readyTimeoutMs ?? 20_000,
      readyTimeoutPerHopMs: options.readyTimeoutPerHopMs ?? 10_000,
      keepaliveIntervalMs: options.keepaliveIntervalMs ?? 15_000,
      keepaliveCountMax: options.keepaliveCountMax ?? 3,
      maxChannelsPerConnection: Math.min(options.maxChannelsPerConnection ?? 9, 9),
      noDelay: options.noDelay ?? true,
      reconnect: options.reconnect ?? defaultReconnectPolicy,
      hostKeys: options.hostKeys,
      secrets: options.secrets,
      ...(options.onStateChanged ? { onStateChanged: options.onStateChanged } : {}),
    };
    const prompter = this.options.prompter;
    this.hostKeyQuestions = prompter ? new HostKeyQuestions(prompter, (host, port, key) => this.options.hostKeys.pinned.pin(host, port, key)) : null;
  }

  /** known_hosts (read-only) and the app's pinned keys. */
  get hostKeys(): HostKeyChecker {
    return this.options.hostKeys;
  }

  /** Live connections, by chain key; for tests and diagnostics. */
  get liveChains(): string[] {
    return [...this.live.keys()];
  }

  /** The connection to the target (every hop verified and logged in), reusing live ones. Retries unreachable/timeouts with backoff. */
  async connect(target: SshTarget, signal?: AbortSignal): Promise<SshConnection> {
    // A child of the caller's signal: many operations sharing one signal add one listener to it, not one each (main/node/abort.ts).
    return withChildSignal(signal, (own) => this.connectOnce(target, own));
  }

  private async connectOnce(target: SshTarget, signal: AbortSignal): Promise<SshConnection> {
    if (this.closed) throw new CwError('CANCELLED', 'The SSH engine is shutting down.');
    const hops = allHops(target);
    const existing = this.live.get(chainKey(hops));
    if (existing?.alive) return existing;
    return connectWithRetry(
      () => this.connectChain(hops, signal),
      this.options.reconnect,
      (event) => {
        // "connecting" and "connected" are reported per hop by openHop; here only what the retry loop adds.
        if (event.state === 'retrying') {
          this.emitState(hops, { state: 'retrying', attempt: event.attempt, retryInMs: event.retryInMs, error: { code: event.error.code, message: event.error.message } });
        } else if (event.state === 'failed') {
          this.emitState(hops, { state: 'failed', attempt: event.attempt, error: { code: event.error.code, message: event.error.message } });
        }
      },
      signal,
    );
  }

  private emitState(hops: SshHop[], change: Omit<SshStateChange, 'chain' | 'host' | 'port' | 'user'>, hop = hops[hops.length - 1]!): void {
    this.options.onStateChanged?.({ chain: chainName(hops), host: hop.host, port: hop.port, user: hop.user, ...change });
  }

  private async connectChain(hops: SshHop[], signal: AbortSignal): Promise<SshConnection> {
    let parent: SshConnection | null = null;
    for (let index = 0; index < hops.length; index++) {
      parent = await this.connectHop(hops.slice(0, index + 1), parent, signal, hops.length);
    }
    return parent!;
  }

  private connectHop(prefix: SshHop[], parent: SshConnection | null, signal: AbortSignal, chainLength: number): Promise<SshConnection> {
    const key = chainKey(prefix);
    const live = this.live.get(key);
    if (live?.alive) return Promise.resolve(live);
    let pending = this.pool.get(key);
    if (!pending) {
      pending = this.openHop(prefix, parent, signal, chainLength);
      this.pool.set(key, pending);
      pending.then(
        (connection) => {
          this.live.set(key, connection);
          connection.onClose((error) => {
            if (this.live.get(key) === connection) this.live.delete(key);
            if (this.pool.get(key) === pending) this.pool.delete(key);
            this.emitState(prefix, { state: this.closed ? 'closed' : 'disconnected', ...(error ? { error: { code: error.code, message: error.message } } : {}) });
          });
        },
        () => {
          if (this.pool.get(key) === pending) this.pool.delete(key);
        },
      );
    }
    return pending;
  }

  private async openHop(prefix: SshHop[], parent: SshConnection | null, signal: AbortSignal, chainLength: number): Promise<SshConnection> {
    const hop = prefix[prefix.length - 1]!;
    const index = prefix.length - 1;
    this.emitState(prefix, { state: 'connecting' });
    const sock = parent ? await this.forwardThrough(parent, hop, signal) : await this.tcpSocket(hop);
    const releaseParentSlot = (sock as Duplex & { releaseSlot?: () => void }).releaseSlot;
    try {
      const connection = await SshConnection.open({
        hop,
        position: index === chainLength - 1 ? 'destination' : `jump host ${index + 1} of ${chainLength - 1}`,
        sock,
        hostKeys: this.options.hostKeys,
        hostKeyQuestions: this.hostKeyQuestions,
        prompter: this.options.prompter,
        acceptNewHostKeys: this.options.acceptNewHostKeys,
        secrets: this.options.secrets,
        env: this.options.env,
        readyTimeoutMs: this.options.readyTimeoutMs + index * this.options.readyTimeoutPerHopMs,
        keepaliveIntervalMs: this.options.keepaliveIntervalMs,
        keepaliveCountMax: this.options.keepaliveCountMax,
        maxChannels: this.options.maxChannelsPerConnection,
        signal,
      });
      if (releaseParentSlot) connection.onClose(releaseParentSlot);
      this.emitState(prefix, { state: 'connected' });
      return connection;
    } catch (error) {
      releaseParentSlot?.();
      throw error;
    }
  }

  /**
   * Opens the TCP connection to a first hop now, before the caller is ready to connect: the first connect() going
   * to that host and port takes it instead of opening its own. Only the TCP handshake happens early; nothing is
   * sent and the SSH handshake, host-key verification and login run as always when connect() takes it. Unused
   * ones are closed by closeAll(). Resolves once the connection attempt has left (Node starts it on a later tick,
   * after a name's lookup), or after `waitMs` for a name that is slow to resolve, so the caller can then do
   * synchronous work without holding it back.
   */
  preconnect(hop: Pick<SshHop, 'host' | 'port'>, waitMs = 20): Promise<void> {
    const key = `${hop.host}:${hop.port}`;
    if (this.closed || this.preopened.has(key)) return Promise.resolve();
    const early = openEarlyTcp(hop);
    this.preopened.set(key, this.trackTcp(hop as SshHop, early));
    return attemptsUnderWay([early], waitMs);
  }

  /**
   * Takes a first hop's TCP connection opened before this engine existed (the CLI's exec opens its first ones
   * before its own code has loaded: cli/first-hops.ts), exactly as if preconnect() had opened it. One to a host and
   * port this engine already holds one for, or after closeAll(), is closed.
   */
  adoptPreconnected(early: EarlyTcp): void {
    const key = `${early.host}:${early.port}`;
    if (this.closed || this.preopened.has(key)) {
      early.socket.destroy();
      return;
    }
    this.preopened.set(key, this.trackTcp({ host: early.host, port: early.port } as SshHop, early));
  }

  /** The first hop: a plain TCP socket with Nagle off (TCP_NODELAY), handed to ssh2 once connected. */
  private tcpSocket(hop: SshHop): Promise<Duplex> {
    const key = `${hop.host}:${hop.port}`;
    const early = this.preopened.get(key);
    if (early) {
      this.preopened.delete(key);
      return early.ready;
    }
    return this.trackTcp(hop, openEarlyTcp(hop)).ready;
  }

  /** The engine's settings on a TCP connection (Nagle, the connect's time limit) and its errors worded for the hop. */
  private trackTcp(hop: SshHop, early: EarlyTcp): { socket: net.Socket; ready: Promise<Duplex> } {
    const { socket } = early;
    socket.setNoDelay(this.options.noDelay);
    preloadSsh2();
    // The TCP connect itself is bounded by the handshake timeout in SshConnection; give it the same budget here.
    if (socket.connecting) socket.setTimeout(this.options.readyTimeoutMs, () => socket.destroy(Object.assign(new Error('connect timed out'), { code: 'ETIMEDOUT' })));
    const ready = early.ready.then(
      (connected) => {
        connected.setTimeout(0);
        return connected as Duplex;
      },
      (error: Error) => {
        throw describeConnectionError(error, hop);
      },
    );
    ready.catch(() => {}); // its error is reported by the connect() that takes it
    return { socket, ready };
  }

  /** A channel through the previous hop to the next one (ssh -J); it holds one of the parent's channel slots. */
  private async forwardThrough(parent: SshConnection, hop: SshHop, signal: AbortSignal): Promise<Duplex> {
    const release = await parent.limiter.acquire(signal);
    try {
      const channel = await new Promise<ClientChannel>((resolve, reject) => {
        parent.client.forwardOut('127.0.0.1', 0, hop.host, hop.port, (error, stream) => {
          if (error) {
            reject(
              new CwError('UNREACHABLE', `Jump host ${hopName(parent.hop)} could not open a connection to ${hop.host}:${hop.port} (${error.message}). Check that ${hop.host} is reachable from the jump host and that sshd there allows TCP forwarding (AllowTcpForwarding).`, {
                host: hop.host,
                port: hop.port,
                via: hopName(parent.hop),
              }),
            );
          } else resolve(stream);
        });
      });
      return Object.assign(channel, { releaseSlot: release });
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Runs one command with a channel slot held for its lifetime. */
  async exec(target: SshTarget, command: string, options: ExecOptions = {}): Promise<ExecResult> {
    return withChildSignal(options.signal, async (signal) => {
      const reused = this.live.get(chainKey(allHops(target)))?.alive ?? false;
      try {
        return await this.execOnce(target, command, { ...options, signal });
      } catch (error) {
        // A held connection found dead before the command could start (its host went away — a lab taken down and
        // brought up again at the same address — before keepalive told): the command never ran, so it is run
        // once on a fresh connection. A fresh connection that fails the same way is reported as it is.
        const notStarted = error instanceof CwError && error.code === 'UNREACHABLE' && (error.detail as { notStarted?: boolean } | undefined)?.notStarted === true;
        if (reused && notStarted && !signal.aborted) return this.execOnce(target, command, { ...options, signal });
        throw error;
      }
    });
  }

  /** Forgets a connection that died under a command, so the next connect() opens a fresh one at once. */
  private forgetDead(target: SshTarget, connection: SshConnection): void {
    const key = chainKey(allHops(target));
    if (this.live.get(key) !== connection) return;
    this.live.delete(key);
    this.pool.delete(key);
    connection.end();
  }

  private async execOnce(target: SshTarget, command: string, options: ExecOptions): Promise<ExecResult> {
    const signal = options.signal;
    if (signal?.aborted) throw cancelledError(`"${command}" on ${hopName(target.destination)}`);
    const connection = await this.connect(target, signal);
    const release = await connection.limiter.acquire(signal);
    const where = hopName(target.destination);
    const started = performance.now();
    const jobId = randomBytes(9).toString('hex');
    try {
      // Every listener is attached inside ssh2's callback, synchronously: a fast command's data,
      // exit status and close can arrive in the same packet batch, before any later microtask.
      return await new Promise<ExecResult>((resolve, reject) => {
        let exitCode: number | null = null;
        let exitSignal: string | null = null;
        let sawExit = false;
        let stopped: CwError | null = null;
        let settled = false;
        let channel: ClientChannel | null = null;
        let timer: ReturnType<typeof setTimeout> | null = null;
        const finish = (outcome: () => void) => {
          if (settled) return;
          settled = true;
          if (timer) clearTimeout(timer);
          signal?.removeEventListener('abort', onAbort);
          outcome();
        };
        const stop = (error: CwError) => {
          if (stopped) return;
          stopped = error;
          if (!channel) return finish(() => reject(error));
          const open = channel;
          // OpenSSH ignores "signal" requests in root sessions (they need privilege separation), and a
          // closed channel does not end a process without a PTY; so the command's processes are found
          // by the job id in their environment and killed from a second channel.
          try {
            open.signal('KILL');
          } catch {
            // the channel may already be closing
          }
          void this.killJob(connection, jobId).finally(() => {
            open.close();
            setTimeout(() => finish(() => reject(error)), 2_000).unref();
          });
        };
        const onAbort = () => stop(new CwError('CANCELLED', `"${command}" on ${where} was cancelled; it was stopped (KILL).`, { host: target.destination.host }));
        signal?.addEventListener('abort', onAbort, { once: true });
        if (options.timeoutMs) {
          timer = setTimeout(
            () => stop(new CwError('TIMEOUT', `"${command}" did not finish within ${options.timeoutMs! / 1000} s on ${where}; it was stopped (KILL).`, { host: target.destination.host, timeoutMs: options.timeoutMs })),
            options.timeoutMs,
          );
        }
        connection.client.exec(jobCommand(jobId, command), (error, stream) => {
          if (error) {
            // A connection that died under us (keepalive, cut link) is a transient fault, not a refusal.
            const lost = !connection.alive || /no response from server|not connected|connection (lost|closed)/i.test(error.message);
            if (lost) this.forgetDead(target, connection);
            const fault = lost
              ? new CwError('UNREACHABLE', `${where} stopped answering before "${command}" could start (${error.message}); check the link and retry.`, { host: target.destination.host, notStarted: true })
              : new CwError('REMOTE_FAILED', `${where} would not start the command: ${error.message}. The server may limit sessions (MaxSessions).`, { host: target.destination.host, notStarted: true });
            return finish(() => reject(fault));
          }
          channel = stream;
          if (stopped) return stop(stopped);
          stream.on('data', (chunk: Buffer) => options.onStdout?.(chunk));
          stream.stderr.on('data', (chunk: Buffer) => options.onStderr?.(chunk));
          stream.on('exit', (code: number | null, signalName?: string) => {
            sawExit = true;
            if (typeof code === 'number') exitCode = code;
            else exitSignal = signalName ? signalName.replace(/^SIG/, '') : null;
          });
          stream.on('close', () => {
            if (stopped) return finish(() => reject(stopped));
            if (!sawExit && !connection.alive) {
              return finish(() => reject(connection.closeError ?? new CwError('UNREACHABLE', `The connection to ${where} was lost while "${command}" was running; its outcome is unknown.`, { host: target.destination.host })));
            }
            finish(() => resolve({ exitCode, exitSignal, durationMs: performance.now() - started }));
          });
          if (options.stdin !== undefined) stream.end(options.stdin);
          else stream.end();
        });
      });
    } finally {
      release();
    }
  }

  /** Kills every process of one exec job (found by CLUSTERWRIGHT_JOB in /proc/PID/environ). Best effort. */
  private async killJob(connection: SshConnection, jobId: string): Promise<void> {
    if (!connection.alive) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5_000);
      connection.client.exec(killJobCommand(jobId), (error, stream) => {
        if (error) {
          clearTimeout(timer);
          return resolve();
        }
        stream.on('close', () => {
          clearTimeout(timer);
          resolve();
        });
        stream.resume();
        stream.stderr.resume();
        stream.end();
      });
    });
  }

  /** exec, with stdout and stderr collected as text (for small outputs). */
  async run(target: SshTarget, command: string, options: Omit<ExecOptions, 'onStdout' | 'onStderr'> = {}): Promise<CollectedExecResult> {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const result = await this.exec(target, command, { ...options, onStdout: (c) => stdout.push(c), onStderr: (c) => stderr.push(c) });
    return { ...result, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') };
  }

  /** Uploads a file atomically: temp path, remote sha256 check, rename. Never leaves a half-written target. */
  upload(target: SshTarget, remotePath: string, content: Uint8Array, options?: UploadOptions): Promise<UploadResult> {
    return uploadAtomically(this, target, remotePath, content, options);
  }

  /** An interactive shell with a PTY; holds a channel slot until it ends. */
  async openShell(target: SshTarget, options: ShellOptions): Promise<SshShell> {
    const connection = await this.connect(target, options.signal);
    const release = await connection.limiter.acquire(options.signal);
    const where = hopName(target.destination);
    let channel: ClientChannel;
    try {
      channel = await new Promise<ClientChannel>((resolve, reject) => {
        connection.client.shell({ rows: options.rows, cols: options.cols, term: options.term ?? 'xterm-256color', height: 0, width: 0 }, (error, stream) => {
          if (error) reject(new CwError('REMOTE_FAILED', `${where} would not open a shell: ${error.message}.`, { host: target.destination.host }));
          else resolve(stream);
        });
      });
    } catch (error) {
      release();
      throw error;
    }
    const endListeners: ((error?: Error) => void)[] = [];
    let ended = false;
    channel.on('close', () => {
      release();
      if (ended) return;
      ended = true;
      const error = connection.alive ? undefined : (connection.closeError ?? new CwError('UNREACHABLE', `The connection to ${where} was lost.`));
      for (const listener of endListeners) listener(error);
    });
    let closing = false;
    return {
      onData: (listener) => {
        channel.on('data', (chunk: Buffer) => closing || listener(chunk));
        channel.stderr.on('data', (chunk: Buffer) => closing || listener(chunk));
      },
      onEnd: (listener) => endListeners.push(listener),
      pause: () => channel.pause(),
      resume: () => channel.resume(),
      write: (data) => {
        if (!ended) channel.write(data);
      },
      resize: (rows, cols, heightPx = 0, widthPx = 0) => channel.setWindow(rows, cols, heightPx, widthPx),
      close: () => {
        // A paused channel never emits 'close' (its buffered output is never read), so drain and drop it.
        closing = true;
        channel.close();
        channel.resume();
        channel.stderr.resume();
      },
    };
  }

  /** Connects (or reuses), and reports every hop's verified host key and one exec round trip. */
  async test(target: SshTarget, signal?: AbortSignal): Promise<ConnectionTestReport> {
    const hops = allHops(target);
    const reused = this.live.get(chainKey(hops))?.alive ?? false;
    const started = performance.now();
    await this.connect(target, signal);
    const connectMs = performance.now() - started;
    const result = await this.exec(target, 'true', { ...(signal ? { signal } : {}), timeoutMs: 15_000 });
    const report = (prefix: SshHop[]): HopReport => {
      const hop = prefix[prefix.length - 1]!;
      const key: VerifiedHostKey | undefined = this.live.get(chainKey(prefix))?.hostKey;
      return { label: hop.label, host: hop.host, port: hop.port, user: hop.user, keyType: key?.keyType ?? 'unknown', fingerprint: key?.fingerprint ?? 'unknown', trust: key?.trust ?? 'unknown' };
    };
    return {
      destination: report(hops),
      jumps: target.jumps.map((_, i) => report(hops.slice(0, i + 1))),
      connectMs,
      roundTripMs: result.durationMs,
      reused,
    };
  }

  /** Closes the connection to this target (and jump connections no one else uses stay until closeAll). */
  disconnect(target: SshTarget): void {
    this.live.get(chainKey(allHops(target)))?.end();
  }

  async closeAll(): Promise<void> {
    this.closed = true;
    for (const { socket } of this.preopened.values()) socket.destroy();
    this.preopened.clear();
    // Close the deepest hops first so their forwarded channels end cleanly.
    await Promise.all(
      [...this.live.entries()]
        .sort(([a], [b]) => b.split(KEY_SEPARATOR).length - a.split(KEY_SEPARATOR).length)
        .map(
          ([, connection]) =>
            new Promise<void>((resolve) => {
              connection.onClose(() => resolve());
              connection.end();
              setTimeout(resolve, 2_000).unref();
            }),
        ),
    );
    this.live.clear();
    this.pool.clear();
  }
}
