// The what-if overlay's content (pure): the picked failures evaluated by every cluster's quorum model
// (main/common's models, the same ones checked against real corosync), every single failure as a list,
// and per site whether it keeps quorum, loses it, or depends on the cluster.
import { workspaceEstate, workspaceQuorumModels } from '../../../../main/common/whatif/workspace.js';
import { failureScenario, runScenario, whatIf, type ScenarioVerdict } from '../../../../main/common/whatif/scenarios.js';
import type { Failure } from '../../../../main/common/whatif/estate.js';
import type { StackWorkspace } from '../../../../main/common/stacks/types.js';

export type SiteOutcome = 'keeps' | 'loses' | 'mixed' | 'lost';

export interface WhatIfView {
  picked?: ScenarioVerdict;
  singles: ScenarioVerdict[];
  sites: Map<string, SiteOutcome>;
  /** No cluster has a quorum model: nothing to predict. */
  noClusters: boolean;
}

export function whatIfView(workspace: StackWorkspace, failures: Failure[]): WhatIfView {
  const estate = workspaceEstate(workspace);
  const models = workspaceQuorumModels(workspace);
  const valid = failures.filter((f) => (f.kind === 'site' ? estate.sites.includes(f.site) : estate.sites.includes(f.between[0]) && estate.sites.includes(f.between[1])));
  const singles = models.length ? whatIf(estate, models) : [];
  const sites = new Map<string, SiteOutcome>();
  if (!valid.length || !models.length) return { singles, sites, noClusters: models.length === 0 };
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
  return { picked, singles, sites, noClusters: false };
}
