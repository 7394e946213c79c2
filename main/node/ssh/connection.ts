// One authenticated SSH connection to one hop, over a TCP socket (first hop) or a channel forwarded
// by the previous hop. Verifies the host key before anything is sent, logs in, keeps alive, and
// reports how it ended.
import type { Duplex } from 'node:stream';
import type { Client } from 'ssh2';
import { CwError } from '../../common/errors.js';
import type { SecretStore } from '../secrets/store.js';
import { createAuthAttempts, offersOnlyPublicKey } from './auth.js';
import { ChannelLimiter } from './channel-limiter.js';
import { preferredHostKeyAlgorithms } from './fingerprint.js';
import type { HostKeyQuestions } from './host-key-questions.js';
import type { HostKeyChecker } from './host-keys.js';
import { ssh2 } from './ssh2-module.js';
import { hopName, hostPortName, type SshHop, type SshPrompter } from './types.js';

export interface VerifiedHostKey {
  keyType: string;
  fingerprint: string;
  /** Where the trust came from: "~/.ssh/known_hosts:12", "pinned by Clusterwright", "pinned now", "accepted once". */
  trust: string;
}

export interface ConnectionOptions {
  hop: SshHop;
  /** "destination", or "jump host 1 of 2": for prompts and messages. */
  position: string;
  sock: Duplex;
  hostKeys: HostKeyChecker;
  /** Asks the admin about unknown host keys, one question per key however many connections wait; null where no one can answer. */
  hostKeyQuestions: HostKeyQuestions | null;
  /** Asks for passwords, passphrases and 2FA codes; null where no one can answer. */
  prompter: SshPrompter | null;
  /** Pin unknown host keys without asking (the CLI's --accept-new, like StrictHostKeyChecking=accept-new). */
  acceptNewHostKeys: boolean;
  secrets: SecretStore;
  env: NodeJS.ProcessEnv;
  readyTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  maxChannels: number;
  signal: AbortSignal;
}

/** A handshake timer that stops while the admin is answering a prompt. */
class PausableTimer {
  private timer: NodeJS.Timeout | null = null;
  private remaining: number;
  private startedAt = 0;
  private paused = 0;
  private done = false;

  constructor(ms: number, private readonly onFire: () => void) {
    this.remaining = ms;
    this.start();
  }

  private start(): void {
    if (this.done || this.remaining <= 0) return;
    this.startedAt = Date.now();
    this.timer = setTimeout(() => {
      this.done = true;
      this.onFire();
    }, this.remaining);
  }

  pause(): void {
    if (this.paused++ > 0 || this.done || !this.timer) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.remaining -= Date.now() - this.startedAt;
  }

  resume(): void {
    if (--this.paused > 0 || this.done) return;
    this.start();
  }

  stop(): void {
    this.done = true;
    if (this.timer) clearTimeout(this.timer);
  }
}

/** What the admin does to drop an old key, by where it came from. */
export function removalHint(source: string, host: string, port: number): string {
  if (source === 'pinned by Clusterwright') return `forget it (clusterwright hostkeys forget ${hostPortName(host, port)}, or Forget in the node's inspector)`;
  if (source.startsWith('the lab ')) return `restart ${source} (clusterwright lab up --replace)`;
  const file = source.replace(/:\d+$/, '');
  return `remove it from ${file} (ssh-keygen -R ${port === 22 ? host : `'[${host}]:${port}'`} -f ${file})`;
}

/** Maps what ssh2 or the socket reported to an error that says what happened, where, and what to do. */
export function describeConnectionError(error: Error & { level?: string; code?: string | number }, hop: SshHop): CwError {
  const where = hopName(hop);
  const code = typeof error.code === 'string' ? error.code : undefined;
  if (error.level === 'client-timeout' && /keepalive/i.test(error.message)) {
    return new CwError('UNREACHABLE', `${where} stopped answering (keepalive timed out): the network path is down or the host is overloaded. Check the link, then reconnect.`, { host: hop.host, port: hop.port, reason: 'keepalive' });
  }
  if (code && ['ECONNREFUSED'].includes(code)) {
    return new CwError('UNREACHABLE', `${where} refused the connection: no SSH server is listening on port ${hop.port}. Check that sshd runs and the port is right.`, { host: hop.host, port: hop.port, reason: code });
  }
  if (code && ['EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'ECONNRESET', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL'].includes(code)) {
    const what = code === 'ENOTFOUND' || code === 'EAI_AGAIN' ? 'its name does not resolve' : `the network said ${code}`;
    return new CwError('UNREACHABLE', `${where} cannot be reached (${what}). Check the address, the route and any firewall.`, { host: hop.host, port: hop.port, reason: code });
  }
  if (error.level === 'client-authentication') {
    return new CwError('AUTH_FAILED', `${where} refused every login offered.`, { host: hop.host, port: hop.port, user: hop.user });
  }
  if (error.level === 'handshake' || error.level === 'protocol') {
    return new CwError('REMOTE_FAILED', `The SSH handshake with ${where} failed: ${error.message}. Check that it is an SSH server and that it offers a modern key exchange.`, { host: hop.host, port: hop.port });
  }
  return new CwError('UNREACHABLE', `The connection to ${where} failed: ${error.message}.`, { host: hop.host, port: hop.port });
}

