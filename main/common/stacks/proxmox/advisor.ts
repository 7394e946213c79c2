// What the approach advisor knows of Proxmox VE: one corosync cluster (LAN-bound, < 5 ms, WAN tuning up to
// the point past which it stays fragile), or separate clusters joined by cross-cluster moves; QDevice hosts
// for even node counts and far single-node sites; and how each shapes the workspace.
import { describeSiteLink, groupSites, linkBetween, nodesIn } from '../../advisor/estate.js';
import type { ApproachDraft, Criterion, EstateSummary, SiteLink, StackAdvisor } from '../../advisor/types.js';
import type { ScoreLine } from '../../scorecard/types.js';
import type { StackGroup, StackWorkspace } from '../types.js';
import { pvecm } from './sources.js';
import { lossClearlyAbove } from '../../workspace/loss.js';
import { lanRttLimitMs, separateClusterLimits, tuneTotem } from './wan-tuning.js';

const latencySource = pvecm('Cluster Network: Network Requirements (latency below 5 ms); Corosync over WAN');
const qdeviceSource = pvecm('Corosync External Vote Support: supported setups, tie breaking');
const remoteSource = pvecm('Corosync over WAN; Proxmox Datacenter Manager: cross-cluster (remote) migration');

/** The layout one cluster would take: members, and a far single-node site turned QDevice host (qnetd tolerates WAN round trips). */
export function oneClusterLayout(estate: EstateSummary): { members: string[]; qdevice?: string; worst?: SiteLink } {
  const groups = groupSites(estate, lanRttLimitMs, separateClusterLimits.lossPct);
  const main = groups[0] ?? [];
  const rest = groups.slice(1).flat();
  let qdevice: string | undefined;
  let memberSites = [...main, ...rest];
  const soleFar = rest.length === 1 ? estate.sites.find((s) => s.name === rest[0]) : undefined;
  if (soleFar && soleFar.nodes.length === 1 && nodesIn(estate, main).length % 2 === 0) {
    qdevice = soleFar.nodes[0];
    memberSites = main;
  }
  const members = nodesIn(estate, memberSites);
  let worst: SiteLink | undefined;
  for (let i = 0; i < memberSites.length; i++)
    for (let j = i + 1; j < memberSites.length; j++) {
      const l = linkBetween(estate, memberSites[i]!, memberSites[j]!);
      if (l && (!worst || l.rttMs + l.lossPercent * 1000 > worst.rttMs + worst.lossPercent * 1000)) worst = l;
    }
  return { members, ...(qdevice ? { qdevice } : {}), ...(worst ? { worst } : {}) };
}

function quorumCriterion(members: number, qdevice: string | undefined, spareSite: boolean): { criterion: Criterion; change?: string } {
  if (members === 1) return { criterion: { kind: 'quorum', text: 'One node: no cluster, no quorum to keep', verdict: 'strained', source: qdeviceSource }, change: 'Add a second node (and a QDevice host) for HA.' };
  if (members % 2 === 1 || qdevice) return { criterion: { kind: 'quorum', text: `${members} votes${qdevice ? ` + QDevice on ${qdevice}` : ''}: a single failure keeps quorum`, verdict: 'fits', source: qdeviceSource } };
  return {
    criterion: { kind: 'quorum', text: `${members} nodes: an even count needs a QDevice to survive losing half`, verdict: 'strained', deciding: members === 2, source: qdeviceSource },
    change: spareSite ? 'Add a QDevice (corosync-qnetd) on a host at another site.' : 'Add a QDevice host (corosync-qnetd), ideally at a third site.',
  };
}

function useCase(workload: string): Criterion {
  if (workload === 'vms') return { kind: 'use-case', text: 'General-purpose VMs and containers', verdict: 'fits' };
  if (workload === 'self-service-cloud') return { kind: 'use-case', text: 'No tenant self-service: projects, quotas and APIs for tenants are not its model', verdict: 'strained' };
  return { kind: 'use-case', text: 'Runs the guests, but applications certified for another hypervisor lose that certification', verdict: 'strained' };
}

