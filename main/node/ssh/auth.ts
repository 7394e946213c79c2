// Logging in: turns the hop's auth methods (key, agent, password, keyboard-interactive) into an
// ssh2 authHandler. Secrets are read from the store at the moment of use; prompts go through the
// SshPrompter. With keys only, only publickey is offered (no "none" probe, no extra round trip).
import fs from 'node:fs/promises';
import type { AnyAuthMethod, AuthenticationType, AuthHandlerMiddleware, KeyboardInteractiveCallback, Prompt } from 'ssh2';
import { CwError } from '../../common/errors.js';
import type { SecretStore } from '../secrets/store.js';
import { ssh2 } from './ssh2-module.js';
import { hopName, type AuthQuestion, type SshAuthMethod, type SshHop, type SshPrompter } from './types.js';

export interface AuthContext {
  hop: SshHop;
  secrets: SecretStore;
  prompter: SshPrompter | null;
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  /** Runs a prompt with the handshake timer paused: the admin may take longer than the timeout to type. */
  whilePrompting<T>(ask: () => Promise<T>): Promise<T>;
}

export interface AuthAttempts {
  handler: AuthHandlerMiddleware;
  /** What was tried, for the AUTH_FAILED message ("publickey (~/.ssh/id_ed25519)", "password"). */
  tried: string[];
  /** Why a method was skipped ("~/.ssh/id_rsa: no such file"). Never holds a secret. */
  skipped: string[];
  /** An error that must win over "authentication failed" (the admin cancelled a prompt). */
  fatal: CwError | null;
}

const MAX_PASSPHRASE_TRIES = 3;

function wireMethod(method: SshAuthMethod): AuthenticationType {
  switch (method.kind) {
    case 'privateKey':
    case 'agent':
      return 'publickey';
    case 'password':
      return 'password';
    case 'keyboardInteractive':
      return 'keyboard-interactive';
  }
}

/** Only key-based methods configured → the handler offers publickey and nothing else. */
export function offersOnlyPublicKey(methods: SshAuthMethod[]): boolean {
  return methods.every((m) => m.kind === 'privateKey' || m.kind === 'agent');
}

function isEncryptedKeyError(error: Error): boolean {
  return /no passphrase given|encrypted/i.test(error.message);
}

async function loadPrivateKey(method: Extract<SshAuthMethod, { kind: 'privateKey' }>, ctx: AuthContext): Promise<{ key: Buffer; passphrase?: string } | string> {
  let key: Buffer;
  const source = method.identityFile ?? `secret ${method.keySecretId ?? '(none)'}`;
  if (method.keySecretId) {
    key = Buffer.from(await ctx.secrets.get(method.keySecretId), 'utf8');
  } else if (method.identityFile) {
    try {
      key = await fs.readFile(method.identityFile);
    } catch (error) {
      return `${method.identityFile}: ${(error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot be read'}`;
    }
  } else {
    return 'a private key method names neither an identity file nor a key secret';
  }
  const plain = ssh2().utils.parseKey(key);
  if (!(plain instanceof Error)) return { key };
  if (!isEncryptedKeyError(plain)) return `${source}: not a private key ssh2 can read (${plain.message})`;

  if (method.passphraseSecretId) {
    const passphrase = await ctx.secrets.get(method.passphraseSecretId);
    if (!(ssh2().utils.parseKey(key, passphrase) instanceof Error)) return { key, passphrase };
    if (!ctx.prompter) return `${source}: the stored passphrase does not open this key`;
  }
  if (!ctx.prompter) return `${source}: the key is encrypted and no passphrase was given`;
  for (let attempt = 1; attempt <= MAX_PASSPHRASE_TRIES; attempt++) {
    const question: AuthQuestion = {
      kind: 'passphrase',
      host: ctx.hop.host,
      port: ctx.hop.port,
      user: ctx.hop.user,
      keyFile: method.identityFile ?? 'stored key',
      prompts: [{ text: attempt === 1 ? `Passphrase for ${method.identityFile ?? 'the stored key'}:` : 'Wrong passphrase, try again:', echo: false }],
    };
    const [passphrase = ''] = await ctx.whilePrompting(() => ctx.prompter!.askAuth(question, ctx.signal));
    if (!(ssh2().utils.parseKey(key, passphrase) instanceof Error)) return { key, passphrase };
  }
  return `${source}: wrong passphrase ${MAX_PASSPHRASE_TRIES} times`;
}

