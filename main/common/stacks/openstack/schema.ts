// The openstack section of the workspace: regions with their node roles and the URLs their services
// answer on, the interconnects between regions, and how the app reaches the one Keystone all regions
// share (secrets by id only). Imports only the workspace base.
import * as z from 'zod';
import { nameSchema, secretIdSchema } from '../../workspace/base.js';

const urlPattern = /^(https?):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9]([A-Za-z0-9.-]{0,252}[A-Za-z0-9])?)(:(\d{1,5}))?(\/[A-Za-z0-9._~\/%!$&()*+,;=:@-]*)?$/;

/** An http(s) URL without credentials, query or fragment: what a catalog endpoint may hold (no URL parser here: main/common is pure). */
export function checkServiceUrl(value: string): string | undefined {
  const m = urlPattern.exec(value);
  if (!m) return 'an http:// or https:// URL with a host, an optional port and a path (no user, query or fragment)';
  if (m[5] !== undefined && (Number(m[5]) < 1 || Number(m[5]) > 65535)) return 'a port between 1 and 65535';
  return undefined;
}

const serviceUrl = z.string().superRefine((v, ctx) => {
  const problem = checkServiceUrl(v);
  if (problem) ctx.addIssue({ code: 'custom', message: `expected ${problem}` });
});

/** A Keystone user, project or domain name as the app sends it (no control characters). */
const keystoneName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'expected a name without control characters');

/** nova's compute host name (`OS-EXT-SRV-ATTR:host`): an RFC 1123 host name. */
export const novaHostSchema = z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/, 'expected a compute host name as nova reports it');

/** Where each of a region's services answers; what the shared catalog registers for the region. */
export const openstackRegionEndpointsSchema = z.strictObject({
  compute: serviceUrl.optional(),
  placement: serviceUrl.optional(),
  image: serviceUrl.optional(),
  network: serviceUrl.optional(),
  /** The identity endpoint listed in this region: the shared Keystone's URL (the Keystone region's own by default). */
  identity: serviceUrl.optional(),
});

export const openstackRegionSchema = z.strictObject({
  name: nameSchema,
  /** This region runs the Keystone identity service the other regions use. */
  keystone: z.boolean().default(false),
  controllers: z.array(nameSchema).default([]),
  networkNodes: z.array(nameSchema).default([]),
  compute: z.array(nameSchema).default([]),
  storage: z.array(nameSchema).default([]),
  /** The admin wants live migration between this region's compute nodes. */
  liveMigration: z.boolean().default(true),
  /** The node kolla-ansible runs on for this region (a workspace node the app reaches over SSH); the first controller when omitted. */
  deployHost: nameSchema.optional(),
  /** Network the region's API endpoints are reached on (used to check reachability). */
  managementNetwork: nameSchema.optional(),
  /** Workspace node → nova's compute host name, where they differ (default: the node's name). */
  novaHosts: z.record(nameSchema, novaHostSchema).optional(),
  /** The URLs of the region's services (public interface), for the shared catalog. */
  endpoints: openstackRegionEndpointsSchema.optional(),
});

/** A router, subnet or other neutron resource as the admin names it: its name in that region, or its id. */
export const neutronRefSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[^\u0000-\u001f\u007f]+$/, 'expected a neutron name or id without control characters');

/**
 * The IKE and IPsec choices neutron-vpnaas accepts in every release the app supports (neutron-lib's VPN
 * API definition: newer releases add GCM/CCM/CTR ciphers and more DH groups, older servers refuse them).
 */
export const vpnEncryptionAlgorithms = ['aes-128', 'aes-192', 'aes-256', '3des'] as const;
export const vpnAuthAlgorithms = ['sha256', 'sha384', 'sha512', 'sha1'] as const;
export const vpnPfsGroups = ['group14', 'group5', 'group2'] as const;
/** neutron-vpnaas takes lifetimes in seconds only; it refuses a negative value, the app also a uselessly short one. */
const lifetimeSeconds = z.number().int().min(60).max(86_400 * 7);

