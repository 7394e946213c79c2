// Neutron client: the VPNaaS resources that join two regions' tenant networks (IKE and IPsec policies,
// VPN services, endpoint groups, IPsec site connections) and the few network calls a VPN service stands on.
import * as z from 'zod';
import { CwError } from '../../../../common/errors.js';
import { ServiceClient } from './service.js';

// ---- the shapes this client relies on in neutron's replies (others' keys are dropped) ----
/** Neutron's ids are UUIDs; anything else is refused before it reaches a URL, a message or a plan. */
const nid = z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'expected an id');
const nname = z.string().max(255);
const word = z.string().max(255);

const lifetimeSchema = z.object({ units: word, value: z.number() });
export type Lifetime = z.output<typeof lifetimeSchema>;

const ikePolicySchema = z.object({ id: nid, name: nname, auth_algorithm: word, encryption_algorithm: word, phase1_negotiation_mode: word, ike_version: word, pfs: word, lifetime: lifetimeSchema });
export type IkePolicy = z.output<typeof ikePolicySchema>;

const ipsecPolicySchema = z.object({ id: nid, name: nname, transform_protocol: word, auth_algorithm: word, encryption_algorithm: word, encapsulation_mode: word, pfs: word, lifetime: lifetimeSchema });
export type IpsecPolicy = z.output<typeof ipsecPolicySchema>;

const vpnServiceSchema = z.object({ id: nid, name: nname, router_id: nid, subnet_id: nid.nullish(), status: word, external_v4_ip: word.nullish(), external_v6_ip: word.nullish() });
export type VpnService = z.output<typeof vpnServiceSchema>;

const endpointGroupSchema = z.object({ id: nid, name: nname, type: word, endpoints: z.array(word) });
export type EndpointGroup = z.output<typeof endpointGroupSchema>;

const siteConnectionSchema = z.object({
  id: nid,
  name: nname,
  vpnservice_id: nid,
  ikepolicy_id: nid,
  ipsecpolicy_id: nid,
  peer_address: word,
  peer_id: word,
  local_ep_group_id: nid.nullable(),
  peer_ep_group_id: nid.nullable(),
  mtu: z.number().int(),
  initiator: word,
  dpd: z.object({ action: word, interval: z.number(), timeout: z.number() }).optional(),
  admin_state_up: z.boolean().optional(),
  status: word,
  /** Never returned by this client's reads into logs; neutron returns it to admins. */
  psk: z.string().optional(),
});
export type IpsecSiteConnection = z.output<typeof siteConnectionSchema>;

const networkSchema = z.object({ id: nid, name: nname, 'router:external': z.boolean().optional(), subnets: z.array(nid) });
export type Network = z.output<typeof networkSchema>;
const subnetSchema = z.object({ id: nid, name: nname, network_id: nid, cidr: word, ip_version: z.union([z.literal(4), z.literal(6)]) });
export type Subnet = z.output<typeof subnetSchema>;
const routerSchema = z.object({
  id: nid,
  name: nname,
  external_gateway_info: z.object({ network_id: nid, external_fixed_ips: z.array(z.object({ subnet_id: nid, ip_address: word })).optional() }).nullable(),
});
export type Router = z.output<typeof routerSchema>;

/** The VPNaaS collections: path under /v2.0/vpn and the JSON key of one item. */
const vpn = {
  ikepolicies: 'ikepolicy',
  ipsecpolicies: 'ipsecpolicy',
  vpnservices: 'vpnservice',
  'endpoint-groups': 'endpoint_group',
  'ipsec-site-connections': 'ipsec_site_connection',
} as const;

type VpnCollection = keyof typeof vpn;
const vpnSchemas = {
  ikepolicies: ikePolicySchema,
  ipsecpolicies: ipsecPolicySchema,
  vpnservices: vpnServiceSchema,
  'endpoint-groups': endpointGroupSchema,
  'ipsec-site-connections': siteConnectionSchema,
} as const;
type VpnTypes = { [C in VpnCollection]: z.output<(typeof vpnSchemas)[C]> };

/** What messages call one item of each collection. */
const vpnNoun: Record<VpnCollection, [article: string, noun: string]> = {
  ikepolicies: ['an', 'IKE policy'],
  ipsecpolicies: ['an', 'IPsec policy'],
  vpnservices: ['a', 'VPN service'],
  'endpoint-groups': ['an', 'endpoint group'],
  'ipsec-site-connections': ['an', 'IPsec site connection'],
};

/** The reply holding one item of a VPN collection (`{"ikepolicy": {…}}`). */
function oneOf<C extends VpnCollection>(collection: C) {
  return z.object({ [vpn[collection]]: vpnSchemas[collection] }).describe(vpnNoun[collection].join(' '));
}

