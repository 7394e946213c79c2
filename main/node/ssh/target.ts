// Turns what the admin typed (a host or ~/.ssh/config alias, optional user, port, auth, jump hosts)
// into a full SshTarget: config applied per hop, ProxyJump chains expanded, default auth filled in.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CwError } from '../../common/errors.js';
import { parseJumpSpec, type SshConfigFile } from './ssh-config.js';
import type { SshAuthMethod, SshHop, SshTarget } from './types.js';

export interface SshEndpointSpec {
  host: string;
  port?: number;
  user?: string;
  auth?: SshAuthMethod[];
}

export interface SshTargetSpec extends SshEndpointSpec {
  /** Jump hosts, first hop first; when absent, ~/.ssh/config's ProxyJump applies. */
  jumps?: SshEndpointSpec[];
}

export interface TargetResolveOptions {
  config: SshConfigFile | null;
  env?: NodeJS.ProcessEnv;
  home?: string;
  localUser?: string;
}

const MAX_CHAIN = 8;
const DEFAULT_IDENTITY_FILES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

/** OpenSSH's order: agent, identity files, then keyboard-interactive and password (asked when needed). */
export function defaultAuth(identityFiles: string[], identitiesOnly: boolean, env: NodeJS.ProcessEnv, home: string): SshAuthMethod[] {
  const methods: SshAuthMethod[] = [];
  if ((env.SSH_AUTH_SOCK || process.platform === 'win32') && !identitiesOnly) methods.push({ kind: 'agent' });
  const files = identityFiles.length ? identityFiles : DEFAULT_IDENTITY_FILES.map((name) => path.join(home, '.ssh', name));
  for (const file of files) if (fs.existsSync(file)) methods.push({ kind: 'privateKey', identityFile: file });
  methods.push({ kind: 'keyboardInteractive' }, { kind: 'password' });
  return methods;
}

export function resolveTarget(spec: SshTargetSpec, options: TargetResolveOptions): SshTarget {
  const env = options.env ?? process.env;
  const home = options.home ?? os.homedir();
  const localUser = options.localUser ?? os.userInfo().username;

  const hopFor = (endpoint: SshEndpointSpec): SshHop => {
    const fromConfig = options.config?.resolve(endpoint.host, localUser);
    const user = endpoint.user ?? fromConfig?.user ?? localUser;
    return {
      label: endpoint.host,
      host: fromConfig?.host ?? endpoint.host,
      port: endpoint.port ?? fromConfig?.port ?? 22,
      user,
      auth: endpoint.auth?.length ? endpoint.auth : defaultAuth(fromConfig?.identityFiles ?? [], fromConfig?.identitiesOnly ?? false, env, home),
    };
  };

  /** The chain to reach `alias` through its ProxyJump, as OpenSSH builds it: the first jump's own ProxyJump applies too. */
  const chainFor = (endpoint: SshEndpointSpec, depth: number): SshHop[] => {
    if (depth > MAX_CHAIN) {
      throw new CwError('INVALID_INPUT', `ProxyJump for ${endpoint.host} leads through more than ${MAX_CHAIN} hosts (a loop?); check ~/.ssh/config.`);
    }
    const jumpSpecs = options.config?.resolve(endpoint.host, localUser).proxyJump ?? [];
    return [...chainOfJumps(jumpSpecs.map(parseJumpSpec), depth + 1), hopFor(endpoint)];
  };

  const chainOfJumps = (jumps: SshEndpointSpec[], depth: number): SshHop[] => {
    const [first, ...rest] = jumps;
    if (!first) return [];
    return [...chainFor(first, depth), ...rest.map(hopFor)];
  };

  const hops = spec.jumps ? [...spec.jumps.map(hopFor), hopFor(spec)] : chainFor(spec, 0);
  if (hops.length > MAX_CHAIN + 1) throw new CwError('INVALID_INPUT', `A chain of ${hops.length - 1} jump hosts is more than the ${MAX_CHAIN} supported.`);
  const destination = hops[hops.length - 1]!;
  return { destination, jumps: hops.slice(0, -1) };
}
