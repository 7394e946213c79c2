// A vSAN cluster that is not stretched after a host or site loss or a cut link (pure): which partition keeps
// which objects, said as honestly as a model that does not know where each object's components are can say it.
//
// The rules, as VMware documents them (vSAN monitoring: "Network failure" and "Accessibility of virtual machines
// upon a failure"; vSAN administration: "Managing fault domains in vSAN clusters"; vSAN planning: "Convert a
// stretched cluster to a standard vSAN cluster"):
// - The default storage policy, FTT=1 mirroring: each object has two replicas and a witness component, one vote
//   each, on three different fault domains; a host in no fault domain is a fault domain of its own. FTT=1 therefore
//   needs three hosts, and three fault domains when fault domains are configured (2 × FTT + 1).
// - A partition keeps an object when it holds more than half of its votes and at least one full replica. There is
//   no cluster-wide quorum: the same partition can keep one object and lose another, and a partition with fewer
//   hosts keeps the objects whose components it holds. Any two of an object's three components include a replica.
// - Disabling stretching removes the witness host and keeps the two sites as fault domains: every witness component
//   is missing, and with two fault domains vSAN has no third one to rebuild it in. Each object then has its two
//   replicas only (2 of 3 votes); a partition keeps it only with both.
// Not modelled: where vSAN placed each object (so several outcomes are given, object by object), objects split into
// several components per replica (stripes, over 255 GB), other storage policies, and the rebuild of absent
// components once the repair delay (60 minutes by default) passes.
import { membershipAlternatives } from '../../whatif/estate.js';
import type { ClusterOutcome, GroupOutcome, OutcomeAlternative, QuorumModel, StepView } from '../../whatif/scenarios.js';
import type { VsanSection } from './schema.js';
import { faultDomainsDeleted, witnessOf } from './stretching.js';

export interface StandardClusterLayout {
  name: string;
  /** The cluster's hosts, each in its site. */
  hosts: { host: string; site: string }[];
  /** Configured fault domains; absent: none, each host is a fault domain of its own. */
  faultDomains?: { name: string; hosts: string[] }[];
}

/** Where a component can be: one fault domain (or a host in none), with its hosts. */
interface PlacementUnit {
  name: string;
  hosts: string[];
}

const DOWN = -1;

/** The fault domains vSAN places components in: the configured ones that hold a host, then each host in none. */
export function placementUnits(layout: StandardClusterLayout): PlacementUnit[] {
  const known = new Set(layout.hosts.map((h) => h.host));
  const taken = new Set<string>();
  const units: PlacementUnit[] = [];
  for (const fd of layout.faultDomains ?? []) {
    const hosts = fd.hosts.filter((h) => known.has(h) && !taken.has(h));
    hosts.forEach((h) => taken.add(h));
    if (hosts.length) units.push({ name: `fault domain ${fd.name}`, hosts });
  }
  for (const { host } of layout.hosts) if (!taken.has(host)) units.push({ name: `host ${host}`, hosts: [host] });
  return units;
}

/** The layouts in which vSAN cannot place an FTT=1 object on three fault domains. */
export function standardFindings(layout: StandardClusterLayout): string[] {
  const hosts = new Set(layout.hosts.map((h) => h.host)).size;
  if (hosts < 3) {
    return [`vSAN cluster ${layout.name} has ${hosts} host${hosts === 1 ? '' : 's'}: FTT=1 mirroring (the default storage policy) needs three, for two replicas and a witness component on three different hosts, so vSAN cannot place its objects that way (only force-provisioned, with one copy)`];
  }
  const units = placementUnits(layout);
  if (layout.faultDomains?.length && units.length < 3) {
    const named = units.map((u) => u.name.replace(/^fault domain /, '')).join(' and ');
    return [
      `vSAN cluster ${layout.name} has ${units.length === 1 ? 'one fault domain' : 'two fault domains'} (${named}): FTT=1 mirroring needs three (2 × FTT + 1), one per replica and one for the witness component, so vSAN cannot rebuild the witness components the witness host held. Each object has only its two replicas (2 of 3 votes), and a partition keeps it only with both; delete the fault domains (each host is then its own) or add a third one, then repair the objects`,
    ];
  }
  return [];
}

