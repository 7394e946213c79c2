// The estate as the advisor weighs it: sites with their nodes, and one figure per pair of sites (the worst
// measured node pair on any network; a typical figure for the sites' kinds when nothing was measured).
import type { BaseWorkspace } from '../workspace/base.js';
import { FactIndex, type Facts, type PairLatency } from '../workspace/facts.js';
import { lossClearlyAbove } from '../workspace/loss.js';
import type { EstateSummary, SiteLink } from './types.js';

/** Typical round trips by how a site is reached, used only when nothing was measured (and said so). */
const typicalRttMs: Record<string, number> = { lan: 0.5, man: 3, wan: 30, internet: 60 };
const kindOrder = ['lan', 'man', 'wan', 'internet'];

function score(p: PairLatency): number {
  return p.error || p.rttMs === undefined ? Number.POSITIVE_INFINITY : p.rttMs + p.lossPercent * 1000;
}

export function summarizeEstate(workspace: BaseWorkspace, facts: Facts = {}): EstateSummary {
  const index = new FactIndex(facts);
  const sites = workspace.sites.map((s) => ({ name: s.name, kind: s.kind, nodes: workspace.nodes.filter((n) => n.site === s.name).map((n) => n.name) }));
  const used = sites.filter((s) => s.nodes.length > 0);
  const links: SiteLink[] = [];
  for (let i = 0; i < used.length; i++) {
    for (let j = i + 1; j < used.length; j++) {
      const a = used[i]!;
      const b = used[j]!;
      let worst: PairLatency | undefined;
      const joining = workspace.networks.filter((net) => a.nodes.some((n) => hasAddress(workspace, n, net.name)) && b.nodes.some((n) => hasAddress(workspace, n, net.name)));
      for (const net of workspace.networks) {
        for (const x of a.nodes) {
          for (const y of b.nodes) {
            const p = index.between(net.name, x, y);
            if (p && p.rttMs !== undefined && !p.error && (!worst || score(p) > score(worst))) worst = p;
          }
        }
      }
      const bandwidths = joining.map((n) => n.bandwidthGbps).filter((v): v is number => v !== undefined);
      const bandwidth = bandwidths.length ? { bandwidthGbps: Math.max(...bandwidths) } : {};
      if (worst?.rttMs !== undefined) {
        links.push({ a: a.name, b: b.name, rttMs: worst.rttMs, lossPercent: worst.lossPercent, ...(worst.probes !== undefined ? { probes: worst.probes } : {}), ...(worst.mdevMs !== undefined ? { jitterMs: worst.mdevMs } : {}), ...bandwidth, measured: true });
      } else {
        // The farther kind of the two sites decides the guess.
        const kind = kindOrder[Math.max(kindOrder.indexOf(a.kind), kindOrder.indexOf(b.kind))] ?? 'internet';
        links.push({ a: a.name, b: b.name, rttMs: typicalRttMs[kind] ?? 60, lossPercent: 0, ...bandwidth, measured: false });
      }
    }
  }
  return { sites, links, nodeCount: workspace.nodes.length };
}

function hasAddress(workspace: BaseWorkspace, node: string, network: string): boolean {
  return workspace.nodes.find((n) => n.name === node)?.addresses[network] !== undefined;
}

/** The figure between two sites (either order). */
export function linkBetween(estate: EstateSummary, a: string, b: string): SiteLink | undefined {
  return estate.links.find((l) => (l.a === a && l.b === b) || (l.a === b && l.b === a));
}

/** "office ↔ cloud 34 ms ±8, 0 % loss" (and "(not measured; typical for wan)" for a guess). */
export function describeSiteLink(l: SiteLink): string {
  const r = (v: number) => (v >= 10 ? Math.round(v) : Math.round(v * 10) / 10);
  const jitter = l.jitterMs !== undefined ? ` ±${r(l.jitterMs)}` : '';
  const loss = l.lossPercent > 0 ? `, ${r(l.lossPercent)} % loss` : '';
  return `${l.a} ↔ ${l.b} ${r(l.rttMs)} ms${jitter}${loss}${l.measured ? '' : ' (not measured: typical for these sites)'}`;
}

/**
 * Sites grouped so that every pair inside a group is within `limitMs` and loses under `lossPct` (greedy, in
 * site order, largest sites first): the sites one LAN-bound cluster could span.
 */
export function groupSites(estate: EstateSummary, limitMs: number, lossPct: number): string[][] {
  const used = estate.sites.filter((s) => s.nodes.length > 0).sort((x, y) => y.nodes.length - x.nodes.length);
  const groups: string[][] = [];
  for (const site of used) {
    const group = groups.find((g) => g.every((other) => {
      const l = linkBetween(estate, site.name, other);
      return l !== undefined && l.rttMs <= limitMs && !lossClearlyAbove(l.lossPercent, lossPct, l.probes);
    }));
    if (group) group.push(site.name);
    else groups.push([site.name]);
  }
  return groups;
}

/** Nodes in these sites. */
export function nodesIn(estate: EstateSummary, sites: readonly string[]): string[] {
  return estate.sites.filter((s) => sites.includes(s.name)).flatMap((s) => s.nodes);
}
