// The what-if's quorum predictions against real corosync 3 (votequorum, corosync-qdevice, corosync-qnetd) in
// the lab. Clusters laid out like the example labs (assets/labs) and extra layouts (QDevice ffsplit and lms on
// an even and an odd node count, two_node, auto_tie_breaker, last_man_standing, wait_for_all) run side by side
// in one lab; each site is lost (corosync, corosync-qdevice and qnetd killed, as in a power cut) and each link
// cut, then every running member's `corosync-quorumtool -s` must show what the model predicted (quorate,
// members, expected, highest expected and total votes, quorum) and keep showing it. Every case is counted.
//
// `npm test` runs a representative subset (round Q, 12 cases: every scenario kind — link cut, a picked pair
// (a site lost and a link cut), steps over time (two sites lost, then one back) —, QDevice ffsplit on an even and lms on an odd node count, plain votequorum
// on an example lab) on a smaller lab, in under a minute. The full sweep (rounds A, B and C,
// 83 cases, about 5 minutes) runs with CW_WHATIF_FULL=1: `npm run test:whatif-full`.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { renderCorosyncConf, type CorosyncSection } from '../../main/common/stacks/proxmox/corosync-conf.js';
import { parseQuorumtoolStatus, type QuorumtoolStatus } from '../../main/common/stacks/proxmox/quorumtool.js';
import type { NodeQuorumReading } from '../../main/common/stacks/proxmox/votequorum.js';
import { predictCorosync, type CorosyncClusterLayout } from '../../main/common/stacks/proxmox/whatif.js';
import { failureKey, type Estate, type Failure } from '../../main/common/whatif/estate.js';
import { failureScenario, singleFailureScenarios, stepViews, type Scenario } from '../../main/common/whatif/scenarios.js';
import { loadLabSpec, type Lab } from '../../main/node/lab/index.js';
import { describeLab, useLab } from '../support/lab.js';

/** The full sweep (83 cases) instead of the subset. */
const full = process.env.CW_WHATIF_FULL === '1';
// One lab for every layout: sites a, b, c and the witness site w (qnetd), each pair with its own link.
const siteHosts = full ? { a: 8, b: 7, c: 3 } : { a: 5, b: 4, c: 1 };
const spec = `
name: whatif
sites:
  - name: a
    hosts: ${siteHosts.a}
  - name: b
    hosts: ${siteHosts.b}
    link: man
  - name: c
    hosts: ${siteHosts.c}
    link: wan
  - name: w
    hosts: [q1]
    link: wan
`;
const estate: Estate = { sites: ['a', 'b', 'c', 'w'] };
const qnetdHost = 'q1';
/** Totem: a 1 s token without the per-node coefficient, so a loss is noticed in ~2.2 s (token + consensus). */
const totem = { token: '1000', token_coefficient: '0' };
/** QDevice: heartbeats every 3.2 s instead of 8 s, so a lost qnetd is noticed sooner; legal values. */
const qdeviceTimeouts = { timeout: '4000', sync_timeout: '8000' };
const lmsWindowMs = 4000;
/** A prediction must hold this long, continuously, to count as the settled state. */
const holdMs = 2000;
const settleDeadlineMs = 45_000;
/** How often each member is read while waiting (the subset reads more often, to finish within a minute). */
const pollMs = full ? 500 : 250;
/** How long a predicted stall is watched. */
const unsettledObserveMs = 12_000;

interface ClusterDef {
  /** corosync cluster_name */
  id: string;
  /** Which example lab or extra layout it reproduces. */
  from: string;
  layout: CorosyncClusterLayout;
}

interface Checkpoint {
  afterStep: number;
  /** Read after the step's waitMs has passed (else right after the step settles). */
  afterWait?: boolean;
}

interface LabScenario {
  scenario: Scenario;
  checkpoints: Checkpoint[];
}

