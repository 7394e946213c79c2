import { describe, expect, it } from 'vitest';
import { advanceTime, applyMembership, describePartitions, formCluster, readNode, resolveVotequorum, type VotequorumOptions } from './votequorum.js';

const nodes = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `n${i + 1}`, nodeId: i + 1 }));
const names = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `n${from + i}`);

function cluster(options: VotequorumOptions) {
  const setup = resolveVotequorum(options);
  return { setup, rt: formCluster(setup) };
}

describe('votequorum: plain majority', () => {
  it('forms with every vote and a quorum of half plus one', () => {
    const { setup, rt } = cluster({ nodes: nodes(5) });
    expect(readNode(setup, rt, 'n3')).toMatchObject({ quorate: true, expectedVotes: 5, highestExpected: 5, totalVotes: 5, quorum: 3, members: names(1, 5) });
  });

  it('keeps the majority quorate and never lowers the quorum of a minority', () => {
    const { setup, rt } = cluster({ nodes: nodes(4) });
    const split = applyMembership(setup, rt, { groups: [['n1', 'n2', 'n3'], ['n4']] });
    expect(describePartitions(setup, split).map((p) => [p.members, p.quorate, p.votes, p.needed])).toEqual([
      [['n1', 'n2', 'n3'], true, 3, 3],
      [['n4'], false, 1, 3],
    ]);
    const half = applyMembership(setup, rt, { groups: [['n1', 'n2'], ['n3', 'n4']] });
    expect(describePartitions(setup, half).every((p) => !p.quorate && p.needed === 3)).toBe(true);
  });

  it('honours votes per node and quorum.expected_votes', () => {
    const { setup, rt } = cluster({ nodes: [{ name: 'big', nodeId: 1, votes: 3 }, ...nodes(3).slice(1)] });
    const after = applyMembership(setup, rt, { groups: [['big'], ['n2', 'n3']] });
    expect(readNode(setup, after, 'big')).toMatchObject({ quorate: true, totalVotes: 3, expectedVotes: 5, quorum: 3 });
    expect(readNode(setup, after, 'n2').quorate).toBe(false);
    // expected_votes above the nodes' sum: the whole cluster is not enough until it is lowered.
    const over = cluster({ nodes: nodes(3), expectedVotes: 6 });
    expect(readNode(over.setup, over.rt, 'n1')).toMatchObject({ quorate: false, totalVotes: 3, expectedVotes: 6, quorum: 4 });
  });
});

describe('votequorum: last_man_standing (the chain of votequorum(5))', () => {
  it('walks 8 nodes down to 2, one window after each loss, and stops at 1 without auto_tie_breaker', () => {
    const { setup } = cluster({ nodes: nodes(8), lastManStanding: true, waitForAll: true });
    let rt = formCluster(setup);
    const read = () => readNode(setup, rt, 'n1');
    expect(read()).toMatchObject({ expectedVotes: 8, quorum: 5 });
    rt = applyMembership(setup, rt, { groups: [names(1, 5)] });
    expect(read()).toMatchObject({ quorate: true, totalVotes: 5, expectedVotes: 8, quorum: 5 });
    rt = advanceTime(setup, rt, 10_000);
    expect(read()).toMatchObject({ quorate: true, expectedVotes: 5, quorum: 3 });
    rt = applyMembership(setup, rt, { groups: [names(1, 3)] });
    rt = advanceTime(setup, rt, 10_000);
    expect(read()).toMatchObject({ quorate: true, expectedVotes: 3, quorum: 2 });
    rt = applyMembership(setup, rt, { groups: [names(1, 2)] });
    expect(read().quorate).toBe(true);
    rt = advanceTime(setup, rt, 10_000);
    expect(read()).toMatchObject({ expectedVotes: 2, quorum: 2 });
    rt = applyMembership(setup, rt, { groups: [['n1']] });
    expect(read()).toMatchObject({ quorate: false, totalVotes: 1, quorum: 2 });
  });

  it('does nothing before the window ends, and nothing for a loss that took quorum at once', () => {
    const { setup, rt } = cluster({ nodes: nodes(4), lastManStanding: true, lastManStandingWindowMs: 4000 });
    const early = advanceTime(setup, applyMembership(setup, rt, { groups: [names(1, 3)] }), 3999);
    expect(readNode(setup, early, 'n1').expectedVotes).toBe(4);
    const both = advanceTime(setup, applyMembership(setup, rt, { groups: [names(1, 2)] }), 60_000);
    expect(readNode(setup, both, 'n1')).toMatchObject({ quorate: false, expectedVotes: 4 });
  });

  it('raises expected votes again when the nodes come back', () => {
    const { setup, rt } = cluster({ nodes: nodes(4), lastManStanding: true });
    let after = advanceTime(setup, applyMembership(setup, rt, { groups: [names(1, 3)] }), 10_000);
    expect(readNode(setup, after, 'n1').expectedVotes).toBe(3);
    after = applyMembership(setup, after, { groups: [names(1, 4)] });
    expect(readNode(setup, after, 'n4')).toMatchObject({ quorate: true, expectedVotes: 4, totalVotes: 4 });
  });

  it('is turned off when a node votes more than once', () => {
    const setup = resolveVotequorum({ nodes: [{ name: 'x', nodeId: 1, votes: 2 }, ...nodes(3).slice(1)], lastManStanding: true });
    expect(setup.lastManStanding).toBe(false);
    expect(setup.findings.map((f) => f.message).join()).toMatch(/last_man_standing works only when every node votes 1/);
  });
});

