// The vsan section of the workspace: stretched clusters with vCenter, two data sites and a witness host
// outside the cluster, and what the wizard needs to build one (datacenter, isolation addresses, the ESXi
// root login by secret id, pinned certificate thumbprints). Imports only the workspace base.
import * as z from 'zod';
import { hostValue, ipAddressSchema, nameSchema, secretIdSchema } from '../../workspace/base.js';
import { checkThumbprintText, checkVcenterEndpoint, checkVcenterUser, checkVsphereName } from './names.js';

export const vsanDataSiteSchema = z.strictObject({
  site: nameSchema,
  hosts: z.array(nameSchema),
  /** The address vSphere HA pings to tell isolation from a site failure (das.isolationaddressN): one per site. */
  isolationAddress: ipAddressSchema.optional(),
});

const thumbprintSchema = hostValue(checkThumbprintText);

export const vsanClusterSchema = z.strictObject({
  /** The vSphere cluster's inventory name. */
  name: hostValue(checkVsphereName),
  /** The vCenter datacenter the cluster and the witness go into. */
  datacenter: hostValue(checkVsphereName).optional(),
  vcenter: z.strictObject({
    /** host, host:port or https://host[:port]/path. */
    endpoint: hostValue(checkVcenterEndpoint),
    user: hostValue(checkVcenterUser).optional(),
    /** Secret id of the vCenter password in the secret store; never the password. */
    secretId: secretIdSchema.optional(),
    /** SHA-256 of vCenter's certificate, confirmed by the admin (AA:BB:…). */
    thumbprint: thumbprintSchema.optional(),
  }),
  /** The ESXi hosts' root login vCenter uses to add them: the password by secret id. */
  esxi: z.strictObject({ user: hostValue(checkVcenterUser).optional(), passwordSecret: secretIdSchema.optional() }).optional(),
  preferredSite: vsanDataSiteSchema,
  secondarySite: vsanDataSiteSchema,
  witness: z.strictObject({ host: nameSchema, site: nameSchema }),
  dataNetwork: nameSchema.optional(),
  witnessNetwork: nameSchema.optional(),
  /** Where vMotion traffic goes (default: the data network). */
  vmotionNetwork: nameSchema.optional(),
  /** Certificate thumbprints of the ESXi hosts (and witness) as vCenter reports them, confirmed by the admin. */
  hostThumbprints: z.record(nameSchema, thumbprintSchema).optional(),
  /** Flash for cache and capacity (allFlash) or flash cache and magnetic capacity (hybrid). */
  diskType: z.enum(['allFlash', 'hybrid']).optional(),
});

export const vsanSectionSchema = z.strictObject({ clusters: z.array(vsanClusterSchema).default([]) });

export type VsanSection = z.output<typeof vsanSectionSchema>;
export type VsanCluster = z.output<typeof vsanClusterSchema>;
