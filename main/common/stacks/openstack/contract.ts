// Contract of the OpenStack stack: the wizard's region plan (Kolla-Ansible files per region, as data), the
// shared catalog's registration as an engine plan and its verify, a region's compute services and
// hypervisors, and what a server move chooses and learns (its member of the migration union).
import * as z from 'zod';
import { defineMethod } from '../../contract/define.js';
import { planSchema } from '../../plan/schema.js';

const regionName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a region name: letters, digits, ".", "_" or "-"');

/** What the wizard asks per region that the workspace does not say (Kolla's VIP, interfaces…). */
export const kollaRegionChoicesSchema = z
  .object({
    internalVip: z.string().min(1),
    internalFqdn: z.string().min(1).optional(),
    externalVip: z.string().min(1).optional(),
    externalFqdn: z.string().min(1).optional(),
    networkInterface: z.string().min(1),
    externalInterface: z.string().min(1),
    vpnaas: z.boolean().optional(),
    keepalivedVirtualRouterId: z.number().int().optional(),
    tlsInternal: z.boolean().optional(),
    tlsExternal: z.boolean().optional(),
    heat: z.boolean().optional(),
    cinderBackend: z.enum(['lvm', 'nfs']).optional(),
  })
  .strict();

export const kollaRegionFilesSchema = z.object({
  region: z.string(),
  keystone: z.boolean(),
  globalsYml: z.string(),
  multinode: z.string(),
  overrides: z.record(z.string(), z.string()),
  globalsKeys: z.array(z.string()),
  sharedPasswords: z.array(z.string()),
});

/** What openstack.planRegions returns: the files (text, shown as data, never run), what blocks them, and what the layout means. */
export const openstackRegionPlanSchema = z.object({
  release: z.object({ series: z.string(), tag: z.string(), commit: z.string() }),
  keystoneRegion: z.string().optional(),
  files: z.array(kollaRegionFilesSchema),
  /** Problems by path (workspace or choices); no files while any stands. */
  issues: z.array(z.object({ path: z.string(), message: z.string() })),
  /** Measured round trips between regions and what they mean for the one Keystone. */
  wan: z.array(z.object({ a: z.string(), b: z.string(), rttMs: z.number().optional(), meaning: z.string() })),
  notes: z.array(z.string()),
});
export type OpenstackRegionPlanView = z.infer<typeof openstackRegionPlanSchema>;

export const openstackRegistrationSchema = z.object({ region: z.string(), type: z.string(), name: z.string(), url: z.string() });

export const openstackCatalogSchema = z.object({
  /** Regions a fresh token's catalog lists. */
  regions: z.array(z.string()),
  /** The workspace's regions, and those the catalog does not list yet. */
  workspaceRegions: z.array(z.string()),
  missing: z.array(z.string()),
  endpoints: z.array(z.object({ type: z.string(), region: z.string(), interface: z.string(), url: z.string() })),
});
export type OpenstackCatalogView = z.infer<typeof openstackCatalogSchema>;

export const openstackRegionStatusSchema = z.object({
  region: z.string(),
  microversion: z.object({ min: z.string(), max: z.string() }),
  computeServices: z.array(z.object({ host: z.string(), node: z.string().optional(), state: z.string(), status: z.string(), forcedDown: z.boolean() })),
  hypervisors: z.array(z.object({ hostname: z.string(), state: z.string().optional(), status: z.string().optional() })),
  /** Every compute node of the region's workspace section has an up and enabled nova-compute. */
  allUp: z.boolean(),
});

/** What the region plan and the deploy are generated from: the release and the admin's choices per region. */
export const kollaChoicesSchema = z
  .object({
    release: z.enum(['2026.1', '2025.1']).default('2026.1'),
    sshUser: z.string().optional(),
    configDir: z.string().optional(),
    regions: z.record(regionName, kollaRegionChoicesSchema),
  })
  .strict();

/** What openstack.deployPlan returns: the plan (secrets by id only) and, per region, where it runs and which files it writes. */
export const openstackDeployPlanSchema = z.object({
  plan: planSchema,
  regions: z.array(z.object({ region: z.string(), keystone: z.boolean(), deployHost: z.string(), address: z.string(), files: z.array(z.string()) })),
  notes: z.array(z.string()),
});

/** One interconnect in the VPN plan: planned (its steps are in the plan) or why not. */
export const openstackVpnInterconnectSchema = z.object({
  index: z.number().int(),
  between: z.tuple([z.string(), z.string()]),
  planned: z.boolean(),
  reason: z.string().optional(),
  connections: z.array(z.object({ region: z.string(), peerRegion: z.string(), name: z.string(), router: z.string() })),
});

export const openstackVpnPlanSchema = z.object({ plan: planSchema, interconnects: z.array(openstackVpnInterconnectSchema), notes: z.array(z.string()) });

export const openstackMethods = {
  /** The region plan: per region Kolla-Ansible's globals.yml, multinode and overrides from the workspace and these choices. Pure: nothing is written anywhere. */
  'openstack.planRegions': defineMethod(kollaChoicesSchema, openstackRegionPlanSchema),
  /** The deploy of those files over SSH as an engine plan: per region on its deploy host, the Keystone region first (files, passwords, bootstrap-servers, prechecks, deploy, post-deploy). */
  'openstack.deployPlan': defineMethod(kollaChoicesSchema, openstackDeployPlanSchema),
  /** The plan that registers every workspace region and its endpoints in the shared Keystone (never touching other regions' endpoints), then checks a fresh token lists them all. */
  'openstack.registrationPlan': defineMethod(z.object({}).strict(), z.object({ plan: planSchema, registrations: z.array(openstackRegistrationSchema), notes: z.array(z.string()) })),
  /** The plan that creates the VPN interconnects' IPsec site connections both ways (all of them, or the one at `interconnect`, 0-based), with the policies, VPN services and endpoint groups they stand on; the pre-shared key by secret id only. */
  'openstack.vpnPlan': defineMethod(z.object({ interconnect: z.number().int().min(0).max(999).optional() }).strict(), openstackVpnPlanSchema),
  /** The catalog a fresh token carries, against the workspace's regions. */
  'openstack.catalog': defineMethod(z.object({}).strict(), openstackCatalogSchema),
  /** A region's nova-compute services and hypervisors, as nova reports them. */
  'openstack.regionStatus': defineMethod(z.object({ region: z.string().min(1) }).strict(), openstackRegionStatusSchema),
};

/** What the admin chose for an OpenStack server move. */
export const openstackMigrationChoicesSchema = z
  .object({
    stack: z.literal('openstack'),
    /** Cold copy only: the flavor to boot the copy with in the target region (default: the one named like the source's). */
    flavor: z.string().min(1).max(255).optional(),
  })
  .strict();
export type OpenstackMigrationChoices = z.infer<typeof openstackMigrationChoicesSchema>;

/** What an OpenStack precheck verdict adds: the regions and nova hosts, and for a cold copy what it does. */
export const openstackMigrationDetailsSchema = z.object({
  stack: z.literal('openstack'),
  region: z.string(),
  sourceHost: z.string(),
  targetHost: z.string().optional(),
  /** Only for kind "cold": a copy into another region (snapshot → image copy → boot → delete the original on approval). */
  coldCopy: z.object({ targetRegion: z.string(), steps: z.array(z.string()) }).optional(),
});
export type OpenstackMigrationDetails = z.infer<typeof openstackMigrationDetailsSchema>;
