import { describe, expect, it } from 'vitest';
import type { Facts } from '../../../../main/common/workspace/facts.js';
import type { Finding } from '../../../../main/common/workspace/rules/types.js';
import { clusterState, linkState, nodeState, reachEvidence } from './element-state.js';

const at = '2026-11-24T10:00:00Z';
const sample = (from: string, to: string, extra: Partial<NonNullable<Facts['latency']>['samples'][number]> = {}) => ({
  network: 'mgmt',
  from,
  to,
  toAddress: '198.18.0.2',
  sent: 5,
  received: 5,
  lossPercent: 0,
  avgMs: 0.4,
  measuredAt: at,
  ...extra,
});
const facts = (samples: ReturnType<typeof sample>[], runner = 'ssh'): Facts => ({ latency: { version: 1, measuredAt: at, runner, count: 5, intervalS: 0.2, samples } });
const finding = (severity: Finding['severity'], elements: Finding['elements'], extra: Partial<Finding> = {}): Finding => ({
  ruleId: 'test',
  severity,
  message: `a ${severity} finding`,
  elements,
  paths: [],
  remedy: '',
  source: { document: 'Proxmox VE admin guide' },
  ...extra,
});

describe('node state', () => {
  it('is grey when nothing reached the node, however many findings concern others', () => {
    const others = [finding('warning', [{ kind: 'node', name: 'pve2' }]), finding('info', [{ kind: 'node', name: 'pve1' }])];
    expect(nodeState('pve1', reachEvidence({}), others)).toMatchObject({ state: 'unmeasured' });
  });

  it('is green once a measurement ran on it over SSH, or it answered ping, and no finding stands', () => {
    const reach = reachEvidence({ facts: facts([sample('pve1', 'pve2')]) });
    expect(nodeState('pve1', reach, []).state).toBe('ok');
    expect(nodeState('pve1', reach, []).reason).toMatch(/over SSH/);
    expect(nodeState('pve2', reach, []).state).toBe('ok');
    expect(nodeState('pve2', reach, []).reason).toMatch(/^Answered ping from pve1 on mgmt/);
    expect(nodeState('pve3', reach, []).state).toBe('unmeasured');
  });

  it('does not count the source as reached when ping ran on this machine', () => {
    const reach = reachEvidence({ facts: facts([sample('pve1', 'pve2')], 'local') });
    expect(nodeState('pve1', reach, []).state).toBe('unmeasured');
    expect(nodeState('pve2', reach, []).state).toBe('ok');
  });

  it('does not count a peer that never answered as reached', () => {
    const reach = reachEvidence({ facts: facts([sample('pve1', 'pve2', { received: 0, lossPercent: 100 })]) });
    expect(nodeState('pve2', reach, []).state).toBe('unmeasured');
  });

  it('is red when every attempt to reach it failed, and says why', () => {
    const reach = reachEvidence({ facts: facts([sample('pve1', 'pve2', { error: 'connect ECONNREFUSED', received: 0, lossPercent: 100 })]) });
    expect(nodeState('pve1', reach, [])).toMatchObject({ state: 'error', reason: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('takes amber and red from findings, green only without one; accepted findings and infos do not count', () => {
    const reach = reachEvidence({ facts: facts([sample('pve1', 'pve2')]) });
    expect(nodeState('pve1', reach, [finding('warning', [{ kind: 'node', name: 'pve1' }])]).state).toBe('warning');
    expect(nodeState('pve1', reach, [finding('error', [{ kind: 'node', name: 'pve1' }]), finding('warning', [{ kind: 'node', name: 'pve1' }])]).state).toBe('error');
    expect(nodeState('pve1', reach, [finding('error', [{ kind: 'node', name: 'pve1' }], { accepted: true })]).state).toBe('ok');
    // A warning on a node nothing reached: amber (the layout was checked), with the reach said.
    expect(nodeState('pve3', reach, [finding('warning', [{ kind: 'node', name: 'pve3' }])])).toMatchObject({ state: 'warning', reason: expect.stringMatching(/not reached yet/) });
  });

  it('counts corosync stats read on a member, the peers it sees up, cluster members online, and open terminals', () => {
    const reach = reachEvidence({
      facts: { knet: [{ cluster: 'homelab', readAt: at, links: [{ local: 'pve1', nodeId: 2, peer: 'pve2', link: 0, connected: true }, { local: 'pve1', nodeId: 3, peer: 'pve3', link: 0, connected: false }] }] },
      clusters: { homelab: { quorate: true, checkedAt: at, nodes: [{ name: 'pve4', online: true }, { name: 'pve5', online: false }] } },
      terminals: [{ node: 'pve6', state: 'open' }, { node: 'pve7', state: 'failed' }],
    });
    expect(['pve1', 'pve2', 'pve4', 'pve6'].map((n) => nodeState(n, reach, []).state)).toEqual(['ok', 'ok', 'ok', 'ok']);
    expect(nodeState('pve3', reach, []).state).toBe('unmeasured');
    expect(nodeState('pve5', reach, [])).toMatchObject({ state: 'error', reason: expect.stringMatching(/reports it offline/) });
    expect(nodeState('pve7', reach, []).state).toBe('unmeasured');
  });
});

describe('link state', () => {
  const link = { network: 'ring0', a: 'pve1', b: 'pve3' };
  it('is grey unmeasured, green measured, red when the measurement failed or nothing came back', () => {
    expect(linkState(link, []).state).toBe('unmeasured');
    expect(linkState({ ...link, measured: { lossPercent: 0, hasFigure: true } }, []).state).toBe('ok');
    expect(linkState({ ...link, measured: { lossPercent: 100, hasFigure: false } }, []).state).toBe('error');
    expect(linkState({ ...link, measured: { lossPercent: 100, hasFigure: false, error: 'timeout' } }, []).reason).toMatch(/timeout/);
  });

  it('never turns green from an info finding, and takes warnings and errors on its network or on every network', () => {
    const info = finding('info', [{ kind: 'link', name: 'pve3', peer: 'pve1', network: 'ring0' }]);
    expect(linkState(link, [info]).state).toBe('unmeasured');
    expect(linkState(link, [finding('warning', [{ kind: 'link', name: 'pve3', peer: 'pve1', network: 'ring0' }])]).state).toBe('warning');
    expect(linkState(link, [finding('error', [{ kind: 'link', name: 'pve1', peer: 'pve3' }])]).state).toBe('error');
    expect(linkState(link, [finding('error', [{ kind: 'link', name: 'pve1', peer: 'pve3', network: 'ring1' }])]).state).toBe('unmeasured');
  });

  it('follows corosync: up counts as checked, down is red whatever ping said', () => {
    expect(linkState({ ...link, knet: { connected: true, seenFrom: ['pve1'], readAt: at } }, []).state).toBe('ok');
    expect(linkState({ ...link, measured: { lossPercent: 0, hasFigure: true }, knet: { connected: false, seenFrom: ['pve3'], readAt: at } }, [])).toMatchObject({ state: 'error', reason: expect.stringMatching(/down.*pve3/) });
  });
});

describe('cluster badge state', () => {
  it('is green only for a cluster read as quorate, red when not, grey when not read or unreadable', () => {
    expect(clusterState(undefined).state).toBe('unmeasured');
    expect(clusterState({ error: 'UNREACHABLE', checkedAt: at }).state).toBe('unmeasured');
    expect(clusterState({ quorate: true, nodes: [], checkedAt: at }).state).toBe('ok');
    expect(clusterState({ quorate: false, nodes: [], checkedAt: at }).state).toBe('error');
  });
});
