// The what-if's model of a vSAN cluster that is not stretched (FTT=1 mirroring): who keeps which objects after a
// host or site loss or a cut link, with the two fault domains a cluster keeps once stretching is disabled and
// with each host its own fault domain, and the layouts in which vSAN cannot place an FTT=1 object.
import { describe, expect, it } from 'vitest';
import { failureScenario, runScenario, sentence, type QuorumModel, type Scenario } from '../../whatif/scenarios.js';
import type { Workspace } from '../../workspace/schema.js';
import { standardClusterModel, standardFindings, standardOutcomes, vsanStandardLayout, type StandardClusterLayout } from './standard-quorum.js';

/** Hosts by site; `faultDomains`: the sites kept as fault domains (as after stretching was disabled), else each host its own. */
function layout(bySite: Record<string, string[]>, faultDomains: boolean): StandardClusterLayout {
  const hosts = Object.entries(bySite).flatMap(([site, names]) => names.map((host) => ({ host, site })));
  return { name: 'std', hosts, ...(faultDomains ? { faultDomains: Object.entries(bySite).map(([name, names]) => ({ name, hosts: names })) } : {}) };
}
const TWO_TWO = { a: ['a1', 'a2'], b: ['b1', 'b2'] };
const THREE_TWO = { a: ['a1', 'a2', 'a3'], b: ['b1', 'b2'] };
const estate = { sites: ['a', 'b', 'c'] };
const nothingLost: Scenario = { id: 'none', title: 'nothing lost', steps: [{}] };
const verdict = (model: QuorumModel, scenario: Scenario) => runScenario(estate, [model], scenario).clusters[0]!;
const siteLost = (site: string) => failureScenario([{ kind: 'site', site }]);
const cut = (a: string, b: string) => failureScenario([{ kind: 'link', between: [a, b] }]);
const ONE_OF_TWO = 'one of 2 outcomes (object by object: each object is in one of these cases, as vSAN placed its components, which the workspace does not record)';

describe('a vSAN cluster that is not stretched: the whole cluster up', () => {
  it('keeps every object with all three components when each host is its own fault domain', () => {
    const v = verdict(standardClusterModel(layout(TWO_TWO, false)), nothingLost);
    expect(v.sentence).toBe('nothing lost: a and b keep the objects, 3 of 3 votes');
    expect(v.outcome.alternatives[0]!.groups[0]!.reason).toBe('holds all three components of every object (two replicas and a witness component): 3 of 3 votes');
    expect(v.outcome.findings).toEqual([]);
  });

  it('keeps every object on its two replicas only when the two former sites stay fault domains: the witness component is missing', () => {
    const v = verdict(standardClusterModel(layout(TWO_TWO, true)), nothingLost);
    expect(v.sentence).toBe('nothing lost: a and b keep the objects, 2 of 3 votes');
    expect(v.outcome.alternatives[0]!.groups[0]!.reason).toMatch(/^holds both replicas of every object: 2 of 3 votes, .*the witness component is missing \(two fault domains leave no third for it\), so they are available but not compliant$/);
  });
});

describe('one host of four lost', () => {
  it('keeps every object when each host is its own fault domain: one lost host takes at most one of its three components', () => {
    const model = layout(TWO_TWO, false);
    const alternatives = standardOutcomes(model, [['a2', 'b1', 'b2']]);
    expect(alternatives).toHaveLength(1);
    const [group] = alternatives[0]!.groups;
    expect(group).toMatchObject({ sites: ['a', 'b'], members: ['a2', 'b1', 'b2'], keepsQuorum: true, votes: 2, needed: 2, expected: 3 });
    expect(group!.reason).toBe("holds two or all three components of every object (two replicas and a witness component, one vote each, on three different hosts): more than half, and any two include a full replica; only one of the cluster's 4 hosts is lost or elsewhere");
    // The same through the what-if, each host in a site of its own.
    const spread = standardClusterModel(layout({ a: ['h1'], b: ['h2'], c: ['h3'], d: ['h4'] }, false));
    expect(runScenario({ sites: ['a', 'b', 'c', 'd'] }, [spread], siteLost('d')).clusters[0]!.sentence).toBe('site d lost: a, b and c keep the objects, 2 of 3 votes');
  });

  it('loses the objects whose replica was on it when the two former sites stay fault domains, and says it cannot tell which', () => {
    const alternatives = standardOutcomes(layout(TWO_TWO, true), [['a2', 'b1', 'b2']]);
    expect(sentence('a1 lost', { alternatives, findings: [] }, 'the objects')).toBe(`a1 lost: ${ONE_OF_TWO} — 1) a and b keep the objects, 2 of 3 votes; 2) no partition keeps the objects (a and b: 1 of 3 votes, needs 2)`);
    expect(alternatives[0]!.groups[0]!.reason).toMatch(/^holds both replicas of these objects: /);
    expect(alternatives[1]!.groups[0]!.reason).toBe('holds one of the two replicas of these objects and the witness component is missing (two fault domains leave no third for it): not more than half of 3 votes');
  });

  it('keeps every object with three fault domains of two hosts when one host is lost', () => {
    const alternatives = standardOutcomes(layout({ a: ['a1', 'a2'], b: ['b1', 'b2'], c: ['c1', 'c2'] }, true), [['a2', 'b1', 'b2', 'c1', 'c2']]);
    expect(alternatives.map((a) => a.groups.map((g) => [g.keepsQuorum, g.votes]))).toEqual([[[true, 2]]]);
    expect(alternatives[0]!.groups[0]!.reason).toMatch(/on three different fault domains\): .*; only one of the cluster's 3 fault domains has a host lost or elsewhere$/);
  });
});

