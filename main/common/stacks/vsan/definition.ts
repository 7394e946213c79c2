// VMware vSAN stretched clusters as the core and the renderer see them (pure): their workspace part (workspace.ts:
// the section and its rules, hosts per site, the witness, links, traffic…), the contract, what a vMotion chooses,
// and the lab section.
import { defineStack } from '../types.js';
import { vsanLabSchema, vsanMethods, vsanMigrationChoicesSchema, vsanMigrationDetailsSchema } from './contract.js';
import { vsanWorkspaceStack } from './workspace.js';

export { VSAN } from './workspace.js';

export const vsanStack = defineStack({
  ...vsanWorkspaceStack,
  contract: { methods: vsanMethods, events: {} },
  migration: { choices: vsanMigrationChoicesSchema, details: vsanMigrationDetailsSchema },
  lab: {
    key: 'vsan',
    schema: vsanLabSchema,
    check(section, hosts) {
      const witness = typeof section === 'object' && section !== null ? (section as { witness?: string }).witness : undefined;
      return witness && !hosts.includes(witness) ? [`vsan.witness names ${witness}, which is not a host of the lab (hosts: ${hosts.join(', ')}).`] : [];
    },
  },
});