describe('votequorum: wait_for_all and two_node', () => {
  it('keeps a partition that lost quorum waiting for every node, unless a quorate partition takes it in', () => {
    const plain = cluster({ nodes: nodes(4) });
    const wfa = cluster({ nodes: nodes(4), waitForAll: true });
    for (const { setup, rt } of [plain, wfa]) {
      const lost = applyMembership(setup, rt, { groups: [names(1, 2)] });
      expect(readNode(setup, lost, 'n1').quorate).toBe(false);
      const partial = applyMembership(setup, lost, { groups: [names(1, 3)] });
      expect(readNode(setup, partial, 'n3').quorate).toBe(setup.waitForAll ? false : true);
      const whole = applyMembership(setup, partial, { groups: [names(1, 4)] });
      expect(readNode(setup, whole, 'n1').quorate).toBe(true);
    }
  });

  it('lets both halves of a two_node cluster run on (fencing decides), but not a lone node at first start', () => {
    const { setup, rt } = cluster({ nodes: nodes(2), twoNode: true });
    expect(setup.waitForAll).toBe(true);
    const split = applyMembership(setup, rt, { groups: [['n1'], ['n2']] });
    expect(describePartitions(setup, split).map((p) => [p.members, p.quorate, p.needed])).toEqual([
      [['n1'], true, 1],
      [['n2'], true, 1],
    ]);
    const cold = applyMembership(setup, { clock: 0, nodes: {}, arbiter: { quoratePartition: [], lastResult: {} }, notes: [] }, { groups: [['n1']] });
    expect(readNode(setup, cold, 'n1').quorate).toBe(false);
    const noWfa = resolveVotequorum({ nodes: nodes(2), twoNode: true, waitForAll: false });
    const coldNoWfa = applyMembership(noWfa, { clock: 0, nodes: {}, arbiter: { quoratePartition: [], lastResult: {} }, notes: [] }, { groups: [['n1']] });
    expect(readNode(noWfa, coldNoWfa, 'n1').quorate).toBe(true);
  });

  it('applies two_node to any partition of at most two voters, even in a three-node cluster', () => {
    const { setup, rt } = cluster({ nodes: nodes(3), twoNode: true });
    expect(setup.findings.map((f) => f.message).join()).toMatch(/two_node is meant for two nodes/);
    expect(readNode(setup, rt, 'n1')).toMatchObject({ quorate: true, quorum: 2 });
    const split = applyMembership(setup, rt, { groups: [['n1'], ['n2', 'n3']] });
    expect(readNode(setup, split, 'n1')).toMatchObject({ quorate: true, quorum: 1 });
    expect(readNode(setup, split, 'n2')).toMatchObject({ quorate: true, quorum: 1 });
  });
});

