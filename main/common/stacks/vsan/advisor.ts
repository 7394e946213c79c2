// What the approach advisor knows of a vSAN stretched cluster: exactly two data sites within 5 ms of each
// other (10 Gbps between them), a witness at a third site within 200 ms (500 ms for two hosts, 100 ms with
// 11–15 hosts per site), at most 15 + 15 + 1 hosts, and a vSphere + vSAN licence.
import { describeSiteLink, linkBetween } from '../../advisor/estate.js';
import type { ApproachDraft, Criterion, EstateSite, EstateSummary, StackAdvisor } from '../../advisor/types.js';
import type { StackWorkspace } from '../types.js';
import { VSAN_DATA_RTT_MS, VSAN_MAX_HOSTS_PER_SITE, VSAN_MIN_BANDWIDTH_GBPS } from './rules.js';
import { vsanStretched } from './sources.js';

const layoutSource = vsanStretched('Stretched cluster architecture: preferred, secondary and witness sites');
const dataSource = vsanStretched('Network requirements: data site to data site latency and bandwidth');
const witnessSource = vsanStretched('Network requirements: data site to witness latency');

export function witnessLimitFor(perSite: readonly number[]): number {
  if (perSite.reduce((a, b) => a + b, 0) <= 2) return 500;
  return Math.max(...perSite) >= 11 ? 100 : 200;
}

interface Layout {
  preferred: EstateSite;
  secondary: EstateSite;
  witness?: { site: EstateSite; worstMs: number; limitMs: number };
}

/** The best two data sites (the closest pair, most hosts first) and the witness site that fits them best. */
export function stretchedLayout(estate: EstateSummary): Layout | undefined {
  const used = estate.sites.filter((s) => s.nodes.length > 0);
  let best: { a: EstateSite; b: EstateSite; rtt: number } | undefined;
  for (let i = 0; i < used.length; i++)
    for (let j = i + 1; j < used.length; j++) {
      const l = linkBetween(estate, used[i]!.name, used[j]!.name);
      if (!l) continue;
      const size = used[i]!.nodes.length + used[j]!.nodes.length;
      const ok = l.rttMs <= VSAN_DATA_RTT_MS;
      const key = (ok ? 1e6 : 0) + size * 1000 - l.rttMs;
      if (!best || key > (best.rtt <= VSAN_DATA_RTT_MS ? 1e6 : 0) + (best.a.nodes.length + best.b.nodes.length) * 1000 - best.rtt) best = { a: used[i]!, b: used[j]!, rtt: l.rttMs };
    }
  if (!best) return undefined;
  const [preferred, secondary] = best.a.nodes.length >= best.b.nodes.length ? [best.a, best.b] : [best.b, best.a];
  const limitMs = witnessLimitFor([preferred.nodes.length, secondary.nodes.length]);
  let witness: Layout['witness'];
  for (const site of used) {
    if (site === preferred || site === secondary) continue;
    const worstMs = Math.max(linkBetween(estate, site.name, preferred.name)?.rttMs ?? Infinity, linkBetween(estate, site.name, secondary.name)?.rttMs ?? Infinity);
    if (!witness || worstMs < witness.worstMs || (worstMs === witness.worstMs && site.nodes.length < witness.site.nodes.length)) witness = { site, worstMs, limitMs };
  }
  return { preferred, secondary, ...(witness ? { witness } : {}) };
}

