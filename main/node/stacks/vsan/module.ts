// VMware vSAN on the I/O side. Its SOAP client (client/), the stretched-cluster build steps and the lab's vCenter
// simulator (simulator/) exist; the inventory, vMotion moves and a lab section come with the vSAN issue.
// Registered now so that its rules, clusters, links and the witness rule reach the core and the canvas.
import { vsanStack } from '../../../common/stacks/vsan/definition.js';
import type { StackModule } from '../types.js';

export const vsanModule: StackModule = {
  definition: vsanStack,
  create: () => ({}),
};
