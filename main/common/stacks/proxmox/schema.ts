// The proxmox section of the workspace: clusters, their corosync links, QDevice, HA, storages, the API
// block the app uses for inventory and moves, and an accepted WAN layout. Imports only the workspace base.
import * as z from 'zod';
import { hostValue, nameSchema, secretIdSchema } from '../../workspace/base.js';
import { checkEndpoint } from '../../workspace/names.js';
import { checkPveClusterName, checkPveStorageId, checkPveTokenId, checkPveUserId, pveStorageTypes } from './names.js';

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

export const proxmoxSectionSchema = z.strictObject({ clusters: z.array(proxmoxClusterSchema).default([]) });

export type ProxmoxSection = z.output<typeof proxmoxSectionSchema>;
export type ProxmoxCluster = z.output<typeof proxmoxClusterSchema>;
export type CorosyncLink = z.output<typeof corosyncLinkSchema>;