/** The reply listing a VPN collection (`{"ikepolicies": […]}`). */
function listOf<C extends VpnCollection>(collection: C) {
  return z.object({ [collection.replace(/-/g, '_')]: z.array(vpnSchemas[collection]) }).describe(`${vpnNoun[collection].join(' ')} list`);
}

const replies = {
  extensions: z.object({ extensions: z.array(z.object({ alias: word })) }).describe('an extension list'),
  network: z.object({ network: networkSchema }).describe('a network'),
  subnet: z.object({ subnet: subnetSchema }).describe('a subnet'),
  router: z.object({ router: routerSchema }).describe('a router'),
};

export type CreateIpsecSiteConnection = Pick<IpsecSiteConnection, 'name' | 'vpnservice_id' | 'ikepolicy_id' | 'ipsecpolicy_id' | 'peer_address' | 'peer_id' | 'local_ep_group_id' | 'peer_ep_group_id'> &
  Partial<Pick<IpsecSiteConnection, 'mtu' | 'initiator' | 'dpd' | 'admin_state_up'>> & { psk: string };

export class NeutronClient extends ServiceClient {
  protected readonly serviceType = 'network';

  // ---- VPNaaS ----------------------------------------------------------------------------------

  async list<C extends VpnCollection>(collection: C, filter: Record<string, string> = {}): Promise<VpnTypes[C][]> {
    const key = collection.replace(/-/g, '_');
    const reply = await this.call('GET', `/v2.0/vpn/${collection}`, { query: filter, reply: listOf(collection) });
    return (reply.data as Record<string, VpnTypes[C][]>)[key]!;
  }

  async get<C extends VpnCollection>(collection: C, id: string): Promise<VpnTypes[C]> {
    const reply = await this.call('GET', `/v2.0/vpn/${collection}/${encodeURIComponent(id)}`, { reply: oneOf(collection) });
    return (reply.data as Record<string, VpnTypes[C]>)[vpn[collection]]!;
  }

  async create<C extends VpnCollection>(collection: C, body: C extends 'ipsec-site-connections' ? CreateIpsecSiteConnection : Partial<VpnTypes[C]>): Promise<VpnTypes[C]> {
    if (collection === 'ipsec-site-connections') this.keystone.http.addSecret((body as CreateIpsecSiteConnection).psk);
    const reply = await this.call('POST', `/v2.0/vpn/${collection}`, { json: { [vpn[collection]]: body }, expect: [201], reply: oneOf(collection) });
    return (reply.data as Record<string, VpnTypes[C]>)[vpn[collection]]!;
  }

  async update<C extends VpnCollection>(collection: C, id: string, body: Partial<VpnTypes[C]>): Promise<VpnTypes[C]> {
    const reply = await this.call('PUT', `/v2.0/vpn/${collection}/${encodeURIComponent(id)}`, { json: { [vpn[collection]]: body }, reply: oneOf(collection) });
    return (reply.data as Record<string, VpnTypes[C]>)[vpn[collection]]!;
  }

  async delete(collection: VpnCollection, id: string): Promise<void> {
    await this.call('DELETE', `/v2.0/vpn/${collection}/${encodeURIComponent(id)}`, { expect: [204, 404] });
  }

  /** The VPNaaS extensions the server offers (`vpnaas`, `vpn-endpoint-groups`, …). */
  async vpnExtensions(): Promise<string[]> {
    const ext = (await this.call('GET', '/v2.0/extensions', { reply: replies.extensions })).data.extensions.map((e) => e.alias);
    return ext.filter((a) => a.startsWith('vpn'));
  }

  /** A GET under /v2.0 as neutron answered it, unparsed: the caller checks its shape (for replies read as hostile). */
  async read(path: `/v2.0/${string}`, query: Record<string, string> = {}): Promise<unknown> {
    return (await this.call('GET', path, { query })).data;
  }

  // ---- the networks a VPN service stands on ----------------------------------------------------

  async createNetwork(body: { name: string; 'router:external'?: boolean; 'provider:network_type'?: string; 'provider:physical_network'?: string }): Promise<Network> {
    return (await this.call('POST', '/v2.0/networks', { json: { network: body }, expect: [201], reply: replies.network })).data.network;
  }

  async createSubnet(body: { network_id: string; cidr: string; ip_version: 4 | 6; name?: string; enable_dhcp?: boolean; gateway_ip?: string | null }): Promise<Subnet> {
    return (await this.call('POST', '/v2.0/subnets', { json: { subnet: body }, expect: [201], reply: replies.subnet })).data.subnet;
  }

  async createRouter(body: { name: string; external_gateway_info?: { network_id: string } }): Promise<Router> {
    return (await this.call('POST', '/v2.0/routers', { json: { router: body }, expect: [201], reply: replies.router })).data.router;
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
