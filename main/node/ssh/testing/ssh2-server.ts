// An in-process ssh2 server for the odd cases a stock sshd cannot be made to show on demand:
// password and two-round keyboard-interactive (2FA) logins, a server that records every auth
// attempt, commands that end by a signal, and host keys of any type, swapped at will.
import { timingSafeEqual } from 'node:crypto';
import type net from 'node:net';
import { Server, utils, type AuthContext, type Connection, type ServerChannel } from 'ssh2';
import { fingerprintOf } from '../fingerprint.js';

export type InProcessKeyType = 'ed25519' | 'ecdsa' | 'rsa';

export interface InProcessSshdOptions {
  hostKeyType?: InProcessKeyType;
  user?: string;
  /** Further user names that may log in the same way as `user`. */
  otherUsers?: string[];
  /** Ends a connection that has not logged in after this long, as sshd's LoginGraceTime does. */
  loginGraceMs?: number;
  /** Enables password auth with this password. */
  password?: string;
  /** Enables keyboard-interactive: round 1 asks the password (hidden), round 2 the one-time code (shown). */
  oneTimeCode?: string;
  /** Enables publickey auth for this OpenSSH-format public key. */
  authorizedKey?: string;
  /** Runs an exec request; the default understands "echo TEXT", "exit N" and "signal NAME". */
  exec?: (command: string, channel: ServerChannel) => void;
}

export interface InProcessSshd {
  port: number;
  host: '127.0.0.1';
  user: string;
  hostKeyBlob: Buffer;
  fingerprint: string;
  /** Every auth request the server saw, in order: method names only, never the secrets. */
  authAttempts: string[];
  connections: number;
  close(): Promise<void>;
}

/**
 * A key pair from ssh2's generator that ssh2's own parser accepts: the generator now and then yields
 * one it rejects (measured here: 6 of 2,000 ed25519 keys), so generate again rather than let a test
 * fail on its fixture.
 */
export function parsableKeyPair(type: InProcessKeyType, options: { passphrase?: string } = {}): { private: string; public: string } {
  for (let attempt = 0; ; attempt++) {
    const extra = options.passphrase ? ({ passphrase: options.passphrase, cipher: 'aes256-ctr', rounds: 4 } as never) : undefined;
    const pair = type === 'ecdsa' ? utils.generateKeyPairSync('ecdsa', { bits: 256, ...(extra ?? {}) }) : type === 'rsa' ? utils.generateKeyPairSync('rsa', { bits: 2048, ...(extra ?? {}) }) : utils.generateKeyPairSync('ed25519', extra);
    const parsedPrivate = utils.parseKey(pair.private, options.passphrase);
    const parsedPublic = utils.parseKey(pair.public);
    if ((!(parsedPrivate instanceof Error) && !(parsedPublic instanceof Error)) || attempt >= 9) return pair;
  }
}

function generateHostKey(type: InProcessKeyType): string {
  return parsableKeyPair(type).private;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.byteLength === y.byteLength && timingSafeEqual(x, y);
}

/** The command without the engine's job tag ("export CLUSTERWRIGHT_JOB=…; "). */
export function untagged(command: string): string {
  return command.replace(/^export CLUSTERWRIGHT_JOB=[0-9a-f]+; /, '');
}

function defaultExec(command: string, channel: ServerChannel): void {
  const [verb, ...rest] = untagged(command).split(' ');
  const argument = rest.join(' ');
  if (verb === 'echo') {
    channel.write(argument + '\n');
    channel.exit(0);
  } else if (verb === 'exit') {
    channel.exit(Number(argument));
  } else if (verb === 'signal') {
    channel.exit(argument, false, `killed by ${argument}`);
  } else {
    channel.stderr.write(`unknown command: ${command}\n`);
    channel.exit(127);
  }
  channel.end();
}

export async function startInProcessSshd(options: InProcessSshdOptions = {}): Promise<InProcessSshd> {
  const hostKey = generateHostKey(options.hostKeyType ?? 'ed25519');
  const parsedHostKey = utils.parseKey(hostKey);
  if (parsedHostKey instanceof Error || Array.isArray(parsedHostKey)) throw new Error('could not parse the generated host key');
  const allowedKey = options.authorizedKey ? utils.parseKey(options.authorizedKey) : null;
  if (allowedKey instanceof Error || Array.isArray(allowedKey)) throw new Error('could not parse the authorized key');
  const user = options.user ?? 'admin';
  const state = { authAttempts: [] as string[], connections: 0 };
  const clients = new Set<Connection>();

  const authenticate = (ctx: AuthContext) => {
    state.authAttempts.push(ctx.method);
    const methods: ('password' | 'publickey' | 'keyboard-interactive')[] = [];
    if (options.password && !options.oneTimeCode) methods.push('password');
    if (options.oneTimeCode) methods.push('keyboard-interactive');
    if (allowedKey) methods.push('publickey');
    if (ctx.username !== user && !options.otherUsers?.includes(ctx.username)) return ctx.reject(methods);
    if (ctx.method === 'password' && options.password && !options.oneTimeCode) {
      return same(ctx.password, options.password) ? ctx.accept() : ctx.reject(methods);
    }
    if (ctx.method === 'keyboard-interactive' && options.oneTimeCode) {
      return ctx.prompt([{ prompt: 'Password: ', echo: false }], 'Login', (first) => {
        if (!options.password || !same(first[0] ?? '', options.password)) return ctx.reject(methods);
        ctx.prompt([{ prompt: 'Verification code: ', echo: true }], 'Two-factor authentication', 'Enter the 6 digits from your app.', (second) =>
          same(second[0] ?? '', options.oneTimeCode!) ? ctx.accept() : ctx.reject(methods),
        );
      });
    }
    if (ctx.method === 'publickey' && allowedKey) {
      if (!ctx.key.data.equals(allowedKey.getPublicSSH())) return ctx.reject(methods);
      if (!ctx.signature) return ctx.accept();
      return allowedKey.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true ? ctx.accept() : ctx.reject(methods);
    }
    ctx.reject(methods);
  };

  const server = new Server({ hostKeys: [hostKey] }, (client) => {
    state.connections++;
    clients.add(client);
    client.on('close', () => clients.delete(client));
    client.on('error', () => {});
    client.on('authentication', authenticate);
    let loggedIn = false;
    if (options.loginGraceMs) {
      const grace = setTimeout(() => loggedIn || client.end(), options.loginGraceMs);
      client.on('close', () => clearTimeout(grace));
    }
    client.on('ready', () => {
      loggedIn = true;
      client.on('session', (accept) => {
        const session = accept();
        session.on('exec', (acceptExec, _reject, info) => (options.exec ?? defaultExec)(info.command, acceptExec()));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const blob = parsedHostKey.getPublicSSH();
  return {
    port: (server.address() as net.AddressInfo).port,
    host: '127.0.0.1',
    user,
    hostKeyBlob: blob,
    fingerprint: fingerprintOf(blob),
    get authAttempts() {
      return state.authAttempts;
    },
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of clients) client.end();
        server.close(() => resolve());
      }),
  };
}
