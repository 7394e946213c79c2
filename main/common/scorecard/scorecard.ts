// The best-practice scorecard, pure: for every cluster or region a registered stack defines, the practices
// every stack shares (separate networks per traffic kind, latency measured and within limits over the last
// day, a tie-breaker for even node counts, a failover drill, time sync, redundant cluster links) and the
// stack's own (StackDefinition.advisor.bestPractices), each with its evidence and the action that fixes it.
// With the gathered evidence (evidence.ts: drill reports, the monitoring history, storage health) the drill and
// latency lines quote those, and a storage line is added.
import { defaultStacks, trafficKindsOf, trafficOf, type StackList } from '../stacks/compose.js';
import type { StackGroup, StackTraffic, StackWorkspace } from '../stacks/types.js';
import { describeLatency, FactIndex, type Facts, type PairLatency } from '../workspace/facts.js';
import type { RuleSource } from '../workspace/rules/types.js';
import { formatMs, formatWhen, type DrillEvidence, type LinkHistory, type ScorecardEvidence } from './evidence.js';
import type { ClusterScorecard, ScoreAction, ScoreLine } from './types.js';

const DAY_MS = 24 * 3600 * 1000;
/** Ceph's default allowed clock drift between monitors (mon_clock_drift_allowed = 0.05 s). */
export const CLOCK_OFFSET_LIMIT_MS = 50;
const cephClock: RuleSource = { document: 'Ceph documentation, Monitor configuration reference', section: 'Clock: mon_clock_drift_allowed', url: 'https://docs.ceph.com/en/latest/rados/configuration/mon-config-ref/#clock' };
/** A drill older than this is worth running again. */
export const DRILL_MAX_AGE_DAYS = 90;

/**
 * Every cluster's scorecard. `evidence` (absent: not gathered, e.g. before the app has read it) adds the drill
 * reports, the last day's monitoring history and the storage health.
 */
export function scorecards(workspace: StackWorkspace, facts: Facts, now: Date = new Date(), list: StackList = defaultStacks, evidence?: ScorecardEvidence): ClusterScorecard[] {
  const index = new FactIndex(facts);
  const kinds = trafficKindsOf(list);
  const traffic = trafficOf(workspace, list);
  return list.flatMap((stack) =>
    stack.groups(workspace).map((group) => {
      const own = traffic.filter((t) => t.stack === stack.id && t.group === group.name);
      const lines: ScoreLine[] = [
        separateNetworks(workspace, own, kinds),
        evidence ? latencyHistory(workspace, own, index, facts, now, evidence) : latency(workspace, own, index, facts, now),
        ...(group.kind === 'cluster' ? [quorum(group)] : []),
        drill(workspace, group, facts, now, evidence?.drills ?? []),
        timeSync(group, facts, now),
        ...redundancy(workspace, group, own),
        ...(evidence ? [storageHealth(group, evidence)] : []),
        ...(stack.advisor?.bestPractices?.(workspace, group, facts) ?? []),
      ];
      return { stack: stack.id, stackTitle: stack.title, cluster: group.name, lines };
    }),
  );
}

function separateNetworks(workspace: StackWorkspace, own: StackTraffic[], kinds: Record<string, string>): ScoreLine {
  const base = { id: 'separate-networks', title: 'Separate networks per traffic kind' };
  const control = own.filter((t) => kinds[t.role] === 'cluster control');
  if (!control.length) return { ...base, status: 'unknown', evidence: 'No cluster traffic is placed on a network yet.', action: { kind: 'wizard', label: 'Place its traffic in the wizard' } };
  const shared = [...new Set(control.map((t) => t.network))]
    .map((name) => workspace.networks.find((n) => n.name === name))
    .filter((n) => n !== undefined)
    .map((n) => ({ n, others: [...new Set(n.roles.map((r) => kinds[r]).filter((k) => k && k !== 'cluster control'))] }))
    .filter((x) => x.others.length > 0);
  if (!shared.length) return { ...base, status: 'pass', evidence: `Cluster traffic on ${[...new Set(control.map((t) => t.network))].join(', ')}, which carry nothing else.` };
  // Fine when another cluster link runs on a network of its own.
  const alone = control.some((t) => !shared.some((s) => s.n.name === t.network));
  return {
    ...base,
    status: alone ? 'warn' : 'fail',
    evidence: shared.map((s) => `network ${s.n.name} carries cluster traffic and ${s.others.join(', ')}`).join('; ') + (alone ? ' (another cluster link has a network of its own)' : ''),
    action: { kind: 'networks', label: 'Give cluster traffic a network of its own' },
  };
}

