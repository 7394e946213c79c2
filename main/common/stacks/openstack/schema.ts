// The openstack section of the workspace: regions with their node roles, and the interconnects between
// regions. Imports only the workspace base.
import { z } from 'zod';
import { nameSchema } from '../../workspace/base.js';

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

export const openstackSectionSchema = z.strictObject({
  regions: z.array(openstackRegionSchema).default([]),
  interconnects: z.array(openstackInterconnectSchema).default([]),
});

export type OpenstackSection = z.output<typeof openstackSectionSchema>;
export type OpenstackRegion = z.output<typeof openstackRegionSchema>;