export class SshConnection {
  readonly client: Client;
  readonly limiter: ChannelLimiter;
  private closeListeners: ((error?: CwError) => void)[] = [];
  private closedWith: { error?: CwError } | null = null;

  private constructor(
    client: Client,
    readonly hop: SshHop,
    readonly hostKey: VerifiedHostKey,
    maxChannels: number,
    lastError: () => CwError | undefined,
  ) {
    this.client = client;
    this.limiter = new ChannelLimiter(maxChannels);
    client.on('close', () => {
      const error = lastError();
      this.closedWith = { ...(error ? { error } : {}) };
      this.limiter.failAll(error ?? new CwError('UNREACHABLE', `The connection to ${hopName(hop)} closed.`));
      for (const listener of this.closeListeners.splice(0)) listener(error);
    });
  }

  get alive(): boolean {
    return this.closedWith === null;
  }

  /** Why the connection ended, once it has. */
  get closeError(): CwError | undefined {
    return this.closedWith?.error;
  }

  onClose(listener: (error?: CwError) => void): void {
    if (this.closedWith) listener(this.closedWith.error);
    else this.closeListeners.push(listener);
  }

  end(): void {
    this.client.end();
  }

  static open(options: ConnectionOptions): Promise<SshConnection> {
    const { hop, hostKeys } = options;
    const where = hopName(hop);
    const client = new (ssh2().Client)();
    let failure: CwError | undefined;
    let verified: VerifiedHostKey | undefined;
    let ready = false;

    return new Promise<SshConnection>((resolve, reject) => {
      const fail = (error: CwError) => {
        failure ??= error;
        if (!ready) {
          ready = true;
          timer.stop();
          options.signal.removeEventListener('abort', onAbort);
          client.end();
          options.sock.destroy();
          reject(failure);
        }
      };
      const timer = new PausableTimer(options.readyTimeoutMs, () =>
        fail(new CwError('TIMEOUT', `${where} did not complete the SSH handshake within ${Math.round(options.readyTimeoutMs / 1000)} s. The host may be overloaded or a firewall drops SSH; try again or raise the timeout.`, { host: hop.host, port: hop.port })),
      );
      const onAbort = () => fail(new CwError('CANCELLED', `Connecting to ${where} was cancelled.`));
      options.signal.addEventListener('abort', onAbort, { once: true });
      if (options.signal.aborted) return onAbort();

      const whilePrompting = async <T>(ask: () => Promise<T>): Promise<T> => {
        timer.pause();
        try {
          return await ask();
        } finally {
          timer.resume();
        }
      };

      const hostVerifier = (key: Buffer, verify: (valid: boolean) => void): void => {
        const verdict = hostKeys.check(hop.host, hop.port, key);
        const detail = { host: hop.host, port: hop.port, keyType: verdict.keyType, fingerprint: verdict.fingerprint };
        // `ready` is also set when the attempt already failed (timeout, cancel, the server dropped it): a late answer must not revive it.
        const settle = (valid: boolean) => {
          // A late answer for an attempt that already ended: ssh2 has torn its protocol down, so there is nobody to tell.
          if (ready) return;
          try {
            verify(valid);
          } catch {
            // The transport closed between the check above and the answer: the attempt has failed already.
          }
        };
        if (verdict.status === 'trusted') {
          verified = { keyType: verdict.keyType, fingerprint: verdict.fingerprint, trust: verdict.source };
          return verify(true);
        }
        if (verdict.status === 'changed') {
          failure = new CwError(
            'HOST_KEY_CHANGED',
            `The ${verdict.keyType} host key of ${hostPortName(hop.host, hop.port)} has CHANGED (was ${verdict.knownFingerprint}, now ${verdict.fingerprint}). ` +
              'Someone may be intercepting the connection, or the host was reinstalled. Nothing was sent to it. ' +
              `If you know why it changed, ${removalHint(verdict.source, hop.host, hop.port)} and connect again to review the new one.`,
            { ...detail, oldFingerprint: verdict.knownFingerprint, newFingerprint: verdict.fingerprint, source: verdict.source },
          );
          return verify(false);
        }
        if (verdict.status === 'revoked') {
          failure = new CwError(
            'HOST_KEY_CHANGED',
            `${hostPortName(hop.host, hop.port)} presented a REVOKED ${verdict.keyType} host key (${verdict.fingerprint}, marked @revoked in ${verdict.source}). Nothing was sent to it; do not connect until the host has a new key.`,
            { ...detail, revoked: true, source: verdict.source },
          );
          return verify(false);
        }
        const knownKeys = verdict.status === 'otherTypeKnown' ? verdict.knownKeys : [];
        // accept-new pins only hosts with no key at all; a known host that now offers only another key type is refused
        // without a prompt, as OpenSSH's StrictHostKeyChecking=accept-new does. Only a person may accept it, warned.
        if (verdict.status === 'otherTypeKnown' && (options.acceptNewHostKeys || !options.hostKeyQuestions)) {
          const was = knownKeys.map((k) => `${k.keyType} ${k.fingerprint} (${k.source})`).join(', ');
          const hints = [...new Set(knownKeys.map((k) => removalHint(k.source, hop.host, hop.port)))].join('; ');
          failure = new CwError(
            'HOST_KEY_CHANGED',
            `REMOTE HOST IDENTIFICATION HAS CHANGED for ${hostPortName(hop.host, hop.port)}: it is known with ${was}, but now offers only a ${verdict.keyType} key (${verdict.fingerprint}). ` +
              'Someone may be intercepting the connection, or the host was reinstalled. Nothing was sent to it' +
              `${options.acceptNewHostKeys ? '; --accept-new pins only hosts with no key at all' : ''}. ` +
              `If you know why its key changed, ${hints} and connect again to review the new one.`,
            { ...detail, newFingerprint: verdict.fingerprint, knownKeys },
          );
          return verify(false);
        }
        const unknownMessage =
          `${hostPortName(hop.host, hop.port)} presented a ${verdict.keyType} host key that is not known yet (${verdict.fingerprint}). ` +
          'Compare it with the fingerprint on the host (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub) and accept it in the app, or connect with --accept-new.';
        if (verdict.status === 'unknown' && options.acceptNewHostKeys) {
          hostKeys.pinned.pin(hop.host, hop.port, key);
          verified = { keyType: verdict.keyType, fingerprint: verdict.fingerprint, trust: 'pinned now' };
          return verify(true);
        }
        if (!options.hostKeyQuestions) {
          failure = new CwError('HOST_KEY_UNKNOWN', unknownMessage, { ...detail, knownKeyTypes: verdict.knownKeyTypes });
          return verify(false);
        }
        const questions = options.hostKeyQuestions;
        const question = { host: hop.host, port: hop.port, keyType: verdict.keyType, fingerprint: verdict.fingerprint, knownKeyTypes: verdict.knownKeyTypes, knownKeys, position: options.position };
        whilePrompting(() => questions.ask(question, key, options.signal)).then(
          (decision) => {
            if (decision === 'reject') {
              failure ??= new CwError('HOST_KEY_UNKNOWN', `You declined the host key of ${hostPortName(hop.host, hop.port)} (${verdict.fingerprint}); nothing was sent to it.`, detail);
              return settle(false);
            }
            verified = { keyType: verdict.keyType, fingerprint: verdict.fingerprint, trust: decision === 'pin' ? 'pinned now' : 'accepted once' };
            settle(true);
          },
          (error: unknown) => {
            failure ??= error instanceof CwError ? error : new CwError('HOST_KEY_UNKNOWN', unknownMessage, detail);
            settle(false);
          },
        );
      };

      const attempts = createAuthAttempts({ hop, secrets: options.secrets, prompter: options.prompter, env: options.env, signal: options.signal, whilePrompting });

      client.on('ready', () => {
        if (ready) return;
        ready = true;
        timer.stop();
        options.signal.removeEventListener('abort', onAbort);
        let lastError: CwError | undefined;
        client.on('error', (error) => (lastError ??= describeConnectionError(error, hop)));
        resolve(new SshConnection(client, hop, verified!, options.maxChannels, () => lastError));
      });
      client.on('error', (error: Error & { level?: string }) => {
        if (ready) return;
        if (error.level === 'client-authentication' && !failure) {
          const tried = attempts.tried.length ? attempts.tried.join(', ') : 'nothing';
          const skipped = attempts.skipped.length ? ` Skipped: ${attempts.skipped.join('; ')}.` : '';
          failure =
            attempts.fatal ??
            new CwError(
              'AUTH_FAILED',
              `${where} refused the login as "${hop.user}" (tried: ${tried}).${skipped} Check the user name, that the public key is in ~${hop.user}/.ssh/authorized_keys, or the password. Not retrying, to avoid a lockout.`,
              { host: hop.host, port: hop.port, user: hop.user, tried: attempts.tried, skipped: attempts.skipped },
            );
        }
        fail(failure ?? describeConnectionError(error, hop));
      });
      client.on('close', () => {
        if (!ready) fail(failure ?? new CwError('UNREACHABLE', `${where} closed the connection during the SSH handshake. Check sshd's log on that host (MaxStartups, AllowUsers, tcp wrappers).`, { host: hop.host, port: hop.port }));
      });

      client.connect({
        sock: options.sock as unknown as NonNullable<Parameters<Client['connect']>[0]['sock']>,
        username: hop.user,
        readyTimeout: 0,
        keepaliveInterval: options.keepaliveIntervalMs,
        keepaliveCountMax: options.keepaliveCountMax,
        hostVerifier,
        authHandler: attempts.handler,
        algorithms: { serverHostKey: preferredHostKeyAlgorithms(hostKeys.knownKeyTypes(hop.host, hop.port)) as never },
        ...(offersOnlyPublicKey(hop.auth) ? {} : { tryKeyboard: true }),
      });
    });
  }
}
