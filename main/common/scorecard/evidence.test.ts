// The scorecard's evidence, pure: a saved drill report becomes the "failover tested" line (date, result, the
// outage it measured, the report to open); the monitoring history of the last day becomes the latency line
// (worst and p95 round trip and loss against the stack's limit), or says honestly that there is none; clocks
// and storage that could not be read stay "unknown" with the reason.
import { describe, expect, it } from 'vitest';
import type { DrillReport } from '../drill/model.js';
import type { LinkSample, MonitorSample } from '../monitor/model.js';
import { parseWorkspace } from '../workspace/parse.js';
import type { Workspace } from '../workspace/schema.js';
import { drillEvidenceOf, formatMs, percentile, summariseHistory, type ScorecardEvidence } from './evidence.js';
import { formatScorecards, scorecards } from './scorecard.js';
import type { ClusterScorecard } from './types.js';

const now = new Date('2026-12-05T12:00:00Z');

function estate(accepted = false): Workspace {
  const parsed = parseWorkspace(`
version: 1
name: evidence
sites: [{ name: a, kind: lan }, { name: b, kind: lan }, { name: c, kind: lan }]
networks:
  - { name: lan, roles: [corosync] }
nodes:
  - { name: a1, site: a, addresses: { lan: 10.0.0.1 } }
  - { name: b1, site: b, addresses: { lan: 10.0.0.2 } }
  - { name: c1, site: c, addresses: { lan: 10.0.0.3 } }
  - { name: c2, site: c, addresses: { lan: 10.0.0.4 } }
proxmox:
  clusters:
    - name: homelab
      nodes: [a1, b1, c1, c2]
      links: [{ link: 0, network: lan }]
${accepted ? '      wanTuning: { accepted: true }\n' : ''}`);
  expect(parsed.issues.filter((i) => i.severity === 'error')).toEqual([]);
  return parsed.workspace!;
}

const report: DrillReport = {
  kind: 'clusterwright-failover-drill',
  version: 1,
  date: '2026-12-04T09:30:12.345Z',
  workspace: '/ws/clusterwright.yaml',
  mode: 'lab',
  failure: { kind: 'site', site: 'a' },
  title: 'Loss of site a (cut off from the other sites)',
  prediction: {
    failure: { kind: 'site', site: 'a' },
    title: 'Loss of site a',
    lostNodes: ['a1'],
    clusters: [
      {
        stack: 'proxmox',
        cluster: 'homelab',
        groups: [],
        services: [
          { sid: 'vm:102', from: 'a1', to: 'b1', backAfterS: 40 },
          { sid: 'vm:103', from: 'a1', to: 'c1', backAfterS: 40 },
          { sid: 'vm:104', from: 'b1' },
        ],
        detectS: 4,
        selfFence: [],
        timings: '',
      },
    ],
  },
  measured: { homelab: { lossDetectedS: 3.2, quorumChangedS: 4.1, services: [{ sid: 'vm:102', node: 'b1', backAfterS: 31.5 }, { sid: 'vm:103', node: 'c1', backAfterS: 35.2 }, { sid: 'vm:104' }], rejoinedS: 2 } },
  comparison: [],
  outcome: 'as-predicted',
};

function round(t: number, links: Partial<LinkSample>[]): MonitorSample {
  return { t, clusters: [], links: links.map((l) => ({ network: 'lan', a: 'a1', b: 'b1', lossPercent: 0, source: 'ping' as const, ...l })) };
}

function line(cards: ClusterScorecard[], id: string) {
  const found = cards[0]!.lines.find((l) => l.id === id);
  expect(found, id).toBeDefined();
  return found!;
}

const none: ScorecardEvidence = { drills: [], storage: [], problems: [] };

