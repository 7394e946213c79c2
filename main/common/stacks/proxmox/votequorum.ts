// corosync's votequorum and its QDevice arbiter (corosync-qnetd's ffsplit and lms), pure: which nodes of a
// corosync cluster stay quorate after nodes die or links are cut, with the reason, step by step over time.
//
// Semantics follow votequorum(5), corosync-qdevice(8), corosync-qnetd(8) and how corosync 3 and
// corosync-qdevice 3 behave (facts read from their documentation and sources; nothing copied):
// - Every node computes quorum itself: quorum = max(⌊expected/2⌋+1, ⌊total/2⌋+1) and never decreases
//   unless a quorate node hands its expected votes to an inquorate one or last_man_standing lowers it.
// - A membership change is a sync: every member sends its votes, expected votes and flags (as they were
//   before the change); each member folds them in (an inquorate node adopts a quorate sender's expected
//   votes; wait_for_all clears when a quorate sender no longer waits), the QDevice polls with its new vote,
//   and the sync ends with a last recalculation.
// - The QDevice vote counts only on the node whose own corosync-qdevice casts it; qnetd decides per node.
// - wait_for_all: a node that is (again) inquorate becomes quorate only when every expected vote is
//   present, or when it merges with a quorate partition. two_node turns it on unless set explicitly.
// - last_man_standing: after the window with no further change, a quorate partition recalculates its
//   expected votes from its member count (each node must vote 1; incompatible with a QDevice).
// - auto_tie_breaker: in an exact 50:50 split the half holding the lowest (highest, listed) node id stays quorate.

export type Vote = 'ack' | 'nack';
export type TieBreaker = 'lowest' | 'highest' | number;

export interface VotequorumNode {
  name: string;
  nodeId: number;
  /** quorum_votes (default 1). */
  votes?: number;
}

export interface QdeviceOptions {
  algorithm: 'ffsplit' | 'lms';
  /** quorum.device.votes; left out: corosync gives the QDevice (sum of node votes − 1). ffsplit needs exactly 1. */
  votes?: number;
  /** quorum.device.net.tie_breaker (default lowest). */
  tieBreaker?: TieBreaker;
  /** quorum.device.net.keep_active_partition_tie_breaker (default on; ffsplit only, lms always does it). */
  keepActivePartitionTieBreaker?: boolean;
}

/** The quorum section of corosync.conf (plus the nodelist's ids and votes). */
export interface VotequorumOptions {
  nodes: VotequorumNode[];
  /** quorum.expected_votes; overrides the sum of the nodelist's votes. */
  expectedVotes?: number;
  twoNode?: boolean;
  /** Left out: follows two_node (corosync turns it on with two_node unless set explicitly). */
  waitForAll?: boolean;
  lastManStanding?: boolean;
  /** last_man_standing_window in ms (default 10 000). */
  lastManStandingWindowMs?: number;
  autoTieBreaker?: boolean;
  /** auto_tie_breaker_node: lowest (default), highest or a list of node ids in order of preference. */
  autoTieBreakerNode?: 'lowest' | 'highest' | number[];
  qdevice?: QdeviceOptions;
}

export interface QuorumFinding {
  severity: 'error' | 'warning';
  message: string;
}

/** The configuration as corosync ends up running it, with what it refused or turned off and why. */
export interface VotequorumSetup {
  /** Sorted by node id. */
  nodes: { name: string; nodeId: number; votes: number }[];
  twoNode: boolean;
  waitForAll: boolean;
  lastManStanding: boolean;
  lastManStandingWindowMs: number;
  autoTieBreaker?: 'lowest' | 'highest' | number[];
  /** votes: what votequorum counts for the device; usable: false when corosync-qdevice refuses to run. */
  qdevice?: { algorithm: 'ffsplit' | 'lms'; votes: number; tieBreaker: TieBreaker; keepActivePartitionTieBreaker: boolean; usable: boolean };
  /** Expected votes a node starts with (before any member is seen). */
  initialExpectedVotes: number;
  findings: QuorumFinding[];
  /** Set when corosync refuses to start with this configuration: no node ever runs. */
  refused?: string;
}

export const defaultLastManStandingWindowMs = 10_000;

