// The vsan section of the workspace: stretched clusters with vCenter, two data sites and a witness host
// outside the cluster. Imports only the workspace base.
import { z } from 'zod';
import { hostValue, nameSchema, secretIdSchema } from '../../workspace/base.js';
import { checkVcenterEndpoint, checkVcenterUser, checkVsphereName } from './names.js';

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

export const vsanSectionSchema = z.strictObject({ clusters: z.array(vsanClusterSchema).default([]) });

export type VsanSection = z.output<typeof vsanSectionSchema>;
export type VsanCluster = z.output<typeof vsanClusterSchema>;