function latency(workspace: StackWorkspace, own: StackTraffic[], index: FactIndex, facts: Facts, now: Date): ScoreLine {
  const base = { id: 'latency', title: 'Latency measured and within limits (last day)' };
  const limited = own.filter((t) => t.limits);
  if (!limited.length) return { ...base, status: 'unknown', evidence: 'No latency limit applies to this group\'s traffic.' };
  let worst: { p: PairLatency; t: StackTraffic } | undefined;
  let missing = 0;
  for (const t of limited)
    for (let i = 0; i < t.nodes.length; i++)
      for (let j = i + 1; j < t.nodes.length; j++) {
        const p = index.between(t.network, t.nodes[i]!, t.nodes[j]!);
        if (!p || p.rttMs === undefined) {
          missing++;
          continue;
        }
        const over = (x: PairLatency, lt: StackTraffic) => x.rttMs! / lt.limits!.errorMs + x.lossPercent;
        if (!worst || over(p, t) > over(worst.p, worst.t)) worst = { p, t };
      }
  const measure = { kind: 'measure' as const, label: 'Measure latency now (or on a schedule)' };
  if (!worst) return { ...base, status: 'unknown', evidence: 'Not measured yet between the members.', action: measure };
  const { p, t } = worst;
  const limits = t.limits!;
  const figure = `${p.a} ↔ ${p.b} on ${t.network}: ${describeLatency(p)}`;
  const measuredAt = facts.latency?.measuredAt;
  const stale = measuredAt !== undefined && now.getTime() - Date.parse(measuredAt) > DAY_MS;
  if (p.rttMs! > limits.errorMs || p.lossPercent >= 100)
    return { ...base, status: t.accepted ? 'warn' : 'fail', evidence: `${figure}, above ${limits.errorMs} ms${t.accepted ? ' (WAN layout accepted)' : ''}.`, action: { kind: 'wizard', label: 'Review the links in the wizard' }, source: limits.source };
  if (stale) return { ...base, status: 'warn', evidence: `${figure}, but last measured ${measuredAt}, more than a day ago.`, action: measure, source: limits.source };
  if (limits.warnMs !== undefined && p.rttMs! > limits.warnMs) return { ...base, status: 'warn', evidence: `${figure}, above the ${limits.warnMs} ms the vendor recommends.`, source: limits.source };
  return { ...base, status: missing ? 'warn' : 'pass', evidence: `Worst pair ${figure}, within ${limits.warnMs ?? limits.errorMs} ms${missing ? `; ${missing} pair(s) not measured` : ''}.`, ...(missing ? { action: measure } : {}), source: limits.source };
}

const monitorAction: ScoreAction = { kind: 'monitor', label: 'Start monitoring (Monitor tab)' };