/** Resolves the options the way corosync (and corosync-qdevice) read them at start-up, refusing what they refuse. */
export function resolveVotequorum(options: VotequorumOptions): VotequorumSetup {
  const findings: QuorumFinding[] = [];
  const nodes = options.nodes.map((n) => ({ name: n.name, nodeId: n.nodeId, votes: n.votes ?? 1 })).sort((a, b) => a.nodeId - b.nodeId);
  const names = new Set<string>();
  const ids = new Set<number>();
  let refused: string | undefined;
  for (const n of nodes) {
    if (names.has(n.name)) refused ??= `node name ${n.name} appears twice in the nodelist`;
    if (ids.has(n.nodeId)) refused ??= `node id ${n.nodeId} appears twice in the nodelist`;
    if (!Number.isInteger(n.nodeId) || n.nodeId < 1) refused ??= `node ${n.name} has node id ${n.nodeId}; corosync needs a whole number of at least 1`;
    if (!Number.isInteger(n.votes) || n.votes < 0) refused ??= `node ${n.name} has ${n.votes} votes; corosync needs a whole number of at least 0`;
    names.add(n.name);
    ids.add(n.nodeId);
  }
  if (nodes.length === 0 && !options.expectedVotes) refused ??= 'configuration error: nodelist or quorum.expected_votes must be configured';
  const nodeVotes = nodes.reduce((s, n) => s + n.votes, 0);
  const allVoteOne = nodes.every((n) => n.votes === 1);
  let twoNode = options.twoNode ?? false;
  const waitForAll = options.waitForAll ?? twoNode;
  let lastManStanding = options.lastManStanding ?? false;
  const lastManStandingWindowMs = options.lastManStandingWindowMs ?? defaultLastManStandingWindowMs;
  let autoTieBreaker: VotequorumSetup['autoTieBreaker'] = options.autoTieBreaker ? (options.autoTieBreakerNode ?? 'lowest') : undefined;
  if (!options.autoTieBreaker && options.autoTieBreakerNode !== undefined) findings.push({ severity: 'warning', message: 'auto_tie_breaker_node is meaningless while auto_tie_breaker is 0' });
  if (Array.isArray(autoTieBreaker) && (autoTieBreaker.length === 0 || autoTieBreaker.some((id) => !Number.isInteger(id) || id < 1))) {
    findings.push({ severity: 'warning', message: 'auto_tie_breaker_node must be lowest, highest or a list of node ids; corosync disables auto_tie_breaker' });
    autoTieBreaker = undefined;
  }
  const q = options.qdevice;
  if (twoNode && q) refused ??= 'configuration error: two_node and quorum device cannot be configured at the same time';
  if (twoNode && nodes.length > 2) findings.push({ severity: 'warning', message: `two_node is meant for two nodes: with ${nodes.length}, any partition of at most two nodes still needs only one vote` });
  if (twoNode && autoTieBreaker) {
    findings.push({ severity: 'warning', message: 'two_node and auto_tie_breaker are not compatible; corosync disables two_node' });
    twoNode = false;
  }
  if (autoTieBreaker && nodeVotes % 2 === 1 && !waitForAll) {
    if (lastManStanding) refused ??= 'configuration error: auto_tie_breaker & last_man_standing not available in odd sized cluster';
    else {
      findings.push({ severity: 'warning', message: 'auto_tie_breaker on an odd number of votes needs wait_for_all; corosync disables auto_tie_breaker' });
      autoTieBreaker = undefined;
    }
  }
  if (q && lastManStanding) refused ??= 'configuration error: quorum.device is not compatible with last_man_standing';
  if (q && autoTieBreaker) refused ??= 'configuration error: quorum.device is not compatible with auto_tie_breaker';
  if (q && options.expectedVotes && q.votes === undefined) refused ??= 'configuration error: quorum.device.votes must be specified when quorum.expected_votes is set';
  if (q && q.votes === undefined && !allVoteOne) refused ??= 'configuration error: quorum.device.votes must be specified when not all nodes votes 1';
  if (q && q.votes !== undefined && options.expectedVotes && options.expectedVotes - q.votes < 2) refused ??= 'configuration error: quorum.device.votes is too high or expected_votes is too low';
  if (lastManStanding && !allVoteOne) {
    findings.push({ severity: 'warning', message: 'last_man_standing works only when every node votes 1; corosync disables it' });
    lastManStanding = false;
  }
  let qdevice: VotequorumSetup['qdevice'];
  if (q) {
    const votes = q.votes ?? Math.max(0, nodeVotes - 1);
    let usable = true;
    if (q.algorithm === 'ffsplit' && (q.votes !== 1 || !allVoteOne)) {
      usable = false;
      findings.push({
        severity: 'error',
        message: `ffsplit needs quorum.device.votes set to 1 and 1 vote per node; corosync-qdevice refuses to run, so its ${votes} vote(s) are expected but never cast`,
      });
    }
    if (q.algorithm === 'ffsplit' && nodes.length % 2 === 1) findings.push({ severity: 'warning', message: 'ffsplit makes sense only for an even number of nodes (its vote goes only to a partition holding more than half of them)' });
    qdevice = { algorithm: q.algorithm, votes, tieBreaker: q.tieBreaker ?? 'lowest', keepActivePartitionTieBreaker: q.keepActivePartitionTieBreaker ?? true, usable };
  }
  const initialExpectedVotes = options.expectedVotes ?? nodeVotes;
  return {
    nodes,
    twoNode,
    waitForAll,
    lastManStanding,
    lastManStandingWindowMs,
    ...(autoTieBreaker !== undefined ? { autoTieBreaker } : {}),
    ...(qdevice ? { qdevice } : {}),
    initialExpectedVotes,
    findings,
    ...(refused ? { refused } : {}),
  };
}