export function stretched(estate: EstateSummary, licences: readonly string[], workload: string, effort: string): ApproachDraft {
  const layout = stretchedLayout(estate);
  const criteria: Criterion[] = [];
  const changes: string[] = [];
  const used = estate.sites.filter((s) => s.nodes.length > 0);
  if (!layout) {
    criteria.push({ kind: 'scale', text: 'A stretched cluster needs two data sites and a witness site; this estate has one site', verdict: 'fails', hard: true, deciding: true, source: layoutSource });
    changes.push(`A second data site within ${VSAN_DATA_RTT_MS} ms and a third site (or a cloud host) for the witness.`);
  } else {
    const data = linkBetween(estate, layout.preferred.name, layout.secondary.name)!;
    const dataOk = data.rttMs <= VSAN_DATA_RTT_MS;
    criteria.push({ kind: 'latency', text: `Data sites ${describeSiteLink(data)}: ${dataOk ? 'within' : 'above'} vSAN's ${VSAN_DATA_RTT_MS} ms`, verdict: dataOk ? 'fits' : 'fails', hard: true, deciding: !dataOk || !!layout.witness, source: dataSource });
    if (!dataOk) changes.push(`A link of at most ${VSAN_DATA_RTT_MS} ms between ${layout.preferred.name} and ${layout.secondary.name}.`);
    if (data.bandwidthGbps !== undefined && data.bandwidthGbps < VSAN_MIN_BANDWIDTH_GBPS) {
      criteria.push({ kind: 'storage', text: `${data.bandwidthGbps} Gbps between the data sites: below the ${VSAN_MIN_BANDWIDTH_GBPS} Gbps vSAN asks for`, verdict: 'strained', source: dataSource });
      changes.push(`${VSAN_MIN_BANDWIDTH_GBPS} Gbps between the data sites.`);
    } else criteria.push({ kind: 'storage', text: `vSAN mirrors every object across the data sites${data.bandwidthGbps !== undefined ? ` (${data.bandwidthGbps} Gbps)` : ' (bandwidth not written in the workspace)'}`, verdict: data.bandwidthGbps !== undefined ? 'fits' : 'strained', source: dataSource });
    if (!layout.witness) {
      criteria.push({ kind: 'quorum', text: 'No third site for the witness', verdict: 'fails', hard: true, deciding: true, source: layoutSource });
      changes.push(`A witness host at a third site within ${witnessLimitFor([layout.preferred.nodes.length, layout.secondary.nodes.length])} ms of both data sites (a small cloud VM will do).`);
    } else {
      const w = layout.witness;
      const ok = w.worstMs <= w.limitMs;
      criteria.push({ kind: 'quorum', text: `Witness at ${w.site.name}: ${Math.round(w.worstMs)} ms to the farther data site, ${ok ? 'within' : 'above'} ${w.limitMs} ms`, verdict: ok ? 'fits' : 'fails', hard: true, deciding: true, source: witnessSource });
      if (!ok) changes.push(`A witness site within ${w.limitMs} ms of both data sites.`);
      if (used.length > 3) criteria.push({ kind: 'scale', text: `${used.length - 3} further site(s) stay outside: a stretched cluster spans two data sites only`, verdict: 'strained', source: layoutSource });
    }
    const largest = Math.max(layout.preferred.nodes.length, layout.secondary.nodes.length);
    const smallest = Math.min(layout.preferred.nodes.length, layout.secondary.nodes.length);
    criteria.push({ kind: 'scale', text: `${layout.preferred.nodes.length} + ${layout.secondary.nodes.length} + 1 hosts (at most ${VSAN_MAX_HOSTS_PER_SITE} + ${VSAN_MAX_HOSTS_PER_SITE} + 1)`, verdict: largest <= VSAN_MAX_HOSTS_PER_SITE ? (smallest === largest ? 'fits' : 'strained') : 'fails', hard: largest > VSAN_MAX_HOSTS_PER_SITE, source: layoutSource });
  }
  criteria.push({ kind: 'ha', text: 'vSphere HA restarts guests at the other data site; a whole site may fail with no data lost', verdict: 'fits', source: layoutSource });
  const owned = licences.includes('vsan');
  criteria.push({ kind: 'licence', text: owned ? 'vSphere and vSAN licences owned' : 'Needs vSphere, vCenter and vSAN licences (not owned)', verdict: owned ? 'fits' : 'fails', deciding: !owned });
  if (!owned) changes.push('vSphere, vCenter and vSAN licences.');
  criteria.push({ kind: 'effort', text: 'vCenter, ESXi on every host, a witness appliance', verdict: effort === 'low' ? 'fails' : 'strained' });
  criteria.push({ kind: 'use-case', text: 'Applications certified on vSphere; zero-data-loss site failover', verdict: workload === 'vendor-apps' ? 'fits' : 'strained' });
  const summary = layout ? `data ${layout.preferred.name} + ${layout.secondary.name}${layout.witness ? `, witness at ${layout.witness.site.name}` : ', no witness site'}` : 'needs two data sites and a witness site';
  return { id: 'stretched', title: 'vSAN stretched cluster', summary, criteria, changes };
}

export const vsanAdvisor: StackAdvisor<StackWorkspace> = {
  licence: 'vSphere + vSAN',
  approaches(estate, answers) {
    return [stretched(estate, answers.licences, answers.workload, answers.effort)];
  },
  shape(workspace, approach, estate) {
    const layout = stretchedLayout(estate);
    if (approach !== 'stretched' || !layout?.witness) return workspace;
    const witnessHost = layout.witness.site.nodes[0]!;
    const cluster = {
      name: 'stretched',
      vcenter: { endpoint: 'vcenter' },
      preferredSite: { site: layout.preferred.name, hosts: layout.preferred.nodes },
      secondarySite: { site: layout.secondary.name, hosts: layout.secondary.nodes },
      witness: { host: witnessHost, site: layout.witness.site.name },
    };
    return { ...workspace, vsan: { clusters: [cluster] } };
  },
};
