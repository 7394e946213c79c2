// What the approach advisor reads and returns: the estate as sites and measured site-to-site figures, the
// admin's answers, and approaches with their criteria side by side. Stacks describe their own approaches
// (StackDefinition.advisor); nothing here names a stack.
import type { ScoreLine } from '../scorecard/types.js';
import type { Facts } from '../workspace/facts.js';
import type { RuleSource } from '../workspace/rules/types.js';
import type { StackGroup } from '../stacks/types.js';

/** The admin's answers, in their words. */
export interface AdvisorAnswers {
  /** What runs on it: ordinary VMs, a self-service cloud for tenants, or applications already run on a vendor's hypervisor. */
  workload: 'vms' | 'self-service-cloud' | 'vendor-apps';
  /** How long a guest may be down when a node fails. */
  downtime: 'seconds' | 'minutes' | 'hours';
  /** How much setup and care the admin will put in. */
  effort: 'low' | 'medium' | 'high';
  /** Stack ids whose licences the admin already owns (stacks that need none ignore it). */
  licences: string[];
}

export const defaultAnswers: AdvisorAnswers = { workload: 'vms', downtime: 'minutes', effort: 'medium', licences: [] };

/** One site as the advisor sees it. */
export interface EstateSite {
  name: string;
  kind: string;
  nodes: string[];
}

/** The round trip between two sites: the worst measured node pair on any network, or a guess from the sites' kinds. */
export interface SiteLink {
  a: string;
  b: string;
  rttMs: number;
  /** Mean deviation of the worst pair, when measured. */
  jitterMs?: number;
  lossPercent: number;
  /** Probes the loss figure counts, when measured by ping. */
  probes?: number;
  /** The fastest network joining both sites, when its bandwidth is written in the workspace. */
  bandwidthGbps?: number;
  /** False: no measurement; the figure is a typical one for the sites' kinds. */
  measured: boolean;
}

export interface EstateSummary {
  sites: EstateSite[];
  /** Only sites that hold nodes, every pair once (a < b in site order). */
  links: SiteLink[];
  nodeCount: number;
}

/** fits: meets it; strained: works with care (tuning, a change); fails: outside a vendor's hard limit or the admin's wish. */
export type Verdict = 'fits' | 'strained' | 'fails';

/** The seed's comparison rows, plus the vendors' hard limits. */
export const criterionKinds = ['scale', 'latency', 'storage', 'ha', 'quorum', 'effort', 'use-case', 'licence'] as const;
export type CriterionKind = (typeof criterionKinds)[number];

export interface Criterion {
  kind: CriterionKind;
  /** What this approach offers or needs here, with the estate's figure ("office ↔ cloud 34 ms ±8: above corosync's 5 ms"). */
  text: string;
  verdict: Verdict;
  /** A vendor's hard limit: failing it takes the approach out of the running. */
  hard?: boolean;
  /** The figure that decided this line, for highlighting. */
  deciding?: boolean;
  source?: RuleSource;
}

/** An approach as a stack describes it for an estate. */
export interface ApproachDraft {
  /** The stack's own id for this approach ("one-cluster"). */
  id: string;
  /** In the admin's words ("One cluster with a QDevice"). */
  title: string;
  /** The shape, in one line ("cluster over lan-a + lan-b, QDevice on witness-1"). */
  summary: string;
  criteria: Criterion[];
  /** What the admin would change to make it work (or work better): a QDevice host, a second link, a third site. */
  changes: string[];
}

export interface Approach extends ApproachDraft {
  stack: string;
  stackTitle: string;
  /** No hard limit failed. */
  viable: boolean;
  /** 0–100, from the criteria weighed by the answers. */
  score: number;
  /** The deciding figures, one sentence each. */
  deciding: string[];
}

export interface Advice {
  estate: EstateSummary;
  answers: AdvisorAnswers;
  /** The best viable approach (undefined when the workspace has no nodes yet). */
  recommendation: Approach | undefined;
  /** Every approach, best first (the recommendation first). */
  ranked: Approach[];
  /** Why the first beat the second, in one sentence. */
  reason: string;
}

/** A stack's part of the advisor: the approaches it offers for an estate, and how each shapes the workspace. */
export interface StackAdvisor<W = unknown> {
  /** Whether the stack needs a licence (the question lists it). */
  licence?: string;
  approaches(estate: EstateSummary, answers: AdvisorAnswers): ApproachDraft[];
  /** The workspace with this approach written in (clusters, links, witness, regions): pure, the input untouched. */
  shape?(workspace: W, approach: string, estate: EstateSummary): W;
  /** The stack's own best practices for one of its clusters (HA rules, storage health), for the scorecard. */
  bestPractices?(workspace: W, group: StackGroup, facts: Facts): ScoreLine[];
}
