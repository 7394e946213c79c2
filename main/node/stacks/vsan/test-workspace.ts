// The workspace the vSAN plan tests read (no I/O): sites a and b with one ESXi host each, the witness w1 at c,
// a management and a vSAN data network, a vCenter login by secret id with a pinned certificate. `more` adds
// sites and nodes (a witness to be), `cluster` changes the cluster's entry.
import { workspaceSchema, type Workspace } from '../../../common/workspace/schema.js';

/** A node with its management address 198.18.0.n and its vSAN data address 198.19.0.n. */
export const testNode = (name: string, site: string, n: number) => ({ name, site, addresses: { mgmt: `198.18.0.${n}`, data: `198.19.0.${n}` } });

export function stretchedTestWorkspace(cluster: Record<string, unknown> = {}, more: { sites?: { name: string; kind: string }[]; nodes?: ReturnType<typeof testNode>[] } = {}): Workspace {
  return workspaceSchema.parse({
    version: 1,
    name: 'w',
    sites: [{ name: 'a', kind: 'lan' }, { name: 'b', kind: 'man' }, { name: 'c', kind: 'wan' }, ...(more.sites ?? [])],
    networks: [
      { name: 'mgmt', roles: ['management'], cidr: '198.18.0.0/16' },
      { name: 'data', roles: ['vsan'], cidr: '198.19.0.0/16' },
    ],
    nodes: [testNode('a1', 'a', 1), testNode('b1', 'b', 2), testNode('w1', 'c', 3), ...(more.nodes ?? [])],
    vsan: {
      clusters: [
        {
          name: 'stretch-01',
          datacenter: 'DC0',
          vcenter: { endpoint: '127.0.0.1:8989', user: 'administrator@vsphere.local', secretId: 'vc-pw', thumbprint: Array(32).fill('AB').join(':') },
          esxi: { passwordSecret: 'esx-pw' },
          preferredSite: { site: 'a', hosts: ['a1'], isolationAddress: '198.19.0.1' },
          secondarySite: { site: 'b', hosts: ['b1'], isolationAddress: '198.19.0.2' },
          witness: { host: 'w1', site: 'c' },
          dataNetwork: 'data',
          witnessNetwork: 'mgmt',
          ...cluster,
        },
      ],
    },
  });
}