interface CaseResult {
  round: string;
  cluster: string;
  from: string;
  scenario: string;
  checkpoint: string;
  agreed: boolean;
  alternatives: number;
  matched?: number;
  settleMs?: number;
  detail?: string;
}

const results: CaseResult[] = [];
const timings: string[] = [];
afterAll(() => {
  if (!results.length) return;
  const agreed = results.filter((r) => r.agreed).length;
  const lines = results.map(
    (r) =>
      `${r.agreed ? 'agree   ' : 'DISAGREE'} ${r.round} ${r.cluster.padEnd(6)} ${r.scenario}${r.checkpoint ? ` [${r.checkpoint}]` : ''}${r.alternatives > 1 ? ` (alternative ${r.matched ?? '?'} of ${r.alternatives})` : ''}${r.settleMs !== undefined ? ` settled ${r.settleMs} ms` : ''}${r.detail ? `\n           ${r.detail}` : ''}`,
  );
  console.log(`what-if vs corosync: ${agreed} of ${results.length} cases agree\n${lines.join('\n')}\n${timings.join('\n')}`);
});

/** Hands out lab hosts per site for one round. */
function hostPool(lab: Lab): (site: string) => string {
  const free = new Map<string, string[]>();
  for (const h of lab.hosts) if (h.name !== qnetdHost) free.set(h.site, [...(free.get(h.site) ?? []), h.name]);
  return (site) => {
    const host = free.get(site)?.shift();
    if (!host) throw new Error(`the lab has no free host left in site ${site}`);
    return host;
  };
}

/** An example lab's cluster: every host but the QDevice one (proxmox.qdevice or the witness site's host), ids in file order. */
function fromExample(file: string, id: string, take: (site: string) => string): ClusterDef {
  const example = loadLabSpec(fs.readFileSync(path.join('assets/labs', file), 'utf8'), file);
  const witness = example.sites.find((s) => s.name === 'witness');
  const qdevice = typeof example.stacks?.proxmox === 'object' ? (example.stacks.proxmox as { qdevice?: string }).qdevice : witness?.hosts[0]?.name;
  const labSite = (site: string) => (site === 'witness' ? 'w' : site);
  const nodes = example.sites.flatMap((s) => s.hosts.filter((h) => h.name !== qdevice).map(() => ({ name: take(labSite(s.name)), site: labSite(s.name) })));
  const qsite = example.sites.find((s) => s.hosts.some((h) => h.name === qdevice))?.name;
  // pvecm qdevice setup: ffsplit with one vote for an even node count.
  return { id, from: file, layout: { name: id, nodes, ...(qsite ? { qdevice: { site: labSite(qsite), algorithm: 'ffsplit' as const, votes: 1 } } : {}) } };
}

function extra(id: string, from: string, sites: string[], take: (site: string) => string, rest: Partial<CorosyncClusterLayout> = {}): ClusterDef {
  return { id, from, layout: { name: id, nodes: sites.map((site) => ({ name: take(site), site })), ...rest } };
}

function corosyncConfText(lab: Lab, def: ClusterDef): string {
  const q = def.layout.quorum ?? {};
  const quorum: CorosyncSection = { provider: 'corosync_votequorum' };
  if (q.twoNode) quorum.two_node = '1';
  if (q.waitForAll !== undefined) quorum.wait_for_all = q.waitForAll ? '1' : '0';
  if (q.lastManStanding) {
    quorum.last_man_standing = '1';
    if (q.lastManStandingWindowMs) quorum.last_man_standing_window = String(q.lastManStandingWindowMs);
  }
  if (q.autoTieBreaker) {
    quorum.auto_tie_breaker = '1';
    if (q.autoTieBreakerNode) quorum.auto_tie_breaker_node = Array.isArray(q.autoTieBreakerNode) ? q.autoTieBreakerNode.join(' ') : q.autoTieBreakerNode;
  }
  const device = def.layout.qdevice;
  if (device) {
    quorum.device = {
      model: 'net',
      ...(device.votes !== undefined ? { votes: String(device.votes) } : {}),
      ...qdeviceTimeouts,
      net: { host: lab.host(qnetdHost).addressList[0], algorithm: device.algorithm, tls: 'off' },
    };
  }
  const conf: CorosyncSection = {
    logging: { to_syslog: 'no', to_logfile: 'yes', logfile: '/var/log/corosync/corosync.log', timestamp: 'on' },
    nodelist: {
      node: def.layout.nodes.map((n, i) => ({
        name: n.name,
        nodeid: String(n.nodeId ?? i + 1),
        quorum_votes: String(n.votes ?? 1),
        ring0_addr: lab.host(n.name).addressList[0],
        ring1_addr: lab.host(n.name).addressList[1],
      })),
    },
    quorum,
    totem: {
      cluster_name: def.id,
      config_version: '1',
      interface: [{ linknumber: '0' }, { linknumber: '1' }],
      ip_version: 'ipv4-6',
      link_mode: 'passive',
      secauth: 'on',
      version: '2',
      ...totem,
    },
  };
  return renderCorosyncConf(conf);
}