/** What one node's votequorum holds (corosync keeps this per node; partitions can disagree). */
export interface NodeQuorumState {
  up: boolean;
  /** Expected votes this node knows per member (its own entry is its expected votes). */
  expectedOf: Record<string, number>;
  votesOf: Record<string, number>;
  /** Nodes this node counts as members. */
  memberState: string[];
  /** The current and the previous membership (quorum_members / previous_quorum_members). */
  members: string[];
  previousMembers: string[];
  quorum: number;
  quorate: boolean;
  /** wait_for_all still waiting. */
  waiting: boolean;
  lowestNodeId?: number;
  highestNodeId?: number;
  /** Clock (ms) at which the last_man_standing timer started. */
  lmsTimerSince?: number;
  /** Whether this node's corosync-qdevice casts its vote, and qnetd's reason. */
  qdeviceCast: boolean;
  qdeviceReason?: string;
  /** Why the last recalculation ended as it did (for the explanation). */
  because: string[];
}

export interface VotequorumRuntime {
  /** ms since the cluster formed. */
  clock: number;
  nodes: Record<string, NodeQuorumState>;
  /** qnetd's memory: the partition it last gave the vote (ffsplit) and each client's last answer (lms). */
  arbiter: { quoratePartition: string[]; lastResult: Record<string, Vote | undefined> };
  /** Where the outcome depends on something the model cannot know (e.g. qnetd's client order). */
  notes: string[];
}

/**
 * Who can talk to whom right now: every running node in exactly one membership group (nodes in no group are
 * down), and whether qnetd runs and which nodes reach it over TCP.
 */
export interface MembershipView {
  groups: string[][];
  qnetd?: { up: boolean; reaches: string[] };
}

function freshNode(setup: VotequorumSetup, name: string): NodeQuorumState {
  const self = setup.nodes.find((n) => n.name === name)!;
  return {
    up: true,
    expectedOf: { [name]: setup.initialExpectedVotes },
    votesOf: { [name]: self.votes },
    memberState: [name],
    members: [],
    previousMembers: [],
    quorum: 0,
    quorate: false,
    waiting: setup.waitForAll,
    qdeviceCast: false,
    because: [],
  };
}

function idOf(setup: VotequorumSetup, name: string): number {
  const node = setup.nodes.find((n) => n.name === name);
  if (!node) throw new Error(`${name} is not in the cluster's nodelist`);
  return node.nodeId;
}

const byId = (setup: VotequorumSetup) => (a: string, b: string) => idOf(setup, a) - idOf(setup, b);
const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x) => b.includes(x));
const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

