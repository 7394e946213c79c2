// Neutron client: the VPNaaS resources that join two regions' tenant networks (IKE and IPsec policies,
// VPN services, endpoint groups, IPsec site connections) and the few network calls a VPN service stands on.
import { CwError } from '../../../../common/errors.js';
import { ServiceClient } from './service.js';

export interface Lifetime {
  units: 'seconds' | 'kilobytes';
  value: number;
}

export interface IkePolicy {
  id: string;
  name: string;
  auth_algorithm: string;
  encryption_algorithm: string;
  phase1_negotiation_mode: string;
  ike_version: 'v1' | 'v2';
  pfs: string;
  lifetime: Lifetime;
}

export interface IpsecPolicy {
  id: string;
  name: string;
  transform_protocol: 'esp' | 'ah' | 'ah-esp';
  auth_algorithm: string;
  encryption_algorithm: string;
  encapsulation_mode: 'tunnel' | 'transport';
  pfs: string;
  lifetime: Lifetime;
}

export interface VpnService {
  id: string;
  name: string;
  router_id: string;
  subnet_id: string | null;
  status: string;
  external_v4_ip: string | null;
  external_v6_ip: string | null;
}

export interface EndpointGroup {
  id: string;
  name: string;
  type: 'subnet' | 'cidr' | 'router' | 'network' | 'vlan';
  endpoints: string[];
}

export interface IpsecSiteConnection {
  id: string;
  name: string;
  vpnservice_id: string;
  ikepolicy_id: string;
  ipsecpolicy_id: string;
  peer_address: string;
  peer_id: string;
  local_ep_group_id: string | null;
  peer_ep_group_id: string | null;
  mtu: number;
  initiator: 'bi-directional' | 'response-only';
  dpd: { action: string; interval: number; timeout: number };
  admin_state_up: boolean;
  status: string;
  /** Never returned by this client's reads into logs; neutron returns it to admins. */
  psk?: string;
}

export interface Network {
  id: string;
  name: string;
  'router:external'?: boolean;
  subnets: string[];
}
export interface Subnet {
  id: string;
  name: string;
  network_id: string;
  cidr: string;
  ip_version: 4 | 6;
}
export interface Router {
  id: string;
  name: string;
  external_gateway_info: { network_id: string; external_fixed_ips?: { subnet_id: string; ip_address: string }[] } | null;
}

/** The VPNaaS collections: path under /v2.0/vpn and the JSON key of one item. */
const vpn = {
  ikepolicies: 'ikepolicy',
  ipsecpolicies: 'ipsecpolicy',
  vpnservices: 'vpnservice',
  'endpoint-groups': 'endpoint_group',
  'ipsec-site-connections': 'ipsec_site_connection',
} as const;

type VpnCollection = keyof typeof vpn;
interface VpnTypes {
  ikepolicies: IkePolicy;
  ipsecpolicies: IpsecPolicy;
  vpnservices: VpnService;
  'endpoint-groups': EndpointGroup;
  'ipsec-site-connections': IpsecSiteConnection;
}

export type CreateIpsecSiteConnection = Pick<IpsecSiteConnection, 'name' | 'vpnservice_id' | 'ikepolicy_id' | 'ipsecpolicy_id' | 'peer_address' | 'peer_id' | 'local_ep_group_id' | 'peer_ep_group_id'> &
  Partial<Pick<IpsecSiteConnection, 'mtu' | 'initiator' | 'dpd' | 'admin_state_up'>> & { psk: string };

export class NeutronClient extends ServiceClient {
  protected readonly serviceType = 'network';

  // ---- VPNaaS ----------------------------------------------------------------------------------

  async list<C extends VpnCollection>(collection: C, filter: Record<string, string> = {}): Promise<VpnTypes[C][]> {
    const key = collection.replace(/-/g, '_');
    return (await this.call<Record<string, VpnTypes[C][]>>('GET', `/v2.0/vpn/${collection}`, { query: filter })).data[key] ?? [];
  }

  async get<C extends VpnCollection>(collection: C, id: string): Promise<VpnTypes[C]> {
    return (await this.call<Record<string, VpnTypes[C]>>('GET', `/v2.0/vpn/${collection}/${encodeURIComponent(id)}`)).data[vpn[collection]]!;
  }

