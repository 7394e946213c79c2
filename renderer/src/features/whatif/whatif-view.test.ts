import { describe, expect, it } from 'vitest';
import { parseWorkspace } from '../../../../main/common/workspace/parse.js';
import { caveatsOf, whatIfView } from './whatif-view.js';
import { unstretchedVsanYaml } from './test-workspaces.js';

const yaml = `version: 1
name: w
sites:
  - { name: a, kind: lan }
  - { name: b, kind: man }
  - { name: c, kind: wan }
networks:
  - { name: ring0, roles: [corosync], cidr: 10.0.0.0/24 }
nodes:
  - { name: a1, site: a, addresses: { ring0: 10.0.0.1 } }
  - { name: a2, site: a, addresses: { ring0: 10.0.0.2 } }
  - { name: b1, site: b, addresses: { ring0: 10.0.0.3 } }
  - { name: c1, site: c, addresses: { ring0: 10.0.0.4 } }
  - { name: c2, site: c, addresses: { ring0: 10.0.0.5 } }
proxmox:
  clusters:
    - name: lab
      nodes: [a1, a2, b1, c1, c2]
      links: [{ link: 0, network: ring0 }]
`;

describe('the what-if overlay', () => {
  const workspace = parseWorkspace(yaml).workspace!;

  it('says which sites keep quorum when the admin cuts a site', () => {
    const view = whatIfView(workspace, [{ kind: 'site', site: 'b' }]);
    expect(view.picked!.clusters[0]!.sentence).toBe('site b lost: a and c keep quorum, 4 of 5 votes');
    expect(Object.fromEntries(view.sites)).toEqual({ b: 'lost', a: 'keeps', c: 'keeps' });
    // Five votes over three sites: nothing to qualify the verdicts with.
    expect(view.caveats).toEqual([]);
    expect(caveatsOf(view.picked!.clusters[0]!)).toEqual([]);
  });

  it('colours both sides of a cut link, and lists every single failure', () => {
    const view = whatIfView(workspace, [
      { kind: 'link', between: ['a', 'c'] },
      { kind: 'link', between: ['b', 'c'] },
    ]);
    expect(Object.fromEntries(view.sites)).toEqual({ a: 'keeps', b: 'keeps', c: 'loses' });
    expect(view.singles.map((s) => s.scenario.title)).toEqual(['site a lost', 'site b lost', 'site c lost', 'link a–b cut', 'link a–c cut', 'link b–c cut']);
  });

  it('ignores a failure of a site the workspace no longer has', () => {
    expect(whatIfView(workspace, [{ kind: 'site', site: 'gone' }]).picked).toBeUndefined();
  });
});


describe('the what-if overlay for a vSAN cluster that is no longer stretched', () => {
  const parsed = parseWorkspace(unstretchedVsanYaml);

  it('predicts it like any other cluster: a cut between its two fault domains leaves both sides without the objects', () => {
    expect(parsed.ok).toBe(true);
    const view = whatIfView(parsed.workspace!, [{ kind: 'link', between: ['a', 'b'] }]);
    expect(view.noClusters).toBe(false);
    expect(view.picked!.clusters.map((c) => [c.cluster, c.sentence])).toEqual([['plain', 'link a–b cut: no partition keeps the objects (a: 1 of 3 votes, needs 2; b: 1 of 3 votes, needs 2)']]);
    expect(Object.fromEntries(view.sites)).toEqual({ a: 'loses', b: 'loses' });
    expect(view.singles.map((s) => s.clusters[0]!.sentence)).toEqual([
      'site a lost: no partition keeps the objects (b: 1 of 3 votes, needs 2)',
      'site b lost: no partition keeps the objects (a: 1 of 3 votes, needs 2)',
      'link a–b cut: no partition keeps the objects (a: 1 of 3 votes, needs 2; b: 1 of 3 votes, needs 2)',
    ]);
  });

  it('carries the finding that qualifies these verdicts beside them: two fault domains leave no third for the witness components', () => {
    const view = whatIfView(parsed.workspace!, [{ kind: 'link', between: ['a', 'b'] }]);
    const twoFaultDomains = expect.stringMatching(/^vSAN cluster plain has two fault domains \(a and b\): FTT=1 mirroring needs three .*each object has only its two replicas/i);
    expect(caveatsOf(view.picked!.clusters[0]!)).toEqual([twoFaultDomains]);
    // Once for the cluster's single failures, not once per failure.
    expect(view.caveats).toEqual([{ stack: 'vsan', cluster: 'plain', findings: [twoFaultDomains] }]);
    expect(whatIfView(parsed.workspace!, []).caveats).toEqual(view.caveats);
  });

  it('leaves out the finding a verdict without any outcome already says, and keeps the others', () => {
    const verdict = { stack: 'vsan', cluster: 'x', affected: true, sentence: 'site a lost: first', outcome: { alternatives: [], findings: ['first', 'second'] } };
    expect(caveatsOf(verdict)).toEqual(['second']);
    expect(caveatsOf({ ...verdict, outcome: { alternatives: [{ groups: [] }], findings: ['first', 'second'] } })).toEqual(['first', 'second']);
  });
});