/** votequorum's recalculation on one node: expected votes, quorum, quorate, wait_for_all, auto_tie_breaker. */
function recalculate(setup: VotequorumSetup, self: string, node: NodeQuorumState, allowDecrease: boolean, byCurrentNodes: boolean): void {
  const members = node.memberState;
  const memberVotes = sum(members.map((m) => node.votesOf[m] ?? 0));
  const deviceVotes = setup.qdevice?.votes ?? 0;
  // Expected votes follow the highest number of votes ever present (the device's configured votes included).
  if (memberVotes + deviceVotes > node.expectedOf[self]!) node.expectedOf[self] = memberVotes + deviceVotes;
  const currentCount = byCurrentNodes ? members.length + (deviceVotes ? 1 : 0) : 0;
  const cast = node.qdeviceCast && deviceVotes > 0;
  const total = memberVotes + (cast ? deviceVotes : 0);
  const voters = members.length + (cast ? 1 : 0);
  const highest = currentCount > 0 ? currentCount : Math.max(...members.map((m) => node.expectedOf[m] ?? 0));
  let quorum = Math.max(Math.floor((highest + 2) / 2), Math.floor((total + 2) / 2));
  if (!allowDecrease) quorum = Math.max(node.quorum, quorum);
  const because: string[] = [];
  if (setup.twoNode && voters <= 2) {
    quorum = 1;
    because.push('two_node: one vote is quorum while at most two voters are present (fencing settles a split)');
  }
  node.quorum = quorum;
  if (currentCount > 0) for (const m of members) node.expectedOf[m] = currentCount;

  if (setup.waitForAll && node.waiting) {
    if (total !== node.expectedOf[self]) {
      node.quorate = false;
      node.because = [...because, `wait_for_all: ${total} of ${node.expectedOf[self]} votes present, and every vote must be seen before quorum is granted (again)`];
      return;
    }
    node.waiting = false;
  }
  let quorate = quorum <= total;
  if (quorate) {
    const ids = members.map((m) => idOf(setup, m));
    node.lowestNodeId = Math.min(...ids);
    node.highestNodeId = Math.max(...ids);
  }
  const atb = setup.autoTieBreaker;
  if (
    !quorate &&
    atb !== undefined &&
    total === Math.floor(node.expectedOf[self]! / 2) &&
    node.previousMembers.length - node.members.length < quorum &&
    tieBreakerHere(setup, node, atb)
  ) {
    quorate = true;
    because.push(`auto_tie_breaker: a 50:50 split, and this half holds ${atbWords(atb, node)}`);
  }
  node.quorate = quorate;
  if (setup.waitForAll) node.waiting = !quorate;
  node.because = because;
}

function atbWords(atb: 'lowest' | 'highest' | number[], node: NodeQuorumState): string {
  if (atb === 'lowest') return `the lowest node id (${node.lowestNodeId})`;
  if (atb === 'highest') return `the highest node id (${node.highestNodeId})`;
  return `the first listed tie-breaker node (auto_tie_breaker_node: ${atb.join(' ')})`;
}

/** auto_tie_breaker's test: lowest/highest node id of the last quorate membership is here, or the first listed node present. */
function tieBreakerHere(setup: VotequorumSetup, node: NodeQuorumState, atb: 'lowest' | 'highest' | number[]): boolean {
  const memberIds = node.memberState.map((m) => idOf(setup, m));
  if (atb === 'lowest') return node.lowestNodeId !== undefined && memberIds.includes(node.lowestNodeId);
  if (atb === 'highest') return node.highestNodeId !== undefined && memberIds.includes(node.highestNodeId);
  const current = node.members.map((m) => idOf(setup, m));
  const previous = node.previousMembers.map((m) => idOf(setup, m));
  for (let i = 0; i < atb.length; i++) {
    if (!current.includes(atb[i]!)) continue;
    // A node listed earlier that was in the previous membership may be in the other half: no quorum here.
    return !atb.slice(0, i).some((id) => previous.includes(id));
  }
  return false;
}

interface NodeInfo {
  from: string;
  votes: number;
  expected: number;
  quorate: boolean;
  waiting: boolean;
}