  async create<C extends VpnCollection>(collection: C, body: C extends 'ipsec-site-connections' ? CreateIpsecSiteConnection : Partial<VpnTypes[C]>): Promise<VpnTypes[C]> {
    if (collection === 'ipsec-site-connections') this.keystone.http.addSecret((body as CreateIpsecSiteConnection).psk);
    const reply = await this.call<Record<string, VpnTypes[C]>>('POST', `/v2.0/vpn/${collection}`, { json: { [vpn[collection]]: body }, expect: [201] });
    return reply.data[vpn[collection]]!;
  }

  async update<C extends VpnCollection>(collection: C, id: string, body: Partial<VpnTypes[C]>): Promise<VpnTypes[C]> {
    return (await this.call<Record<string, VpnTypes[C]>>('PUT', `/v2.0/vpn/${collection}/${encodeURIComponent(id)}`, { json: { [vpn[collection]]: body } })).data[vpn[collection]]!;
  }

  async delete(collection: VpnCollection, id: string): Promise<void> {
    await this.call('DELETE', `/v2.0/vpn/${collection}/${encodeURIComponent(id)}`, { expect: [204, 404] });
  }

  /** The VPNaaS extensions the server offers (`vpnaas`, `vpn-endpoint-groups`, …). */
  async vpnExtensions(): Promise<string[]> {
    const ext = (await this.call<{ extensions: { alias: string }[] }>('GET', '/v2.0/extensions')).data.extensions.map((e) => e.alias);
    return ext.filter((a) => a.startsWith('vpn'));
  }

  /** A GET under /v2.0 as neutron answered it, unparsed: the caller checks its shape (for replies read as hostile). */
  async read(path: `/v2.0/${string}`, query: Record<string, string> = {}): Promise<unknown> {
    return (await this.call<unknown>('GET', path, { query })).data;
  }

  // ---- the networks a VPN service stands on ----------------------------------------------------

  async createNetwork(body: { name: string; 'router:external'?: boolean; 'provider:network_type'?: string; 'provider:physical_network'?: string }): Promise<Network> {
    return (await this.call<{ network: Network }>('POST', '/v2.0/networks', { json: { network: body }, expect: [201] })).data.network;
  }

  async createSubnet(body: { network_id: string; cidr: string; ip_version: 4 | 6; name?: string; enable_dhcp?: boolean; gateway_ip?: string | null }): Promise<Subnet> {
    return (await this.call<{ subnet: Subnet }>('POST', '/v2.0/subnets', { json: { subnet: body }, expect: [201] })).data.subnet;
  }

  async createRouter(body: { name: string; external_gateway_info?: { network_id: string } }): Promise<Router> {
    return (await this.call<{ router: Router }>('POST', '/v2.0/routers', { json: { router: body }, expect: [201] })).data.router;
  }

  async addRouterInterface(routerId: string, subnetId: string): Promise<void> {
    await this.call('PUT', `/v2.0/routers/${encodeURIComponent(routerId)}/add_router_interface`, { json: { subnet_id: subnetId } });
  }

  async removeRouterInterface(routerId: string, subnetId: string): Promise<void> {
    await this.call('PUT', `/v2.0/routers/${encodeURIComponent(routerId)}/remove_router_interface`, { json: { subnet_id: subnetId }, expect: [200, 404] });
  }

  async deleteRouter(id: string): Promise<void> {
    await this.call('PUT', `/v2.0/routers/${encodeURIComponent(id)}`, { json: { router: { external_gateway_info: null } }, expect: [200, 404] });
    await this.call('DELETE', `/v2.0/routers/${encodeURIComponent(id)}`, { expect: [204, 404] });
  }

  async deleteNetwork(id: string): Promise<void> {
    await this.call('DELETE', `/v2.0/networks/${encodeURIComponent(id)}`, { expect: [204, 404] });
  }

  /** The router's external (gateway) IPv4 address: the peer address the other region's connection points at. */
  static gatewayAddress(router: Router): string {
    const ip = router.external_gateway_info?.external_fixed_ips?.find((f) => !f.ip_address.includes(':'))?.ip_address;
    if (!ip) throw new CwError('NOT_FOUND', `Router ${router.name} (${router.id}) has no external IPv4 address; set its gateway on the external network first.`);
    return ip;
  }
}
