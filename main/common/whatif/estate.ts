// The estate as the what-if sees it (pure): sites, the direct links between site pairs, and which sites
// and links a failure takes away; who can still reach whom, and the memberships a cluster can settle on.
// Links are direct paths: traffic between two sites never detours through a third site.

export interface Estate {
  sites: string[];
  /** Site pairs joined by a direct link; left out: every pair is linked. */
  links?: [string, string][];
}

export type Failure = { kind: 'site'; site: string } | { kind: 'link'; between: [string, string] };

export const linkKey = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);

export function failureKey(f: Failure): string {
  return f.kind === 'site' ? `site:${f.site}` : `link:${linkKey(f.between[0], f.between[1])}`;
}

/** "site b lost", "link a–b cut". */
export function describeFailure(f: Failure): string {
  if (f.kind === 'site') return `site ${f.site} lost`;
  const [a, b] = [...f.between].sort();
  return `link ${a}–${b} cut`;
}

/** Every link of the estate, as sorted pairs. */
export function estateLinks(estate: Estate): [string, string][] {
  if (estate.links) {
    const seen = new Map<string, [string, string]>();
    for (const [a, b] of estate.links) if (a !== b) seen.set(linkKey(a, b), [a, b].sort() as [string, string]);
    return [...seen.values()];
  }
  const out: [string, string][] = [];
  const sites = [...estate.sites].sort();
  for (let i = 0; i < sites.length; i++) for (let j = i + 1; j < sites.length; j++) out.push([sites[i]!, sites[j]!]);
  return out;
}

/** Refuses failures that name a site or link the estate does not have. */
export function checkFailures(estate: Estate, failures: Failure[]): string[] {
  const problems: string[] = [];
  const links = new Set(estateLinks(estate).map(([a, b]) => linkKey(a, b)));
  for (const f of failures) {
    if (f.kind === 'site') {
      if (!estate.sites.includes(f.site)) problems.push(`There is no site "${f.site}"; the sites are ${estate.sites.join(', ')}.`);
    } else {
      const [a, b] = f.between;
      for (const s of [a, b]) if (!estate.sites.includes(s)) problems.push(`There is no site "${s}"; the sites are ${estate.sites.join(', ')}.`);
      if (a === b) problems.push(`A link joins two different sites; "${a}" was given twice.`);
      else if (estate.sites.includes(a) && estate.sites.includes(b) && !links.has(linkKey(a, b))) problems.push(`Sites ${a} and ${b} have no direct link to cut.`);
    }
  }
  return problems;
}

/** Which sites are up and which site pairs can talk once some failures happened. */
export class Reachability {
  private readonly down: Set<string>;
  private readonly cut: Set<string>;
  private readonly links: Set<string>;

  constructor(
    readonly estate: Estate,
    failures: Failure[],
  ) {
    this.down = new Set(failures.flatMap((f) => (f.kind === 'site' ? [f.site] : [])));
    this.cut = new Set(failures.flatMap((f) => (f.kind === 'link' ? [linkKey(f.between[0], f.between[1])] : [])));
    this.links = new Set(estateLinks(estate).map(([a, b]) => linkKey(a, b)));
  }

  siteUp(site: string): boolean {
    return this.estate.sites.includes(site) && !this.down.has(site);
  }

  /** Both sites up and either the same site or joined by a link that is not cut. */
  linked(a: string, b: string): boolean {
    if (!this.siteUp(a) || !this.siteUp(b)) return false;
    if (a === b) return true;
    const key = linkKey(a, b);
    return this.links.has(key) && !this.cut.has(key);
  }
}

/** One way a cluster's sites can end up grouped into memberships. */
export interface SiteGrouping {
  groups: string[][];
}

/** Beyond this many live sites only connected components are used (the enumeration grows too fast). */
export const maxSitesForAlternatives = 8;

/**
 * The memberships the up sites among `sites` can settle on. Members of one cluster membership must all
 * reach each other, so where reachability is not transitive (a–b cut while both reach c) there is
 * more than one answer: every split into fully connected groups that cannot be merged any further.
 * Where every connected part is fully connected there is exactly one answer.
 */
export function membershipAlternatives(sites: string[], reach: Reachability): SiteGrouping[] {
  const up = [...new Set(sites)].filter((s) => reach.siteUp(s)).sort();
  if (up.length === 0) return [{ groups: [] }];
  const clique = (group: string[]) => group.every((a, i) => group.slice(i + 1).every((b) => reach.linked(a, b)));
  const components = connectedComponents(up, reach);
  if (components.every(clique) || up.length > maxSitesForAlternatives) return [{ groups: components }];
  const results: string[][][] = [];
  const assign = (i: number, groups: string[][]) => {
    if (i === up.length) {
      const maximal = groups.every((g, x) => groups.every((h, y) => x === y || !clique([...g, ...h])));
      if (maximal) results.push(groups.map((g) => [...g]));
      return;
    }
    const site = up[i]!;
    for (const g of groups) {
      if (g.every((other) => reach.linked(site, other))) {
        g.push(site);
        assign(i + 1, groups);
        g.pop();
      }
    }
    groups.push([site]);
    assign(i + 1, groups);
    groups.pop();
  };
  assign(0, []);
  return results.map((groups) => ({ groups: groups.map((g) => [...g].sort()).sort((x, y) => x[0]!.localeCompare(y[0]!)) }));
}

function connectedComponents(sites: string[], reach: Reachability): string[][] {
  const left = new Set(sites);
  const out: string[][] = [];
  while (left.size) {
    const start = [...left][0]!;
    const seen = [start];
    left.delete(start);
    for (let i = 0; i < seen.length; i++) {
      for (const other of [...left]) {
        if (reach.linked(seen[i]!, other)) {
          seen.push(other);
          left.delete(other);
        }
      }
    }
    out.push(seen.sort());
  }
  return out.sort((x, y) => x[0]!.localeCompare(y[0]!));
}