async function readStatus(lab: Lab, host: string): Promise<QuorumtoolStatus | undefined> {
  const r = await lab.exec(host, ['timeout', '3', 'corosync-quorumtool', '-s'], { timeoutMs: 5_000 });
  if (r.code !== 0 && r.code !== 2) return undefined;
  return parseQuorumtoolStatus(r.stdout);
}

/** The differences between what a node shows and what was predicted ('' when they agree). */
function differences(actual: QuorumtoolStatus | undefined, predicted: NodeQuorumReading): string {
  if (!actual) return `${predicted.node}: no answer from corosync-quorumtool`;
  const shown = {
    quorate: actual.quorate,
    members: actual.members.map((m) => m.name).sort().join(','),
    expected: actual.expectedVotes,
    highest: actual.highestExpected,
    total: actual.totalVotes,
    quorum: actual.quorum,
  };
  const want = {
    quorate: predicted.quorate,
    members: [...predicted.members].sort().join(','),
    expected: predicted.expectedVotes,
    highest: predicted.highestExpected,
    total: predicted.totalVotes,
    quorum: predicted.quorum,
  };
  const diff = (Object.keys(want) as (keyof typeof want)[]).filter((k) => shown[k] !== want[k]).map((k) => `${k} ${String(shown[k])} (predicted ${String(want[k])})`);
  return diff.length ? `${predicted.node}: ${diff.join(', ')}` : '';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

class Round {
  private killed = new Set<string>();
  private cut = new Set<string>();

  constructor(
    readonly lab: Lab,
    readonly name: string,
    readonly clusters: ClusterDef[],
  ) {}

  get hosts(): string[] {
    return this.clusters.flatMap((c) => c.layout.nodes.map((n) => n.name));
  }

  private qdeviceHosts(): string[] {
    return this.clusters.filter((c) => c.layout.qdevice).flatMap((c) => c.layout.nodes.map((n) => n.name));
  }

  /** Stops every corosync of the lab, writes this round's configurations and starts its clusters. */
  async start(): Promise<void> {
    const lab = this.lab;
    const started = Date.now();
    await Promise.all(lab.hosts.map((h) => lab.exec(h.name, ['systemctl', 'stop', 'corosync-qdevice', 'corosync'], { timeoutMs: 30_000 })));
    const keyHost = this.hosts[0]!;
    await lab.execOk(keyHost, ['corosync-keygen', '-k', '/etc/corosync/authkey'], { timeoutMs: 10_000 });
    const key = fs.readFileSync(lab.hostPath(keyHost, '/etc/corosync/authkey'));
    for (const def of this.clusters) {
      const text = corosyncConfText(lab, def);
      for (const n of def.layout.nodes) {
        fs.writeFileSync(lab.hostPath(n.name, '/etc/corosync/authkey'), key, { mode: 0o400 });
        fs.writeFileSync(lab.hostPath(n.name, '/etc/corosync/corosync.conf'), text);
      }
    }
    if (this.qdeviceHosts().length) await lab.execOk(qnetdHost, ['systemctl', 'start', 'corosync-qnetd'], { timeoutMs: 30_000 });
    await this.startNodes(this.hosts);
    await this.waitFormed();
    timings.push(`${this.name}: ${this.clusters.length} clusters on ${this.hosts.length} hosts formed in ${Date.now() - started} ms`);
  }

  private async startNodes(hosts: string[]): Promise<void> {
    await Promise.all(hosts.map((h) => this.lab.execOk(h, ['systemctl', 'start', 'corosync'], { timeoutMs: 30_000 })));
    const withDevice = hosts.filter((h) => this.qdeviceHosts().includes(h));
    // corosync 3.1.7 aborts (votequorum.c: Assertion `sender_node != NULL') when a QDevice registers on a node
    // that is still joining; found here. corosync-qdevice therefore starts once its node sees every member.
    await Promise.all(withDevice.map((h) => this.waitWholeMembership(h)));
    await Promise.all(withDevice.map((h) => this.lab.execOk(h, ['systemctl', 'start', 'corosync-qdevice'], { timeoutMs: 30_000 })));
  }

  /** Waits until the host sees every member that can be up: none in a site still lost, none behind a link still cut. */
  private async waitWholeMembership(host: string): Promise<void> {
    const def = this.clusters.find((c) => c.layout.nodes.some((n) => n.name === host))!;
    const site = this.lab.host(host).site;
    const reachable = def.layout.nodes.filter((n) => !this.killed.has(n.site) && (n.site === site || !this.cut.has(failureKey({ kind: 'link', between: [site, n.site] }))));
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const s = await readStatus(this.lab, host);
      if (s && s.members.length >= reachable.length) return;
      await sleep(300);
    }
  }

  /** Every cluster whole again: all members, quorate, every vote (the QDevice's included). */
  async waitFormed(): Promise<void> {
    const deadline = Date.now() + 60_000;
    let last = '';
    while (Date.now() < deadline) {
      const problems: string[] = [];
      await Promise.all(
        this.clusters.map(async (def) => {
          const votes = def.layout.nodes.reduce((s, n) => s + (n.votes ?? 1), 0) + (def.layout.qdevice ? (def.layout.qdevice.votes ?? def.layout.nodes.length - 1) : 0);
          for (const n of def.layout.nodes) {
            const s = await readStatus(this.lab, n.name);
            if (!s || !s.quorate || s.members.length !== def.layout.nodes.length || s.totalVotes !== votes) problems.push(`${def.id}/${n.name}: ${s ? `${s.quorate ? 'quorate' : 'not quorate'}, ${s.members.length} members, ${s.totalVotes} votes` : 'no answer'}`);
          }
        }),
      );
      if (!problems.length) return;
      last = problems.join('; ');
      await sleep(pollMs);
    }
    throw new Error(`${this.name}: the clusters did not form again within 60 s: ${last}`);
  }

  private async apply(failure: Failure, restore: boolean): Promise<void> {
    const lab = this.lab;
    if (failure.kind === 'link') {
      const [x, y] = failure.between;
      if (restore) await lab.restore(x, y);
      else await lab.cut(x, y);
      if (restore) this.cut.delete(failureKey(failure));
      else this.cut.add(failureKey(failure));
      return;
    }
    const hosts = this.hosts.filter((h) => lab.host(h).site === failure.site);
    const qnetd = failure.site === 'w' && this.qdeviceHosts().length > 0;
    const others = estate.sites.filter((x) => x !== failure.site);
    if (!restore) {
      // A power cut: the site goes dark (its links carry nothing, not even a TCP reset), and corosync,
      // corosync-qdevice (and qnetd) die at once.
      await Promise.all(others.map((x) => lab.cut(failure.site, x)));
      const kill = 'for u in corosync corosync-qdevice corosync-qnetd; do f=/run/cw-units/$u.pid; [ -s "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done; true';
      await Promise.all([...hosts, ...(qnetd ? [qnetdHost] : [])].map((h) => lab.execOk(h, ['bash', '-c', kill])));
      this.killed.add(failure.site);
      return;
    }
    // Power back: the links carry traffic again and the services start.
    await Promise.all(others.filter((x) => !this.killed.has(x) && !this.cut.has(failureKey({ kind: 'link', between: [failure.site, x] }))).map((x) => lab.restore(failure.site, x)));
    if (qnetd) await lab.execOk(qnetdHost, ['systemctl', 'start', 'corosync-qnetd'], { timeoutMs: 30_000 });
    this.killed.delete(failure.site);
    await this.startNodes(hosts);
  }

  /** Runs one scenario: applies each step, compares at each checkpoint, then puts everything back. */
  async run(item: LabScenario): Promise<void> {
    const { scenario } = item;
    const runStarted = Date.now();
    const affected = this.clusters.filter((def) => touches(def, scenario));
    for (const [i, step] of scenario.steps.entries()) {
      for (const f of step.restore ?? []) await this.apply(f, true);
      for (const f of step.fail ?? []) await this.apply(f, false);
      const stepAt = Date.now();
      if (item.checkpoints.some((c) => c.afterStep === i && !c.afterWait)) await this.compare(affected, item, i, false, stepAt);
      if (step.waitMs) {
        // Enough for the last_man_standing timer (started when the membership changed, before the reading).
        await sleep(step.waitMs + 1000);
        if (item.checkpoints.some((c) => c.afterStep === i && c.afterWait)) await this.compare(affected, item, i, true, Date.now());
      }
    }
    const comparedAt = Date.now();
    // Cut links first, so the sites that come back find every member reachable.
    for (const key of [...this.cut]) {
      const [x, y] = key.slice('link:'.length).split('|') as [string, string];
      await this.apply({ kind: 'link', between: [x, y] }, true);
    }
    for (const site of [...this.killed]) await this.apply({ kind: 'site', site }, true);
    const restoredAt = Date.now();
    await this.waitFormed();
    timings.push(`${this.name} ${scenario.title}: whole again ${Date.now() - restoredAt} ms after the restore (events and readings ${comparedAt - runStarted} ms, restore ${restoredAt - comparedAt} ms)`);
  }

  private async compare(affected: ClusterDef[], item: LabScenario, step: number, afterWait: boolean, since: number): Promise<void> {
    const steps = item.scenario.steps.slice(0, step + 1).map((s, i) => (i === step && !afterWait ? { ...s, waitMs: 0 } : s));
    const views = stepViews(estate, { ...item.scenario, steps });
    const label = item.checkpoints.length > 1 ? `after step ${step + 1}${afterWait ? ` + ${steps[step]!.waitMs} ms` : ''}` : '';
    const predictions = affected.map((def) => {
      const { paths, unsettled, mayStall } = predictCorosync(def.layout, views);
      const unique = new Map(paths.map((p) => [JSON.stringify(p.readings), p.readings.filter((r) => r.up)]));
      return { def, alternatives: [...unique.values()], unsettled, mayStall };
    });
    const deadline = since + settleDeadlineMs;
    interface Watch {
      matched?: number;
      since?: number;
      done?: number;
      last?: string;
      /** A stall seen in the logs where the prediction allows one (non-transitive cut without a QDevice). */
      stalled?: string;
    }
    const state = new Map<string, Watch>();
    const finished = (p: (typeof predictions)[number]) =>
      p.unsettled ? Date.now() - since >= unsettledObserveMs : state.get(p.def.id)?.done !== undefined || state.get(p.def.id)?.stalled !== undefined;
    while (Date.now() < deadline && !predictions.every(finished)) {
      await Promise.all(
        predictions.map(async (p) => {
          const { def, alternatives } = p;
          const st = state.get(def.id) ?? {};
          state.set(def.id, st);
          // A predicted stall is judged from the logs once its observation time is over.
          if (finished(p) || p.unsettled) return;
          const hosts = alternatives[0]!.map((r) => r.node);
          const shown = new Map(await Promise.all(hosts.map(async (h) => [h, await readStatus(this.lab, h)] as const)));
          const now = Date.now();
          const diffs = alternatives.map((alt) => alt.map((r) => differences(shown.get(r.node), r)).filter(Boolean));
          const match = diffs.findIndex((d) => d.length === 0);
          if (match < 0) {
            st.matched = undefined;
            st.since = undefined;
            st.last = diffs.map((d) => d.join('; ')).join(' | OR | ');
            if (p.mayStall && now - since >= unsettledObserveMs) {
              const stall = stallIn(this.lab, hosts, since);
              if (stall.stalled) st.stalled = stall.words;
            }
          } else if (st.matched !== match) {
            st.matched = match;
            st.since = now;
          } else if (now - st.since! >= holdMs) st.done = st.since! - since;
        }),
      );
      await sleep(pollMs);
    }
    for (const p of predictions) {
      const st = state.get(p.def.id) ?? {};
      const base = { round: this.name, cluster: p.def.id, from: p.def.from, scenario: item.scenario.title, checkpoint: label };
      if (p.unsettled) {
        const stall = stallIn(this.lab, p.alternatives[0]!.map((r) => r.node), since);
        results.push({ ...base, agreed: stall.stalled, alternatives: 1, detail: `predicted: no stable outcome (stall); seen over ${unsettledObserveMs / 1000} s: ${stall.words}` });
        continue;
      }
      results.push({
        ...base,
        agreed: st.done !== undefined || st.stalled !== undefined,
        alternatives: p.alternatives.length,
        ...(st.done !== undefined
          ? { matched: st.matched! + 1, settleMs: st.done }
          : st.stalled !== undefined
            ? { detail: `stalled, which the prediction allows for a non-transitive cut: ${st.stalled}` }
            : { detail: st.last ?? 'never read' }),
      });
    }
  }
}