/** How one link's last day reads against its traffic's limit: the worst verdict first. */
function judgeLink(h: LinkHistory, t: StackTraffic): { status: ScoreLine['status']; why: string[]; weight: number } {
  const limits = t.limits!;
  const why: string[] = [];
  let status: ScoreLine['status'] = 'pass';
  const raise = (to: ScoreLine['status']) => {
    const order = ['pass', 'unknown', 'warn', 'fail'];
    if (order.indexOf(to) > order.indexOf(status)) status = to;
  };
  if (h.p95RttMs !== undefined && h.p95RttMs > limits.errorMs) {
    raise(t.accepted ? 'warn' : 'fail');
    why.push(`p95 above ${limits.errorMs} ms${t.accepted ? ' (WAN layout accepted)' : ''}`);
  } else if (h.worstRttMs !== undefined && h.worstRttMs > limits.errorMs) {
    raise('warn');
    why.push(`spikes above ${limits.errorMs} ms`);
  } else if (limits.warnMs !== undefined && h.p95RttMs !== undefined && h.p95RttMs > limits.warnMs) {
    raise('warn');
    why.push(`p95 above the ${limits.warnMs} ms the vendor recommends`);
  }
  if (h.downRounds > 0) {
    raise('warn');
    why.push(`down in ${h.downRounds} of ${h.rounds} rounds`);
  }
  if (h.meanLossPercent >= 10) {
    raise('fail');
    why.push(`${h.meanLossPercent} % loss on average`);
  } else if (h.maxLossPercent > 0 && h.downRounds < h.rounds) {
    raise('warn');
    if (!h.downRounds || h.maxLossPercent < 100) why.push(`loss up to ${h.maxLossPercent} %`);
  }
  if (h.measured === 0) raise('unknown');
  const weight = (['pass', 'unknown', 'warn', 'fail'].indexOf(status) * 1000) + (h.p95RttMs ?? 0) / limits.errorMs + h.meanLossPercent / 100;
  return { status, why, weight };
}

/** "a1 ↔ b1 worst 0.9 ms, p95 0.5 ms, loss max 0 %". */
export function describeLinkHistory(h: LinkHistory): string {
  const rtt = h.worstRttMs !== undefined && h.p95RttMs !== undefined ? `worst ${formatMs(h.worstRttMs)}, p95 ${formatMs(h.p95RttMs)}` : 'no round trip measured';
  return `${h.a} ↔ ${h.b} ${rtt}, loss max ${h.maxLossPercent} %`;
}

/** Latency against the limits over the last day of monitoring; the spot measurement, said as such, when there is no history. */
function latencyHistory(workspace: StackWorkspace, own: StackTraffic[], index: FactIndex, facts: Facts, now: Date, evidence: ScorecardEvidence): ScoreLine {
  const limited = own.filter((t) => t.limits);
  const spot = latency(workspace, own, index, facts, now);
  if (!limited.length) return spot;
  const history = evidence.history;
  const found: { h: LinkHistory; t: StackTraffic }[] = [];
  let missing = 0;
  for (const t of limited)
    for (let i = 0; i < t.nodes.length; i++)
      for (let j = i + 1; j < t.nodes.length; j++) {
        const [a, b] = [t.nodes[i]!, t.nodes[j]!].sort();
        const h = history?.links.find((l) => l.network === t.network && l.a === a && l.b === b && l.rounds > 0);
        if (h) found.push({ h, t });
        else missing++;
      }
  if (!found.length) {
    const why = history ? (history.rounds ? `No monitoring history of this cluster's links over the last day (${history.rounds} rounds of other links).` : 'No monitoring history over the last day.') : `The monitoring history could not be read${evidence.problems.length ? ` (${evidence.problems.join('; ')})` : ''}.`;
    return {
      ...spot,
      status: spot.status === 'pass' ? 'warn' : spot.status,
      evidence: `${why} ${spot.status === 'unknown' ? spot.evidence : `Spot measurement only: ${spot.evidence}`}`,
      action: spot.status === 'fail' && spot.action ? spot.action : monitorAction,
    };
  }
  const judged = found.map((f) => ({ ...f, ...judgeLink(f.h, f.t) })).sort((x, y) => y.weight - x.weight);
  const worst = judged[0]!;
  const limits = worst.t.limits!;
  // Per network, its worst link (the worst network first).
  const byNetwork = new Map<string, (typeof judged)[number]>();
  for (const j of judged) if (!byNetwork.has(j.h.network)) byNetwork.set(j.h.network, j);
  const clauses = [...byNetwork.values()].map((j) => {
    const l = j.t.limits!;
    const verdict = j.why.length ? `: ${j.why.join(', ')}` : l.warnMs !== undefined ? `, within the ${l.warnMs} ms recommended` : ', within it';
    return `on ${j.h.network}, ${describeLinkHistory(j.h)} against ${l.errorMs} ms (${j.t.label})${verdict}`;
  });
  const window = history!.firstMs !== undefined && history!.lastMs !== undefined ? `${formatWhen(history!.firstMs)} – ${formatWhen(history!.lastMs)}` : '';
  const stopped = history!.lastMs !== undefined && now.getTime() - history!.lastMs > 3600_000;
  let status = worst.status;
  if ((missing || stopped) && status === 'pass') status = 'warn';
  const text =
    `Last 24 h, ${history!.rounds} monitoring round${history!.rounds === 1 ? '' : 's'}${window ? ` (${window})` : ''}: ${clauses.join('; ')}.` +
    `${missing ? ` ${missing} pair(s) not in the history.` : ''}${stopped ? ' Monitoring stopped more than an hour ago.' : ''}`;
  const action: ScoreAction | undefined = status === 'fail' ? { kind: 'wizard', label: 'Review the links in the wizard' } : missing || stopped ? monitorAction : undefined;
  return { id: 'latency', title: 'Latency measured and within limits (last day)', status, evidence: text, ...(action ? { action } : {}), source: limits.source };
}

