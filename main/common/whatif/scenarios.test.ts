import { describe, expect, it } from 'vitest';
import { membershipAlternatives, type Estate } from './estate.js';
import { failureScenario, runScenario, sentence, singleFailureScenarios, siteList, stepViews, whatIf, type QuorumModel, type StepView } from './scenarios.js';

const estate: Estate = { sites: ['a', 'b', 'c', 'w'] };

/** A test-only stack: a cluster whose partitions keep quorum with more than half of its sites' nodes. */
function majorityModel(name: string, nodesBySite: Record<string, number>): QuorumModel {
  const total = Object.values(nodesBySite).reduce((s, n) => s + n, 0);
  return {
    stack: 'test',
    name,
    sites: Object.keys(nodesBySite),
    evaluate(steps: StepView[]) {
      const last = steps[steps.length - 1]!;
      return {
        alternatives: membershipAlternatives(Object.keys(nodesBySite), last.reach).map((g) => ({
          groups: g.groups.map((sites) => {
            const votes = sites.reduce((s, site) => s + (nodesBySite[site] ?? 0), 0);
            const needed = Math.floor(total / 2) + 1;
            return { sites, members: sites, keepsQuorum: votes >= needed, votes, needed, expected: total, reason: `${votes} of ${total}` };
          }),
        })),
        findings: [],
      };
    },
  };
}

describe('what-if scenarios', () => {
  it('lists every single-site loss and single-link cut among the sites in use', () => {
    const titles = singleFailureScenarios(estate, ['a', 'b', 'c']).map((s) => s.title);
    expect(titles).toEqual(['site a lost', 'site b lost', 'site c lost', 'link a–b cut', 'link a–c cut', 'link b–c cut']);
  });

  it('words the outcome as the admin reads it', () => {
    const model = majorityModel('homelab', { a: 2, b: 2, c: 1 });
    const verdict = runScenario(estate, [model], failureScenario([{ kind: 'site', site: 'b' }]));
    expect(verdict.clusters[0]!.sentence).toBe('site b lost: a and c keep quorum, 3 of 5 votes');
    const cut = runScenario(estate, [model], failureScenario([{ kind: 'link', between: ['a', 'b'] }]));
    expect(cut.clusters[0]!.sentence).toMatch(/^link a–b cut: one of 2 outcomes — 1\) a and c keep quorum, 3 of 5 votes; b does not \(2 of 5 votes, needs 3\); 2\) /);
    const two = runScenario(estate, [model], failureScenario([{ kind: 'site', site: 'a' }, { kind: 'site', site: 'b' }]));
    expect(two.clusters[0]!.sentence).toBe('site a lost and site b lost: no partition keeps quorum (c: 1 of 5 votes, needs 3)');
  });

  it('marks clusters a scenario does not touch, and runs the picked scenarios after the single ones', () => {
    const models = [majorityModel('east', { a: 1, b: 1, c: 1 }), majorityModel('west', { w: 1 })];
    const picked = failureScenario([{ kind: 'link', between: ['a', 'b'] }, { kind: 'link', between: ['a', 'c'] }]);
    const verdicts = whatIf(estate, models, [picked]);
    expect(verdicts.map((v) => v.scenario.title)).toContain('link a–b cut and link a–c cut');
    const siteA = verdicts.find((v) => v.scenario.title === 'site a lost')!;
    expect(siteA.clusters.map((c) => [c.cluster, c.affected])).toEqual([
      ['east', true],
      ['west', false],
    ]);
    expect(verdicts.at(-1)!.clusters[0]!.sentence).toBe('link a–b cut and link a–c cut: b and c keep quorum, 2 of 3 votes; a does not (1 of 3 votes, needs 2)');
  });

  it('carries failures through the steps of a sequence and lifts the restored ones', () => {
    const views = stepViews(estate, {
      id: 'seq',
      title: 'c, then b, then c back',
      steps: [{ fail: [{ kind: 'site', site: 'c' }], waitMs: 10_000 }, { fail: [{ kind: 'site', site: 'b' }] }, { restore: [{ kind: 'site', site: 'c' }] }],
    });
    expect(views.map((v) => [v.failures.map((f) => (f.kind === 'site' ? f.site : '')), v.waitMs])).toEqual([
      [['c'], 10_000],
      [['c', 'b'], 0],
      [['b'], 0],
    ]);
    expect(() => stepViews(estate, failureScenario([{ kind: 'site', site: 'z' }]))).toThrow(/There is no site "z"/);
  });

  it('reports a split brain and a stall plainly', () => {
    const brain = sentence('link a–b cut', {
      alternatives: [{ groups: [{ sites: ['a'], members: ['n1'], keepsQuorum: true, votes: 1, expected: 2, reason: '' }, { sites: ['b'], members: ['n2'], keepsQuorum: true, votes: 1, expected: 2, reason: '' }] }],
      findings: [],
    });
    expect(brain).toBe('link a–b cut: a keeps quorum, 1 of 2 votes and b keeps quorum, 1 of 2 votes — both sides run on (split brain unless fencing settles it)');
    expect(sentence('link a–c cut', { alternatives: [{ groups: [], unsettled: 'it keeps re-forming' }], findings: [] })).toBe('link a–c cut: no stable outcome: it keeps re-forming');
    expect(siteList(['a', 'b', 'c'])).toBe('a, b and c');
  });
});