/** One node folds in a member's announcement (votequorum's nodeinfo handling during a sync). */
function receiveNodeInfo(setup: VotequorumSetup, self: string, node: NodeQuorumState, info: NodeInfo): void {
  if (!node.memberState.includes(info.from)) node.memberState.push(info.from);
  node.votesOf[info.from] = info.votes;
  let allowDecrease = false;
  if (!node.quorate && info.quorate) {
    // An inquorate node takes the expected votes of a quorate one (and may lower its quorum to match).
    allowDecrease = true;
    node.expectedOf[self] = info.expected;
  }
  node.expectedOf[info.from] = info.quorate ? info.expected : node.expectedOf[self]!;
  recalculate(setup, self, node, allowDecrease, false);
  if (setup.waitForAll && !info.waiting && info.quorate) node.waiting = false;
}

function clone(rt: VotequorumRuntime): VotequorumRuntime {
  return JSON.parse(JSON.stringify(rt)) as VotequorumRuntime;
}

/** The cluster after every node started and saw every other (and qnetd, if any): the usual steady state. */
export function formCluster(setup: VotequorumSetup): VotequorumRuntime {
  const rt: VotequorumRuntime = { clock: 0, nodes: {}, arbiter: { quoratePartition: [], lastResult: {} }, notes: [] };
  if (setup.refused) return rt;
  const all = setup.nodes.map((n) => n.name);
  for (const name of all) rt.nodes[name] = { ...freshNode(setup, name), up: false };
  return applyMembership(setup, rt, { groups: [all], ...(setup.qdevice ? { qnetd: { up: true, reaches: all } } : {}) });
}

/**
 * The state once corosync has settled on a new membership: nodes in no group die (a killed corosync keeps
 * nothing), nodes that were down start fresh, each group syncs, qnetd answers, the sync completes.
 */
export function applyMembership(setup: VotequorumSetup, before: VotequorumRuntime, view: MembershipView): VotequorumRuntime {
  const rt = clone(before);
  if (setup.refused) return rt;
  const order = byId(setup);
  const grouped = view.groups.map((g) => [...g].sort(order));
  const running = new Set(grouped.flat());
  for (const name of running) if (!setup.nodes.some((n) => n.name === name)) throw new Error(`${name} is not in the cluster's nodelist`);
  for (const n of setup.nodes) {
    const state = rt.nodes[n.name] ?? { ...freshNode(setup, n.name), up: false };
    if (!running.has(n.name)) rt.nodes[n.name] = { ...state, up: false, quorate: false, qdeviceCast: false, because: ['corosync is not running (node or site down)'] };
    else if (!state.up) {
      // A node coming back starts fresh and first forms a membership of its own.
      const fresh = freshNode(setup, n.name);
      fresh.members = [n.name];
      recalculate(setup, n.name, fresh, false, false);
      rt.nodes[n.name] = fresh;
    } else rt.nodes[n.name] = state;
  }
  const changed = grouped.filter((g) => g.some((m) => !sameSet(rt.nodes[m]!.members, g)));
  const changedNodes = new Set(changed.flat());
  // 1. Sync starts: what each member will announce is what it held before the change.
  const announced: Record<string, NodeInfo> = {};
  for (const g of changed) {
    for (const m of g) {
      const s = rt.nodes[m]!;
      announced[m] = { from: m, votes: s.votesOf[m]!, expected: s.expectedOf[m]!, quorate: s.quorate, waiting: s.waiting };
    }
  }
  for (const g of changed) {
    for (const m of g) {
      const s = rt.nodes[m]!;
      const left = s.members.filter((x) => !g.includes(x));
      s.memberState = s.memberState.filter((x) => g.includes(x));
      if (!s.memberState.includes(m)) s.memberState.push(m);
      if (setup.lastManStanding) {
        const lowestHere = s.lowestNodeId !== undefined && g.some((x) => idOf(setup, x) === s.lowestNodeId);
        if ((g.length >= s.quorum && left.length > 0) || (g.length <= s.quorum && setup.autoTieBreaker !== undefined && lowestHere)) s.lmsTimerSince = rt.clock;
      }
      s.previousMembers = s.members;
      s.members = [...g];
    }
  }
  // 2. Every member folds in every announcement (in node id order here; corosync uses its agreed order).
  for (const g of changed) for (const m of g) for (const from of g) receiveNodeInfo(setup, m, rt.nodes[m]!, announced[from]!);
  // 3. Each corosync-qdevice asks qnetd about its new membership and polls votequorum with the answer.
  if (setup.qdevice) {
    const votes = arbiterVotes(setup, rt, grouped, view.qnetd ?? { up: false, reaches: [] }, changedNodes);
    for (const [m, v] of Object.entries(votes)) {
      const s = rt.nodes[m]!;
      s.qdeviceReason = v.reason;
      if (s.qdeviceCast !== (v.vote === 'ack')) {
        s.qdeviceCast = v.vote === 'ack';
        recalculate(setup, m, s, false, false);
      }
    }
  }
  // 4. The sync completes with one more recalculation.
  for (const m of changedNodes) recalculate(setup, m, rt.nodes[m]!, false, false);
  return rt;
}

