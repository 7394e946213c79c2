// One vCenter session per endpoint and login, shared by the vsan.* methods, the inventory, the moves and
// the plan executor. The password is read from the secret store at the moment of login; vCenter's
// certificate must be pinned first.
import { CwError } from '../../../common/errors.js';
import type { SecretStore } from '../../secrets/store.js';
import { VsphereClient } from './client/client.js';
import type { VcenterAccess } from './workspace-spec.js';

export class VsanConnections {
  private readonly clients = new Map<string, Promise<VsphereClient>>();

  constructor(
    private readonly secrets: SecretStore,
    private readonly field: (access: VcenterAccess) => string = () => 'vsan.clusters[].vcenter',
    /** Sees each request body with secrets masked (conformance tests of the WSDL order). */
    private readonly onRequest?: (method: string, body: string) => void,
  ) {}

  /** A logged-in client for this vCenter (reused while it works). */
  async client(access: VcenterAccess, field = this.field(access)): Promise<VsphereClient> {
    if (!access.thumbprint) throw new CwError('INVALID_INPUT', `vCenter ${access.host}:${access.port}'s certificate is not pinned: read it (vsan.probeCertificate), compare it with vCenter's, and set ${field}.thumbprint.`, { field: `${field}.thumbprint` });
    if (!access.secretId) throw new CwError('INVALID_INPUT', `vCenter ${access.host}:${access.port} needs ${access.user}'s password: store it in the secret store and set ${field}.secretId to its id.`, { field: `${field}.secretId` });
    const key = `${access.host}\0${access.port}\0${access.user}\0${access.thumbprint}\0${access.secretId}`;
    let client = this.clients.get(key);
    if (!client) {
      const secretId = access.secretId;
      client = VsphereClient.connect({ endpoint: { host: access.host, port: access.port, thumbprint: access.thumbprint }, username: access.user, password: () => this.secrets.get(secretId), ...(this.onRequest ? { onRequest: this.onRequest } : {}) });
      this.clients.set(key, client);
      client.catch(() => this.clients.delete(key));
    }
    return client;
  }

  /** Forgets a client that failed in a way a new session may fix. */
  drop(access: VcenterAccess): void {
    for (const key of this.clients.keys()) if (key.startsWith(`${access.host}\0${access.port}\0`)) this.clients.delete(key);
  }

  async close(): Promise<void> {
    const all = [...this.clients.values()];
    this.clients.clear();
    for (const c of all) await c.then((x) => x.logout()).catch(() => undefined);
  }
}
