// ~/.ssh/config through the `ssh-config` parser: Host patterns, HostName, User, Port, IdentityFile,
// ProxyJump (multi-hop, resolved recursively) and Include (which the parser leaves to us).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { SSHConfig } from 'ssh-config';
import { CwError } from '../../common/errors.js';

type SshConfigModule = typeof import('ssh-config');
let sshConfigModule: SshConfigModule | undefined;
/** The parser, loaded when there is a config to parse (most machines a CLI command runs on have none). */
function parser(): SshConfigModule {
  // The named exports: a default import resolves differently under Node's CommonJS interop in the bundle.
  return (sshConfigModule ??= createRequire(import.meta.url)('ssh-config') as SshConfigModule);
}

export interface SshConfigHost {
  alias: string;
  host: string;
  port: number;
  user?: string;
  identityFiles: string[];
  identitiesOnly: boolean;
  /** Jump specs exactly as ProxyJump lists them ("user@gw:2222"), first hop first. */
  proxyJump: string[];
}

export interface JumpSpec {
  user?: string;
  host: string;
  port?: number;
}

const MAX_INCLUDE_DEPTH = 16;

function directiveValue(value: string | { val: string }[]): string[] {
  return typeof value === 'string' ? [value] : value.map((v) => v.val);
}

function expandHome(file: string, home: string): string {
  if (file === '~') return home;
  if (file.startsWith('~/')) return path.join(home, file.slice(2));
  return file;
}

/** Glob with wildcards in the last path component only (what Include lines use in practice). */
function expandGlob(pattern: string): string[] {
  const dir = path.dirname(pattern);
  const base = path.basename(pattern);
  if (!/[*?]/.test(base)) return fs.existsSync(pattern) ? [pattern] : [];
  const regex = new RegExp('^' + base.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.') + '$');
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names.filter((n) => regex.test(n)).sort().map((n) => path.join(dir, n));
}

function parseWithIncludes(file: string, sshDir: string, home: string, depth: number): SSHConfig {
  if (depth > MAX_INCLUDE_DEPTH) throw new CwError('INVALID_INPUT', `${file}: Include nested more than ${MAX_INCLUDE_DEPTH} deep (a loop?); fix the Include lines.`);
  return expandIncludes(parser().SSHConfig.parse(fs.readFileSync(file, 'utf8')), sshDir, home, depth);
}

function expandIncludes(lines: SSHConfig, sshDir: string, home: string, depth: number): SSHConfig {
  const { LineType, SSHConfig: Config } = parser();
  const out = new Config();
  for (const line of lines) {
    if (line.type === LineType.DIRECTIVE && line.param.toLowerCase() === 'include') {
      for (const raw of directiveValue(line.value)) {
        const expanded = expandHome(raw, home);
        const absolute = path.isAbsolute(expanded) ? expanded : path.join(sshDir, expanded);
        for (const included of expandGlob(absolute)) out.push(...parseWithIncludes(included, sshDir, home, depth + 1));
      }
      continue;
    }
    if (line.type === LineType.DIRECTIVE && 'config' in line && line.config) {
      line.config = expandIncludes(line.config, sshDir, home, depth);
    }
    out.push(line);
  }
  return out;
}

/** Parses "user@host:port", "host", "[::1]:22", "ssh://user@host:port". */
export function parseJumpSpec(spec: string): JumpSpec {
  let rest = spec.trim().replace(/^ssh:\/\//, '');
  let user: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest);
  let host = rest;
  if (bracketed) {
    host = bracketed[1]!;
    if (bracketed[2]) port = Number(bracketed[2]);
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon > 0 && rest.indexOf(':') === colon) {
      host = rest.slice(0, colon);
      port = Number(rest.slice(colon + 1));
    }
  }
  if (!host || (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535))) {
    throw new CwError('INVALID_INPUT', `"${spec}" is not a jump host (expected user@host:port).`);
  }
  return { ...(user ? { user } : {}), host, ...(port ? { port } : {}) };
}

function substituteTokens(value: string, tokens: Record<string, string>): string {
  return value.replace(/%(.)/g, (whole, letter: string) => (letter === '%' ? '%' : (tokens[letter] ?? whole)));
}

export class SshConfigFile {
  private constructor(
    /** null: no config file (nothing applies). */
    private readonly config: SSHConfig | null,
    readonly file: string | null,
    private readonly home: string,
  ) {}

  /** Reads the file (and its Includes); a missing file is an empty config. */
  static load(file = path.join(os.homedir(), '.ssh', 'config'), home = os.homedir()): SshConfigFile {
    if (!fs.existsSync(file)) return new SshConfigFile(null, null, home);
    return new SshConfigFile(parseWithIncludes(file, path.dirname(file), home, 0), file, home);
  }

  static fromText(text: string, home = os.homedir(), sshDir = path.join(home, '.ssh')): SshConfigFile {
    return new SshConfigFile(expandIncludes(parser().SSHConfig.parse(text), sshDir, home, 0), null, home);
  }

  /** What the config says about one host name (first value wins, as in OpenSSH). */
  resolve(alias: string, localUser = os.userInfo().username): SshConfigHost {
    // Match exec is never run: a config file must not be a way to run commands in the app.
    const computed = (this.config?.compute(alias, { ignoreCase: true, matchExec: false }) ?? {}) as Record<string, string | string[] | undefined>;
    const single = (key: string): string | undefined => {
      const value = computed[key];
      return Array.isArray(value) ? value[0] : value;
    };
    const list = (key: string): string[] => {
      const value = computed[key];
      return value === undefined ? [] : Array.isArray(value) ? value : [value];
    };
    const hostName = substituteTokens(single('hostname') ?? alias, { h: alias });
    const portText = single('port');
    const port = portText === undefined ? 22 : Number(portText);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new CwError('INVALID_INPUT', `${this.file ?? 'ssh config'}: Port "${portText}" for host ${alias} is not a TCP port; fix that line.`);
    }
    const user = single('user');
    const tokens = { h: hostName, d: this.home, u: localUser, r: user ?? localUser, p: String(port), n: alias };
    const jumpText = single('proxyjump');
    return {
      alias,
      host: hostName,
      port,
      ...(user ? { user } : {}),
      identityFiles: list('identityfile').map((f) => expandHome(substituteTokens(f, tokens), this.home)),
      identitiesOnly: (single('identitiesonly') ?? 'no').toLowerCase() === 'yes',
      proxyJump: jumpText && jumpText.toLowerCase() !== 'none' ? jumpText.split(',').map((s) => s.trim()).filter(Boolean) : [],
    };
  }
}