/** Time passes with no membership change: last_man_standing timers that ran out recalculate from the current members. */
export function advanceTime(setup: VotequorumSetup, before: VotequorumRuntime, ms: number): VotequorumRuntime {
  const rt = clone(before);
  rt.clock += ms;
  if (!setup.lastManStanding) return rt;
  for (const [name, s] of Object.entries(rt.nodes)) {
    if (!s.up || s.lmsTimerSince === undefined || rt.clock - s.lmsTimerSince < setup.lastManStandingWindowMs) continue;
    s.lmsTimerSince = undefined;
    if (!s.quorate) continue;
    const before = s.expectedOf[name];
    recalculate(setup, name, s, true, true);
    if (s.expectedOf[name] !== before) s.because = [...s.because, `last_man_standing: after ${setup.lastManStandingWindowMs / 1000} s expected votes went from ${before} to ${s.expectedOf[name]}`];
  }
  return rt;
}

/**
 * qnetd's answer to each node's corosync-qdevice. Clients are running nodes that reach a running qnetd; a node
 * that cannot reach it votes NACK (ffsplit always; lms keeps an ACK only while its membership is unchanged,
 * it is quorate and wait_for_all is on).
 */
function arbiterVotes(
  setup: VotequorumSetup,
  rt: VotequorumRuntime,
  groups: string[][],
  qnetd: { up: boolean; reaches: string[] },
  changedNodes: Set<string>,
): Record<string, { vote: Vote; reason: string }> {
  const device = setup.qdevice!;
  const out: Record<string, { vote: Vote; reason: string }> = {};
  const running = groups.flat();
  if (!device.usable) {
    for (const m of running) out[m] = { vote: 'nack', reason: 'corosync-qdevice refuses this configuration and never votes' };
    return out;
  }
  const clients = running.filter((m) => qnetd.up && qnetd.reaches.includes(m));
  for (const m of running) {
    if (clients.includes(m)) continue;
    const why = qnetd.up ? 'qnetd is unreachable from this node' : 'qnetd is down';
    const s = rt.nodes[m]!;
    const keeps = device.algorithm === 'lms' && !changedNodes.has(m) && s.qdeviceCast && s.quorate && setup.waitForAll;
    out[m] = keeps ? { vote: 'ack', reason: `${why}, but lms keeps the vote of a quorate node with wait_for_all while its membership is unchanged` } : { vote: 'nack', reason: `${why}: no QDevice vote` };
  }
  if (clients.length === 0) return out;
  const groupOf = (m: string) => groups.find((g) => g.includes(m))!;
  const partitions = groups.filter((g) => g.some((m) => clients.includes(m)));
  const clientsIn = (g: string[]) => g.filter((m) => clients.includes(m));
  const ids = setup.nodes.map((n) => n.nodeId);
  const preferredId = device.tieBreaker === 'lowest' ? Math.min(...ids) : device.tieBreaker === 'highest' ? Math.max(...ids) : device.tieBreaker;
  if (device.algorithm === 'ffsplit') {
    const n = setup.nodes.length;
    const half = Math.floor(n / 2);
    let best: { client: string; group: string[]; why: string } | undefined;
    let orderDependent = false;
    // qnetd walks its clients (in connection order; node id order here) and keeps the best partition so far.
    for (const client of [...clients].sort(byId(setup))) {
      const g = groupOf(client);
      const verdict = ffsplitBetter(setup, g, best, clientsIn, rt.arbiter.quoratePartition, preferredId, client, n, half);
      if (verdict.tieUndecided && best && best.group !== g) orderDependent = true;
      if (verdict.result) best = { client, group: g, why: verdict.why };
      else if (verdict.tie && best && best.group !== g) best.why = verdict.why;
    }
    if (orderDependent) rt.notes.push('ffsplit: equal partitions and neither holds the tie-breaker node; qnetd gives the vote to the one whose client it met first');
    rt.arbiter.quoratePartition = best ? [...best.group] : [];
    for (const m of clients) {
      out[m] = best && best.group.includes(m) ? { vote: 'ack', reason: `qnetd (ffsplit) gives its vote to this partition: ${best.why}` } : { vote: 'nack', reason: best ? `qnetd (ffsplit) gives its vote to the partition of ${best.group.join(', ')} (${best.why})` : `qnetd (ffsplit) gives its vote to no partition: none holds more than half of the ${n} nodes` };
    }
    return out;
  }
  // lms
  const last = rt.arbiter.lastResult;
  let winner: string[] | undefined;
  let why = '';
  if (partitions.length === 1) {
    winner = partitions[0];
    why = 'the only partition that reaches qnetd';
  } else {
    const score = (g: string[]) => clientsIn(g).length;
    const top = Math.max(...partitions.map(score));
    const leaders = partitions.filter((g) => score(g) === top);
    if (leaders.length === 1) {
      winner = leaders[0];
      why = `the most nodes connected to qnetd (${top})`;
    } else {
      const clientIds = clients.map((m) => idOf(setup, m));
      const tb = device.tieBreaker === 'lowest' ? Math.min(...clientIds) : device.tieBreaker === 'highest' ? Math.max(...clientIds) : device.tieBreaker;
      winner = partitions.find((g) => g.some((m) => idOf(setup, m) === tb));
      why = `equal partitions; the tie-breaker node (${device.tieBreaker === 'lowest' || device.tieBreaker === 'highest' ? `${device.tieBreaker} connected node id, ` : 'node id '}${tb}) is here`;
    }
  }
  for (const m of clients) {
    const g = groupOf(m);
    // A newcomer (no answer yet) while another partition holds the vote gets NACK so the vote does not move.
    const newcomerBlocked = last[m] === undefined && partitions.length > 1 && clients.some((o) => !g.includes(o) && last[o] === 'ack');
    if (newcomerBlocked) {
      out[m] = { vote: 'nack', reason: 'qnetd (lms) refuses a newcomer while another partition holds the vote' };
      continue;
    }
    const vote: Vote = winner && winner === g ? 'ack' : 'nack';
    last[m] = vote;
    out[m] = vote === 'ack' ? { vote, reason: `qnetd (lms) gives its ${device.votes} vote(s) to this partition: ${why}` } : { vote, reason: `qnetd (lms) gives its votes to the partition of ${winner?.join(', ')} (${why})` };
  }
  return out;
}

