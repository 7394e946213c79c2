// The vsan section of the workspace: stretched clusters with vCenter, two data sites and a witness host
// outside the cluster, and what the wizard needs to build one (datacenter, isolation addresses, the ESXi
// root login by secret id, pinned certificate thumbprints); and a cluster whose stretching was disabled
// (`stretched: false`: no witness, its hosts keep the two fault domains, or none once they were deleted:
// `faultDomains: false`). Imports only the workspace base.
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
  /** The preferred data site; once stretching is disabled, the first of the two fault domains (no preference any more). */
  preferredSite: vsanDataSiteSchema,
  /** The secondary data site; once stretching is disabled, the second of the two fault domains. */
  secondarySite: vsanDataSiteSchema,
  /**
   * False once stretching was disabled (day 2, VSANVcRemoveWitnessHost): a standard vSAN cluster whose hosts
   * keep the fault domains preferredSite and secondarySite name, as vSAN leaves them, with no witness and no
   * preferred site. Absent or true: a stretched cluster (every workspace written before this field).
   */
  stretched: z.boolean().optional(),
  /**
   * Only beside `stretched: false`. False once the two fault domains were deleted after stretching was disabled
   * (VMware's procedure: delete both in vCenter, then repair the objects): each host is then a fault domain of its
   * own, and preferredSite and secondarySite only say where the hosts stand. Absent or true: the hosts keep the
   * fault domains those two name, as vSAN leaves them. Stretching the cluster again makes them again.
   */
  faultDomains: z.boolean().optional(),
  /** The witness host at a third site, outside the cluster: required while the cluster is stretched, absent once it is not. */
  witness: z.strictObject({ host: nameSchema, site: nameSchema }).optional(),
  dataNetwork: nameSchema.optional(),
  witnessNetwork: nameSchema.optional(),
  /** Where vMotion traffic goes (default: the data network). */
  vmotionNetwork: nameSchema.optional(),
  /** Certificate thumbprints of the ESXi hosts (and witness) as vCenter reports them, confirmed by the admin. */
  hostThumbprints: z.record(nameSchema, thumbprintSchema).optional(),
  /** Flash for cache and capacity (allFlash) or flash cache and magnetic capacity (hybrid). */
  diskType: z.enum(['allFlash', 'hybrid']).optional(),
}).superRefine(
  (cluster, ctx) => {
    // Read as given: this also runs when another field failed, so a missing witness is reported with the rest, as before.
    const given = cluster as { stretched?: unknown; witness?: unknown; faultDomains?: unknown };
    if (typeof given.faultDomains === 'boolean' && given.stretched !== false) {
      ctx.addIssue({
        code: 'custom',
        path: ['faultDomains'],
        input: given.faultDomains,
        message: `faultDomains is only for a cluster that is not stretched (stretched: false): a stretched cluster's two data sites are its fault domains, and stretching a cluster again makes them again. Remove faultDomains${given.stretched === undefined ? ', or add stretched: false if stretching was disabled' : ''}`,
      });
    }
    if (given.stretched === false) {
      if (given.witness !== undefined) ctx.addIssue({ code: 'custom', path: ['witness'], input: given.witness, message: 'a cluster that is not stretched (stretched: false) has no witness: remove witness, or remove stretched (or set it to true) to stretch the cluster again with this witness' });
    } else if (given.witness === undefined) {
      // The issue zod raised for this required field before it became optional: the same message, path and place.
      ctx.addIssue({ code: 'invalid_type', expected: 'object', path: ['witness'], input: undefined, message: 'Invalid input: expected object, received undefined' });
    }
  },
  { when: (payload) => payload.value !== null && typeof payload.value === 'object' && !Array.isArray(payload.value) },
);

export const vsanSectionSchema = z.strictObject({ clusters: z.array(vsanClusterSchema).default([]) });

export type VsanSection = z.output<typeof vsanSectionSchema>;
export type VsanCluster = z.output<typeof vsanClusterSchema>;