/** From a member's corosync log since `since`: memberships formed, and syncs completed after the first of them. */
function syncActivity(lab: Lab, host: string, since: number): { formed: number; completedAfterFirst: number } {
  const year = new Date().getFullYear();
  const lines = fs
    .readFileSync(lab.hostPath(host, '/var/log/corosync/corosync.log'), 'utf8')
    .split('\n')
    .filter((l) => Date.parse(`${year} ${l.slice(0, 15)}`) >= Math.floor(since / 1000) * 1000);
  const first = lines.findIndex((l) => /A new membership .* was formed/.test(l));
  if (first < 0) return { formed: 0, completedAfterFirst: 0 };
  const after = lines.slice(first);
  return { formed: after.filter((l) => /A new membership .* was formed/.test(l)).length, completedAfterFirst: after.filter((l) => /Completed service synchronization/.test(l)).length };
}

/** A stall shows in corosync's log: on some member memberships keep forming and no sync completes after the first. */
function stallIn(lab: Lab, hosts: string[], since: number): { stalled: boolean; words: string } {
  const logs = hosts.map((h) => ({ node: h, ...syncActivity(lab, h, since) }));
  return {
    stalled: logs.some((l) => l.formed >= 3 && l.completedAfterFirst === 0),
    words: logs.map((l) => `${l.node} ${l.formed} memberships formed, ${l.completedAfterFirst} syncs completed`).join('; '),
  };
}