describe('the drill report on the scorecard', () => {
  it('quotes the last report: its date, its result, the outage it measured and the file', () => {
    const drills = drillEvidenceOf(report, '/ws/drills/r1.json');
    expect(drills).toEqual([{ stack: 'proxmox', cluster: 'homelab', date: report.date, title: report.title, mode: 'lab', outcome: 'as-predicted', outageS: 35.2, quorumS: 4.1, rejoinedS: 2, file: '/ws/drills/r1.json' }]);
    const l = line(scorecards(estate(), {}, now, undefined, { ...none, drills }), 'drill');
    expect(l).toMatchObject({ status: 'pass', report: { kind: 'drill', file: '/ws/drills/r1.json' } });
    expect(l.evidence).toBe('Last drill 2026-12-04 09:30 UTC (Loss of site a (cut off from the other sites), lab): as predicted — guests back after 35.2 s, quorum as predicted after 4.1 s, every node rejoined 2 s after the restore.');
    expect(l.action).toBeUndefined();
    expect(formatScorecards(scorecards(estate(), {}, now, undefined, { ...none, drills })).join('\n')).toMatch(/report: \/ws\/drills\/r1.json/);
  });

  it('a report that differs fails, with the drill to run again; an old one asks for a new drill', () => {
    const differs = drillEvidenceOf({ ...report, outcome: 'differs' }, '/ws/drills/r2.json');
    expect(line(scorecards(estate(), {}, now, undefined, { ...none, drills: differs }), 'drill')).toMatchObject({ status: 'fail', evidence: expect.stringMatching(/differed from the prediction/), action: { kind: 'drill', site: 'a' } });
    const old = drillEvidenceOf({ ...report, date: '2026-06-01T00:00:00Z' }, '/ws/drills/r0.json');
    expect(line(scorecards(estate(), {}, now, undefined, { ...none, drills: old }), 'drill')).toMatchObject({ status: 'warn', evidence: expect.stringMatching(/187 days ago/) });
    // The newest of several reports counts, and another cluster's never does.
    const both = [...old, ...drillEvidenceOf(report, '/ws/drills/r1.json'), ...drillEvidenceOf({ ...report, date: '2026-12-05T00:00:00Z', outcome: 'incomplete' }, '/ws/drills/r3.json').map((d) => ({ ...d, cluster: 'other' }))];
    expect(line(scorecards(estate(), {}, now, undefined, { ...none, drills: both }), 'drill').report?.file).toBe('/ws/drills/r1.json');
  });

  it('without any report proposes the drill of the site holding the fewest members', () => {
    expect(line(scorecards(estate(), {}, now, undefined, none), 'drill')).toMatchObject({ status: 'warn', evidence: 'No drill recorded.', action: { kind: 'drill', site: 'a', label: 'Run a failover drill (loss of site a)' } });
  });

  it('an outage is only claimed when every guest predicted to move came back', () => {
    const lost = { ...report, measured: { homelab: { ...report.measured.homelab!, services: [{ sid: 'vm:102', node: 'b1', backAfterS: 31.5 }, { sid: 'vm:103' }] } } };
    expect(drillEvidenceOf(lost, 'f')[0]!.outageS).toBeUndefined();
  });
});

