// OpenStack as the core and the renderer see it (pure): its workspace part (workspace.ts: the section and its rules,
// regions, links, traffic…), its contract (openstack.*), what a server move chooses, and its lab section.
import * as z from 'zod';
import { defineStack } from '../types.js';
import { openstackMethods, openstackMigrationChoicesSchema, openstackMigrationDetailsSchema } from './contract.js';
import { openstackWorkspaceStack } from './workspace.js';

export { OPENSTACK } from './workspace.js';

/**
 * A lab's openstack section: `true` makes every site a region (RegionOne, RegionTwo…; Keystone in the first),
 * or the regions by name with the lab hosts that are their compute nodes. The services (Keystone, nova with
 * fake-driver computes named like the hosts) run on 127.0.0.1 beside the lab.
 */
export const openstackLabSectionSchema = z.union([
  z.literal(true),
  z
    .object({
      regions: z
        .array(z.object({ name: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a region name: letters, digits, ".", "_" or "-"'), hosts: z.array(z.string()).min(1).max(4), keystone: z.boolean().optional() }).strict())
        .min(1)
        .max(3),
      /** Seconds a fake live migration takes (default 3: long enough to watch it). */
      liveMigrationSeconds: z.number().int().min(0).max(60).optional(),
    })
    .strict(),
]);

function checkOpenstackLabSection(section: unknown, hosts: readonly string[]): string[] {
  if (section === true) return [];
  const parsed = openstackLabSectionSchema.safeParse(section);
  if (!parsed.success || parsed.data === true) return [];
  const problems: string[] = [];
  const seen = new Set<string>();
  parsed.data.regions.forEach((r, i) => {
    r.hosts.forEach((h, j) => {
      if (!hosts.includes(h)) problems.push(`openstack.regions[${i}].hosts[${j}]: "${h}" is not a host of this lab (${hosts.join(', ')})`);
      else if (seen.has(h)) problems.push(`openstack.regions[${i}].hosts[${j}]: "${h}" is already a compute node of another region`);
      seen.add(h);
    });
  });
  if (parsed.data.regions.filter((r) => r.keystone).length > 1) problems.push('openstack.regions: at most one region holds Keystone');
  return problems;
}

export const openstackStack = defineStack({
  ...openstackWorkspaceStack,
  contract: { methods: openstackMethods, events: {} },
  migration: { choices: openstackMigrationChoicesSchema, details: openstackMigrationDetailsSchema },
  lab: { key: 'openstack', schema: openstackLabSectionSchema, check: checkOpenstackLabSection },
});
