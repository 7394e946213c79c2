// The join information for nodes joined by hand: the format Proxmox's web UI pastes, and pvecm add per node.
import { describe, expect, it } from 'vitest';
import type { Workspace } from '../../../common/workspace/schema.js';
import { joinInformation } from './handlers.js';

const fp = 'AB:'.repeat(31) + 'CD';
const workspace = {
  version: 1,
  name: 'lab',
  sites: [{ name: 'a', kind: 'lan' }],
  networks: [
    { name: 'mgmt', roles: ['management', 'corosync'] },
    { name: 'ring1', roles: ['corosync'] },
  ],
  nodes: [
    { name: 'a1', site: 'a', addresses: { mgmt: '198.18.1.11', ring1: '198.19.1.11' } },
    { name: 'b1', site: 'a', addresses: { mgmt: '198.18.1.13', ring1: '198.19.1.13' } },
  ],
  proxmox: { clusters: [{ name: 'homelab', nodes: ['a1', 'b1'], links: [{ link: 1, network: 'ring1' }, { link: 0, network: 'mgmt' }] }] },
} as unknown as Workspace;
const cluster = workspace.proxmox!.clusters[0]!;
const join = {
  preferred_node: 'a1',
  totem: { cluster_name: 'homelab', interface: { 0: { linknumber: 0 }, 1: { linknumber: 1 } } },
  nodelist: [{ name: 'a1', nodeid: 1, pve_addr: '198.18.1.11', pve_fp: fp, ring0_addr: '198.18.1.11', ring1_addr: '198.19.1.11' }],
};

describe('joinInformation', () => {
  it('encodes what the web UI expects and gives each missing member its pvecm add with every link', () => {
    const info = joinInformation(workspace, cluster, join);
    const decoded = JSON.parse(Buffer.from(info.joinInformation, 'base64').toString('utf8')) as Record<string, unknown>;
    expect(decoded).toEqual({ ipAddress: '198.18.1.11', fingerprint: fp, peerLinks: { 0: '198.18.1.11', 1: '198.19.1.11' }, ring_addr: ['198.18.1.11', '198.19.1.11'], totem: join.totem });
    expect(info.commands).toEqual([{ node: 'b1', command: `pvecm add 198.18.1.11 --fingerprint ${fp} --link0 198.18.1.13 --link1 198.19.1.13` }]);
    // Nothing secret in it: the decoded JSON has exactly the public fields above, and the command asks for the password itself.
    expect(Object.keys(decoded).sort()).toEqual(['fingerprint', 'ipAddress', 'peerLinks', 'ring_addr', 'totem']);
    expect(info.commands[0]!.command).not.toMatch(/--password|PVE_ROOT_PASSWORD/);
  });

  it('refuses nodes that are not members, already joined, or lack a link address', () => {
    expect(() => joinInformation(workspace, cluster, join, ['x9'])).toThrow(/x9 is not a member of cluster 'homelab'/);
    expect(() => joinInformation(workspace, cluster, join, ['a1'])).toThrow(/a1 is already in cluster 'homelab'/);
    const noRing1 = structuredClone(workspace);
    delete (noRing1.nodes[1]!.addresses as Record<string, string>).ring1;
    expect(() => joinInformation(noRing1, cluster, join, ['b1'])).toThrow(/b1 has no address on network ring1, which carries corosync link1/);
  });

  it('refuses an answer without the certificate fingerprint', () => {
    expect(() => joinInformation(workspace, cluster, { ...join, nodelist: [{ name: 'a1', ring0_addr: '198.18.1.11' }] })).toThrow(/fingerprint/);
  });

  it('refuses an answer whose address or fingerprint would not be plain data in the pvecm add line', () => {
    for (const pve_addr of ['-oProxyCommand=touch /tmp/x', '198.18.1.11 --use_ssh', '$(id)', 'fe80::1%eth0']) {
      expect(() => joinInformation(workspace, cluster, { ...join, nodelist: [{ ...join.nodelist[0]!, pve_addr }] }), pve_addr).toThrow(expect.objectContaining({ code: 'REMOTE_FAILED', message: expect.stringMatching(/is not an IP address or host name/) }));
    }
    expect(() => joinInformation(workspace, cluster, { ...join, nodelist: [{ ...join.nodelist[0]!, pve_fp: `${fp} --force` }] })).toThrow(/not a SHA-256 fingerprint/);
  });
});
