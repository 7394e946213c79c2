import { describe, expect, it } from 'vitest';
import type { Workspace } from '../../workspace/schema.js';
import { failureScenario, runScenario, whatIf } from '../../whatif/scenarios.js';
import { corosyncQuorumModel, predictCorosync, proxmoxClusterLayout, type CorosyncClusterLayout } from './whatif.js';
import { stepViews } from '../../whatif/scenarios.js';

// assets/labs/three-sites.yml as one cluster: a1, a2 at home, b1 across town, c1 far away.
const threeSites: CorosyncClusterLayout = {
  name: 'homelab',
  nodes: [
    { name: 'a1', site: 'a' },
    { name: 'a2', site: 'a' },
    { name: 'b1', site: 'b' },
    { name: 'c1', site: 'c' },
  ],
};
// assets/labs/proxmox-two-nodes-qdevice.yml: a1, b1 and qnetd at the witness site (ffsplit, 1 vote).
const twoWithQdevice: CorosyncClusterLayout = {
  name: 'homelab',
  nodes: [
    { name: 'a1', site: 'a' },
    { name: 'b1', site: 'b' },
  ],
  qdevice: { site: 'witness', algorithm: 'ffsplit', votes: 1 },
};

const sentenceFor = (layout: CorosyncClusterLayout, sites: string[], title: string) =>
  whatIf({ sites }, [corosyncQuorumModel(layout)]).find((v) => v.scenario.title === title)!.clusters[0]!.sentence;