/** What an object is made of, and the fault domains its components can be on. */
interface Shape {
  /** Three components on three different units (compliant), or the two replicas only (the witness component missing). */
  kind: 'three' | 'replicas';
  units: PlacementUnit[];
}

/** Every way an object's components can be spread over the groups and the lost hosts, as votes per place. */
function distributions(shape: Shape, groups: string[][]): number[][] {
  const placeOf = new Map<string, number>();
  groups.forEach((g, i) => g.forEach((h) => placeOf.set(h, i)));
  const placesOf = (u: PlacementUnit) => [...new Set(u.hosts.map((h) => placeOf.get(h) ?? DOWN))];
  const key = (v: number[]) => v.join(',');
  const seen = new Map<string, number[]>();
  const add = (places: number[]) => {
    const votes = groups.map((_, i) => places.filter((p) => p === i).length);
    seen.set(key(votes), votes);
  };
  if (shape.kind === 'replicas') {
    const [a, b] = shape.units;
    for (const pa of placesOf(a!)) for (const pb of placesOf(b!)) add([pa, pb]);
    return [...seen.values()];
  }
  // Three different units: group the units by where they can put a component, then pick three of them.
  const bySignature = new Map<string, { places: number[]; count: number }>();
  for (const u of shape.units) {
    const places = placesOf(u).sort((x, y) => x - y);
    const sig = places.join(',');
    const had = bySignature.get(sig);
    if (had) had.count++;
    else bySignature.set(sig, { places, count: 1 });
  }
  const kinds = [...bySignature.values()];
  const pick = (from: number, left: number, chosen: number[][]) => {
    if (left === 0) {
      const spread = (i: number, places: number[]) => {
        if (i === chosen.length) return add(places);
        for (const p of chosen[i]!) spread(i + 1, [...places, p]);
      };
      spread(0, []);
      return;
    }
    for (let k = from; k < kinds.length; k++) {
      const used = chosen.filter((c) => c === kinds[k]!.places).length;
      if (used < kinds[k]!.count) pick(k, left - 1, [...chosen, kinds[k]!.places]);
    }
  };
  pick(0, 3, []);
  return [...seen.values()];
}

/**
 * The outcomes when the cluster's live hosts form `groups` (hosts that reach each other; a host in no group is
 * down): one alternative per fate an object can meet (kept by one group, or by none), each with its groups' votes —
 * a keeper's the fewest it holds in that case, another group's the most — and why.
 */
export function standardOutcomes(layout: StandardClusterLayout, groups: string[][]): OutcomeAlternative[] {
  const units = placementUnits(layout);
  if (units.length < 2) return [];
  const shape: Shape = { kind: units.length >= 3 ? 'three' : 'replicas', units };
  const siteOf = new Map(layout.hosts.map((h) => [h.host, h.site]));
  const live = groups.map((g) => g.filter((h) => siteOf.has(h))).filter((g) => g.length);
  const fates = new Map<number, number[][]>();
  for (const votes of distributions(shape, live)) {
    const keeper = votes.findIndex((v) => v >= 2);
    fates.set(keeper, [...(fates.get(keeper) ?? []), votes]);
  }
  const certain = fates.size === 1;
  const order = [...fates.keys()].sort((x, y) => (x === DOWN ? 1 : y === DOWN ? -1 : x - y));
  const unitWord = layout.faultDomains?.length ? 'fault domain' : 'host';
  const objects = certain ? 'every object' : 'these objects';
  return order.map((fate): OutcomeAlternative => {
    const cases = fates.get(fate)!;
    const outcomeGroups = live.map((members, i): GroupOutcome => {
      const held = cases.map((v) => v[i]!);
      const [least, most] = [Math.min(...held), Math.max(...held)];
      const sites = [...new Set(members.map((h) => siteOf.get(h)!))];
      const count = least === most ? countWords[least]! : `${countWords[least]} or ${countWords[most]}`;
      const components = most < 3 ? `${count} of the three components` : least === 3 ? 'all three components' : `${countWords[least]} or all three components`;
      let reason: string;
      if (shape.kind === 'replicas') {
        reason =
          i === fate
            ? `holds both replicas of ${objects}: 2 of 3 votes, more than half with a full replica; the witness component is missing (two fault domains leave no third for it), so they are available but not compliant`
            : `holds ${count} of the two replicas of ${objects} and the witness component is missing (two fault domains leave no third for it): not more than half of 3 votes`;
      } else if (i === fate) {
        reason =
          least === 3
            ? `holds all three components of ${objects} (two replicas and a witness component): 3 of 3 votes`
            : `holds ${components} of ${objects} (two replicas and a witness component, one vote each, on three different ${unitWord}s): more than half, and any two include a full replica${certain ? `; only one of the cluster's ${units.length} ${unitWord}s ${unitWord === 'host' ? 'is' : 'has a host'} lost or elsewhere` : ''}`;
      } else {
        reason = `holds ${components} of ${objects}: not more than half of 3 votes${fate === DOWN ? '' : ` (${siteListOf(live, fate, siteOf)} holds the rest)`}`;
      }
      return { sites, members, keepsQuorum: i === fate, votes: i === fate ? least : most, needed: 2, expected: 3, reason };
    });
    const alt: OutcomeAlternative = { groups: outcomeGroups };
    if (!certain) alt.note = 'object by object: each object is in one of these cases, as vSAN placed its components, which the workspace does not record';
    return alt;
  });
}

