// The two-region layout both Kolla deploy tests (core and Chromium) deploy on the lab's `r1a` and `r2a`: one
// controller per region, RegionOne holding Keystone, the admin's password by secret id.
import type { Workspace } from '../../../main/common/workspace/schema.js';

export function twoRegionDeployLayout(passwordSecret: string): NonNullable<Workspace['openstack']> {
  return {
    regions: [
      { name: 'RegionOne', keystone: true, controllers: ['r1a'], networkNodes: ['r1a'], compute: ['r1a'], storage: [], liveMigration: true, managementNetwork: 'management' },
      { name: 'RegionTwo', keystone: false, controllers: ['r2a'], networkNodes: ['r2a'], compute: ['r2a'], storage: [], liveMigration: true, managementNetwork: 'management' },
    ],
    interconnects: [],
    keystone: { authUrl: 'http://198.18.1.250:5000/v3', username: 'admin', userDomain: 'default', project: 'admin', projectDomain: 'default', passwordSecret, interface: 'public' },
  };
}