export function createAuthAttempts(ctx: AuthContext): AuthAttempts {
  const { hop } = ctx;
  const username = hop.user;
  const queue = [...hop.auth];
  const attempts: AuthAttempts = { handler: () => {}, tried: [], skipped: [], fatal: null };

  const ask = async (question: AuthQuestion): Promise<string[]> => {
    if (!ctx.prompter) throw new CwError('AUTH_FAILED', 'no one to ask');
    return ctx.whilePrompting(() => ctx.prompter!.askAuth(question, ctx.signal));
  };

  const keyboardInteractive = (secretId: string | undefined) =>
    (name: string, instructions: string, _lang: string, prompts: Prompt[], finish: KeyboardInteractiveCallback) => {
      if (prompts.length === 0) return finish([]);
      void (async () => {
        if (secretId && prompts.length === 1 && !prompts[0]!.echo) return [await ctx.secrets.get(secretId)];
        return ask({ kind: 'keyboardInteractive', host: hop.host, port: hop.port, user: username, name, instructions, prompts: prompts.map((p) => ({ text: p.prompt, echo: Boolean(p.echo) })) });
      })().then(finish, (error: unknown) => {
        attempts.fatal = error instanceof CwError ? error : new CwError('AUTH_FAILED', String(error));
        finish([]);
      });
    };

  /** The next method the server still allows, turned into what ssh2 sends; false when none is left. */
  const next = async (authsLeft: AuthenticationType[] | null): Promise<AnyAuthMethod | false> => {
    while (queue.length) {
      const method = queue.shift()!;
      if (authsLeft && !authsLeft.includes(wireMethod(method))) continue;
      switch (method.kind) {
        case 'privateKey': {
          const loaded = await loadPrivateKey(method, ctx);
          if (typeof loaded === 'string') {
            attempts.skipped.push(loaded);
            continue;
          }
          attempts.tried.push(`publickey (${method.identityFile ?? 'stored key'})`);
          return { type: 'publickey', username, key: loaded.key, ...(loaded.passphrase !== undefined ? { passphrase: loaded.passphrase } : {}) };
        }
        case 'agent': {
          // On Windows without SSH_AUTH_SOCK, ssh2 talks to Pageant (PuTTY's agent).
          const agent = method.socketPath ?? ctx.env.SSH_AUTH_SOCK ?? (process.platform === 'win32' ? 'pageant' : undefined);
          if (!agent) {
            attempts.skipped.push('ssh-agent: SSH_AUTH_SOCK is not set');
            continue;
          }
          attempts.tried.push('publickey (ssh-agent)');
          return { type: 'agent', username, agent };
        }
        case 'password': {
          if (!method.secretId && !ctx.prompter) {
            attempts.skipped.push('password: none stored and no one to ask');
            continue;
          }
          const password = method.secretId
            ? await ctx.secrets.get(method.secretId)
            : (await ask({ kind: 'password', host: hop.host, port: hop.port, user: username, prompts: [{ text: `Password for ${hopName(hop)}:`, echo: false }] }))[0] ?? '';
          attempts.tried.push('password');
          return { type: 'password', username, password };
        }
        case 'keyboardInteractive': {
          if (!method.secretId && !ctx.prompter) {
            attempts.skipped.push('keyboard-interactive: no one to answer the prompts');
            continue;
          }
          attempts.tried.push('keyboard-interactive');
          return { type: 'keyboard-interactive', username, prompt: keyboardInteractive(method.secretId) };
        }
      }
    }
    return false;
  };

  attempts.handler = (authsLeft, _partialSuccess, callback) => {
    // ssh2 accepts `false` for "nothing left to try", which its type definitions omit.
    const proceed = callback as unknown as (method: AnyAuthMethod | false) => void;
    // ssh2 passes null before the first attempt; we then offer our first method straight away.
    next(authsLeft as AuthenticationType[] | null).then(proceed, (error: unknown) => {
      attempts.fatal = error instanceof CwError ? error : new CwError('AUTH_FAILED', `Could not prepare the login for ${hopName(hop)}: ${(error as Error).message}`);
      proceed(false);
    });
  };
  return attempts;
}