describe('votequorum: auto_tie_breaker', () => {
  it('gives a 50:50 split to the half holding the lowest node id, and nothing when that half is gone', () => {
    const { setup, rt } = cluster({ nodes: nodes(4), autoTieBreaker: true });
    const split = applyMembership(setup, rt, { groups: [['n1', 'n2'], ['n3', 'n4']] });
    expect(describePartitions(setup, split).map((p) => [p.members, p.quorate])).toEqual([
      [['n1', 'n2'], true],
      [['n3', 'n4'], false],
    ]);
    expect(describePartitions(setup, split)[0]!.reason).toMatch(/auto_tie_breaker: a 50:50 split, and this half holds the lowest node id \(1\)/);
    const lost = applyMembership(setup, rt, { groups: [['n3', 'n4']] });
    expect(readNode(setup, lost, 'n3').quorate).toBe(false);
  });

  it('follows highest and a listed order', () => {
    const high = cluster({ nodes: nodes(4), autoTieBreaker: true, autoTieBreakerNode: 'highest' });
    const h = applyMembership(high.setup, high.rt, { groups: [['n1', 'n2'], ['n3', 'n4']] });
    expect(readNode(high.setup, h, 'n4').quorate).toBe(true);
    expect(readNode(high.setup, h, 'n1').quorate).toBe(false);
    const listed = cluster({ nodes: nodes(4), autoTieBreaker: true, autoTieBreakerNode: [3, 1] });
    const l = applyMembership(listed.setup, listed.rt, { groups: [['n1', 'n2'], ['n3', 'n4']] });
    expect(readNode(listed.setup, l, 'n3').quorate).toBe(true);
    expect(readNode(listed.setup, l, 'n1').quorate).toBe(false);
  });

  it('is disabled on an odd vote count without wait_for_all, and refused together with last_man_standing', () => {
    expect(resolveVotequorum({ nodes: nodes(3), autoTieBreaker: true }).autoTieBreaker).toBeUndefined();
    expect(resolveVotequorum({ nodes: nodes(3), autoTieBreaker: true, waitForAll: true }).autoTieBreaker).toBe('lowest');
    expect(resolveVotequorum({ nodes: nodes(3), autoTieBreaker: true, lastManStanding: true }).refused).toMatch(/auto_tie_breaker & last_man_standing/);
  });
});

describe('QDevice with ffsplit', () => {
  const two = () => cluster({ nodes: nodes(2), qdevice: { algorithm: 'ffsplit', votes: 1 } });

  it('gives a 1+1 split to the half with the lowest node id', () => {
    const { setup, rt } = two();
    expect(readNode(setup, rt, 'n1')).toMatchObject({ quorate: true, totalVotes: 3, expectedVotes: 3, quorum: 2, qdeviceVote: 'ack' });
    const split = applyMembership(setup, rt, { groups: [['n1'], ['n2']], qnetd: { up: true, reaches: ['n1', 'n2'] } });
    expect(readNode(setup, split, 'n1')).toMatchObject({ quorate: true, totalVotes: 2 });
    expect(readNode(setup, split, 'n2')).toMatchObject({ quorate: false, totalVotes: 1, qdeviceVote: 'nack' });
  });

  it('gives it to the half that still reaches qnetd, and to nobody when qnetd is gone too', () => {
    const { setup, rt } = two();
    const split = applyMembership(setup, rt, { groups: [['n1'], ['n2']], qnetd: { up: true, reaches: ['n2'] } });
    expect(readNode(setup, split, 'n1').quorate).toBe(false);
    expect(readNode(setup, split, 'n2').quorate).toBe(true);
    const dark = applyMembership(setup, rt, { groups: [['n1'], ['n2']], qnetd: { up: false, reaches: [] } });
    expect(describePartitions(setup, dark).some((p) => p.quorate)).toBe(false);
  });

  it('counts the QDevice vote per node: a node cut off from qnetd counts one vote less', () => {
    const { setup, rt } = two();
    const after = applyMembership(setup, rt, { groups: [['n1', 'n2']], qnetd: { up: true, reaches: ['n2'] } });
    expect(readNode(setup, after, 'n1')).toMatchObject({ quorate: true, totalVotes: 2, qdeviceVote: 'nack' });
    expect(readNode(setup, after, 'n2')).toMatchObject({ quorate: true, totalVotes: 3, qdeviceVote: 'ack' });
    expect(describePartitions(setup, after)[0]!.split).toHaveLength(2);
  });

  it('settles a 2+2 split by the lowest node id, and gives the vote to whichever half has more nodes left', () => {
    const { setup, rt } = cluster({ nodes: nodes(4), qdevice: { algorithm: 'ffsplit', votes: 1 } });
    const split = applyMembership(setup, rt, { groups: [['n1', 'n2'], ['n3', 'n4']], qnetd: { up: true, reaches: names(1, 4) } });
    expect(readNode(setup, split, 'n1')).toMatchObject({ quorate: true, totalVotes: 3, quorum: 3 });
    expect(readNode(setup, split, 'n3')).toMatchObject({ quorate: false, totalVotes: 2 });
    const loss = applyMembership(setup, rt, { groups: [['n3', 'n4']], qnetd: { up: true, reaches: ['n3', 'n4'] } });
    expect(readNode(setup, loss, 'n3')).toMatchObject({ quorate: true, totalVotes: 3 });
    const tieBreaker = cluster({ nodes: nodes(4), qdevice: { algorithm: 'ffsplit', votes: 1, tieBreaker: 4 } });
    const tb = applyMembership(tieBreaker.setup, tieBreaker.rt, { groups: [['n1', 'n2'], ['n3', 'n4']], qnetd: { up: true, reaches: names(1, 4) } });
    expect(readNode(tieBreaker.setup, tb, 'n4').quorate).toBe(true);
    expect(readNode(tieBreaker.setup, tb, 'n1').quorate).toBe(false);
  });

  it('refuses to vote without device votes of 1, which leaves the cluster needing every node', () => {
    const { setup, rt } = cluster({ nodes: nodes(4), qdevice: { algorithm: 'ffsplit' } });
    expect(setup.qdevice).toMatchObject({ votes: 3, usable: false });
    expect(readNode(setup, rt, 'n1')).toMatchObject({ quorate: true, expectedVotes: 7, totalVotes: 4, quorum: 4 });
    const one = applyMembership(setup, rt, { groups: [names(1, 3)], qnetd: { up: true, reaches: names(1, 3) } });
    expect(readNode(setup, one, 'n1').quorate).toBe(false);
  });
});