/**
 * ffsplit's comparison of a client's partition with the best one so far. `why` describes the winner of the
 * comparison; `tie` marks a 50:50 comparison (its reason then replaces the kept partition's).
 */
function ffsplitBetter(
  setup: VotequorumSetup,
  group: string[],
  best: { client: string; group: string[] } | undefined,
  clientsIn: (g: string[]) => string[],
  lastQuorate: string[],
  preferredId: number,
  client: string,
  n: number,
  half: number,
): { result: boolean; why: string; tie?: boolean; tieUndecided?: boolean } {
  if (n % 2 === 1 || group.length !== half) return { result: group.length > half, why: `it holds ${group.length} of the ${n} nodes, more than half` };
  if (!best) return { result: true, why: `it holds half the nodes (${half} of ${n}) and reaches qnetd` };
  const mine = clientsIn(group).length;
  const theirs = clientsIn(best.group).length;
  if (mine !== theirs) return { result: mine > theirs, tie: true, why: `a 50:50 split, and more of its nodes reach qnetd (${Math.max(mine, theirs)} against ${Math.min(mine, theirs)})` };
  if (setup.qdevice!.keepActivePartitionTieBreaker) {
    const a = lastQuorate.includes(client);
    const b = lastQuorate.includes(best.client);
    if (a !== b) return { result: a, tie: true, why: 'a 50:50 split, and it held the vote before (keep_active_partition_tie_breaker)' };
  }
  const holds = group.some((m) => idOf(setup, m) === preferredId);
  const bestHolds = best.group.some((m) => idOf(setup, m) === preferredId);
  if (!holds && !bestHolds) return { result: false, tie: true, tieUndecided: true, why: `a 50:50 split; neither half holds the tie-breaker node id ${preferredId}, so the partition qnetd met first keeps the vote` };
  return { result: holds, tie: true, why: `a 50:50 split, and it holds the tie-breaker node id ${preferredId}` };
}