/** Storage health as the stack read it (its distributed storage's own health check), or unknown with the reason. */
function storageHealth(group: StackGroup, evidence: ScorecardEvidence): ScoreLine {
  const base = { id: 'storage-health', title: 'Storage health' };
  const read = evidence.storage.find((s) => s.stack === group.stack && s.cluster === group.name);
  if (!read) return { ...base, status: 'unknown', evidence: 'Not read: this stack reports no storage health to the app.' };
  return { ...base, status: read.status, evidence: read.evidence, ...(read.source ? { source: read.source } : {}) };
}

function quorum(group: StackGroup): ScoreLine {
  const base = { id: 'quorum', title: 'A tie-breaker for even node counts' };
  const members = group.members.filter((m) => m.member);
  const arbiters = group.members.filter((m) => !m.member);
  const n = members.length;
  if (n % 2 === 1) return { ...base, status: 'pass', evidence: `${n} votes: an odd count breaks ties by itself${arbiters.length ? ` (and ${arbiters.map((a) => `${a.role} ${a.node}`).join(', ')})` : ''}.` };
  if (arbiters.length) return { ...base, status: 'pass', evidence: `${n} members + ${arbiters.map((a) => `${a.role} ${a.node}`).join(', ')}.` };
  return {
    ...base,
    status: n === 2 ? 'fail' : 'warn',
    evidence: `${n} members and no tie-breaker: losing half of them${n === 2 ? ' (one node)' : ''} stops the cluster.`,
    // The node form that adds a host as the cluster's tie-breaker (the app falls back to the wizard for a stack without one).
    action: { kind: 'finding', label: 'Add a QDevice (or witness) host', finding: { id: 'add-qdevice-host', cluster: group.name } },
  };
}

