// The API of a workspace's Proxmox cluster: endpoint, pinned fingerprint and credentials (secret ids looked
// up at the moment of use) from proxmox.clusters[].api, one cached client per cluster, errors naming the field to fix.
import { CwError, isCwError } from '../../../common/errors.js';
import type { ProxmoxCluster } from '../../../common/stacks/proxmox/schema.js';
import type { Workspace } from '../../../common/workspace/schema.js';
import type { SecretStore } from '../../secrets/store.js';
import type { PveApiSchema } from './api-schema.js';
import { PveClient, type PveCredentials, type PveEndpoint } from './client.js';

export interface ProxmoxApiOptions {
  /** Where `api.passwordSecret` / `api.tokenSecret` ids are looked up, at the moment of use. */
  secrets: Pick<SecretStore, 'get'>;
  /** The official API schema: when given, every request is validated before it is sent, and every reply on arrival. */
  schema?: PveApiSchema;
  /** Request lines (method, path, status, ms) — never parameters, never secrets. */
  log?: (line: string) => void;
}

/** A workspace cluster's API: where it is, how to log in, and the cache key of its client. */
export interface ClusterApi {
  cluster: ProxmoxCluster;
  index: number;
  /** `proxmox.clusters[N].api` for messages. */
  field: string;
  endpoint: PveEndpoint & { port: number };
  credentials: PveCredentials;
  key: string;
}

/** `host`, `host:port` or `[v6]:port`. */
export function parseEndpoint(text: string): { host: string; port: number } {
  const v6 = /^\[([^\]]+)\](?::(\d+))?$/.exec(text);
  if (v6) return { host: v6[1]!, port: v6[2] ? Number(v6[2]) : 8006 };
  const m = /^([^:]+):(\d+)$/.exec(text);
  if (m) return { host: m[1]!, port: Number(m[2]) };
  return { host: text, port: 8006 };
}

export interface ProxmoxApi {
  /** The cluster's API settings from the workspace; a clear error naming the field when one is missing. */
  resolve(workspace: Workspace, name: string): ClusterApi;
  /** The cached client for these settings (a changed endpoint, fingerprint or credential makes a new one). */
  client(api: ClusterApi): PveClient;
  /** Runs work and adds the cluster and the field to fix to what the client reports. */
  inContext<T>(api: ClusterApi, work: () => Promise<T>): Promise<T>;
}