function oneCluster(estate: EstateSummary, workload: string): ApproachDraft {
  const layout = oneClusterLayout(estate);
  const n = layout.members.length;
  const criteria: Criterion[] = [];
  const changes: string[] = [];
  const sites = new Set(estate.sites.filter((s) => s.nodes.some((x) => layout.members.includes(x))).map((s) => s.name));
  if (!layout.worst) {
    criteria.push({ kind: 'latency', text: 'All members in one site: corosync on the LAN', verdict: 'fits', source: latencySource });
  } else {
    const tuning = tuneTotem({ rttMs: layout.worst.rttMs, jitterMs: layout.worst.jitterMs ?? 0, lossPct: layout.worst.lossPercent, ...(layout.worst.probes !== undefined ? { probes: layout.worst.probes } : {}) }, n);
    const figure = describeSiteLink(layout.worst);
    if (tuning.verdict === 'lan') criteria.push({ kind: 'latency', text: `${figure}: within corosync's ${lanRttLimitMs} ms`, verdict: 'fits', source: latencySource });
    else if (tuning.verdict === 'wan-tuned') {
      criteria.push({ kind: 'latency', text: `${figure}: one corosync cluster across them needs WAN tuning (token ${tuning.effectiveTokenMs} ms) and stays fragile`, verdict: 'strained', deciding: true, source: latencySource });
      changes.push(`A link under ${lanRttLimitMs} ms between ${layout.worst.a} and ${layout.worst.b}, or separate clusters.`);
    } else {
      criteria.push({ kind: 'latency', text: `${figure}: past what WAN tuning can carry (${separateClusterLimits.rotationMs} ms token rotation, ${separateClusterLimits.lossPct} % loss)`, verdict: 'fails', hard: true, deciding: true, source: latencySource });
      changes.push(`A link under ${lanRttLimitMs} ms (and under ${separateClusterLimits.lossPct} % loss) between ${layout.worst.a} and ${layout.worst.b}.`);
    }
  }
  const q = quorumCriterion(n, layout.qdevice, estate.sites.filter((s) => s.nodes.length > 0).length > sites.size);
  criteria.push(q.criterion);
  if (q.change) changes.push(q.change);
  criteria.push({ kind: 'scale', text: `${n} node${n === 1 ? '' : 's'} in one cluster (corosync is tested to a few dozen)`, verdict: n <= 32 ? 'fits' : 'strained', source: latencySource });
  criteria.push({ kind: 'ha', text: n >= 3 || layout.qdevice ? 'HA restarts guests on the surviving nodes (about 2 minutes)' : 'HA needs three votes', verdict: n >= 3 || layout.qdevice ? 'fits' : 'strained' });
  criteria.push({ kind: 'storage', text: 'Ceph or shared storage inside the cluster; live migration between members', verdict: 'fits' });
  criteria.push({ kind: 'effort', text: 'One wizard: create, join, links', verdict: 'fits' });
  criteria.push(useCase(workload));
  const shape = layout.qdevice ? ` + QDevice on ${layout.qdevice}` : '';
  return { id: 'one-cluster', title: `One Proxmox VE cluster${layout.qdevice ? ' with a QDevice' : ''}`, summary: `${n} members over ${[...sites].join(', ')}${shape}`, criteria, changes };
}

function separateClusters(estate: EstateSummary, workload: string): ApproachDraft | undefined {
  const groups = groupSites(estate, lanRttLimitMs, separateClusterLimits.lossPct);
  if (estate.sites.filter((s) => s.nodes.length > 0).length < 2) return undefined;
  const criteria: Criterion[] = [];
  const changes: string[] = [];
  // The closest pair that still cannot share a cluster (why the groups split) and the farthest (what the moves must cross).
  const over = estate.links.filter((l) => l.rttMs > lanRttLimitMs || lossClearlyAbove(l.lossPercent, separateClusterLimits.lossPct, l.probes)).sort((x, y) => x.rttMs - y.rttMs);
  const figures = [...new Set([over[0], over[over.length - 1]])].filter((l) => l !== undefined).map(describeSiteLink);
  if (groups.length === 1) {
    criteria.push({ kind: 'latency', text: `Every site within ${lanRttLimitMs} ms: splitting gives up live migration and shared HA for nothing`, verdict: 'strained', source: remoteSource });
  } else {
    criteria.push({ kind: 'latency', text: `${figures.join('; ')}: above corosync's ${lanRttLimitMs} ms, so each cluster stays on its LAN and cross-cluster moves cross the WAN`, verdict: 'fits', deciding: true, source: remoteSource });
  }
  const sizes = groups.map((g) => nodesIn(estate, g).length);
  const even = sizes.filter((s) => s > 1 && s % 2 === 0).length;
  const singles = sizes.filter((s) => s === 1).length;
  criteria.push({ kind: 'quorum', text: `${groups.length} quorum domains of ${sizes.join(', ')} node(s): a site's outage never stops the others`, verdict: even ? 'strained' : 'fits', source: qdeviceSource });
  if (even) changes.push(`A QDevice host for the ${even} cluster(s) with an even node count.`);
  criteria.push({ kind: 'ha', text: singles ? `HA within each cluster; ${singles} single-node site(s) have none (restore elsewhere by a cross-cluster move)` : 'HA within each cluster; moving a site\'s guests is a planned cross-cluster move', verdict: 'strained' });
  criteria.push({ kind: 'scale', text: `${estate.nodeCount} nodes in ${groups.length} clusters`, verdict: 'fits' });
  criteria.push({ kind: 'storage', text: 'Storage per cluster; cross-cluster moves copy the disks over the WAN', verdict: 'strained' });
  criteria.push({ kind: 'effort', text: `${groups.length} wizards and an API token per cluster`, verdict: 'fits' });
  criteria.push(useCase(workload));
  if (groups.length === 1) changes.push('Nothing forces it: one cluster fits these sites.');
  return { id: 'separate-clusters', title: 'Separate Proxmox VE clusters joined by cross-cluster moves', summary: groups.map((g) => g.join(' + ')).join(' | '), criteria, changes };
}

