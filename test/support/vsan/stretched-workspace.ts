// The workspace the vSAN lab tests build on the vCenter simulator: ESXi nodes with a management and a vSAN
// data address, both networks, and a 2+2+1 stretched cluster (sites a and b, the witness w1 at c; data on
// `data`, witness and vMotion traffic on `mgmt`) whose vCenter and ESXi passwords go into the secret store.
import type { SecretStore } from '../../../main/node/secrets/store.js';
import type { VcsimHandle } from './simulator.js';

/** A node with its management address 198.18.0.n and its vSAN data address 198.19.0.n. */
export const vsanNode = (name: string, site: string, n: number) => ({ name, site, addresses: { mgmt: `198.18.0.${n}`, data: `198.19.0.${n}` } });

export const VSAN_LAB_NETWORKS = [
  { name: 'mgmt', roles: ['management'], cidr: '198.18.0.0/16' },
  { name: 'data', roles: ['vsan'], cidr: '198.19.0.0/16' },
];

/** The cluster `stretch-01` in datacenter DC0 of the simulator `vc`: a1, a2 in a; b1, b2 in b; witness w1 in c. */
export async function stretchedClusterOn(vc: VcsimHandle, secrets: SecretStore) {
  return {
    name: 'stretch-01',
    datacenter: 'DC0',
    vcenter: { endpoint: `${vc.sim.host}:${vc.sim.port}`, user: vc.username, secretId: await secrets.put(vc.password, { label: 'vc', kind: 'password' }), thumbprint: vc.sim.thumbprint },
    esxi: { passwordSecret: await secrets.put(vc.hostPassword, { label: 'esx', kind: 'password' }) },
    preferredSite: { site: 'a', hosts: ['a1', 'a2'], isolationAddress: '198.19.0.1' },
    secondarySite: { site: 'b', hosts: ['b1', 'b2'], isolationAddress: '198.19.0.3' },
    witness: { host: 'w1', site: 'c' },
    dataNetwork: 'data',
    witnessNetwork: 'mgmt',
    vmotionNetwork: 'mgmt',
  };
}
