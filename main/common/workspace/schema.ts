// The workspace file's model (version 1) as zod schemas: sites, networks, nodes and the three
// stacks. Objects are strict so that misspelt keys are found; the parser reports them as warnings.
import { z } from 'zod';
import { isCidr } from './ip.js';
import { overlaysSchema } from '../overlay/schema.js';
import {
  checkEndpoint,
  checkIdentityFile,
  checkIpAddress,
  checkJumpSpec,
  checkLabel,
  checkPveClusterName,
  checkPveStorageId,
  checkPveTokenId,
  checkPveUserId,
  checkSecretId,
  checkSshHost,
  checkUserName,
  checkVcenterEndpoint,
  checkVcenterUser,
  checkVsphereName,
  hasControlCharacters,
  pveStorageTypes,
} from './names.js';

export const WORKSPACE_VERSION = 1;

/** Names that other parts of the file refer to (sites, nodes, networks, clusters, regions). */
export const nameSchema = z
  .string()
  .min(1, 'expected a non-empty name')
  .max(63, 'expected a name of at most 63 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'expected a name made of letters, digits, ".", "_" or "-", starting with a letter or digit');

/** The value as shown in a message: at most 40 characters, control characters escaped. */
function shown(value: string): string {
  const short = value.length > 40 ? `${value.slice(0, 40)}…` : value;
  return JSON.stringify(short).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
}

/**
 * A string that names something on a host, checked by that system's own rules (see names.ts): the error
 * says what is expected and what was found, and the parser adds the field path, line and column.
 */
export function hostValue(check: (value: string) => string | undefined) {
  return z.string().superRefine((value, ctx) => {
    const expected = check(value);
    if (expected) ctx.addIssue({ code: 'custom', message: `expected ${expected}, found ${shown(value)}` });
  });
}

/** Text that is only shown (titles): one line, no control characters. */
const titleText = (max: number) =>
  z
    .string()
    .min(1, 'expected a non-empty text')
    .max(max, `expected at most ${max} characters`)
    .refine((v) => !hasControlCharacters(v), 'expected one line of text without control characters');

export const ipAddressSchema = hostValue(checkIpAddress);
export const secretIdSchema = hostValue(checkSecretId);
export const cidrSchema = z.string().refine(isCidr, 'expected a CIDR prefix such as 10.0.0.0/24');

export const siteKinds = ['lan', 'man', 'wan', 'internet'] as const;
export const siteSchema = z.strictObject({
  name: nameSchema,
  /** How this site is reached from the others: same LAN, metro, WAN or over the Internet. */
  kind: z.enum(siteKinds),
  location: z.string().optional(),
  notes: z.string().optional(),
});

export const networkRoles = ['corosync', 'vsan', 'witness', 'management', 'vm-data', 'storage', 'migration'] as const;
export type NetworkRole = (typeof networkRoles)[number];
export const networkSchema = z.strictObject({
  name: nameSchema,
  /** What travels on it; more than one role means the traffic shares the network. */
  roles: z.array(z.enum(networkRoles)).min(1, 'expected at least one role'),
  cidr: cidrSchema.optional(),
  bandwidthGbps: z.number().positive('expected a bandwidth above 0 Gbps').optional(),
  vlan: z.number().int().min(1).max(4094).optional(),
  notes: z.string().optional(),
});

/** How to reach a node over SSH. Identities are referenced by file path or secret id, never inlined. */
export const sshTargetSchema = z.strictObject({
  /** An address, an RFC 1123 host name or a ~/.ssh/config alias. */
  host: hostValue(checkSshHost).optional(),
  port: z.number().int().min(1).max(65535).optional(),
  /** A POSIX user name. */
  user: hostValue(checkUserName).optional(),
  /** Absolute, or under the home folder (~/). */
  identityFile: hostValue(checkIdentityFile).optional(),
  identitySecret: secretIdSchema.optional(),
  /** Jump hosts in order: a node name of this workspace or [user@]host[:port]. */
  jump: z.array(hostValue(checkJumpSpec)).optional(),
});

export const nodeSchema = z.strictObject({
  name: nameSchema,
  site: nameSchema,
  /** Address of this node on each network, by network name. */
  addresses: z.record(nameSchema, ipAddressSchema).default({}),
  ssh: sshTargetSchema.optional(),
  /** Free labels shown on the node card (stack roles come from the stack sections). */
  labels: z.array(hostValue((v) => (v === '' ? 'a non-empty label' : checkLabel(v)))).optional(),
  notes: z.string().optional(),
});

export const corosyncLinkSchema = z.strictObject({
  /** knet link number, 0–7. */
  link: z.number().int().min(0).max(7),
  network: nameSchema,
  /** knet_link_priority: the highest priority link carries the traffic in passive mode. */
  priority: z.number().int().min(0).max(255).optional(),
});

export const proxmoxStorageSchema = z.strictObject({
  /** pve-storage-id. */
  id: hostValue(checkPveStorageId),
  /** A storage plugin type Proxmox VE knows. */
  type: z.enum(pveStorageTypes),
  /** Reachable from every node it is configured on with the same content (NFS, Ceph RBD, iSCSI…). */
  shared: z.boolean(),
  /** Nodes that have it; omitted means every member. */
  nodes: z.array(nameSchema).optional(),
});

export const proxmoxClusterSchema = z.strictObject({
  /** pvecm's cluster name (the pve-node format; at most 15 characters, checked by the proxmox.cluster-name rule). */
  name: hostValue(checkPveClusterName),
  nodes: z.array(nameSchema),
  /** Fixed corosync node ids, when the admin wants to pin them. */
  nodeIds: z.record(nameSchema, z.number().int().min(1)).optional(),
  /** Votes per node when not 1. */
  votes: z.record(nameSchema, z.number().int().min(0)).optional(),
  links: z.array(corosyncLinkSchema).min(1, 'expected at least one corosync link'),
  qdevice: z
    .strictObject({
      host: nameSchema,
      algorithm: z.enum(['ffsplit', 'lms']).default('ffsplit'),
    })
    .optional(),
  ha: z.strictObject({ enabled: z.boolean() }).optional(),
  migrationNetwork: nameSchema.optional(),
  /** How the app reaches the cluster's API for its inventory and migrations. Secrets by id only. */
  api: z
    .strictObject({
      /** host or host:port of any member's pveproxy; default: the first member's management address, port 8006. */
      endpoint: hostValue(checkEndpoint).optional(),
      /** `root@pam` with a password secret, or an API token `USER@REALM!NAME` with a token secret. */
      user: hostValue(checkPveUserId).default('root@pam'),
      passwordSecret: secretIdSchema.optional(),
      tokenId: hostValue(checkPveTokenId).optional(),
      tokenSecret: secretIdSchema.optional(),
      /** SHA-256 fingerprint (AA:BB:…) of the endpoint's certificate, confirmed by the admin. */
      fingerprint: z.string().regex(/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/, 'expected a SHA-256 fingerprint such as AB:CD:…').optional(),
    })
    .optional(),
  storages: z.array(proxmoxStorageSchema).optional(),
  /** The admin's explicit acceptance of corosync links above 10 ms, with the token timeout chosen. */
  wanTuning: z
    .strictObject({
      accepted: z.boolean(),
      acceptedAt: z.string().optional(),
      tokenMs: z.number().int().positive().optional(),
      note: z.string().optional(),
    })
    .optional(),
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
  /** Network the region's API endpoints are reached on (used to check reachability). */
  managementNetwork: nameSchema.optional(),
});

export const openstackInterconnectSchema = z.strictObject({
  between: z.tuple([nameSchema, nameSchema]),
  kind: z.enum(['vpn', 'routed']),
  network: nameSchema.optional(),
  notes: z.string().optional(),
});

export const vsanDataSiteSchema = z.strictObject({
  site: nameSchema,
  hosts: z.array(nameSchema),
});

export const vsanClusterSchema = z.strictObject({
  /** The vSphere cluster's inventory name. */
  name: hostValue(checkVsphereName),
  vcenter: z.strictObject({
    /** host, host:port or https://host[:port]/path. */
    endpoint: hostValue(checkVcenterEndpoint),
    user: hostValue(checkVcenterUser).optional(),
    /** Secret id of the vCenter password in the secret store; never the password. */
    secretId: secretIdSchema.optional(),
  }),
  preferredSite: vsanDataSiteSchema,
  secondarySite: vsanDataSiteSchema,
  witness: z.strictObject({ host: nameSchema, site: nameSchema }),
  dataNetwork: nameSchema.optional(),
  witnessNetwork: nameSchema.optional(),
});

export const positionSchema = z.strictObject({ x: z.number(), y: z.number() });

export const workspaceSchema = z.strictObject({
  version: z.literal(WORKSPACE_VERSION),
  name: titleText(200),
  description: z.string().optional(),
  sites: z.array(siteSchema).default([]),
  networks: z.array(networkSchema).default([]),
  nodes: z.array(nodeSchema).default([]),
  proxmox: z.strictObject({ clusters: z.array(proxmoxClusterSchema).default([]) }).optional(),
  openstack: z
    .strictObject({
      regions: z.array(openstackRegionSchema).default([]),
      interconnects: z.array(openstackInterconnectSchema).default([]),
    })
    .optional(),
  vsan: z.strictObject({ clusters: z.array(vsanClusterSchema).default([]) }).optional(),
  /** Encrypted WireGuard overlays between sites (or nodes) that meet over the Internet. */
  overlays: overlaysSchema.optional(),
  /** Canvas positions saved by the app. */
  layout: z
    .strictObject({
      nodes: z.record(z.string(), positionSchema).optional(),
      sites: z.record(z.string(), positionSchema).optional(),
    })
    .optional(),
});

export type Workspace = z.output<typeof workspaceSchema>;
export type WorkspaceInput = z.input<typeof workspaceSchema>;
export type Site = z.output<typeof siteSchema>;
export type Network = z.output<typeof networkSchema>;
export type WorkspaceNode = z.output<typeof nodeSchema>;
export type ProxmoxCluster = z.output<typeof proxmoxClusterSchema>;
export type CorosyncLink = z.output<typeof corosyncLinkSchema>;
export type OpenstackRegion = z.output<typeof openstackRegionSchema>;
export type VsanCluster = z.output<typeof vsanClusterSchema>;

/** Where a problem in the file is: line and column are 1-based. */
export const issueSchema = z.object({
  severity: z.enum(['error', 'warning']),
  /** yaml-syntax, schema, unknown-key, reference, version, duplicate */
  code: z.string(),
  message: z.string(),
  /** Field path such as nodes[2].site; "(root)" for the whole file. */
  path: z.string(),
  expected: z.string().optional(),
  line: z.number().int().optional(),
  column: z.number().int().optional(),
});
export type WorkspaceIssue = z.infer<typeof issueSchema>;