describe('what-if for a corosync cluster', () => {
  it('says who keeps quorum when a site of three-sites is lost', () => {
    expect(sentenceFor(threeSites, ['a', 'b', 'c'], 'site b lost')).toBe('site b lost: a and c keep quorum, 3 of 4 votes');
    expect(sentenceFor(threeSites, ['a', 'b', 'c'], 'site a lost')).toBe('site a lost: no partition keeps quorum (b and c: 2 of 4 votes, needs 3)');
  });

  it('gives both ways a non-transitive cut can go, as corosync drops one side', () => {
    const s = sentenceFor(threeSites, ['a', 'b', 'c'], 'link a–c cut');
    expect(s).toMatch(/^link a–c cut: one of 2 outcomes \(links are not transitive: corosync drops one side/);
    expect(s).toContain('1) a and b keep quorum, 3 of 4 votes; c does not (1 of 4 votes, needs 3)');
    expect(s).toContain('2) no partition keeps quorum (a: 2 of 4 votes, needs 3; b and c: 2 of 4 votes, needs 3)');
  });

  it('lets the QDevice pick the half with the lowest node id, and counts its vote per node', () => {
    expect(sentenceFor(twoWithQdevice, ['a', 'b', 'witness'], 'link a–b cut')).toBe('link a–b cut: a keeps quorum, 2 of 3 votes; b does not (1 of 3 votes, needs 2)');
    expect(sentenceFor(twoWithQdevice, ['a', 'b', 'witness'], 'site witness lost')).toBe('site witness lost: a and b keep quorum, 2 of 3 votes');
    const cut = runScenario({ sites: ['a', 'b', 'witness'] }, [corosyncQuorumModel(twoWithQdevice)], failureScenario([{ kind: 'link', between: ['a', 'witness'] }]));
    expect(cut.clusters[0]!.outcome.alternatives[0]!.groups.map((g) => [g.members, g.votes, g.keepsQuorum])).toEqual([
      [['a1'], 2, true],
      [['b1'], 3, true],
    ]);
  });

  it('predicts a stall, not an outcome, for a non-transitive cut in a cluster with a QDevice', () => {
    const layout: CorosyncClusterLayout = { ...threeSites, nodes: threeSites.nodes.filter((n) => n.name !== 'a2'), qdevice: { site: 'w', algorithm: 'lms' } };
    const views = stepViews({ sites: ['a', 'b', 'c', 'w'] }, failureScenario([{ kind: 'link', between: ['a', 'b'] }]));
    expect(predictCorosync(layout, views).unsettled).toMatch(/no sync completes/);
    expect(sentenceFor(layout, ['a', 'b', 'c', 'w'], 'link a–b cut')).toMatch(/^link a–b cut: no stable outcome: links are not transitive/);
    // The same cut without the QDevice settles (quorum as computed, memberships re-forming).
    expect(predictCorosync({ ...layout, qdevice: undefined } as CorosyncClusterLayout, views).unsettled).toBeUndefined();
  });

  it('follows last_man_standing over a sequence of losses', () => {
    const layout: CorosyncClusterLayout = { ...threeSites, quorum: { lastManStanding: true, lastManStandingWindowMs: 10_000, waitForAll: true } };
    const model = corosyncQuorumModel(layout);
    const sequence = {
      id: 'seq',
      title: 'site c lost, 10 s later site b lost',
      steps: [{ fail: [{ kind: 'site' as const, site: 'c' }], waitMs: 10_000 }, { fail: [{ kind: 'site' as const, site: 'b' }] }],
    };
    expect(runScenario({ sites: ['a', 'b', 'c'] }, [model], sequence).clusters[0]!.sentence).toBe('site c lost, 10 s later site b lost: a keeps quorum, 2 of 3 votes');
    const together = failureScenario([{ kind: 'site', site: 'c' }, { kind: 'site', site: 'b' }]);
    expect(runScenario({ sites: ['a', 'b', 'c'] }, [model], together).clusters[0]!.sentence).toBe('site c lost and site b lost: no partition keeps quorum (a: 2 of 4 votes, needs 3)');
  });

  it('reports a configuration corosync refuses instead of an outcome', () => {
    const model = corosyncQuorumModel({ ...twoWithQdevice, quorum: { twoNode: true } });
    const verdict = runScenario({ sites: ['a', 'b', 'witness'] }, [model], failureScenario([{ kind: 'site', site: 'a' }]));
    expect(verdict.clusters[0]!.outcome.findings[0]).toBe('corosync refuses to start: configuration error: two_node and quorum device cannot be configured at the same time');
    expect(verdict.clusters[0]!.sentence).toBe('site a lost: corosync refuses to start: configuration error: two_node and quorum device cannot be configured at the same time');
  });
});

describe('a workspace Proxmox cluster as a what-if layout', () => {
  const workspace: Pick<Workspace, 'nodes' | 'proxmox'> = {
    nodes: ['pve1', 'pve2', 'pve3', 'pve4', 'qnetd'].map((name, i) => ({ name, site: ['a', 'a', 'b', 'b', 'w'][i]!, addresses: {} })),
    proxmox: {
      clusters: [
        {
          name: 'prod',
          nodes: ['pve1', 'pve2', 'pve3', 'pve4'],
          nodeIds: { pve3: 1 },
          votes: { pve4: 2 },
          links: [{ link: 0, network: 'corosync' }],
          qdevice: { host: 'qnetd', algorithm: 'lms' },
        },
      ],
    },
  };

  it('gives pinned node ids first and the lowest free ones in list order, with votes and the QDevice site', () => {
    const layout = proxmoxClusterLayout(workspace, 'prod');
    expect(layout.nodes.map((n) => [n.name, n.site, n.nodeId, n.votes])).toEqual([
      ['pve1', 'a', 2, undefined],
      ['pve2', 'a', 3, undefined],
      ['pve3', 'b', 1, undefined],
      ['pve4', 'b', 4, 2],
    ]);
    expect(layout.qdevice).toEqual({ site: 'w', algorithm: 'lms' });
  });

  it('refuses a cluster or node the workspace does not have', () => {
    expect(() => proxmoxClusterLayout(workspace, 'nope')).toThrow('The workspace has no Proxmox cluster "nope".');
    const broken = { ...workspace, nodes: workspace.nodes.filter((n) => n.name !== 'pve2') };
    expect(() => proxmoxClusterLayout(broken, 'prod')).toThrow('Cluster prod names node "pve2", which the workspace does not define.');
  });
});