/** What `corosync-quorumtool -s` shows on one node. */
export interface NodeQuorumReading {
  node: string;
  nodeId: number;
  up: boolean;
  quorate: boolean;
  members: string[];
  expectedVotes: number;
  highestExpected: number;
  totalVotes: number;
  quorum: number;
  qdeviceVote?: Vote;
}

export function readNode(setup: VotequorumSetup, rt: VotequorumRuntime, name: string): NodeQuorumReading {
  const s = rt.nodes[name];
  const nodeId = idOf(setup, name);
  if (!s || !s.up) return { node: name, nodeId, up: false, quorate: false, members: [], expectedVotes: 0, highestExpected: 0, totalVotes: 0, quorum: 0 };
  const deviceVotes = setup.qdevice?.votes ?? 0;
  const total = sum(s.memberState.map((m) => s.votesOf[m] ?? 0)) + (s.qdeviceCast ? deviceVotes : 0);
  return {
    node: name,
    nodeId,
    up: true,
    quorate: s.quorate,
    members: [...s.members].sort(byId(setup)),
    expectedVotes: s.expectedOf[name]!,
    highestExpected: Math.max(...s.memberState.map((m) => s.expectedOf[m] ?? 0)),
    totalVotes: total,
    quorum: s.quorum,
    ...(setup.qdevice ? { qdeviceVote: s.qdeviceCast ? ('ack' as const) : ('nack' as const) } : {}),
  };
}

/** One membership as the admin sees it: votes present, votes needed, quorate or not, and why. */
export interface PartitionQuorum {
  members: string[];
  quorate: boolean;
  /** Votes counted (on the member that counts the most, when the QDevice vote differs per node). */
  votes: number;
  needed: number;
  expected: number;
  reason: string;
  /** Members whose own view differs (the QDevice vote counts per node). */
  split?: NodeQuorumReading[];
}

export function describePartitions(setup: VotequorumSetup, rt: VotequorumRuntime): PartitionQuorum[] {
  if (setup.refused) return [];
  const seen = new Set<string>();
  const out: PartitionQuorum[] = [];
  for (const n of setup.nodes) {
    const s = rt.nodes[n.name];
    if (!s?.up || seen.has(n.name)) continue;
    const members = [...s.members].sort(byId(setup));
    for (const m of members) seen.add(m);
    const readings = members.map((m) => readNode(setup, rt, m));
    const head = readings.reduce((a, b) => (b.totalVotes > a.totalVotes ? b : a));
    const differ = readings.some((r) => r.quorate !== head.quorate || r.totalVotes !== head.totalVotes);
    out.push({
      members,
      quorate: readings.every((r) => r.quorate),
      votes: head.totalVotes,
      needed: head.quorum,
      expected: head.expectedVotes,
      reason: explainNode(setup, rt, head.node),
      ...(differ ? { split: readings } : {}),
    });
  }
  return out;
}

/** Why one node is (not) quorate, in words. */
export function explainNode(setup: VotequorumSetup, rt: VotequorumRuntime, name: string): string {
  const s = rt.nodes[name]!;
  const r = readNode(setup, rt, name);
  const parts = [`${r.totalVotes} of ${r.expectedVotes} votes, quorum ${r.quorum}: ${r.quorate ? 'quorate' : 'not quorate'}`];
  if (setup.qdevice) parts.push(s.qdeviceReason ?? (s.qdeviceCast ? 'the QDevice votes' : 'no QDevice vote'));
  parts.push(...s.because);
  return parts.join('; ');
}
