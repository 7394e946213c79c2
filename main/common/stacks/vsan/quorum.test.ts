import { describe, expect, it } from 'vitest';
import type { Workspace } from '../../workspace/schema.js';
import { failureScenario, runScenario, whatIf } from '../../whatif/scenarios.js';
import { stretchedClusterModel, vsanClusterLayout, type StretchedClusterLayout } from './quorum.js';

const layout: StretchedClusterLayout = {
  name: 'stretch',
  preferred: { site: 'a', hosts: ['esx-a1', 'esx-a2'] },
  secondary: { site: 'b', hosts: ['esx-b1', 'esx-b2'] },
  witness: { site: 'w', host: 'witness' },
};
const estate = { sites: ['a', 'b', 'w'] };
const keeper = (title: string, model = stretchedClusterModel(layout)) => {
  const verdict = whatIf(estate, [model]).find((v) => v.scenario.title === title)!.clusters[0]!;
  return { sentence: verdict.sentence, groups: verdict.outcome.alternatives[0]!.groups };
};

// VMware's stretched cluster failure handling table, one row per test, plus the witness-link cases.
describe('vSAN stretched cluster: who keeps the objects', () => {
  it('keeps them on the preferred site and the witness when the inter-site link fails', () => {
    const { sentence, groups } = keeper('link a–b cut');
    expect(sentence).toBe('link a–b cut: a and w keep the objects, 2 of 3 votes; b does not (1 of 3 votes, needs 2)');
    expect(groups[0]!.reason).toMatch(/the witness sides with the preferred site/);
  });

  it('keeps them on the preferred site and the witness when the secondary site fails', () => {
    expect(keeper('site b lost').sentence).toBe('site b lost: a and w keep the objects, 2 of 3 votes');
  });

  it('keeps them on the secondary site when the preferred site fails, if the secondary still reaches the witness', () => {
    expect(keeper('site a lost').sentence).toBe('site a lost: b and w keep the objects, 2 of 3 votes');
    const isolated = runScenario(estate, [stretchedClusterModel(layout)], failureScenario([{ kind: 'link', between: ['a', 'b'] }, { kind: 'link', between: ['a', 'w'] }]));
    expect(isolated.clusters[0]!.sentence).toBe('link a–b cut and link a–w cut: b and w keep the objects, 2 of 3 votes; a does not (1 of 3 votes, needs 2)');
    expect(isolated.clusters[0]!.outcome.alternatives[0]!.groups[1]!.reason).toMatch(/the preferred site is cut off/);
  });

  it('keeps them on both data sites when the witness fails or loses a link (non-compliant, still available)', () => {
    expect(keeper('site w lost').sentence).toBe('site w lost: a and b keep the objects, 2 of 3 votes');
    const { sentence, groups } = keeper('link a–w cut');
    expect(sentence).toBe('link a–w cut: a and b keep the objects, 2 of 3 votes; w does not (1 of 3 votes, needs 2)');
    expect(groups[0]!.reason).toMatch(/witness is out of the cluster/);
  });

  it('moves them to the secondary site when the ISL fails after the witness lost the preferred site', () => {
    const sequence = { id: 's', title: 'link a–w cut, then link a–b cut', steps: [{ fail: [{ kind: 'link' as const, between: ['a', 'w'] as [string, string] }] }, { fail: [{ kind: 'link' as const, between: ['a', 'b'] as [string, string] }] }] };
    expect(runScenario(estate, [stretchedClusterModel(layout)], sequence).clusters[0]!.sentence).toBe('link a–w cut, then link a–b cut: b and w keep the objects, 2 of 3 votes; a does not (1 of 3 votes, needs 2)');
  });

  it('loses them when the witness and the ISL fail together', () => {
    const both = runScenario(estate, [stretchedClusterModel(layout)], failureScenario([{ kind: 'site', site: 'w' }, { kind: 'link', between: ['a', 'b'] }]));
    expect(both.clusters[0]!.sentence).toBe('site w lost and link a–b cut: no partition keeps the objects (a: 1 of 3 votes, needs 2; b: 1 of 3 votes, needs 2)');
  });

  it('keeps them on the surviving site when the witness fails after a site loss (vSAN 7.0 U3 witness failure resilience), not before it', () => {
    const sequence = { id: 's', title: 'site b lost, then site w lost', steps: [{ fail: [{ kind: 'site' as const, site: 'b' }], waitMs: 60_000 }, { fail: [{ kind: 'site' as const, site: 'w' }] }] };
    expect(runScenario(estate, [stretchedClusterModel(layout)], sequence).clusters[0]!.sentence).toBe('site b lost, then site w lost: a keeps the objects');
    const older = stretchedClusterModel({ ...layout, witnessFailureResilience: false });
    expect(runScenario(estate, [older], sequence).clusters[0]!.sentence).toBe('site b lost, then site w lost: no partition keeps the objects (a: 1 of 3 votes, needs 2)');
    const atOnce = failureScenario([{ kind: 'site', site: 'b' }, { kind: 'site', site: 'w' }]);
    expect(runScenario(estate, [stretchedClusterModel(layout)], atOnce).clusters[0]!.sentence).toBe('site b lost and site w lost: no partition keeps the objects (a: 1 of 3 votes, needs 2)');
  });

  it('reads a workspace vSAN cluster and flags sites that are not distinct', () => {
    const workspace: Pick<Workspace, 'vsan'> = {
      vsan: {
        clusters: [
          {
            name: 'stretch',
            vcenter: { endpoint: 'vc.example' },
            preferredSite: { site: 'a', hosts: ['esx-a1'] },
            secondarySite: { site: 'b', hosts: ['esx-b1'] },
            witness: { host: 'witness', site: 'w' },
          },
        ],
      },
    };
    expect(vsanClusterLayout(workspace, 'stretch')).toEqual({ name: 'stretch', preferred: { site: 'a', hosts: ['esx-a1'] }, secondary: { site: 'b', hosts: ['esx-b1'] }, witness: { site: 'w', host: 'witness' } });
    expect(() => vsanClusterLayout(workspace, 'other')).toThrow('The workspace has no vSAN cluster "other".');
    const same = stretchedClusterModel({ ...layout, witness: { site: 'a', host: 'witness' } });
    expect(same.evaluate([]).findings).toEqual(['a stretched cluster needs the preferred site, the secondary site and the witness in three different sites']);
  });
});