describe('the latency history on the scorecard', () => {
  it('summarises worst, p95 and loss per link over the window only', () => {
    const t0 = now.getTime() - 3600_000;
    const rounds = [
      round(now.getTime() - 30 * 3600_000, [{ rttMs: 99 }]), // older than a day
      ...Array.from({ length: 20 }, (_, i) => round(t0 + i * 1000, [{ rttMs: i + 1 }, { network: 'lan', a: 'c1', b: 'b1', rttMs: 0.5, lossPercent: i === 3 ? 100 : 0, ...(i === 3 ? { rttMs: undefined } : {}) }])),
      round(t0 + 30_000, [{ rttMs: undefined, lossPercent: 100, error: 'a1: host unreachable (timed out)' }]),
    ];
    const h = summariseHistory(rounds, now.getTime() - 24 * 3600_000, now.getTime());
    expect(h.rounds).toBe(21);
    expect(h.firstMs).toBe(t0);
    const ab = h.links.find((l) => l.a === 'a1' && l.b === 'b1')!;
    expect(ab).toMatchObject({ rounds: 20, measured: 20, worstRttMs: 20, p95RttMs: 19, maxLossPercent: 0, downRounds: 0 });
    const bc = h.links.find((l) => l.a === 'b1' && l.b === 'c1')!;
    expect(bc).toMatchObject({ rounds: 20, measured: 19, worstRttMs: 0.5, p95RttMs: 0.5, maxLossPercent: 100, meanLossPercent: 5, downRounds: 1 });
    expect(percentile([5, 1, 3], 50)).toBe(3);
    expect(formatMs(0.456)).toBe('0.46 ms');
    expect(formatMs(31.4)).toBe('31 ms');
  });

  const pairs = [['a1', 'b1'], ['a1', 'c1'], ['a1', 'c2'], ['b1', 'c1'], ['b1', 'c2'], ['c1', 'c2']] as const;
  const day = (rtt: (i: number) => number, extra: (i: number) => Partial<LinkSample> = () => ({})) =>
    summariseHistory(
      Array.from({ length: 40 }, (_, i) => round(now.getTime() - 600_000 + i * 10_000, pairs.map(([a, b]) => ({ a, b, rttMs: a === 'a1' && b === 'b1' ? rtt(i) : 0.3, ...(a === 'a1' && b === 'b1' ? extra(i) : {}) })))),
      now.getTime() - 24 * 3600_000,
      now.getTime(),
    );

  it('passes within the limit, quoting the worst pair and the window', () => {
    const l = line(scorecards(estate(), {}, now, undefined, { ...none, history: day((i) => 0.4 + (i % 10) / 10) }), 'latency');
    expect(l.status).toBe('pass');
    expect(l.evidence).toMatch(/^Last 24 h, 40 monitoring rounds \(2026-12-05 11:50 UTC – 2026-12-05 11:56 UTC\): on lan, a1 ↔ b1 worst 1.3 ms, p95 1.3 ms, loss max 0 % against 10 ms \(corosync link0 of cluster homelab\), within the 5 ms recommended\.$/);
    expect(l.source?.url).toMatch(/pve-docs/);
  });

  it('fails when the p95 is over the limit, warns for spikes, loss or an accepted WAN layout', () => {
    expect(line(scorecards(estate(), {}, now, undefined, { ...none, history: day(() => 31) }), 'latency')).toMatchObject({ status: 'fail', evidence: expect.stringMatching(/on lan, a1 ↔ b1 worst 31 ms, p95 31 ms.*: p95 above 10 ms\./), action: { kind: 'wizard' } });
    expect(line(scorecards(estate(true), {}, now, undefined, { ...none, history: day(() => 31) }), 'latency')).toMatchObject({ status: 'warn', evidence: expect.stringMatching(/WAN layout accepted/) });
    expect(line(scorecards(estate(), {}, now, undefined, { ...none, history: day((i) => (i === 7 ? 40 : 0.5)) }), 'latency')).toMatchObject({ status: 'warn', evidence: expect.stringMatching(/worst 40 ms, p95 0.5 ms.*spikes above 10 ms/) });
    expect(line(scorecards(estate(), {}, now, undefined, { ...none, history: day(() => 0.5, (i) => (i < 2 ? { lossPercent: 100, rttMs: undefined } : {})) }), 'latency')).toMatchObject({ status: 'warn', evidence: expect.stringMatching(/down in 2 of 40 rounds/) });
  });

  it('says so honestly when there is no history, and falls back to the spot measurement', () => {
    const empty = summariseHistory([], now.getTime() - 24 * 3600_000, now.getTime());
    const l = line(scorecards(estate(), {}, now, undefined, { ...none, history: empty }), 'latency');
    expect(l).toMatchObject({ status: 'unknown', action: { kind: 'monitor' } });
    expect(l.evidence).toMatch(/^No monitoring history over the last day\. Not measured yet/);
    const spot = { latency: { version: 1 as const, measuredAt: '2026-12-05T11:00:00Z', runner: 'ssh', count: 10, intervalS: 0.2, samples: [{ network: 'lan', from: 'a1', to: 'b1', toAddress: '10.0.0.2', sent: 10, received: 10, lossPercent: 0, medianMs: 0.4, avgMs: 0.4, mdevMs: 0.1, measuredAt: '2026-12-05T11:00:00Z' }] } };
    const withSpot = line(scorecards(estate(), spot, now, undefined, { ...none, history: empty }), 'latency');
    expect(withSpot).toMatchObject({ status: 'warn', action: { kind: 'monitor' }, evidence: expect.stringMatching(/^No monitoring history over the last day\. Spot measurement only: /) });
    const unreadable = line(scorecards(estate(), {}, now, undefined, { ...none, problems: ['clusterwright.monitor: permission denied'] }), 'latency');
    expect(unreadable.evidence).toMatch(/^The monitoring history could not be read \(clusterwright.monitor: permission denied\)/);
  });
});

