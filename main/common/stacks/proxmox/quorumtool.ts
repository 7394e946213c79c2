// Reads `corosync-quorumtool -s` output (pure): quorate, votes, quorum, flags and the membership list.
// Reading it from a node (exit code 0 = quorate, 2 = not) is the caller's business.

export interface QuorumtoolMember {
  nodeId: number;
  votes: number;
  /** Qdevice column (A,V,NMW…) when a QDevice is configured. */
  qdevice?: string;
  name: string;
  local: boolean;
}

export interface QuorumtoolStatus {
  nodeId?: number;
  ringId?: string;
  quorate: boolean;
  expectedVotes?: number;
  highestExpected?: number;
  totalVotes?: number;
  quorum?: number;
  flags: string[];
  /** Cluster nodes of the membership (the QDevice's own row, node id 0, is in `qdeviceVotes`). */
  members: QuorumtoolMember[];
  /** Votes of the QDevice row, when the QDevice is listed. */
  qdeviceVotes?: number;
}

const field = (text: string, label: string): string | undefined => new RegExp(`^${label}:\\s*(.+?)\\s*$`, 'm').exec(text)?.[1];
const numberField = (text: string, label: string): number | undefined => {
  const v = field(text, label);
  const n = v === undefined ? undefined : /^(\d+)/.exec(v)?.[1];
  return n === undefined ? undefined : Number(n);
};

export function parseQuorumtoolStatus(text: string): QuorumtoolStatus {
  const nodeId = numberField(text, 'Node ID');
  const ringId = field(text, 'Ring ID');
  const expectedVotes = numberField(text, 'Expected votes');
  const highestExpected = numberField(text, 'Highest expected');
  const totalVotes = numberField(text, 'Total votes');
  const quorum = numberField(text, 'Quorum');
  const flagsText = field(text, 'Flags');
  const members: QuorumtoolMember[] = [];
  let qdeviceVotes: number | undefined;
  const list = text.split(/^Membership information\s*$/m)[1] ?? '';
  for (const line of list.split('\n')) {
    // "         1          1    A,V,NMW a1 (local)" or "         2          1 b1" or "         0          1            Qdevice"
    const m = /^\s*(\d+)\s+(\d+)\s+(?:([A-Z]+(?:,[A-Z]+)*)\s+)?(\S+)(\s+\(local\))?\s*$/.exec(line);
    if (!m) continue;
    const [, id, votes, qdevice, name, local] = m;
    if (Number(id) === 0 && name === 'Qdevice') {
      qdeviceVotes = Number(votes);
      continue;
    }
    members.push({ nodeId: Number(id), votes: Number(votes), ...(qdevice ? { qdevice } : {}), name: name!, local: Boolean(local) });
  }
  return {
    ...(nodeId !== undefined ? { nodeId } : {}),
    ...(ringId !== undefined ? { ringId } : {}),
    quorate: field(text, 'Quorate') === 'Yes',
    ...(expectedVotes !== undefined ? { expectedVotes } : {}),
    ...(highestExpected !== undefined ? { highestExpected } : {}),
    ...(totalVotes !== undefined ? { totalVotes } : {}),
    ...(quorum !== undefined ? { quorum } : {}),
    flags: flagsText ? flagsText.split(/\s+/).filter(Boolean) : [],
    members,
    ...(qdeviceVotes !== undefined ? { qdeviceVotes } : {}),
  };
}
