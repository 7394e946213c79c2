// Turns plan placeholders into real command lines and bodies at the moment of use, and into
// redacted text for everything stored or shown; the Redactor scrubs secret values from output.
import { CwError } from '../../common/errors.js';
import type { Command, SecretText } from '../../common/plan/schema.js';
import { collectSecretIds, joinText, secretEnvName, secretMarker, substituteSecrets } from '../../common/plan/secrets.js';
import { shellQuote } from '../ssh/shell-quote.js';

/** Looks a secret up by id; only main/node holds one. */
export interface SecretResolver {
  get(id: string): Promise<string>;
}

/** Secrets from the environment, CW_SECRET_<ID> (the same names the shell export uses). */
export class EnvSecretResolver implements SecretResolver {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}
  async get(id: string): Promise<string> {
    const value = this.env[secretEnvName(id)];
    if (value === undefined) throw new CwError('NOT_FOUND', `Secret "${id}" is not set: export ${secretEnvName(id)} or store it with \`clusterwright secrets put --label …\` (the value on stdin).`, { id });
    return value;
  }
}

/** Tries each resolver in turn; the first that knows the id wins. */
export class ChainSecretResolver implements SecretResolver {
  constructor(private readonly resolvers: SecretResolver[]) {}
  async get(id: string): Promise<string> {
    const reasons: string[] = [];
    let locked: CwError | undefined;
    for (const resolver of this.resolvers) {
      try {
        return await resolver.get(id);
      } catch (error) {
        if (error instanceof CwError && error.code === 'SECRETS_LOCKED') locked ??= error;
        reasons.push(error instanceof Error ? error.message : String(error));
      }
    }
    // A locked store is not a missing secret: keep the code the app turns into its unlock dialog.
    if (locked) throw locked;
    throw new CwError('NOT_FOUND', reasons.length ? reasons.join(' ') : `Secret "${id}" is not known.`, { id });
  }
}

/** Replaces every known secret value in a text with its marker. */
export class Redactor {
  private readonly values = new Map<string, string>();

  add(id: string, value: string): void {
    if (value.length === 0) return;
    this.values.set(value, id);
    // The forms a secret takes inside a quoted command line or a JSON body.
    if (!value.includes('\0')) this.values.set(shellQuote(value), id);
    this.values.set(JSON.stringify(value).slice(1, -1), id);
    // A multi-line secret may be printed one line at a time.
    for (const line of value.split('\n')) if (line.length >= 4 && line !== value) this.values.set(line, id);
  }

  redact(text: string): string {
    let out = text;
    const byLength = [...this.values.entries()].sort(([a], [b]) => b.length - a.length);
    for (const [value, id] of byLength) if (out.includes(value)) out = out.split(value).join(secretMarker(id));
    return out;
  }
}

/** Resolves every secret a value references, remembering each in the redactor. */
export async function resolveSecrets(value: unknown, resolver: SecretResolver, redactor: Redactor): Promise<Map<string, string>> {
  const resolved = new Map<string, string>();
  for (const id of collectSecretIds(value)) {
    const secret = await resolver.get(id);
    redactor.add(id, secret);
    resolved.set(id, secret);
  }
  return resolved;
}

function word(text: SecretText, secretWord: (id: string) => string): string {
  if (typeof text === 'string') return shellQuote(text);
  if (!Array.isArray(text)) return secretWord(text.secretRef);
  if (text.length === 0) return "''";
  return text.map((part) => (typeof part === 'string' ? (part === '' ? '' : shellQuote(part)) : secretWord(part.secretRef))).join('');
}

/** A command line for `sh -c`, each argument quoted; `secretWord` gives each secret's shell word. */
export function commandLine(command: Command, secretWord: (id: string) => string): string {
  if ('argv' in command) return command.argv.map((arg) => word(arg, secretWord)).join(' ');
  const env = Object.entries(command.env ?? {});
  if (env.length === 0) return command.sh;
  const assignments = env.map(([name, value]) => `${name}=${word(value, secretWord)}`).join(' ');
  return `${assignments}; export ${env.map(([name]) => name).join(' ')}; ${command.sh}`;
}

/** The command as stored and shown: secrets as markers. */
export function redactedCommand(command: Command): string {
  return commandLine(command, (id) => secretMarker(id));
}

/** The command as run: secrets quoted in place. */
export function liveCommand(command: Command, secrets: Map<string, string>): string {
  return commandLine(command, (id) => shellQuote(secretValue(secrets, id)));
}

export function secretValue(secrets: Map<string, string>, id: string): string {
  const value = secrets.get(id);
  if (value === undefined) throw new CwError('INTERNAL', `Secret "${id}" was not resolved before use.`);
  return value;
}

export function liveText(text: SecretText, secrets: Map<string, string>): string {
  return joinText(text, (id) => secretValue(secrets, id));
}

export function redactedText(text: SecretText): string {
  return joinText(text, secretMarker);
}

/** A JSON body with secrets substituted (live) or as markers (shown). */
export function bodyText(body: unknown, replace: (id: string) => string): string | undefined {
  return body === undefined ? undefined : JSON.stringify(substituteSecrets(body, replace));
}

const SENTINEL_OPEN = '⟦cw-secret:';
const SENTINEL_CLOSE = '⟧';

/** A stand-in for a secret inside generated text, for exports that insert the secret later. */
export function secretSentinel(id: string): string {
  return `${SENTINEL_OPEN}${id}${SENTINEL_CLOSE}`;
}

/** Generated text split back into literal pieces and secret ids. */
export function splitSentinels(text: string): (string | { secretRef: string })[] {
  const pieces: (string | { secretRef: string })[] = [];
  let rest = text;
  for (;;) {
    const open = rest.indexOf(SENTINEL_OPEN);
    if (open < 0) break;
    const close = rest.indexOf(SENTINEL_CLOSE, open);
    if (open > 0) pieces.push(rest.slice(0, open));
    pieces.push({ secretRef: rest.slice(open + SENTINEL_OPEN.length, close) });
    rest = rest.slice(close + SENTINEL_CLOSE.length);
  }
  if (rest !== '') pieces.push(rest);
  return pieces;
}

/** Refuses plans whose text could be mistaken for a sentinel. */
export function assertNoSentinel(value: unknown, what: string): void {
  if (JSON.stringify(value).includes(SENTINEL_OPEN)) throw new CwError('INVALID_INPUT', `${what} contains the text "${SENTINEL_OPEN}", which the exports reserve.`);
}