describe('what stays unknown on the scorecard', () => {
  it('storage health: as the stack read it, or unknown with the reason', () => {
    expect(line(scorecards(estate(), {}, now, undefined, none), 'storage-health')).toMatchObject({ status: 'unknown', evidence: expect.stringMatching(/^Not read/) });
    const storage = [{ stack: 'proxmox', cluster: 'homelab', status: 'warn' as const, evidence: 'Ceph: HEALTH_WARN (1 OSD down)' }];
    expect(line(scorecards(estate(), {}, now, undefined, { ...none, storage }), 'storage-health')).toMatchObject({ status: 'warn', evidence: 'Ceph: HEALTH_WARN (1 OSD down)' });
    // Without gathered evidence (the app before it has read it) there is no storage line at all.
    expect(scorecards(estate(), {}, now)[0]!.lines.some((l) => l.id === 'storage-health')).toBe(false);
  });

  it('time sync: a node whose tools cannot say stays unknown with the reason; mixed readings warn', () => {
    const unknown = (node: string) => ({ node, unknown: 'chrony not installed; timedatectl: System has not been booted with systemd as init system (PID 1). Can\'t operate', checkedAt: '2026-12-05T11:00:00Z' });
    const all = line(scorecards(estate(), { clocks: ['a1', 'b1', 'c1', 'c2'].map(unknown) }, now), 'time-sync');
    expect(all).toMatchObject({ status: 'unknown', action: { kind: 'clocks' } });
    // The same reason from every member is said once, naming them together.
    expect(all.evidence).toBe("No member says whether its clock is synchronised. Unknown on a1, b1, c1, c2 — chrony not installed; timedatectl: System has not been booted with systemd as init system (PID 1). Can't operate. (read 2026-12-05 11:00 UTC)");
    expect(all.evidence).toMatch(/\(read 2026-12-05 11:00 UTC\)$/);
    const mixed = line(scorecards(estate(), { clocks: [{ node: 'a1', synchronized: true, offsetMs: 0.03, tool: 'chrony', checkedAt: '2026-12-05T11:00:00Z' }, unknown('b1')] }, now), 'time-sync');
    expect(mixed).toMatchObject({ status: 'warn', evidence: expect.stringMatching(/^a1: synchronised, 0.03 ms off \(chrony\)\. Unknown on b1 — chrony not installed.*Not read on c1, c2\./) });
    // All synchronised passes; a reading older than a day asks to be read again.
    const synced = (at: string) => ['a1', 'b1', 'c1', 'c2'].map((node) => ({ node, synchronized: true, offsetMs: 0.1, tool: 'chrony' as const, checkedAt: at }));
    expect(line(scorecards(estate(), { clocks: synced('2026-12-05T11:00:00Z') }, now), 'time-sync')).toMatchObject({ status: 'pass', evidence: expect.stringMatching(/^All 4 members synchronised: a1: synchronised, 0.1 ms off \(chrony\);/) });
    expect(line(scorecards(estate(), { clocks: synced('2026-12-03T11:00:00Z') }, now), 'time-sync')).toMatchObject({ status: 'warn', evidence: expect.stringMatching(/but read more than a day ago/), action: { kind: 'clocks', label: 'Read the clocks again' } });
  });

  it('the fixes open where they are done: the QDevice form, an overlay across sites, a second link on one site', () => {
    const cards = scorecards(estate(), {}, now, undefined, none);
    expect(line(cards, 'redundant-links').action).toMatchObject({ kind: 'overlay' });
    const two = parseWorkspace(`
version: 1
name: two
sites: [{ name: home, kind: lan }]
networks: [{ name: lan, roles: [corosync] }]
nodes:
  - { name: a, site: home, addresses: { lan: 10.0.0.1 } }
  - { name: b, site: home, addresses: { lan: 10.0.0.2 } }
proxmox:
  clusters: [{ name: duo, nodes: [a, b], links: [{ link: 0, network: lan }] }]
`).workspace!;
    const duo = scorecards(two, {}, now, undefined, none);
    expect(line(duo, 'redundant-links').action).toMatchObject({ kind: 'finding', finding: { id: 'add-corosync-link', cluster: 'duo' } });
    expect(line(duo, 'quorum').action).toMatchObject({ kind: 'finding', finding: { id: 'add-qdevice-host', cluster: 'duo' } });
  });
});
