// The best-practice scorecard, pure: for every cluster or region a registered stack defines, the practices
// every stack shares (separate networks per traffic kind, latency measured and within limits over the last
// day, a tie-breaker for even node counts, a failover drill, time sync, redundant cluster links) and the
// stack's own (StackDefinition.advisor.bestPractices), each with its evidence and the action that fixes it.
import { defaultStacks, trafficKindsOf, trafficOf, type StackList } from '../stacks/compose.js';
import type { StackGroup, StackTraffic, StackWorkspace } from '../stacks/types.js';
import { describeLatency, FactIndex, type Facts, type PairLatency } from '../workspace/facts.js';
import type { RuleSource } from '../workspace/rules/types.js';
import type { ClusterScorecard, ScoreLine } from './types.js';

const DAY_MS = 24 * 3600 * 1000;
/** Ceph's default allowed clock drift between monitors (mon_clock_drift_allowed = 0.05 s). */
export const CLOCK_OFFSET_LIMIT_MS = 50;
const cephClock: RuleSource = { document: 'Ceph documentation, Monitor configuration reference', section: 'Clock: mon_clock_drift_allowed', url: 'https://docs.ceph.com/en/latest/rados/configuration/mon-config-ref/#clock' };
/** A drill older than this is worth running again. */
export const DRILL_MAX_AGE_DAYS = 90;

export function scorecards(workspace: StackWorkspace, facts: Facts, now: Date = new Date(), list: StackList = defaultStacks): ClusterScorecard[] {
  const index = new FactIndex(facts);
  const kinds = trafficKindsOf(list);
  const traffic = trafficOf(workspace, list);
  return list.flatMap((stack) =>
    stack.groups(workspace).map((group) => {
      const own = traffic.filter((t) => t.stack === stack.id && t.group === group.name);
      const lines: ScoreLine[] = [
        separateNetworks(workspace, own, kinds),
        latency(workspace, own, index, facts, now),
        ...(group.kind === 'cluster' ? [quorum(group)] : []),
        drill(group, facts, now),
        timeSync(group, facts),
        ...redundancy(own),
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
    action: { kind: 'wizard', label: 'Add a QDevice (or witness) host in the wizard' },
  };
}

function drill(group: StackGroup, facts: Facts, now: Date): ScoreLine {
  const base = { id: 'drill', title: 'Failover tested' };
  const last = (facts.drills ?? []).filter((d) => d.stack === group.stack && d.cluster === group.name).sort((a, b) => Date.parse(a.at) - Date.parse(b.at)).at(-1);
  const action = { kind: 'drill' as const, label: 'Run a failover drill' };
  if (!last) return { ...base, status: 'warn', evidence: 'No drill recorded.', action };
  const days = Math.floor((now.getTime() - Date.parse(last.at)) / DAY_MS);
  const said = `Last drill ${last.at.slice(0, 10)} (${last.scenario}): ${last.result}${last.detail ? ` — ${last.detail}` : ''}`;
  if (last.result === 'failed') return { ...base, status: 'fail', evidence: `${said}.`, action };
  if (days > DRILL_MAX_AGE_DAYS) return { ...base, status: 'warn', evidence: `${said}, ${days} days ago.`, action };
  return { ...base, status: 'pass', evidence: `${said}.` };
}

function timeSync(group: StackGroup, facts: Facts): ScoreLine {
  const base = { id: 'time-sync', title: 'Clocks synchronised', source: cephClock };
  const clocks = facts.clocks ?? [];
  const read = group.members.map((m) => ({ node: m.node, clock: clocks.filter((c) => c.node === m.node).at(-1) }));
  const bad = read.filter((r) => r.clock && (!r.clock.synchronized || (r.clock.offsetMs !== undefined && Math.abs(r.clock.offsetMs) > CLOCK_OFFSET_LIMIT_MS)));
  const unread = read.filter((r) => !r.clock);
  if (bad.length) {
    const first = bad[0]!;
    return {
      ...base,
      status: 'fail',
      evidence: bad.map((r) => `${r.node}: ${r.clock!.synchronized ? `${r.clock!.offsetMs} ms off` : 'not synchronised'}`).join('; ') + ` (limit ${CLOCK_OFFSET_LIMIT_MS} ms).`,
      action: { kind: 'terminal', label: `Enable chrony on ${first.node}`, node: first.node },
    };
  }
  if (unread.length === read.length) return { ...base, status: 'unknown', evidence: 'Not read on any member yet.' };
  if (unread.length) return { ...base, status: 'warn', evidence: `Synchronised where read; not read on ${unread.map((r) => r.node).join(', ')}.` };
  return { ...base, status: 'pass', evidence: `All ${read.length} members synchronised.` };
}

function redundancy(own: StackTraffic[]): ScoreLine[] {
  const numbered = own.find((t) => t.clusterLinks);
  if (!numbered?.clusterLinks) return [];
  const networks = [...new Set(numbered.clusterLinks.map((l) => l.network))];
  const base = { id: 'redundant-links', title: 'Redundant cluster links', ...(numbered.sources?.redundancy ? { source: numbered.sources.redundancy } : {}) };
  if (networks.length >= 2) return [{ ...base, status: 'pass', evidence: `${numbered.clusterLinks.length} links on ${networks.join(', ')}.` }];
  return [{ ...base, status: 'warn', evidence: `One path only (${networks[0]}): a switch or cable fault stops cluster traffic.`, action: { kind: 'wizard', label: 'Add a second link on another network in the wizard' } }];
}

/** "PASS  Separate networks per traffic kind — evidence (what to do: …)" lines for the CLI. */
export function formatScorecards(cards: readonly ClusterScorecard[]): string[] {
  return cards.flatMap((card) => [
    `  scorecard: ${card.stackTitle} ${card.cluster}`,
    ...card.lines.flatMap((l) => [`    ${l.status.toUpperCase().padEnd(7)} ${l.title}: ${l.evidence}`, ...(l.action ? [`            what to do: ${l.action.label}`] : [])]),
  ]);
}
