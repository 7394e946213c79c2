// The what-if overlay's content (pure): the picked failures evaluated by every cluster's quorum model
// (main/common's models, the same ones checked against real corosync), every single failure as a list,
// per site whether it keeps quorum, loses it, or depends on the cluster, and each cluster's findings (the
// caveats a model attaches to its verdicts) beside them.
import { workspaceEstate, workspaceQuorumModels } from '../../../../main/common/whatif/workspace.js';
import { failureScenario, runScenario, whatIf, type ClusterVerdict, type ScenarioVerdict } from '../../../../main/common/whatif/scenarios.js';
import type { Failure } from '../../../../main/common/whatif/estate.js';
import type { StackWorkspace } from '../../../../main/common/stacks/types.js';

export type SiteOutcome = 'keeps' | 'loses' | 'mixed' | 'lost';

/** A cluster's findings that its verdicts do not already say, shown beside them. */
export interface ClusterCaveats {
  stack: string;
  cluster: string;
  findings: string[];
}

export interface WhatIfView {
  picked?: ScenarioVerdict;
  singles: ScenarioVerdict[];
  /** Per cluster with any, in the models' order: the caveats of its single-failure verdicts. */
  caveats: ClusterCaveats[];
  sites: Map<string, SiteOutcome>;
  /** No cluster has a quorum model: nothing to predict. */
  noClusters: boolean;
}

/**
 * The findings that qualify a verdict and are not in its sentence: all of them beside outcomes (a layout the
 * stack cannot make compliant, sites that are not three…); when there is no outcome, the sentence says the first.
 */
export function caveatsOf(verdict: ClusterVerdict): string[] {
  const { alternatives, findings } = verdict.outcome;
  return alternatives.length ? findings : findings.slice(1);
}

function singleCaveats(singles: ScenarioVerdict[]): ClusterCaveats[] {
  const byCluster = new Map<string, ClusterCaveats>();
  for (const s of singles) {
    for (const c of s.clusters) {
      if (!c.affected) continue;
      const key = `${c.stack}/${c.cluster}`;
      const had = byCluster.get(key) ?? { stack: c.stack, cluster: c.cluster, findings: [] };
      for (const f of caveatsOf(c)) if (!had.findings.includes(f)) had.findings.push(f);
      byCluster.set(key, had);
    }
  }
  return [...byCluster.values()].filter((c) => c.findings.length);
}

export function whatIfView(workspace: StackWorkspace, failures: Failure[]): WhatIfView {
  const estate = workspaceEstate(workspace);
  const models = workspaceQuorumModels(workspace);
  const valid = failures.filter((f) => (f.kind === 'site' ? estate.sites.includes(f.site) : estate.sites.includes(f.between[0]) && estate.sites.includes(f.between[1])));
  const singles = models.length ? whatIf(estate, models) : [];
  const caveats = singleCaveats(singles);
  const sites = new Map<string, SiteOutcome>();
  if (!valid.length || !models.length) return { singles, caveats, sites, noClusters: models.length === 0 };
  const picked = runScenario(estate, models, failureScenario(valid));
  for (const f of valid) if (f.kind === 'site') sites.set(f.site, 'lost');
  const mark = (site: string, outcome: 'keeps' | 'loses' | 'mixed') => {
    const had = sites.get(site);
    if (had === 'lost') return;
    sites.set(site, had === undefined || had === outcome ? outcome : 'mixed');
  };
  for (const c of picked.clusters) {
    if (!c.affected) continue;
    const alts = c.outcome.alternatives;
    if (alts.length !== 1 || alts[0]!.unsettled) {
      for (const g of alts.flatMap((a) => a.groups)) for (const s of g.sites) mark(s, 'mixed');
      continue;
    }
    for (const g of alts[0]!.groups) for (const s of g.sites) mark(s, g.keepsQuorum ? 'keeps' : 'loses');
  }
  return { picked, singles, caveats, sites, noClusters: false };
}
