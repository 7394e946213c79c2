// The monitoring series in Prometheus's text exposition format (version 0.0.4). Cluster quorum uses the
// names of ClusterLabs' ha_cluster_exporter (ha_cluster_corosync_quorate, ha_cluster_corosync_quorum_votes
// with its `type` label), with a `cluster` label since one estate holds several; links, which no common
// exporter describes, are clusterwright_link_*. A stack names its own series (its services, health) after its
// vendor's exporters through its definition's `exposition`. Every label value is escaped: names come from the
// workspace and from remote replies.
import type { ClusterSample, MonitorAlert, MonitorSample } from './model.js';

/** One series line a stack exposes for a cluster sample (the stack's own names, e.g. its vendor exporter's). */
export interface ExposedSeries {
  name: string;
  help: string;
  type?: 'gauge' | 'counter';
  labels: Record<string, string | number | undefined>;
  value: number;
}

/** What a stack's definition may add to the exposition: its series for one of its cluster samples. */
export interface StackExposition {
  id: string;
  exposition?(cluster: ClusterSample): ExposedSeries[];
}

/** Escapes a label value as the format requires: backslash, double quote and line feed. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function labels(pairs: Record<string, string | number | undefined>): string {
  const parts = Object.entries(pairs)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}="${escapeLabelValue(String(v))}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

const num = (v: number) => (Number.isFinite(v) ? String(v) : v > 0 ? '+Inf' : v < 0 ? '-Inf' : 'NaN');

class Family {
  readonly lines: string[] = [];
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'gauge' | 'counter' = 'gauge',
  ) {}
  add(l: Record<string, string | number | undefined>, value: number): void {
    this.lines.push(`${this.name}${labels(l)} ${num(value)}`);
  }
  text(): string {
    if (!this.lines.length) return '';
    return `# HELP ${this.name} ${this.help}\n# TYPE ${this.name} ${this.type}\n${this.lines.join('\n')}\n`;
  }
}

export interface ExpositionInput {
  /** The latest round (absent before the first). */
  latest?: MonitorSample;
  alerts: readonly MonitorAlert[];
  /** Rounds since the monitor started, and the time of the last one. */
  rounds: number;
  running: boolean;
  /** The stacks, for the series they name themselves. */
  stacks?: readonly StackExposition[];
}

const metricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const labelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function renderExposition(input: ExpositionInput): string {
  const rtt = new Family('clusterwright_link_rtt_seconds', 'Round trip between two nodes on one network (ping: median of the round; knet: twice its one-way average).');
  const jitter = new Family('clusterwright_link_jitter_seconds', 'Spread of the round trips of the last round (ping mdev).');
  const loss = new Family('clusterwright_link_loss_ratio', 'Share of probes lost in the last round (0 to 1).');
  const up = new Family('clusterwright_link_up', 'Whether the link answered in the last round (1) or lost every probe (0).');
  const quorate = new Family('ha_cluster_corosync_quorate', 'Whether the cluster is quorate (1) or not (0), as a member reported it.');
  const votes = new Family('ha_cluster_corosync_quorum_votes', 'Cluster quorum votes; one line per type.');
  const members = new Family('clusterwright_cluster_members', 'Members in the membership the answering node sees.');
  const reachable = new Family('clusterwright_cluster_reachable', 'Whether any member of the cluster answered the last round.');
  const alerts = new Family('clusterwright_alerts_active', 'Limits crossed right now, per severity.');
  const apiSeconds = new Family('clusterwright_cluster_api_seconds', "How long the stack's API took to answer in the last round (an identity service issuing a token…).");
  const apiUp = new Family('clusterwright_cluster_api_up', "Whether the stack's API answered in the last round.");
  const stackFamilies = new Map<string, Family>();
  const rounds = new Family('clusterwright_monitor_rounds_total', 'Polling rounds since the monitor started.', 'counter');
  const running = new Family('clusterwright_monitor_running', 'Whether the monitor is polling.');
  const s = input.latest;
  if (s) {
    for (const l of s.links) {
      const base = { network: l.network, a: l.a, b: l.b, source: l.source, ...(l.link !== undefined ? { link: l.link } : {}) };
      if (l.rttMs !== undefined) rtt.add(base, l.rttMs / 1000);
      if (l.jitterMs !== undefined) jitter.add(base, l.jitterMs / 1000);
      if (l.source === 'ping') loss.add(base, l.lossPercent / 100);
      up.add(base, l.lossPercent >= 100 ? 0 : 1);
    }
    for (const c of s.clusters) {
      const base = { stack: c.stack, cluster: c.cluster };
      reachable.add(base, c.reachable ? 1 : 0);
      if (c.quorate !== undefined) quorate.add(base, c.quorate ? 1 : 0);
      if (c.expectedVotes !== undefined) votes.add({ ...base, type: 'expected_votes' }, c.expectedVotes);
      if (c.totalVotes !== undefined) votes.add({ ...base, type: 'total_votes' }, c.totalVotes);
      if (c.quorum !== undefined) votes.add({ ...base, type: 'quorum' }, c.quorum);
      if (c.members) members.add(base, c.members.length);
      for (const a of c.apis ?? []) {
        apiUp.add({ ...base, api: a.name }, a.reachable ? 1 : 0);
        if (a.ms !== undefined) apiSeconds.add({ ...base, api: a.name }, a.ms / 1000);
      }
      const stack = input.stacks?.find((x) => x.id === c.stack);
      for (const series of stack?.exposition?.(c) ?? []) {
        // A stack's names are code, not data; still, a name the format refuses is left out rather than written.
        if (!metricName.test(series.name) || !Object.keys(series.labels).every((k) => labelName.test(k))) continue;
        let family = stackFamilies.get(series.name);
        if (!family) stackFamilies.set(series.name, (family = new Family(series.name, series.help, series.type ?? 'gauge')));
        family.add(series.labels, series.value);
      }
    }
  }
  alerts.add({ severity: 'error' }, input.alerts.filter((a) => a.severity === 'error').length);
  alerts.add({ severity: 'warning' }, input.alerts.filter((a) => a.severity === 'warning').length);
  rounds.add({}, input.rounds);
  running.add({}, input.running ? 1 : 0);
  return [rtt, jitter, loss, up, quorate, votes, members, reachable, apiUp, apiSeconds, ...stackFamilies.values(), alerts, rounds, running].map((f) => f.text()).join('');
}