/** The site whose loss a drill should try: the one holding the fewest members (the minority a real outage cuts off). */
export function drillSiteOf(workspace: StackWorkspace, group: StackGroup): string | undefined {
  const counts = new Map<string, number>();
  for (const m of group.members.filter((x) => x.member)) {
    const site = workspace.nodes.find((n) => n.name === m.node)?.site;
    if (site) counts.set(site, (counts.get(site) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))[0]?.[0];
}

/** "Last drill 2026-12-05 14:03 UTC (Loss of site a, lab): as predicted — guests back after 31.5 s, quorum as predicted after 4.1 s, every node rejoined 2 s after the restore". */
export function describeDrill(d: DrillEvidence): string {
  const result = d.outcome === 'as-predicted' ? 'as predicted' : d.outcome === 'differs' ? 'differed from the prediction' : 'incomplete (not everything came back during the drill)';
  const figures = [
    d.outageS !== undefined ? `guests back after ${d.outageS} s` : undefined,
    d.quorumS !== undefined ? `quorum as predicted after ${d.quorumS} s` : undefined,
    d.rejoinedS !== undefined ? `every node rejoined ${d.rejoinedS} s after the restore` : undefined,
  ].filter((x) => x !== undefined);
  return `Last drill ${formatWhen(d.date)} (${d.title}, ${d.mode}): ${result}${figures.length ? ` — ${figures.join(', ')}` : ''}`;
}

function drill(workspace: StackWorkspace, group: StackGroup, facts: Facts, now: Date, reports: readonly DrillEvidence[]): ScoreLine {
  const base = { id: 'drill', title: 'Failover tested' };
  const site = drillSiteOf(workspace, group);
  const action: ScoreAction = { kind: 'drill', label: site ? `Run a failover drill (loss of site ${site})` : 'Run a failover drill', ...(site ? { site } : {}) };
  const report = reports.filter((d) => d.stack === group.stack && d.cluster === group.name).sort((a, b) => Date.parse(a.date) - Date.parse(b.date)).at(-1);
  const recorded = (facts.drills ?? []).filter((d) => d.stack === group.stack && d.cluster === group.name).sort((a, b) => Date.parse(a.at) - Date.parse(b.at)).at(-1);
  // The saved report wins over a fact recorded by hand unless the fact is newer.
  if (report && (!recorded || Date.parse(report.date) >= Date.parse(recorded.at))) {
    const days = Math.floor((now.getTime() - Date.parse(report.date)) / DAY_MS);
    const said = describeDrill(report);
    const link = { report: { kind: 'drill' as const, file: report.file } };
    if (report.outcome !== 'as-predicted') return { ...base, status: 'fail', evidence: `${said}.`, action, ...link };
    if (days > DRILL_MAX_AGE_DAYS) return { ...base, status: 'warn', evidence: `${said}, ${days} days ago.`, action, ...link };
    return { ...base, status: 'pass', evidence: `${said}.`, ...link };
  }
  const last = recorded;
  if (!last) return { ...base, status: 'warn', evidence: 'No drill recorded.', action };
  const days = Math.floor((now.getTime() - Date.parse(last.at)) / DAY_MS);
  const said = `Last drill ${last.at.slice(0, 10)} (${last.scenario}): ${last.result}${last.detail ? ` — ${last.detail}` : ''}`;
  if (last.result === 'failed') return { ...base, status: 'fail', evidence: `${said}.`, action };
  if (days > DRILL_MAX_AGE_DAYS) return { ...base, status: 'warn', evidence: `${said}, ${days} days ago.`, action };
  return { ...base, status: 'pass', evidence: `${said}.` };
}

function timeSync(group: StackGroup, facts: Facts, now: Date): ScoreLine {
  const base = { id: 'time-sync', title: 'Clocks synchronised', source: cephClock };
  const clocks = facts.clocks ?? [];
  const read = group.members.map((m) => ({ node: m.node, clock: clocks.filter((c) => c.node === m.node).at(-1) }));
  const bad = read.filter((r) => r.clock && (r.clock.synchronized === false || (r.clock.synchronized && r.clock.offsetMs !== undefined && Math.abs(r.clock.offsetMs) > CLOCK_OFFSET_LIMIT_MS)));
  const unread = read.filter((r) => !r.clock);
  const unknown = read.filter((r) => r.clock && r.clock.synchronized === undefined);
  const good = read.filter((r) => r.clock?.synchronized === true && !bad.includes(r));
  const readNow: ScoreAction = { kind: 'clocks', label: 'Read the clocks now' };
  const how = (r: (typeof read)[number]) => `${r.node}: ${r.clock!.synchronized ? `synchronised${r.clock!.offsetMs !== undefined ? `, ${r.clock!.offsetMs} ms off` : ''}` : 'not synchronised'} (${r.clock!.tool ?? 'read'})`;
  // Nodes that gave the same reason are named together.
  const reasons = new Map<string, string[]>();
  for (const r of unknown) reasons.set(r.clock!.unknown ?? 'not readable', [...(reasons.get(r.clock!.unknown ?? 'not readable') ?? []), r.node]);
  const unknownText = unknown.length ? ` Unknown on ${[...reasons].map(([why, nodes]) => `${nodes.join(', ')} — ${why}`).join('; ')}.` : '';
  const when = [...new Set(read.flatMap((r) => (r.clock ? [r.clock.checkedAt] : [])))].sort().at(-1);
  const at = when ? ` (read ${formatWhen(when)})` : '';
  if (bad.length) {
    const first = bad[0]!;
    return {
      ...base,
      status: 'fail',
      evidence: bad.map((r) => `${r.node}: ${r.clock!.synchronized ? `${r.clock!.offsetMs} ms off` : 'not synchronised'}`).join('; ') + ` (limit ${CLOCK_OFFSET_LIMIT_MS} ms).${unknownText}`,
      action: { kind: 'terminal', label: `Enable chrony on ${first.node}`, node: first.node },
    };
  }
  if (unread.length === read.length) return { ...base, status: 'unknown', evidence: 'Not read on any member yet.', action: readNow };
  if (unknown.length + unread.length === read.length)
    return { ...base, status: 'unknown', evidence: `No member says whether its clock is synchronised.${unknownText}${unread.length ? ` Not read on ${unread.map((r) => r.node).join(', ')}.` : ''}${at}`.trim(), action: readNow };
  if (unread.length || unknown.length)
    return { ...base, status: 'warn', evidence: `${good.map(how).join('; ')}.${unknownText}${unread.length ? ` Not read on ${unread.map((r) => r.node).join(', ')}.` : ''}${at}`, action: readNow };
  const oldest = read.map((r) => Date.parse(r.clock!.checkedAt)).sort((a, b) => a - b)[0]!;
  if (now.getTime() - oldest > DAY_MS) return { ...base, status: 'warn', evidence: `All ${read.length} members synchronised: ${good.map(how).join('; ')}, but read more than a day ago${at}.`, action: { kind: 'clocks', label: 'Read the clocks again' } };
  return { ...base, status: 'pass', evidence: `All ${read.length} members synchronised: ${good.map(how).join('; ')}${at}.` };
}

function redundancy(workspace: StackWorkspace, group: StackGroup, own: StackTraffic[]): ScoreLine[] {
  const numbered = own.find((t) => t.clusterLinks);
  if (!numbered?.clusterLinks) return [];
  const networks = [...new Set(numbered.clusterLinks.map((l) => l.network))];
  const base = { id: 'redundant-links', title: 'Redundant cluster links', ...(numbered.sources?.redundancy ? { source: numbered.sources.redundancy } : {}) };
  if (networks.length >= 2) return [{ ...base, status: 'pass', evidence: `${numbered.clusterLinks.length} links on ${networks.join(', ')}.` }];
  // Members at several sites: an overlay between the sites is the usual second path; on one site, a second network.
  const sites = new Set(group.members.map((m) => workspace.nodes.find((n) => n.name === m.node)?.site).filter((x) => x !== undefined));
  const action: ScoreAction =
    sites.size > 1
      ? { kind: 'overlay', label: 'Plan an overlay between the sites as a second path' }
      : { kind: 'finding', label: 'Add a second link on another network', finding: { id: 'add-corosync-link', cluster: group.name } };
  return [{ ...base, status: 'warn', evidence: `One path only (${networks[0]}): a switch or cable fault stops cluster traffic.`, action }];
}

/** "PASS  Separate networks per traffic kind — evidence (what to do: …)" lines for the CLI. */
export function formatScorecards(cards: readonly ClusterScorecard[]): string[] {
  return cards.flatMap((card) => [
    `  scorecard: ${card.stackTitle} ${card.cluster}`,
    ...card.lines.flatMap((l) => [
      `    ${l.status.toUpperCase().padEnd(7)} ${l.title}: ${l.evidence}`,
      ...(l.report ? [`            report: ${l.report.file}`] : []),
      ...(l.action ? [`            what to do: ${l.action.label}`] : []),
    ]),
  ]);
}
