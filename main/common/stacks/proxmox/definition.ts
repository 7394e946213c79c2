// Proxmox VE as the core and the renderer see it (pure): its workspace part (workspace.ts: the section and its rules,
// clusters, links, traffic, quorum models…), its contract, what a VM move between nodes and clusters chooses, and
// its lab section.
import * as z from 'zod';
import { defineStack } from '../types.js';
import { proxmoxMethods, proxmoxMigrationChoicesSchema, proxmoxMigrationDetailsSchema } from './contract.js';
import { PROXMOX_STATUS_METHOD, proxmoxWorkspaceStack } from './workspace.js';

export { PROXMOX } from './workspace.js';

/** The lab section: `proxmox: true` runs a Proxmox VE API simulator per host; `{ qdevice: host }` keeps that host out of the cluster as its QDevice. */
export const proxmoxLabSectionSchema = z.union([z.boolean(), z.object({ qdevice: z.string().optional() }).strict()]);

export const proxmoxStack = defineStack({
  ...proxmoxWorkspaceStack,
  contract: { methods: proxmoxMethods, events: {} },
  statusMethod: PROXMOX_STATUS_METHOD satisfies keyof typeof proxmoxMethods,
  migration: { choices: proxmoxMigrationChoicesSchema, details: proxmoxMigrationDetailsSchema },
  lab: {
    key: 'proxmox',
    schema: proxmoxLabSectionSchema,
    check(section, hosts) {
      const qdevice = typeof section === 'object' && section !== null ? (section as { qdevice?: string }).qdevice : undefined;
      if (!qdevice) return [];
      if (!hosts.includes(qdevice)) return [`proxmox.qdevice: "${qdevice}" is not one of the hosts (${hosts.join(', ')})`];
      if (hosts.length < 3) return ['proxmox.qdevice: a QDevice needs at least two other hosts to be the cluster'];
      return [];
    },
  },
});
