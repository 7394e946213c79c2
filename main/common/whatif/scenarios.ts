// What-if partitions (pure): every single-site loss and single-link cut of an estate (plus what the admin
// picks, including sequences over time), evaluated by each cluster's quorum model, with one sentence per
// cluster such as "site b lost: a and c keep quorum, 3 of 5 votes". Stacks plug in a QuorumModel.
import { checkFailures, describeFailure, estateLinks, failureKey, Reachability, type Estate, type Failure } from './estate.js';

export interface ScenarioStep {
  fail?: Failure[];
  /** Failures that end at this step (a site back up, a link restored). */
  restore?: Failure[];
  /** Time that passes after this step before the next one (or before the reading), ms. */
  waitMs?: number;
}

export interface Scenario {
  id: string;
  title: string;
  steps: ScenarioStep[];
}

/** The estate during one step: the failures in force and who reaches whom. */
export interface StepView {
  failures: Failure[];
  reach: Reachability;
  waitMs: number;
}

/** One membership (partition) of a cluster once things settled. */
export interface GroupOutcome {
  sites: string[];
  members: string[];
  keepsQuorum: boolean;
  votes?: number;
  needed?: number;
  expected?: number;
  reason: string;
}

/** One way the cluster can settle; a model returns several when the outcome is not determined. */
export interface OutcomeAlternative {
  groups: GroupOutcome[];
  note?: string;
  /** Set when the cluster never settles in this case (memberships keep re-forming): why, in words. */
  unsettled?: string;
}

export interface ClusterOutcome {
  alternatives: OutcomeAlternative[];
  /** Configuration problems the stack's software would refuse or work around. */
  findings: string[];
}

/** A stack's quorum rule for one cluster: the only thing the what-if needs from a stack. */
export interface QuorumModel {
  stack: string;
  name: string;
  /** Sites holding its members and its arbiters (witness hosts): failures elsewhere do not touch it. */
  sites: string[];
  /** What a partition keeps, in the stack's words: "quorum" (default), "the objects"… */
  keeps?: string;
  evaluate(steps: StepView[]): ClusterOutcome;
}

export interface ClusterVerdict {
  stack: string;
  cluster: string;
  /** Whether the scenario touches the cluster's sites or their links at all. */
  affected: boolean;
  outcome: ClusterOutcome;
  sentence: string;
}

export interface ScenarioVerdict {
  scenario: Scenario;
  clusters: ClusterVerdict[];
}

/** A scenario of failures that happen together. */
export function failureScenario(failures: Failure[]): Scenario {
  return {
    id: failures.map(failureKey).join('+'),
    title: failures.map(describeFailure).join(' and '),
    steps: [{ fail: failures }],
  };
}

/** Every single-site loss and every single-link cut among `sites` (default: every site of the estate). */
export function singleFailureScenarios(estate: Estate, sites: string[] = estate.sites): Scenario[] {
  const inUse = new Set(sites);
  const siteLosses = estate.sites.filter((s) => inUse.has(s)).map((site) => failureScenario([{ kind: 'site', site }]));
  const cuts = estateLinks(estate)
    .filter(([a, b]) => inUse.has(a) && inUse.has(b))
    .map((between) => failureScenario([{ kind: 'link', between }]));
  return [...siteLosses, ...cuts];
}

/** The failures in force after each step. */
export function stepViews(estate: Estate, scenario: Scenario): StepView[] {
  const active = new Map<string, Failure>();
  const problems = scenario.steps.flatMap((s) => checkFailures(estate, [...(s.fail ?? []), ...(s.restore ?? [])]));
  if (problems.length) throw new Error(`Scenario "${scenario.title}": ${problems.join(' ')}`);
  return scenario.steps.map((step) => {
    for (const f of step.restore ?? []) active.delete(failureKey(f));
    for (const f of step.fail ?? []) active.set(failureKey(f), f);
    const failures = [...active.values()];
    return { failures, reach: new Reachability(estate, failures), waitMs: step.waitMs ?? 0 };
  });
}

function touches(model: QuorumModel, scenario: Scenario): boolean {
  const sites = new Set(model.sites);
  return scenario.steps.some((s) =>
    [...(s.fail ?? []), ...(s.restore ?? [])].some((f) => (f.kind === 'site' ? sites.has(f.site) : sites.has(f.between[0]) && sites.has(f.between[1]))),
  );
}

export function runScenario(estate: Estate, models: QuorumModel[], scenario: Scenario): ScenarioVerdict {
  const views = stepViews(estate, scenario);
  return {
    scenario,
    clusters: models.map((model) => {
      const outcome = model.evaluate(views);
      return { stack: model.stack, cluster: model.name, affected: touches(model, scenario), outcome, sentence: sentence(scenario.title, outcome, model.keeps ?? 'quorum') };
    }),
  };
}

/** Every single failure touching one of the clusters, then the scenarios the admin picked. */
export function whatIf(estate: Estate, models: QuorumModel[], picked: Scenario[] = []): ScenarioVerdict[] {
  const sites = estate.sites.filter((s) => models.some((m) => m.sites.includes(s)));
  return [...singleFailureScenarios(estate, sites), ...picked].map((s) => runScenario(estate, models, s));
}

/** "a", "a and c", "a, b and c". */
export function siteList(sites: string[]): string {
  if (sites.length <= 1) return sites.join('');
  return `${sites.slice(0, -1).join(', ')} and ${sites[sites.length - 1]}`;
}

function votesWords(g: GroupOutcome): string {
  return g.votes !== undefined && g.expected !== undefined ? `${g.votes} of ${g.expected} votes` : '';
}

function alternativeWords(alt: OutcomeAlternative, keeps: string): string {
  if (alt.unsettled) return `no stable outcome: ${alt.unsettled}`;
  const keepers = alt.groups.filter((g) => g.keepsQuorum);
  const losers = alt.groups.filter((g) => !g.keepsQuorum);
  const lost = losers.map((g) => `${siteList(g.sites)} ${g.sites.length > 1 ? 'do' : 'does'} not (${[votesWords(g), g.needed !== undefined ? `needs ${g.needed}` : ''].filter(Boolean).join(', ')})`);
  if (keepers.length === 0) {
    const why = losers.map((g) => `${siteList(g.sites)}: ${[votesWords(g), g.needed !== undefined ? `needs ${g.needed}` : ''].filter(Boolean).join(', ')}`);
    return `no partition keeps ${keeps}${why.length ? ` (${why.join('; ')})` : ''}`;
  }
  const kept = keepers.map((g) => `${siteList(g.sites)} ${g.sites.length > 1 ? 'keep' : 'keeps'} ${keeps}${votesWords(g) ? `, ${votesWords(g)}` : ''}`);
  const brain = keepers.length > 1 ? ' — both sides run on (split brain unless fencing settles it)' : '';
  return [kept.join(' and '), ...lost].join('; ') + brain;
}

/** "site b lost: a and c keep quorum, 3 of 5 votes". */
export function sentence(title: string, outcome: ClusterOutcome, keeps = 'quorum'): string {
  if (outcome.alternatives.length === 0) return `${title}: ${outcome.findings[0] ?? 'no prediction'}`;
  if (outcome.alternatives.length === 1) return `${title}: ${alternativeWords(outcome.alternatives[0]!, keeps)}`;
  const ways = outcome.alternatives.map((a) => alternativeWords(a, keeps));
  const note = outcome.alternatives.find((a) => a.note)?.note;
  return `${title}: one of ${ways.length} outcomes${note ? ` (${note})` : ''} — ${ways.map((w, i) => `${i + 1}) ${w}`).join('; ')}`;
}