export const vpnIkeSchema = z.strictObject({
  version: z.enum(['v2', 'v1']).default('v2'),
  encryption: z.enum(vpnEncryptionAlgorithms).default('aes-256'),
  auth: z.enum(vpnAuthAlgorithms).default('sha256'),
  pfs: z.enum(vpnPfsGroups).default('group14'),
  lifetimeSeconds: lifetimeSeconds.default(3600),
});

export const vpnIpsecSchema = z.strictObject({
  encryption: z.enum(vpnEncryptionAlgorithms).default('aes-256'),
  auth: z.enum(vpnAuthAlgorithms).default('sha256'),
  pfs: z.enum(vpnPfsGroups).default('group14'),
  lifetimeSeconds: lifetimeSeconds.default(3600),
});

/** One region's end of a VPN interconnect: the router the VPN service runs on and the subnets whose traffic crosses. */
export const vpnSideSchema = z.strictObject({
  router: neutronRefSchema,
  subnets: z.array(neutronRefSchema).min(1, 'expected at least one subnet whose traffic crosses the VPN'),
});

/** What neutron's VPNaaS needs to join the two regions: per region its router and subnets, the pre-shared key by secret id. */
export const vpnInterconnectSchema = z.strictObject({
  /** Region name → its end (both regions of `between`). */
  sides: z.record(nameSchema, vpnSideSchema),
  /** The pre-shared key's id in the secret store (never the key itself). */
  pskSecret: secretIdSchema,
  ike: vpnIkeSchema.default({ version: 'v2', encryption: 'aes-256', auth: 'sha256', pfs: 'group14', lifetimeSeconds: 3600 }),
  ipsec: vpnIpsecSchema.default({ encryption: 'aes-256', auth: 'sha256', pfs: 'group14', lifetimeSeconds: 3600 }),
  /** The connections' MTU (neutron's default 1500; IPv4 needs at least 68). */
  mtu: z.number().int().min(68).max(9216).optional(),
});

export const openstackInterconnectSchema = z.strictObject({
  between: z.tuple([nameSchema, nameSchema]),
  kind: z.enum(['vpn', 'routed']),
  network: nameSchema.optional(),
  notes: z.string().optional(),
  /** kind "vpn" only: what the app needs to create the IPsec site connections both ways. */
  vpn: vpnInterconnectSchema.optional(),
});

/** How the app reaches the shared Keystone: a password or an application credential, both by secret id. */
export const openstackKeystoneSchema = z
  .strictObject({
    /** Keystone's v3 URL (`http://10.0.1.10:5000/v3`). */
    authUrl: serviceUrl,
    username: keystoneName.default('admin'),
    userDomain: keystoneName.default('default'),
    project: keystoneName.default('admin'),
    projectDomain: keystoneName.default('default'),
    passwordSecret: secretIdSchema.optional(),
    /** An application credential instead of a password: its id and the secret's id in the store. */
    applicationCredentialId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'expected an application credential id').optional(),
    applicationCredentialSecret: secretIdSchema.optional(),
    /** SHA-256 fingerprint (AA:BB:…) of Keystone's certificate when the URL is https. */
    fingerprint: z.string().regex(/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/, 'expected a SHA-256 fingerprint such as AB:CD:…').optional(),
    /** Endpoint interface the app uses (public unless it runs inside the cloud's network). */
    interface: z.enum(['public', 'internal']).default('public'),
  })
  .refine((k) => k.passwordSecret !== undefined || (k.applicationCredentialId !== undefined && k.applicationCredentialSecret !== undefined), {
    message: 'expected passwordSecret, or applicationCredentialId with applicationCredentialSecret',
  });

export const openstackSectionSchema = z.strictObject({
  regions: z.array(openstackRegionSchema).default([]),
  interconnects: z.array(openstackInterconnectSchema).default([]),
  /** The shared Keystone the app logs in to (the catalog, inventory and moves need it). */
  keystone: openstackKeystoneSchema.optional(),
});

export type OpenstackSection = z.output<typeof openstackSectionSchema>;
export type OpenstackRegion = z.output<typeof openstackRegionSchema>;
export type OpenstackKeystone = z.output<typeof openstackKeystoneSchema>;
export type OpenstackInterconnect = z.output<typeof openstackInterconnectSchema>;
export type VpnInterconnect = z.output<typeof vpnInterconnectSchema>;