describe('a site (fault domain) of two hosts lost, of 2 + 2', () => {
  it('loses every object when the sites stay fault domains: the other site holds one replica', () => {
    const v = verdict(standardClusterModel(layout(TWO_TWO, true)), siteLost('a'));
    expect(v.sentence).toBe('site a lost: no partition keeps the objects (b: 1 of 3 votes, needs 2)');
    expect(v.outcome.alternatives[0]!.groups[0]!.reason).toMatch(/^holds one of the two replicas of every object /);
  });

  it('keeps the objects with two components on the other site and loses the rest when each host is its own fault domain', () => {
    const v = verdict(standardClusterModel(layout(TWO_TWO, false)), siteLost('a'));
    expect(v.sentence).toBe(`site a lost: ${ONE_OF_TWO} — 1) b keeps the objects, 2 of 3 votes; 2) no partition keeps the objects (b: 1 of 3 votes, needs 2)`);
    expect(v.outcome.alternatives.map((a) => a.groups[0]!.reason)).toEqual([
      'holds two of the three components of these objects (two replicas and a witness component, one vote each, on three different hosts): more than half, and any two include a full replica',
      'holds one of the three components of these objects: not more than half of 3 votes',
    ]);
  });

  it('keeps every object when the site lost is one of three fault domains', () => {
    const three = standardClusterModel(layout({ a: ['a1', 'a2'], b: ['b1', 'b2'], c: ['c1', 'c2'] }, true));
    expect(verdict(three, siteLost('a')).sentence).toBe('site a lost: b and c keep the objects, 2 of 3 votes');
  });
});

describe('the link between the two former sites cut', () => {
  it('leaves every object unavailable when the sites stay fault domains, 2 + 2 and 3 + 2 alike: each side holds one replica', () => {
    for (const bySite of [TWO_TWO, THREE_TWO]) {
      const v = verdict(standardClusterModel(layout(bySite, true)), cut('a', 'b'));
      expect(v.sentence).toBe('link a–b cut: no partition keeps the objects (a: 1 of 3 votes, needs 2; b: 1 of 3 votes, needs 2)');
      expect(v.outcome.alternatives).toHaveLength(1);
    }
  });

  it('keeps each object on exactly one side when each host is its own fault domain: 2 + 2 with two and one components', () => {
    const v = verdict(standardClusterModel(layout(TWO_TWO, false)), cut('a', 'b'));
    expect(v.sentence).toBe(`link a–b cut: ${ONE_OF_TWO} — 1) a keeps the objects, 2 of 3 votes; b does not (1 of 3 votes, needs 2); 2) b keeps the objects, 2 of 3 votes; a does not (1 of 3 votes, needs 2)`);
    expect(v.outcome.alternatives[0]!.groups.map((g) => g.reason)).toEqual([
      'holds two of the three components of these objects (two replicas and a witness component, one vote each, on three different hosts): more than half, and any two include a full replica',
      'holds one of the three components of these objects: not more than half of 3 votes (a holds the rest)',
    ]);
  });

  it('3 + 2 with each host its own fault domain: the three-host side can hold all three components, the two-host side at most two; no object is lost', () => {
    const v = verdict(standardClusterModel(layout(THREE_TWO, false)), cut('a', 'b'));
    expect(v.outcome.alternatives.map((a) => a.groups.map((g) => [g.sites[0], g.keepsQuorum]))).toEqual([
      [['a', true], ['b', false]],
      [['a', false], ['b', true]],
    ]);
    const [aKeeps, bKeeps] = v.outcome.alternatives;
    expect(aKeeps!.groups[0]!.reason).toMatch(/^holds two or all three components of these objects /);
    expect(aKeeps!.groups[1]!.reason).toBe('holds none or one of the three components of these objects: not more than half of 3 votes (a holds the rest)');
    expect(bKeeps!.groups[1]!.reason).toMatch(/^holds two of the three components of these objects /);
    expect(v.sentence).not.toMatch(/no partition keeps/);
  });

  it('gives every membership vSAN may form when the links left are not transitive', () => {
    const three = standardClusterModel(layout({ a: ['a1'], b: ['b1'], c: ['c1'] }, false));
    const v = verdict(three, cut('a', 'b'));
    expect(v.outcome.alternatives.map((a) => a.groups.map((g) => `${g.sites.join('+')}:${g.keepsQuorum}`))).toEqual([['a+c:true', 'b:false'], ['a:false', 'b+c:true']]);
    expect(v.outcome.alternatives[0]!.note).toBe('the partitions vSAN forms are not determined (the links left are not transitive)');
  });
});

