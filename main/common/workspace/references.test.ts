// Cross-reference messages read as sentences: one verb per clause, the unknown name quoted, and what to do.
import { describe, expect, it } from 'vitest';
import { checkReferences } from './references.js';
import { workspaceSchema, type WorkspaceInput } from './schema.js';

const broken: WorkspaceInput = {
  version: 1,
  name: 'every unknown name',
  sites: [{ name: 'home', kind: 'lan' }],
  networks: [{ name: 'lan', roles: ['management', 'corosync'] }],
  nodes: [
    { name: 'pve1', site: 'hom', addresses: { lan: '10.0.0.1', wan: '10.9.0.1' } },
    { name: 'pve2', site: 'home', addresses: { lan: '10.0.0.2' } },
  ],
  proxmox: {
    clusters: [
      {
        name: 'lab',
        nodes: ['pve1', 'pve2', 'pve9'],
        links: [{ link: 0, network: 'ring0' }],
        votes: { pve7: 2 },
        qdevice: { host: 'qnetd' },
        migrationNetwork: 'mig',
        storages: [{ id: 'tank', type: 'zfspool', shared: false, nodes: ['pve3'] }],
      },
    ],
  },
  openstack: { regions: [{ name: 'East', controllers: ['ctl'], compute: ['cmp'], managementNetwork: 'mgmt' }], interconnects: [{ between: ['East', 'West'], kind: 'vpn', network: 'vpn' }] },
  vsan: {
    clusters: [
      {
        name: 'stretch',
        vcenter: { endpoint: 'vc.example' },
        preferredSite: { site: 'dc1', hosts: ['esx1'] },
        secondarySite: { site: 'home', hosts: ['pve2'] },
        witness: { host: 'wit', site: 'cloud' },
        dataNetwork: 'vsan',
        witnessNetwork: 'witnet',
      },
    ],
  },
};

describe('reference messages', () => {
  const messages = checkReferences(workspaceSchema.parse(broken)).map((i) => i.message);

  it('say what names the unknown thing, in one sentence an admin can read', () => {
    expect(messages).toEqual(
      expect.arrayContaining([
        'Node pve1 is placed in site "hom", but this workspace has no site of that name. Add a site named "hom", or correct the name.',
        'Node pve1 has an address on network "wan", but this workspace has no network of that name. Add a network named "wan", or correct the name.',
        'Proxmox cluster lab lists member "pve9", but this workspace has no node of that name. Add a node named "pve9", or correct the name.',
        'Corosync link0 of cluster lab uses network "ring0", but this workspace has no network of that name. Add a network named "ring0", or correct the name.',
        'Cluster lab gives a vote count to "pve7", which is not one of its members.',
        'The QDevice host of cluster lab is "qnetd", but this workspace has no node of that name. Add a node named "qnetd", or correct the name.',
        'OpenStack region East lists the controller "ctl", but this workspace has no node of that name. Add a node named "ctl", or correct the name.',
        'OpenStack region East lists the compute node "cmp", but this workspace has no node of that name. Add a node named "cmp", or correct the name.',
        'Interconnect 1 joins region "West", but this workspace has no region of that name. Add the region, or correct the name.',
        'The witness site of vSAN cluster stretch is "cloud", but this workspace has no site of that name. Add a site named "cloud", or correct the name.',
      ]),
    );
    expect(messages).toHaveLength(19);
  });

  it('never stack two verbs around the quoted name ("… is placed in site "hom" is not a site …")', () => {
    for (const message of messages) {
      expect(message).not.toMatch(/"[^"]*" (is|are) not an? (site|node|network|region)\b/);
      expect(message).not.toMatch(/\b(nodeIds|votes|controllers|networkNodes|behindNat) /);
    }
  });
});
