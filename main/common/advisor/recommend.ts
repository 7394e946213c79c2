// The approach advisor, pure: workspace + measured facts + the admin's answers → one recommendation and the
// alternatives ranked, each with its criteria side by side, the deciding figures and what would have to
// change. Every registered stack offers its approaches through StackDefinition.advisor.
import type { BaseWorkspace } from '../workspace/base.js';
import type { Facts } from '../workspace/facts.js';
import { defaultStacks, type StackList } from '../stacks/compose.js';
import { summarizeEstate } from './estate.js';
import type { Advice, AdvisorAnswers, Approach, Criterion, CriterionKind, Verdict } from './types.js';

/** How much each row weighs, given the answers. */
export function weights(answers: AdvisorAnswers): Record<CriterionKind, number> {
  return {
    latency: 3,
    quorum: 2,
    scale: 2,
    storage: 1,
    ha: answers.downtime === 'seconds' ? 3 : answers.downtime === 'minutes' ? 2 : 1,
    effort: answers.effort === 'low' ? 3 : answers.effort === 'medium' ? 2 : 1,
    'use-case': answers.workload === 'vms' ? 2 : 4,
    licence: 2,
  };
}

const points: Record<Verdict, number> = { fits: 1, strained: 0.4, fails: 0 };

export function scoreOf(criteria: readonly Criterion[], answers: AdvisorAnswers): number {
  const w = weights(answers);
  const total = criteria.reduce((sum, c) => sum + w[c.kind], 0);
  if (total === 0) return 0;
  return Math.round((100 * criteria.reduce((sum, c) => sum + w[c.kind] * points[c.verdict], 0)) / total);
}

export function recommend(workspace: BaseWorkspace, facts: Facts, answers: AdvisorAnswers, list: StackList = defaultStacks): Advice {
  const estate = summarizeEstate(workspace, facts);
  if (estate.nodeCount === 0) return { estate, answers, recommendation: undefined, ranked: [], reason: 'Add your sites and nodes first: the advisor weighs what the workspace holds.' };
  const approaches: Approach[] = list.flatMap((stack) =>
    (stack.advisor?.approaches(estate, answers) ?? []).map((draft) => {
      const viable = !draft.criteria.some((c) => c.hard && c.verdict === 'fails');
      return {
        ...draft,
        stack: stack.id,
        stackTitle: stack.title,
        viable,
        score: scoreOf(draft.criteria, answers),
        deciding: draft.criteria.filter((c) => c.deciding).map((c) => c.text),
      };
    }),
  );
  // Viable first, then the score; a tie keeps the registry's order.
  const ranked = approaches.map((a, i) => ({ a, i })).sort((x, y) => Number(y.a.viable) - Number(x.a.viable) || y.a.score - x.a.score || x.i - y.i).map((x) => x.a);
  const first = ranked[0];
  const recommendation = first?.viable ? first : undefined;
  return { estate, answers, recommendation, ranked, reason: reasonFor(ranked, answers) };
}

function reasonFor(ranked: readonly Approach[], answers: AdvisorAnswers): string {
  const [first, second] = ranked;
  if (!first) return 'No registered stack offers an approach for this estate.';
  if (!first.viable) return `Every approach fails a vendor's hard limit here; the closest is ${first.title}: ${first.changes[0] ?? 'see its criteria'}.`;
  const out = ranked.filter((a) => !a.viable).map((a) => `${a.title} is out: ${a.criteria.find((c) => c.hard && c.verdict === 'fails')?.text ?? 'a hard limit fails'}.`);
  if (!second?.viable) return [`${first.title} (${first.score}) fits.`, ...out].join(' ');
  const w = weights(answers);
  const better = first.criteria
    .filter((c) => c.verdict === 'fits' && second.criteria.some((d) => d.kind === c.kind && d.verdict !== 'fits'))
    .sort((x, y) => w[y.kind] - w[x.kind]);
  const lead = better[0] ?? first.criteria.find((c) => c.deciding);
  return [`${first.title} (${first.score}) over ${second.title} (${second.score})${lead ? `: ${lead.text}` : ''}.`, ...out].join(' ');
}