function touches(def: ClusterDef, scenario: Scenario): boolean {
  const sites = new Set([...def.layout.nodes.map((n) => n.site), ...(def.layout.qdevice ? [def.layout.qdevice.site] : [])]);
  return scenario.steps.some((s) => [...(s.fail ?? []), ...(s.restore ?? [])].some((f) => (f.kind === 'site' ? sites.has(f.site) : sites.has(f.between[0]) && sites.has(f.between[1]))));
}

/** Every single-site loss and link cut that touches at least one of the round's clusters, then the picked ones. */
function scenariosFor(clusters: ClusterDef[], picked: Scenario[] = []): LabScenario[] {
  const all = [...singleFailureScenarios(estate), ...picked];
  return all.filter((s) => clusters.some((c) => touches(c, s))).map((scenario) => ({ scenario, checkpoints: [{ afterStep: scenario.steps.length - 1 }] }));
}

/** Starts the round's clusters, runs its scenarios one after the other, and expects every case to agree. */
async function play(round: Round, items: LabScenario[], expectedCases: number): Promise<void> {
  await round.start();
  for (const item of items) await round.run(item);
  const cases = results.filter((r) => r.round === round.name);
  expect(cases.filter((r) => !r.agreed), 'cases where corosync disagreed with the prediction').toEqual([]);
  expect(cases.length).toBe(expectedCases);
}