const countWords = ['none', 'one', 'two', 'three'];

function siteListOf(groups: string[][], i: number, siteOf: Map<string, string>): string {
  return [...new Set(groups[i]!.map((h) => siteOf.get(h)!))].join(' and ');
}

/** The what-if's model of a vSAN cluster that is not stretched (FTT=1 mirroring, the default storage policy). */
export function standardClusterModel(layout: StandardClusterLayout): QuorumModel {
  const sites = [...new Set(layout.hosts.map((h) => h.site))];
  const findings = standardFindings(layout);
  return {
    stack: 'vsan',
    name: layout.name,
    sites,
    keeps: 'the objects',
    evaluate(steps: StepView[]): ClusterOutcome {
      const last = steps[steps.length - 1];
      if (!last) return { alternatives: [], findings };
      // The objects' state follows what is up and linked now (the rebuild after the repair delay is not modelled).
      const groupings = membershipAlternatives(sites, last.reach);
      const alternatives: OutcomeAlternative[] = [];
      const seen = new Set<string>();
      for (const grouping of groupings) {
        const groups = grouping.groups.map((siteGroup) => layout.hosts.filter((h) => siteGroup.includes(h.site)).map((h) => h.host));
        for (const alt of standardOutcomes(layout, groups)) {
          if (groupings.length > 1) alt.note = `the partitions vSAN forms are not determined (the links left are not transitive)${alt.note ? `; ${alt.note}` : ''}`;
          const key = JSON.stringify(alt.groups.map((g) => [g.members, g.keepsQuorum]));
          if (!seen.has(key)) {
            seen.add(key);
            alternatives.push(alt);
          }
        }
      }
      return { alternatives, findings };
    },
  };
}

/**
 * A workspace's vSAN cluster whose stretching was disabled, as a layout: its two former sites kept as fault domains,
 * or, once they were deleted (`faultDomains: false`), no fault domain (each host its own).
 */
export function vsanStandardLayout(workspace: { vsan?: VsanSection | undefined }, clusterName: string): StandardClusterLayout {
  const cluster = workspace.vsan?.clusters.find((c) => c.name === clusterName);
  if (!cluster) throw new Error(`The workspace has no vSAN cluster "${clusterName}".`);
  if (witnessOf(cluster)) throw new Error(`vSAN cluster "${clusterName}" is stretched (it has a witness): use its stretched-cluster layout.`);
  const sides = [cluster.preferredSite, cluster.secondarySite];
  return {
    name: cluster.name,
    hosts: sides.flatMap((side) => side.hosts.map((host) => ({ host, site: side.site }))),
    ...(faultDomainsDeleted(cluster) ? {} : { faultDomains: sides.map((side) => ({ name: side.site, hosts: side.hosts })) }),
  };
}
