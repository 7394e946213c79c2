// knet link state as the canvas and the wizard's verify read it, and the credential check that tells the admin
// up front that an API token cannot create or join a cluster.
import { describe, expect, it } from 'vitest';
import type { ProxmoxCluster } from '../../../common/stacks/proxmox/schema.js';
import { credentialCheck } from './workspace-plan.js';
import { downLinks, parseQuorumtool } from './handlers.js';

const link = (local: string, peer: string, l: number, connected?: boolean) => ({ local, peer, nodeId: 1, link: l, ...(connected === undefined ? {} : { connected }) });

describe('downLinks', () => {
  it('reports a link down once per pair with every member that sees it down, and ignores unknown states', () => {
    const down = downLinks([link('b1', 'a1', 0, false), link('a1', 'b1', 0, false), link('b1', 'a2', 0, false), link('a1', 'b1', 1, true), link('a2', 'a1', 1)]);
    expect(down).toEqual([
      { link: 0, a: 'a1', b: 'b1', seenFrom: ['b1', 'a1'] },
      { link: 0, a: 'a2', b: 'b1', seenFrom: ['b1'] },
    ]);
    expect(downLinks([link('a1', 'b1', 0, true), link('a1', 'b1', 1, true)])).toEqual([]);
  });
});

describe('credentialCheck', () => {
  const base: ProxmoxCluster = { name: 'homelab', nodes: ['a1'], links: [{ link: 0, network: 'mgmt' }] } as ProxmoxCluster;
  it('accepts root@pam with a password secret', () => {
    expect(credentialCheck({ ...base, api: { user: 'root@pam', passwordSecret: 's1' } }, 0)).toEqual({ ok: true, kind: 'password' });
  });
  it('refuses an API token for create and join, says why and which field to set', () => {
    const r = credentialCheck({ ...base, api: { user: 'root@pam', tokenId: 'monitor@pve!dash', tokenSecret: 's2' } }, 2);
    expect(r).toMatchObject({ ok: false, kind: 'token', field: 'proxmox.clusters[2].api.passwordSecret' });
    expect(r.message).toMatch(/only root@pam.*API tokens are refused/);
    expect(r.message).toMatch(/monitor@pve!dash/);
  });
  it('refuses another user and a cluster without credentials', () => {
    expect(credentialCheck({ ...base, api: { user: 'admin@pve', passwordSecret: 's3' } }, 0)).toMatchObject({ ok: false, field: 'proxmox.clusters[0].api.user' });
    expect(credentialCheck(base, 0)).toMatchObject({ ok: false, kind: 'none' });
  });
});

describe('parseQuorumtool', () => {
  // As corosync-quorumtool -s prints it on a lab node (corosync 3.1, two nodes and a QDevice).
  const out = (localFlags: string, qdeviceLine: string | null) =>
    [
      'Votequorum information',
      '----------------------',
      'Expected votes:   3',
      'Highest expected: 3',
      'Total votes:      3',
      'Quorum:           2  ',
      'Flags:            Quorate Qdevice ',
      '',
      'Membership information',
      '----------------------',
      '    Nodeid      Votes    Qdevice Name',
      `         1          1    ${localFlags} a1 (local)`,
      '         2          1    A,V,NMW b1',
      ...(qdeviceLine ? [qdeviceLine] : []),
      '',
    ].join('\n');
  it('reads votes and quorum, and counts the QDevice as voting only when the local node says it votes (V)', () => {
    expect(parseQuorumtool(out('A,V,NMW', '         0          1            Qdevice'))).toEqual({ expectedVotes: 3, totalVotes: 3, quorum: 2, qdevice: true });
    // Registered (the Flags line still says Qdevice) but qnetd unreachable: not voting.
    expect(parseQuorumtool(out('NA,NV,NMW', '         0          0            Qdevice'))?.qdevice).toBe(false);
    expect(parseQuorumtool(out('A,V,NMW', null))?.qdevice).toBe(false);
    // Hex ids (-H) read the same.
    expect(parseQuorumtool(out('A,V,NMW', '0x00000000          1            Qdevice'))?.qdevice).toBe(true);
    expect(parseQuorumtool('Cannot initialize QUORUM service')).toBeUndefined();
  });
});
