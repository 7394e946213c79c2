// vSAN stretched cluster after a site loss or a cut link (pure): which partition keeps the objects, and why.
//
// The rules, as VMware documents them (vSAN stretched cluster failure handling; VSANPreferredFaultDomainInfo in
// the vSAN Management API) and as VMware's engineers describe them (D. Epping, "yellow-bricks"):
// - An object mirrored across sites has three parts of equal weight: the preferred site's replica, the secondary
//   site's replica and the witness component. A partition keeps it when it holds more than half of the votes
//   (two of the three parts) including at least one full replica (a data site).
// - The data sites form one cluster while the inter-site link (ISL) is up. The witness belongs to it only while
//   it reaches both of them (the cluster's leader and backup run in different data sites and both must see it);
//   otherwise the witness is left out, objects stay available on both data sites but are non-compliant.
// - When the data sites cannot reach each other, each is its own partition and the witness joins the preferred
//   site if it reaches it ("the preferred site is the one that survives"), else the secondary site.
// - Witness failure resilience (vSAN 7.0 U3 and later): once a data site has been lost and vSAN re-balanced the
//   votes (a moment after the loss; this model assumes it happened by the next step), the surviving data site
//   keeps the objects even if the witness fails afterwards.
import type { VsanSection } from './schema.js';
import { witnessOf } from './stretching.js';
import type { ClusterOutcome, GroupOutcome, QuorumModel, StepView } from '../../whatif/scenarios.js';

export type StretchedRole = 'preferred' | 'secondary' | 'witness';

export interface StretchedClusterLayout {
  name: string;
  preferred: { site: string; hosts: string[] };
  secondary: { site: string; hosts: string[] };
  witness: { site: string; host: string };
  /** vSAN 7.0 U3+: votes are re-balanced after a data site loss, so a later witness loss keeps the data (default on). */
  witnessFailureResilience?: boolean;
}

/** What is up and what can talk, by role. */
export interface StretchedState {
  up: Record<StretchedRole, boolean>;
  linked: (a: StretchedRole, b: StretchedRole) => boolean;
}

export interface StretchedPartition {
  roles: StretchedRole[];
  /** Thirds of each object's votes held here. */
  votes: number;
  keepsObjects: boolean;
  /** The surviving data site keeps the objects alone because vSAN re-balanced the votes (witness failure resilience). */
  rebalanced?: boolean;
  reason: string;
}

const roleWords: Record<StretchedRole, string> = { preferred: 'the preferred site', secondary: 'the secondary site', witness: 'the witness' };
const list = (roles: StretchedRole[]) => roles.map((r) => roleWords[r]).join(' and ');

/** The CMMDS partitions: which roles end up together. */
export function stretchedMemberships(state: StretchedState): StretchedRole[][] {
  const { up, linked } = state;
  const groups: StretchedRole[][] = [];
  const witnessUp = up.witness;
  if (up.preferred && up.secondary && linked('preferred', 'secondary')) {
    const withWitness = witnessUp && linked('witness', 'preferred') && linked('witness', 'secondary');
    groups.push(withWitness ? ['preferred', 'secondary', 'witness'] : ['preferred', 'secondary']);
    if (witnessUp && !withWitness) groups.push(['witness']);
    return groups;
  }
  const witnessJoins: StretchedRole | undefined = !witnessUp ? undefined : up.preferred && linked('witness', 'preferred') ? 'preferred' : up.secondary && linked('witness', 'secondary') ? 'secondary' : undefined;
  for (const site of ['preferred', 'secondary'] as const) if (up[site]) groups.push(witnessJoins === site ? [site, 'witness'] : [site]);
  if (witnessUp && !witnessJoins) groups.push(['witness']);
  return groups;
}

/**
 * Which partition keeps the objects. `rebalancedFor` is the data site whose votes vSAN re-balanced after the
 * other data site was lost (witness failure resilience); it then keeps the objects on its own.
 */