describeLab('what-if quorum predictions against real corosync', () => {
  const handle = useLab(spec, 'cwwq');
  // npm test registers the subset; CW_WHATIF_FULL=1 registers the full sweep instead. Either list is
  // registered whole, so nothing in it can skip unseen.
  type Case = { name: string; body: () => Promise<void>; timeoutMs: number };
  const subsetCases: Case[] = [];
  const fullCases: Case[] = [];
  const subset = (name: string, body: () => Promise<void>, timeoutMs: number) => subsetCases.push({ name, body, timeoutMs });
  const sweep = (name: string, body: () => Promise<void>, timeoutMs: number) => fullCases.push({ name, body, timeoutMs });

  {
    subset('agrees with corosync on a representative subset: site lost, link cut (a stall), a picked pair, steps over time; QDevice ffsplit on 2+2, lms on 1+1+1, plain votequorum on the proxmox-three-nodes example (2+1)', async () => {
      const lab = handle.lab;
      const take = hostPool(lab);
      const round = new Round(lab, 'Q', [
        fromExample('proxmox-three-nodes.yml', 'ep3', take),
        extra('xff4', 'extra: 2+2 nodes, QDevice ffsplit', ['a', 'a', 'b', 'b'], take, { qdevice: { site: 'w', algorithm: 'ffsplit', votes: 1 } }),
        extra('xlms3', 'extra: 1+1+1 nodes, QDevice lms', ['a', 'b', 'c'], take, { qdevice: { site: 'w', algorithm: 'lms' } }),
      ]);
      const linkCut: LabScenario = { scenario: failureScenario([{ kind: 'link', between: ['a', 'b'] }]), checkpoints: [{ afterStep: 0 }] };
      const pickedPair: LabScenario = {
        scenario: failureScenario([
          { kind: 'site', site: 'c' },
          { kind: 'link', between: ['a', 'b'] },
        ]),
        checkpoints: [{ afterStep: 0 }],
      };
      const overTime: LabScenario = {
        scenario: {
          id: 'partial-return',
          title: 'sites b and c lost, then site b back',
          steps: [
            {
              fail: [
                { kind: 'site', site: 'b' },
                { kind: 'site', site: 'c' },
              ],
            },
            { restore: [{ kind: 'site', site: 'b' }] },
          ],
        },
        checkpoints: [{ afterStep: 0 }, { afterStep: 1 }],
      };
      // Sites lost come in the pair and in the first step of the return. Each of the three clusters: the a–b cut, the
      // pair, the return read twice: 12 cases (xlms3's a–b cut is a predicted stall: a non-transitive cut with a QDevice).
      await play(round, [linkCut, pickedPair, overTime], 12);
    }, 300_000);
  }

  sweep('agrees with corosync for the example labs (three-sites, two-sites-qdevice, proxmox-three-nodes, proxmox-two-nodes-qdevice, proxmox-wan) and two_node', async () => {
    const lab = handle.lab;
    const take = hostPool(lab);
    const round = new Round(lab, 'A', [
      fromExample('three-sites.yml', 'e3s', take),
      fromExample('two-sites-qdevice.yml', 'e2q', take),
      fromExample('proxmox-three-nodes.yml', 'ep3', take),
      fromExample('proxmox-two-nodes-qdevice.yml', 'ep2q', take),
      fromExample('proxmox-wan.yml', 'epw', take),
      extra('x2n', 'extra: two_node, one node per site', ['a', 'b'], take, { quorum: { twoNode: true } }),
    ]);
    await play(round, scenariosFor(round.clusters), 30);
  }, 900_000);

  sweep('agrees with corosync for QDevice ffsplit and lms on four nodes, lms on three nodes, and auto_tie_breaker', async () => {
    const lab = handle.lab;
    const take = hostPool(lab);
    const round = new Round(lab, 'B', [
      extra('xff4', 'extra: 2+2 nodes, QDevice ffsplit', ['a', 'a', 'b', 'b'], take, { qdevice: { site: 'w', algorithm: 'ffsplit', votes: 1 } }),
      extra('xlms4', 'extra: 2+2 nodes, QDevice lms', ['a', 'a', 'b', 'b'], take, { qdevice: { site: 'w', algorithm: 'lms' } }),
      extra('xlms3', 'extra: 1+1+1 nodes, QDevice lms', ['a', 'b', 'c'], take, { qdevice: { site: 'w', algorithm: 'lms' } }),
      extra('xatb4', 'extra: 2+2 nodes, auto_tie_breaker', ['a', 'a', 'b', 'b'], take, { quorum: { autoTieBreaker: true } }),
    ]);
    const picked = [
      failureScenario([
        { kind: 'link', between: ['a', 'b'] },
        { kind: 'link', between: ['a', 'w'] },
      ]),
      failureScenario([
        { kind: 'site', site: 'w' },
        { kind: 'link', between: ['a', 'b'] },
      ]),
    ];
    await play(round, scenariosFor(round.clusters, picked), 33);
  }, 900_000);

  sweep('agrees with corosync over time: last_man_standing after its window, wait_for_all after a partial return', async () => {
    const lab = handle.lab;
    const take = hostPool(lab);
    const round = new Round(lab, 'C', [
      extra('xplain', 'extra: 2+1+1 nodes, plain votequorum', ['a', 'a', 'b', 'c'], take),
      extra('xlms', 'extra: 2+1+1 nodes, last_man_standing + wait_for_all', ['a', 'a', 'b', 'c'], take, {
        quorum: { lastManStanding: true, lastManStandingWindowMs: lmsWindowMs, waitForAll: true },
      }),
      extra('xwfa', 'extra: 2+1+1 nodes, wait_for_all', ['a', 'a', 'b', 'c'], take, { quorum: { waitForAll: true } }),
      extra('x2n3', 'extra: 2+1 nodes with two_node set', ['a', 'a', 'b'], take, { quorum: { twoNode: true } }),
    ]);
    const cascade: LabScenario = {
      scenario: {
        id: 'cascade',
        title: `site c lost, ${lmsWindowMs / 1000} s later site b lost`,
        steps: [{ fail: [{ kind: 'site', site: 'c' }], waitMs: lmsWindowMs }, { fail: [{ kind: 'site', site: 'b' }] }],
      },
      checkpoints: [{ afterStep: 0 }, { afterStep: 0, afterWait: true }, { afterStep: 1 }],
    };
    const partialReturn: LabScenario = {
      scenario: {
        id: 'partial-return',
        title: 'sites b and c lost, then site b back',
        steps: [
          {
            fail: [
              { kind: 'site', site: 'b' },
              { kind: 'site', site: 'c' },
            ],
          },
          { restore: [{ kind: 'site', site: 'b' }] },
        ],
      },
      checkpoints: [{ afterStep: 0 }, { afterStep: 1 }],
    };
    await play(round, [cascade, partialReturn], 20);
  }, 900_000);

  for (const c of full ? fullCases : subsetCases) it(c.name, c.body, c.timeoutMs);
});