describe('QDevice with lms', () => {
  it('keeps the last node standing that reaches qnetd', () => {
    const { setup, rt } = cluster({ nodes: nodes(3), qdevice: { algorithm: 'lms' } });
    expect(readNode(setup, rt, 'n1')).toMatchObject({ expectedVotes: 5, totalVotes: 5, quorum: 3 });
    const last = applyMembership(setup, rt, { groups: [['n3']], qnetd: { up: true, reaches: ['n3'] } });
    expect(readNode(setup, last, 'n3')).toMatchObject({ quorate: true, totalVotes: 3, expectedVotes: 5 });
  });

  it('breaks a tie between equal partitions by the lowest connected node id', () => {
    const { setup, rt } = cluster({ nodes: nodes(4), qdevice: { algorithm: 'lms' } });
    const split = applyMembership(setup, rt, { groups: [['n1', 'n2'], ['n3', 'n4']], qnetd: { up: true, reaches: names(1, 4) } });
    expect(readNode(setup, split, 'n1')).toMatchObject({ quorate: true, totalVotes: 5, quorum: 4 });
    expect(readNode(setup, split, 'n3').quorate).toBe(false);
    // Node 1 cannot reach qnetd: the lowest connected id is 2, still in the first half.
    const hidden = applyMembership(setup, rt, { groups: [['n1', 'n2'], ['n3', 'n4']], qnetd: { up: true, reaches: ['n2', 'n3', 'n4'] } });
    expect(readNode(setup, hidden, 'n3').quorate).toBe(true);
    expect(readNode(setup, hidden, 'n2').quorate).toBe(false);
  });

  it('keeps the vote of a quorate node that loses qnetd only with wait_for_all', () => {
    for (const waitForAll of [false, true]) {
      const { setup, rt } = cluster({ nodes: nodes(4), qdevice: { algorithm: 'lms' }, waitForAll });
      const after = applyMembership(setup, rt, { groups: [names(1, 4)], qnetd: { up: true, reaches: ['n3', 'n4'] } });
      expect(readNode(setup, after, 'n1').totalVotes).toBe(waitForAll ? 7 : 4);
      expect(readNode(setup, after, 'n1').quorate).toBe(true);
    }
  });
});

describe('configurations corosync refuses', () => {
  it('names the reason', () => {
    expect(resolveVotequorum({ nodes: nodes(2), twoNode: true, qdevice: { algorithm: 'ffsplit', votes: 1 } }).refused).toMatch(/two_node and quorum device/);
    expect(resolveVotequorum({ nodes: nodes(4), lastManStanding: true, qdevice: { algorithm: 'lms' } }).refused).toMatch(/not compatible with last_man_standing/);
    expect(resolveVotequorum({ nodes: nodes(4), autoTieBreaker: true, qdevice: { algorithm: 'lms' } }).refused).toMatch(/not compatible with auto_tie_breaker/);
    expect(resolveVotequorum({ nodes: [...nodes(2), { name: 'n3', nodeId: 2 }] }).refused).toMatch(/node id 2 appears twice/);
    expect(resolveVotequorum({ nodes: [{ name: 'x', nodeId: 1, votes: 2 }, ...nodes(3).slice(1)], qdevice: { algorithm: 'lms' } }).refused).toMatch(/quorum.device.votes must be specified/);
    const refused = resolveVotequorum({ nodes: nodes(2), twoNode: true, qdevice: { algorithm: 'ffsplit', votes: 1 } });
    expect(describePartitions(refused, formCluster(refused))).toEqual([]);
  });
});
