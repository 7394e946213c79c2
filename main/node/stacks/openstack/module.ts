// OpenStack on the I/O side. Its clients (Keystone, nova, placement, neutron, glance: client/) and its lab
// services (Keystone and nova on 127.0.0.1: lab/) exist; the inventory, the moves and a lab section come
// with the OpenStack issue. Registered now so that its rules, regions and links reach the core and the canvas.
import { openstackStack } from '../../../common/stacks/openstack/definition.js';
import type { StackModule } from '../types.js';

export const openstackModule: StackModule = {
  definition: openstackStack,
  create: () => ({}),
};