export function stretchedPartitions(state: StretchedState, rebalancedFor?: 'preferred' | 'secondary'): StretchedPartition[] {
  return stretchedMemberships(state).map((roles) => {
    const data = roles.filter((r) => r !== 'witness');
    const votes = roles.length;
    if (data.length === 0) return { roles, votes, keepsObjects: false, reason: 'the witness alone holds no data' };
    if (rebalancedFor && data.length === 1 && data[0] === rebalancedFor && !roles.includes('witness')) {
      return { roles, votes, keepsObjects: true, rebalanced: true, reason: `witness failure resilience: after the other data site was lost, vSAN moved the votes so ${roleWords[rebalancedFor]} holds the majority alone` };
    }
    if (votes >= 2) {
      let why = `${list(roles)} hold ${votes} of 3 votes with a full replica`;
      if (roles.length === 2 && data.length === 2) why += '; the witness is out of the cluster (it must reach both data sites), so objects are available but non-compliant';
      else if (roles.length === 2 && roles[0] === 'preferred' && state.up.secondary) why += '; the data sites cannot reach each other and the witness sides with the preferred site';
      else if (roles.length === 2 && roles[0] === 'secondary' && state.up.preferred) why += '; the preferred site is cut off from both the secondary site and the witness';
      return { roles, votes, keepsObjects: true, reason: why };
    }
    return { roles, votes, keepsObjects: false, reason: `${list(roles)} hold${roles.length > 1 ? '' : 's'} 1 of 3 votes: not more than half` };
  });
}

/** The what-if's model of a vSAN stretched cluster. */
export function stretchedClusterModel(layout: StretchedClusterLayout): QuorumModel {
  const siteOf: Record<StretchedRole, string> = { preferred: layout.preferred.site, secondary: layout.secondary.site, witness: layout.witness.site };
  const hostsOf: Record<StretchedRole, string[]> = { preferred: layout.preferred.hosts, secondary: layout.secondary.hosts, witness: [layout.witness.host] };
  const findings: string[] = [];
  if (new Set(Object.values(siteOf)).size < 3) findings.push('a stretched cluster needs the preferred site, the secondary site and the witness in three different sites');
  return {
    stack: 'vsan',
    name: layout.name,
    sites: [...new Set(Object.values(siteOf))],
    keeps: 'the objects',
    evaluate(steps: StepView[]): ClusterOutcome {
      let rebalanced: 'preferred' | 'secondary' | undefined;
      let partitions: StretchedPartition[] = [];
      for (const step of steps) {
        const state: StretchedState = {
          up: { preferred: step.reach.siteUp(siteOf.preferred), secondary: step.reach.siteUp(siteOf.secondary), witness: step.reach.siteUp(siteOf.witness) },
          linked: (a, b) => step.reach.linked(siteOf[a], siteOf[b]),
        };
        partitions = stretchedPartitions(state, rebalanced);
        const keeper = partitions.find((p) => p.keepsObjects);
        // After this step, vSAN re-balances votes towards a lone surviving data site (when the feature is on).
        if (layout.witnessFailureResilience !== false && keeper && keeper.roles.filter((r) => r !== 'witness').length === 1 && !partitions.some((p) => p !== keeper && p.roles.some((r) => r !== 'witness'))) {
          rebalanced = keeper.roles.find((r) => r !== 'witness') as 'preferred' | 'secondary';
        } else if (keeper && keeper.roles.includes('preferred') && keeper.roles.includes('secondary')) rebalanced = undefined;
      }
      const groups: GroupOutcome[] = partitions.map((p) => ({
        sites: p.roles.map((r) => siteOf[r]),
        members: p.roles.flatMap((r) => hostsOf[r]),
        keepsQuorum: p.keepsObjects,
        // Re-balanced votes are vSAN's own per-object figures, not thirds: left out rather than guessed.
        ...(p.rebalanced ? {} : { votes: p.votes, needed: 2, expected: 3 }),
        reason: p.reason,
      }));
      return { alternatives: [{ groups }], findings };
    },
  };
}

/** A workspace's vSAN cluster as a layout. */
export function vsanClusterLayout(workspace: { vsan?: VsanSection | undefined }, clusterName: string, options: { witnessFailureResilience?: boolean } = {}): StretchedClusterLayout {
  const cluster = workspace.vsan?.clusters.find((c) => c.name === clusterName);
  if (!cluster) throw new Error(`The workspace has no vSAN cluster "${clusterName}".`);
  const witness = witnessOf(cluster);
  if (!witness) throw new Error(`vSAN cluster "${clusterName}" is not stretched: it has no witness, so it has no stretched-cluster layout.`);
  return {
    name: cluster.name,
    preferred: { site: cluster.preferredSite.site, hosts: cluster.preferredSite.hosts },
    secondary: { site: cluster.secondarySite.site, hosts: cluster.secondarySite.hosts },
    witness: { site: witness.site, host: witness.host },
    ...(options.witnessFailureResilience !== undefined ? { witnessFailureResilience: options.witnessFailureResilience } : {}),
  };
}
