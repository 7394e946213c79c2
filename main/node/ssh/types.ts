// The engine's vocabulary: how to log in (a discriminated union), one hop, a target reached
// through jump hosts, and the questions the engine may ask the admin.
export type SshAuthMethod =
  /** A private key from a file (~/.ssh/id_ed25519) or from the secret store; passphrase from a secret or asked. */
  | { kind: 'privateKey'; identityFile?: string; keySecretId?: string; passphraseSecretId?: string }
  /** ssh-agent at socketPath, or $SSH_AUTH_SOCK. */
  | { kind: 'agent'; socketPath?: string }
  /** A password from the secret store, or asked when no secret id is given. */
  | { kind: 'password'; secretId?: string }
  /** keyboard-interactive (PAM, 2FA): a single hidden prompt is answered from secretId if given; anything else is asked. */
  | { kind: 'keyboardInteractive'; secretId?: string };

export interface SshHop {
  /** The name the admin used (an ~/.ssh/config alias, a node name); for messages. */
  label: string;
  host: string;
  port: number;
  user: string;
  auth: SshAuthMethod[];
}

/** A destination and the jump hosts in front of it, first hop first. */
export interface SshTarget {
  destination: SshHop;
  jumps: SshHop[];
}

export type HostKeyDecision = 'pin' | 'once' | 'reject';

/** A key already trusted for a host, as shown to the admin (never the key itself). */
export interface KnownHostKey {
  keyType: string;
  fingerprint: string;
  /** "pinned by Clusterwright", "/root/.ssh/known_hosts:3", "the lab "three-sites"". */
  source: string;
}

export interface HostKeyQuestion {
  host: string;
  port: number;
  keyType: string;
  fingerprint: string;
  /** Key types already trusted for this host; non-empty means the host offers none of its known keys. */
  knownKeyTypes: string[];
  /** Those keys: the dialog warns that this host already has a different key. */
  knownKeys: KnownHostKey[];
  /** "destination", or "jump host 1 of 2"…: where in the chain this host sits. */
  position: string;
}

export type AuthPromptKind = 'password' | 'passphrase' | 'keyboardInteractive';

export interface AuthQuestion {
  kind: AuthPromptKind;
  host: string;
  port: number;
  user: string;
  /** For passphrases: the key file (never the key). */
  keyFile?: string;
  name?: string;
  instructions?: string;
  prompts: { text: string; echo: boolean }[];
}

/** Asks the admin; the service implements it with events and answer methods. */
export interface SshPrompter {
  confirmHostKey(question: HostKeyQuestion, signal: AbortSignal): Promise<HostKeyDecision>;
  /** Resolves with one answer per prompt; rejects (CANCELLED) when the admin declines. */
  askAuth(question: AuthQuestion, signal: AbortSignal): Promise<string[]>;
}

export type SshConnectionState = 'connecting' | 'connected' | 'retrying' | 'disconnected' | 'failed' | 'closed';

export interface SshStateChange {
  /** "root@pve2:22 via root@gw:22". */
  chain: string;
  host: string;
  port: number;
  user: string;
  state: SshConnectionState;
  attempt?: number;
  retryInMs?: number;
  error?: { code: string; message: string };
}

/** "host:port" as the admin types it for `clusterwright hostkeys forget` ([v6]:port for IPv6). */
export function hostPortName(host: string, port: number): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

export function hopName(hop: Pick<SshHop, 'host' | 'port' | 'user'>): string {
  const host = hop.host.includes(':') ? `[${hop.host}]` : hop.host;
  return `${hop.user}@${host}:${hop.port}`;
}

export function chainName(hops: SshHop[]): string {
  const last = hops[hops.length - 1];
  if (!last) return '(empty chain)';
  const via = hops.slice(0, -1).reverse().map(hopName);
  return via.length ? `${hopName(last)} via ${via.join(' via ')}` : hopName(last);
}
