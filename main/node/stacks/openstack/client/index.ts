// One cloud's clients: a shared transport (pins, pool, redaction), the Keystone session, and per-region
// service clients that resolve their endpoints from the token's catalog.
import { OpenstackHttp, type HttpOptions } from './http.js';
import { KeystoneClient, type EndpointInterface, type KeystoneCredentials } from './keystone.js';
import { GlanceClient } from './glance.js';
import { NeutronClient } from './neutron.js';
import { NovaClient } from './nova.js';
import { PlacementClient } from './placement.js';

export interface CloudOptions extends HttpOptions {
  authUrl: string;
  credentials: KeystoneCredentials;
  /** Endpoint interface the service clients use (public unless the app runs inside the cloud's network). */
  interface?: EndpointInterface;
}

export interface Cloud {
  http: OpenstackHttp;
  keystone: KeystoneClient;
  nova(region: string): NovaClient;
  placement(region: string): PlacementClient;
  neutron(region: string): NeutronClient;
  glance(region: string): GlanceClient;
  close(): Promise<void>;
}

export function connectCloud(options: CloudOptions): Cloud {
  const http = new OpenstackHttp(options);
  const keystone = new KeystoneClient({ authUrl: options.authUrl, credentials: options.credentials, http });
  const per = { keystone, interface: options.interface };
  return {
    http,
    keystone,
    nova: (region) => new NovaClient({ ...per, region }),
    placement: (region) => new PlacementClient({ ...per, region }),
    neutron: (region) => new NeutronClient({ ...per, region }),
    glance: (region) => new GlanceClient({ ...per, region }),
    close: () => http.close(),
  };
}

export { OpenstackHttp, KeystoneClient, NovaClient, PlacementClient, NeutronClient, GlanceClient };
