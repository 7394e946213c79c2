// One OpenStack cloud per workspace Keystone block: the clients (shared by the openstack.* methods, the
// inventory, the moves and their executor), with the password or application credential looked up in the
// secret store at the moment Keystone asks for it, and Keystone's certificate pinned when its URL is https.
import { CwError } from '../../../common/errors.js';
import type { OpenstackKeystone, OpenstackRegion } from '../../../common/stacks/openstack/schema.js';
import type { Workspace } from '../../../common/workspace/schema.js';
import type { SecretStore } from '../../secrets/store.js';
import { connectCloud, type Cloud } from './client/index.js';
import type { KeystoneCredentials } from './client/keystone.js';
import { normalizeFingerprint, originKey } from './client/tls.js';

export interface OpenstackClouds {
  /** The cloud of the workspace's Keystone block; INVALID_INPUT naming the field when there is none. */
  of(workspace: Workspace): Cloud;
  /** Credentials for a second, independent session (a fresh token for the catalog's verify). */
  fresh(workspace: Workspace): Cloud;
  close(): Promise<void>;
}

/** The workspace's region by name (INVALID_INPUT listing the regions when absent). */
export function regionOf(workspace: Workspace, name: string): { region: OpenstackRegion; index: number } {
  const regions = workspace.openstack?.regions ?? [];
  const index = regions.findIndex((r) => r.name === name);
  if (index < 0) throw new CwError('INVALID_INPUT', `The workspace has no OpenStack region "${name}" (regions: ${regions.map((r) => r.name).join(', ') || 'none'}).`);
  return { region: regions[index]!, index };
}

/** nova's compute host name of a workspace node in a region (the node's own name unless novaHosts says otherwise). */
export function novaHostOf(region: OpenstackRegion, node: string): string {
  return region.novaHosts?.[node] ?? node;
}

/** The workspace node a nova compute host is, in a region (undefined: a host the workspace does not list). */
export function nodeOfNovaHost(region: OpenstackRegion, host: string): string | undefined {
  const mapped = Object.entries(region.novaHosts ?? {}).find(([, h]) => h === host)?.[0];
  if (mapped) return mapped;
  return region.compute.includes(host) && !region.novaHosts?.[host] ? host : undefined;
}

/** The region whose compute nodes include `node`. */
export function computeRegionOf(workspace: Workspace, node: string): OpenstackRegion | undefined {
  return (workspace.openstack?.regions ?? []).find((r) => r.compute.includes(node));
}

function keystoneBlock(workspace: Workspace): OpenstackKeystone {
  const block = workspace.openstack?.keystone;
  if (!block) throw new CwError('INVALID_INPUT', 'The workspace has no openstack.keystone block: add authUrl (Keystone\'s /v3 URL), username, project and passwordSecret (the secret\'s id in the store) so the app can log in to the shared Keystone.', { field: 'openstack.keystone' });
  return block;
}

export function createOpenstackClouds(secrets: SecretStore, options: { timeoutMs?: number } = {}): OpenstackClouds {
  const open = new Map<string, Cloud>();
  const build = (block: OpenstackKeystone): Cloud => {
    const secret = (id: string) => () => secrets.get(id);
    const credentials: KeystoneCredentials =
      block.applicationCredentialId && block.applicationCredentialSecret
        ? { kind: 'application-credential', credential: { id: block.applicationCredentialId }, secret: secret(block.applicationCredentialSecret) }
        : {
            kind: 'password',
            user: { name: block.username, domain: { id: block.userDomain } },
            password: secret(block.passwordSecret!),
            scope: { project: { name: block.project, domain: { id: block.projectDomain } } },
          };
    const url = new URL(block.authUrl);
    if (url.protocol === 'https:' && !block.fingerprint) throw new CwError('INVALID_INPUT', `Keystone's URL ${block.authUrl} is https but openstack.keystone.fingerprint is not set: confirm the certificate's SHA-256 fingerprint first; the password is only sent to a pinned certificate.`, { field: 'openstack.keystone.fingerprint' });
    const pins = block.fingerprint ? { [originKey(url)]: normalizeFingerprint(block.fingerprint) } : {};
    return connectCloud({ authUrl: block.authUrl, credentials, pins, interface: block.interface, timeoutMs: options.timeoutMs ?? 30_000 });
  };
  return {
    of(workspace) {
      const block = keystoneBlock(workspace);
      const key = JSON.stringify(block);
      let cloud = open.get(key);
      if (!cloud) {
        cloud = build(block);
        open.set(key, cloud);
      }
      return cloud;
    },
    fresh: (workspace) => build(keystoneBlock(workspace)),
    async close() {
      const all = [...open.values()];
      open.clear();
      await Promise.all(all.map((c) => c.close().catch(() => undefined)));
    },
  };
}