/** One per core: the inventory and the proxmox.* methods share its clients (and their login tickets). */
export function createProxmoxApi(options: ProxmoxApiOptions): ProxmoxApi {
  const clients = new Map<string, PveClient>();

  const resolveApi = (workspace: Workspace, name: string): ClusterApi => {
    const list = workspace.proxmox?.clusters ?? [];
    const index = list.findIndex((c) => c.name === name);
    const cluster = list[index];
    const field = `proxmox.clusters[${index}].api`;
    if (!cluster?.api) throw new CwError('NOT_FOUND', `The workspace has no Proxmox cluster '${name}' with an api block: add proxmox.clusters[].api (endpoint, user, passwordSecret) for it.`);
    const api = cluster.api;
    let endpoint: { host: string; port: number };
    if (api.endpoint) {
      endpoint = parseEndpoint(api.endpoint);
    } else {
      const first = workspace.nodes.find((n) => n.name === cluster.nodes[0]);
      const address = first ? Object.values(first.addresses)[0] : undefined;
      if (!address) throw new CwError('INVALID_INPUT', `Proxmox cluster '${name}': no API endpoint is set and its first member ${cluster.nodes[0] ?? '(none)'} has no address in the workspace. Set ${field}.endpoint to host:port of any member's pveproxy.`);
      endpoint = { host: address, port: 8006 };
    }
    const secretSource = (id: string, which: string) => async (): Promise<string> => {
      try {
        return await options.secrets.get(id);
      } catch (err) {
        // A locked store is not a missing secret: the app answers SECRETS_LOCKED with its unlock dialog.
        if (isCwError(err) && err.code === 'SECRETS_LOCKED') throw err;
        const what = which === 'passwordSecret' ? `${api.user}'s password` : "the API token's secret";
        const again = which === 'passwordSecret' && api.user === 'root@pam' ? "Store root@pam's password again (New Proxmox cluster → Cluster API)." : 'Store it again, and name the new secret in the workspace file.';
        throw new CwError('NOT_FOUND', `Proxmox cluster '${name}': ${what} (secret '${id}') is no longer in the secret store. ${again}`, { cluster: name, field: `${field}.${which}`, cause: isCwError(err) ? err.code : undefined });
      }
    };
    let credentials: PveCredentials;
    let credKey: string;
    if (api.tokenId || api.tokenSecret) {
      if (!api.tokenId || !api.tokenSecret) throw new CwError('INVALID_INPUT', `Proxmox cluster '${name}': an API token needs both ${field}.tokenId (USER@REALM!NAME) and ${field}.tokenSecret (the id of its secret in the secret store).`);
      credentials = { kind: 'token', tokenId: api.tokenId, secret: secretSource(api.tokenSecret, 'tokenSecret') };
      credKey = `token:${api.tokenId}:${api.tokenSecret}`;
    } else if (api.passwordSecret) {
      credentials = { kind: 'password', username: api.user, password: secretSource(api.passwordSecret, 'passwordSecret') };
      credKey = `password:${api.user}:${api.passwordSecret}`;
    } else {
      throw new CwError(
        'INVALID_INPUT',
        `Proxmox cluster '${name}' has no API credentials: store ${api.user}'s password (New Proxmox cluster → Cluster API), or give the workspace an API token's id and secret.`,
        { cluster: name, field: `${field}.passwordSecret` },
      );
    }
    const fingerprint = api.fingerprint;
    return {
      cluster,
      index,
      field,
      endpoint: { ...endpoint, ...(fingerprint ? { fingerprint } : {}) },
      credentials,
      key: `${name}|${endpoint.host}:${endpoint.port}|${fingerprint ?? '-'}|${credKey}`,
    };
  };

  const clientFor = (api: ClusterApi): PveClient => {
    let client = clients.get(api.key);
    if (!client) {
      // A changed endpoint, fingerprint or credential makes a new key: drop the cluster's old client.
      for (const k of [...clients.keys()]) if (k.startsWith(`${api.cluster.name}|`)) clients.delete(k);
      client = new PveClient({ endpoint: api.endpoint, credentials: api.credentials, ...(options.schema ? { schema: options.schema, validateResponses: true } : {}), ...(options.log ? { log: options.log } : {}) });
      clients.set(api.key, client);
    }
    return client;
  };

  /** Adds the cluster and the field to fix to what the client reports; an unknown certificate keeps its fingerprint in detail. */
  const inContext = async <T>(api: ClusterApi, work: () => Promise<T>): Promise<T> => {
    try {
      return await work();
    } catch (err) {
      if (!isCwError(err)) throw err;
      if (err.message.startsWith(`Proxmox cluster '${api.cluster.name}'`)) throw err;
      const detail = typeof err.detail === 'object' && err.detail ? (err.detail as Record<string, unknown>) : {};
      let next = '';
      if (err.code === 'HOST_KEY_UNKNOWN') next = ` Once confirmed, put it into ${api.field}.fingerprint.`;
      else if (err.code === 'HOST_KEY_CHANGED') next = ` If the change is expected, put the new fingerprint into ${api.field}.fingerprint.`;
      else if (err.code === 'AUTH_FAILED') next = ` The credentials come from ${api.field} (${api.credentials.kind === 'token' ? 'tokenId/tokenSecret' : 'user/passwordSecret'}).`;
      throw new CwError(err.code, `Proxmox cluster '${api.cluster.name}': ${err.message}${next}`, { ...detail, cluster: api.cluster.name, ...(err.code.startsWith('HOST_KEY') ? { field: `${api.field}.fingerprint` } : {}) });
    }
  };

  return { resolve: resolveApi, client: clientFor, inContext };
}
