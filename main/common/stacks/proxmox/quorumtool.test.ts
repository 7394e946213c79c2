import { describe, expect, it } from 'vitest';
import { parseQuorumtoolStatus } from './quorumtool.js';

// As printed by corosync-quorumtool -s 3.1.7 in the lab: three nodes and an lms QDevice with 2 votes.
const quorateWithQdevice = `Quorum information
------------------
Date:             Fri Dec  4 22:14:22 2026
Quorum provider:  corosync_votequorum
Nodes:            3
Node ID:          2
Ring ID:          1.9
Quorate:          Yes

Votequorum information
----------------------
Expected votes:   5
Highest expected: 5
Total votes:      5
Quorum:           3  
Flags:            Quorate Qdevice 

Membership information
----------------------
    Nodeid      Votes    Qdevice Name
         1          1    A,V,NMW a1
         2          1    A,V,NMW b1 (local)
         3          1    A,V,NMW c1
         0          2            Qdevice
`;

// The same tool on a node that lost quorum, wait_for_all and last_man_standing set, no QDevice.
const blocked = `Quorum information
------------------
Date:             Fri Dec  4 22:30:01 2026
Quorum provider:  corosync_votequorum
Nodes:            2
Node ID:          1
Ring ID:          1.2c
Quorate:          No

Votequorum information
----------------------
Expected votes:   4
Highest expected: 4
Total votes:      2
Quorum:           3 Activity blocked
Flags:            WaitForAll LastManStanding 

Membership information
----------------------
    Nodeid      Votes Name
         1          1 a1 (local)
         2          1 a2
`;

describe('corosync-quorumtool -s output', () => {
  it('reads votes, quorum, flags and members, with the QDevice row apart', () => {
    const s = parseQuorumtoolStatus(quorateWithQdevice);
    expect(s).toMatchObject({ nodeId: 2, ringId: '1.9', quorate: true, expectedVotes: 5, highestExpected: 5, totalVotes: 5, quorum: 3, qdeviceVotes: 2 });
    expect(s.flags).toEqual(['Quorate', 'Qdevice']);
    expect(s.members.map((m) => [m.nodeId, m.name, m.qdevice, m.local])).toEqual([
      [1, 'a1', 'A,V,NMW', false],
      [2, 'b1', 'A,V,NMW', true],
      [3, 'c1', 'A,V,NMW', false],
    ]);
  });

  it('reads an inquorate node whose activity is blocked', () => {
    const s = parseQuorumtoolStatus(blocked);
    expect(s).toMatchObject({ quorate: false, expectedVotes: 4, totalVotes: 2, quorum: 3 });
    expect(s.flags).toEqual(['WaitForAll', 'LastManStanding']);
    expect(s.members.map((m) => m.name)).toEqual(['a1', 'a2']);
    expect(s.qdeviceVotes).toBeUndefined();
  });

  it('reads nothing quorate from an error message', () => {
    const s = parseQuorumtoolStatus('Cannot initialize QUORUM service\n');
    expect(s.quorate).toBe(false);
    expect(s.members).toEqual([]);
    expect(s.totalVotes).toBeUndefined();
  });
});