describe('the layouts in which vSAN cannot place an FTT=1 object', () => {
  it('says that fewer than three hosts cannot hold two replicas and a witness component, and predicts nothing for one host', () => {
    expect(standardFindings(layout({ a: ['a1'], b: ['b1'] }, false))).toEqual([
      'vSAN cluster std has 2 hosts: FTT=1 mirroring (the default storage policy) needs three, for two replicas and a witness component on three different hosts, so vSAN cannot place its objects that way (only force-provisioned, with one copy)',
    ]);
    expect(standardFindings(layout({ a: ['a1'], b: [] }, true))[0]).toMatch(/^vSAN cluster std has 1 host: /);
    const single = standardClusterModel(layout({ a: ['a1'] }, false));
    expect(verdict(single, nothingLost).sentence).toBe('nothing lost: vSAN cluster std has 1 host: FTT=1 mirroring (the default storage policy) needs three, for two replicas and a witness component on three different hosts, so vSAN cannot place its objects that way (only force-provisioned, with one copy)');
  });

  it('says that two fault domains leave no third for the witness component, and not when there are three or none', () => {
    expect(standardFindings(layout(THREE_TWO, true))).toEqual([
      'vSAN cluster std has two fault domains (a and b): FTT=1 mirroring needs three (2 × FTT + 1), one per replica and one for the witness component, so vSAN cannot rebuild the witness components the witness host held. Each object has only its two replicas (2 of 3 votes), and a partition keeps it only with both; delete the fault domains (each host is then its own) or add a third one, then repair the objects',
    ]);
    expect(standardFindings(layout({ a: ['a1', 'a2', 'a3'], b: [] }, true))).toEqual([expect.stringMatching(/^vSAN cluster std has one fault domain \(a\): FTT=1 mirroring needs three/)]);
    expect(standardFindings(layout(THREE_TWO, false))).toEqual([]);
    expect(standardFindings(layout({ a: ['a1'], b: ['b1'], c: ['c1'] }, true))).toEqual([]);
    expect(standardClusterModel(layout(TWO_TWO, true)).evaluate([]).findings).toHaveLength(1);
  });
});

describe('a workspace vSAN cluster whose stretching was disabled', () => {
  const workspace: Pick<Workspace, 'vsan'> = {
    vsan: {
      clusters: [
        { name: 'plain', vcenter: { endpoint: 'vc.example' }, stretched: false, preferredSite: { site: 'a', hosts: ['a1', 'a2'] }, secondarySite: { site: 'b', hosts: ['b1'] } },
        { name: 'stretch', vcenter: { endpoint: 'vc.example' }, preferredSite: { site: 'a', hosts: ['a3'] }, secondarySite: { site: 'b', hosts: ['b3'] }, witness: { host: 'w', site: 'c' } },
      ],
    },
  };

  it('reads as its hosts in their sites with the two sites kept as fault domains', () => {
    expect(vsanStandardLayout(workspace, 'plain')).toEqual({
      name: 'plain',
      hosts: [{ host: 'a1', site: 'a' }, { host: 'a2', site: 'a' }, { host: 'b1', site: 'b' }],
      faultDomains: [{ name: 'a', hosts: ['a1', 'a2'] }, { name: 'b', hosts: ['b1'] }],
    });
    expect(() => vsanStandardLayout(workspace, 'stretch')).toThrow('vSAN cluster "stretch" is stretched (it has a witness): use its stretched-cluster layout.');
    expect(() => vsanStandardLayout(workspace, 'other')).toThrow('The workspace has no vSAN cluster "other".');
  });
});