type Section = { clusters: { name: string; nodes: string[]; links: { link: number; network: string }[]; qdevice?: { host: string; algorithm: 'ffsplit' | 'lms' } }[] };

/** A pvecm cluster name from the first site's name (lower case, at most 15 characters), unique among `taken`. */
function clusterName(sites: readonly string[], taken: Set<string>): string {
  const base = sites[0]!.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+/, '').slice(0, 12);
  const stem = /^[a-z]/.test(base) ? base : 'cluster';
  let name = stem;
  for (let i = 2; taken.has(name); i++) name = `${stem}-${i}`.slice(0, 15);
  taken.add(name);
  return name;
}

function linksFor<W extends StackWorkspace>(workspace: W, members: readonly string[]): { link: number; network: string }[] {
  const byRole = (role: string) => workspace.networks.filter((n) => n.roles.includes(role) && members.every((m) => workspace.nodes.find((x) => x.name === m)?.addresses[n.name] !== undefined));
  const chosen = [...byRole('corosync'), ...byRole('management')].filter((n, i, all) => all.findIndex((m) => m.name === n.name) === i).slice(0, 2);
  const fallback = chosen.length ? chosen : workspace.networks.slice(0, 1);
  return fallback.map((n, link) => ({ link, network: n.name }));
}

export const proxmoxAdvisor: StackAdvisor<StackWorkspace> = {
  approaches(estate, answers) {
    return [oneCluster(estate, answers.workload), separateClusters(estate, answers.workload)].filter((a): a is ApproachDraft => a !== undefined);
  },
  shape(workspace, approach, estate) {
    const section: Section = { clusters: [] };
    const taken = new Set<string>();
    if (approach === 'one-cluster') {
      const layout = oneClusterLayout(estate);
      const sites = estate.sites.filter((s) => s.nodes.some((n) => layout.members.includes(n))).map((s) => s.name);
      section.clusters.push({ name: clusterName(sites, taken), nodes: layout.members, links: linksFor(workspace, layout.members), ...(layout.qdevice ? { qdevice: { host: layout.qdevice, algorithm: 'ffsplit' as const } } : {}) });
    } else {
      groupSites(estate, lanRttLimitMs, separateClusterLimits.lossPct).forEach((g) => {
        const members = nodesIn(estate, g);
        section.clusters.push({ name: clusterName(g, taken), nodes: members, links: linksFor(workspace, members) });
      });
    }
    return { ...workspace, proxmox: section };
  },
  bestPractices: proxmoxBestPractices,
};

const haSource = pvecm('High Availability (ha-manager): requirements — shared storage, three votes, fencing');

/** Proxmox VE's own best practices for one cluster: HA for the guests that need it, on shared storage. */
export function proxmoxBestPractices(workspace: StackWorkspace, group: StackGroup): ScoreLine[] {
  const cluster = (workspace as { proxmox?: { clusters?: { name: string; ha?: { enabled: boolean }; storages?: { id: string; shared: boolean }[] }[] } }).proxmox?.clusters?.find((c) => c.name === group.name);
  if (!cluster) return [];
  const shared = (cluster.storages ?? []).filter((s) => s.shared);
  const ha: ScoreLine = cluster.ha?.enabled
    ? { id: 'proxmox.ha', title: 'HA rules for the guests that need them', status: shared.length ? 'pass' : 'warn', evidence: shared.length ? `HA enabled; shared storage ${shared.map((s) => s.id).join(', ')}.` : 'HA enabled, but no shared storage: a guest on local disk cannot restart elsewhere.', source: haSource, ...(shared.length ? {} : { action: { kind: 'wizard' as const, label: 'Add shared storage in the wizard' } }) }
    : { id: 'proxmox.ha', title: 'HA rules for the guests that need them', status: 'warn', evidence: 'HA is not enabled for this cluster: a failed node\'s guests stay down until someone moves them.', action: { kind: 'wizard', label: 'Enable HA in the wizard' }, source: haSource };
  return [ha];
}
