// The advisor over a table of estates, from one LAN rack to five sites on three continents: each row says
// what the admin has, what they answered, what the advisor recommends and why.
import { describe, expect, it } from 'vitest';
import type { BaseWorkspace } from '../workspace/base.js';
import type { Facts, LatencySample } from '../workspace/facts.js';
import { defaultAnswers, type AdvisorAnswers } from './types.js';
import { recommend } from './recommend.js';
import { summarizeEstate } from './estate.js';
import { stackById } from '../stacks/compose.js';

interface EstateSpec {
  sites: Record<string, { nodes: number; kind?: 'lan' | 'man' | 'wan' | 'internet' }>;
  /** "a-b": [rtt ms, jitter ms, loss %]; unmeasured pairs are left out. */
  rtt?: Record<string, [number, number?, number?]>;
  bandwidthGbps?: number;
}

function build(spec: EstateSpec): { workspace: BaseWorkspace; facts: Facts } {
  const sites = Object.entries(spec.sites).map(([name, s]) => ({ name, kind: s.kind ?? 'lan' }));
  let ip = 1;
  const nodes = Object.entries(spec.sites).flatMap(([site, s]) =>
    Array.from({ length: s.nodes }, (_, i) => ({ name: `${site}-n${i + 1}`, site, addresses: { mgmt: `10.0.${Math.floor(ip / 250)}.${(ip++ % 250) + 1}` } })),
  );
  const workspace: BaseWorkspace = {
    version: 1,
    name: 'estate',
    sites,
    networks: [{ name: 'mgmt', roles: ['management'], ...(spec.bandwidthGbps ? { bandwidthGbps: spec.bandwidthGbps } : {}) }],
    nodes,
  };
  const samples: LatencySample[] = [];
  for (const [pair, [rtt, jitter = 0, loss = 0]] of Object.entries(spec.rtt ?? {})) {
    const [a, b] = pair.split('~') as [string, string];
    for (const x of nodes.filter((n) => n.site === a))
      for (const y of nodes.filter((n) => n.site === b))
        samples.push({ network: 'mgmt', from: x.name, to: y.name, toAddress: y.addresses.mgmt, sent: 200, received: Math.round(200 * (1 - loss / 100)), lossPercent: loss, medianMs: rtt, avgMs: rtt, mdevMs: jitter, measuredAt: '2026-12-05T00:00:00Z' });
  }
  const facts: Facts = samples.length ? { latency: { version: 1, measuredAt: '2026-12-05T00:00:00Z', runner: 'ssh', count: 200, intervalS: 0.2, samples } } : {};
  return { workspace, facts };
}

interface Row {
  estate: string;
  spec: EstateSpec;
  answers?: Partial<AdvisorAnswers>;
  /** stack:approach */
  expect: string;
  /** What the reason or the deciding figures must say. */
  because: RegExp;
}

const rows: Row[] = [
  { estate: 'one LAN rack, three nodes', spec: { sites: { rack: { nodes: 3 } } }, expect: 'proxmox:one-cluster', because: /vSAN stretched cluster is out: .*this estate has one site/ },
  { estate: 'one LAN rack, two nodes (a QDevice is the change)', spec: { sites: { rack: { nodes: 2 } } }, expect: 'proxmox:one-cluster', because: /QDevice/ },
  {
    estate: 'two metro sites at 1.5 ms',
    spec: { sites: { a: { nodes: 3 }, b: { nodes: 2, kind: 'man' } }, rtt: { 'a~b': [1.5, 0.2] } },
    expect: 'proxmox:one-cluster',
    because: /over Separate Proxmox VE clusters.*within corosync's 5 ms/,
  },
  {
    estate: 'home, office and a rented cloud VM (office ↔ cloud 34 ms ± 8)',
    spec: { sites: { home: { nodes: 2 }, office: { nodes: 2, kind: 'man' }, cloud: { nodes: 1, kind: 'internet' } }, rtt: { 'home~office': [9, 1], 'home~cloud': [38, 8], 'office~cloud': [34, 8] } },
    expect: 'proxmox:separate-clusters',
    because: /home ↔ office 9 ms ±1; home ↔ cloud 38 ms ±8: above corosync's 5 ms/,
  },
  {
    estate: 'three sites, one far away (80 ms)',
    spec: { sites: { a: { nodes: 2 }, b: { nodes: 2, kind: 'man' }, far: { nodes: 2, kind: 'wan' } }, rtt: { 'a~b': [1, 0.1], 'a~far': [80, 3], 'b~far': [81, 3] } },
    expect: 'proxmox:separate-clusters',
    because: /81 ms/,
  },
  {
    estate: 'two data sites at 2 ms and a witness site at 40 ms, vSAN licensed, vSphere applications',
    spec: { sites: { dc1: { nodes: 3 }, dc2: { nodes: 3, kind: 'man' }, wit: { nodes: 1, kind: 'wan' } }, rtt: { 'dc1~dc2': [2, 0.2], 'dc1~wit': [40, 2], 'dc2~wit': [42, 2] }, bandwidthGbps: 25 },
    answers: { licences: ['vsan'], workload: 'vendor-apps', effort: 'high' },
    expect: 'vsan:stretched',
    because: /Witness at wit: 42 ms/,
  },
  {
    estate: 'the same estate without licences: one cluster over the data sites, the witness site hosts the QDevice',
    spec: { sites: { dc1: { nodes: 3 }, dc2: { nodes: 3, kind: 'man' }, wit: { nodes: 1, kind: 'wan' } }, rtt: { 'dc1~dc2': [2, 0.2], 'dc1~wit': [40, 2], 'dc2~wit': [42, 2] } },
    expect: 'proxmox:one-cluster',
    because: /QDevice on wit-n1/,
  },
  {
    estate: 'two data sites at 8 ms and a witness, vSAN licensed: above vSAN\'s 5 ms',
    spec: { sites: { dc1: { nodes: 4 }, dc2: { nodes: 4, kind: 'wan' }, wit: { nodes: 1, kind: 'wan' } }, rtt: { 'dc1~dc2': [8, 1], 'dc1~wit': [30, 2], 'dc2~wit': [30, 2] }, bandwidthGbps: 10 },
    answers: { licences: ['vsan'], workload: 'vendor-apps' },
    expect: 'proxmox:separate-clusters',
    because: /vSAN stretched cluster is out: Data sites dc1 ↔ dc2 8 ms ±1: above vSAN's 5 ms/,
  },
  {
    estate: 'two sites at 3 ms but 5 % loss',
    spec: { sites: { a: { nodes: 3 }, b: { nodes: 3, kind: 'man' } }, rtt: { 'a~b': [3, 0.5, 5] } },
    expect: 'proxmox:separate-clusters',
    because: /out: .*past what WAN tuning can carry/,
  },
  {
    estate: 'one site of twelve nodes for a self-service cloud, effort is fine',
    spec: { sites: { dc: { nodes: 12 } } },
    answers: { workload: 'self-service-cloud', effort: 'high' },
    expect: 'openstack:regions',
    because: /over One Proxmox VE cluster \(\d+\): Self-service cloud/,
  },
  {
    estate: 'five sites on three continents, 30 nodes, a self-service cloud',
    spec: {
      sites: { fra: { nodes: 8 }, ams: { nodes: 6, kind: 'wan' }, nyc: { nodes: 6, kind: 'wan' }, sfo: { nodes: 5, kind: 'wan' }, sgp: { nodes: 5, kind: 'wan' } },
      rtt: { 'fra~ams': [8, 1], 'fra~nyc': [80, 3], 'fra~sfo': [145, 4], 'fra~sgp': [140, 5], 'ams~nyc': [78, 3], 'ams~sfo': [140, 4], 'ams~sgp': [150, 5], 'nyc~sfo': [65, 2], 'nyc~sgp': [220, 6], 'sfo~sgp': [170, 5] },
    },
    answers: { workload: 'self-service-cloud', effort: 'high', downtime: 'hours' },
    expect: 'openstack:regions',
    because: /5 regions, Keystone in fra/,
  },
  {
    estate: 'five sites on three continents, 30 nodes, ordinary VMs, little effort',
    spec: {
      sites: { fra: { nodes: 8 }, ams: { nodes: 6, kind: 'wan' }, nyc: { nodes: 6, kind: 'wan' }, sfo: { nodes: 5, kind: 'wan' }, sgp: { nodes: 5, kind: 'wan' } },
      rtt: { 'fra~ams': [8, 1], 'fra~nyc': [80, 3], 'fra~sfo': [145, 4], 'fra~sgp': [140, 5], 'ams~nyc': [78, 3], 'ams~sfo': [140, 4], 'ams~sgp': [150, 5], 'nyc~sfo': [65, 2], 'nyc~sgp': [220, 6], 'sfo~sgp': [170, 5] },
    },
    answers: { effort: 'low' },
    expect: 'proxmox:separate-clusters',
    because: /nyc ↔ sgp 220 ms/,
  },
  {
    estate: 'two LAN sites never measured: the typical figure, said so',
    spec: { sites: { a: { nodes: 2 }, b: { nodes: 1 } } },
    expect: 'proxmox:one-cluster',
    because: /not measured/,
  },
];

describe('the approach advisor recommends, for each estate', () => {
  for (const row of rows) {
    it(`${row.estate} → ${row.expect}`, () => {
      const { workspace, facts } = build(row.spec);
      const advice = recommend(workspace, facts, { ...defaultAnswers, ...row.answers });
      const rec = advice.recommendation;
      expect(rec && `${rec.stack}:${rec.id}`, advice.reason).toBe(row.expect);
      expect([advice.reason, ...rec!.deciding, rec!.summary, ...rec!.criteria.map((c) => c.text)].join('\n')).toMatch(row.because);
      // Every registered stack offers its approaches side by side, ranked: the recommendation first, viable before not.
      expect(advice.ranked[0]).toBe(rec);
      expect(new Set(advice.ranked.map((a) => a.stack)).size).toBe(3);
      const viable = advice.ranked.map((a) => a.viable);
      expect(viable).toEqual([...viable].sort((x, y) => Number(y) - Number(x)));
    });
  }
});

describe('what the advisor says beside the recommendation', () => {
  it('cites the vendor for every hard limit it applies', () => {
    const { workspace, facts } = build(rows[5]!.spec);
    const advice = recommend(workspace, facts, defaultAnswers);
    const hard = advice.ranked.flatMap((a) => a.criteria.filter((c) => c.hard));
    expect(hard.length).toBeGreaterThan(0);
    for (const c of hard) expect(c.source?.url, c.text).toMatch(/^https:\/\//);
  });

  it('says what to change for the others: a witness site for vSAN on two sites, a QDevice for two nodes', () => {
    const two = build({ sites: { a: { nodes: 2 }, b: { nodes: 2, kind: 'man' } }, rtt: { 'a~b': [1, 0.1] } });
    const advice = recommend(two.workspace, two.facts, defaultAnswers);
    const vsan = advice.ranked.find((a) => a.stack === 'vsan')!;
    expect(vsan.viable).toBe(false);
    expect(vsan.changes.join(' ')).toMatch(/witness host at a third site/);
    const rack = build({ sites: { rack: { nodes: 2 } } });
    expect(recommend(rack.workspace, rack.facts, defaultAnswers).recommendation!.changes.join(' ')).toMatch(/QDevice/);
  });

  it('the answers move the recommendation on the same estate', () => {
    const { workspace, facts } = build({ sites: { dc: { nodes: 12 } } });
    expect(recommend(workspace, facts, defaultAnswers).recommendation!.stack).toBe('proxmox');
    expect(recommend(workspace, facts, { ...defaultAnswers, workload: 'self-service-cloud', effort: 'high' }).recommendation!.stack).toBe('openstack');
  });

  it('an empty workspace gets no recommendation but a next step', () => {
    const advice = recommend({ version: 1, name: 'x', sites: [], networks: [], nodes: [] }, {}, defaultAnswers);
    expect(advice.recommendation).toBeUndefined();
    expect(advice.reason).toMatch(/Add your sites and nodes/);
  });

  it('takes the worst measured pair between two sites, and guesses by kind only when nothing was measured', () => {
    const { workspace, facts } = build({ sites: { a: { nodes: 2 }, b: { nodes: 1, kind: 'wan' } }, rtt: { 'a~b': [12, 1] } });
    facts.latency!.samples[1]!.medianMs = 19;
    const e = summarizeEstate(workspace, facts);
    expect(e.links).toEqual([expect.objectContaining({ a: 'a', b: 'b', rttMs: 19, measured: true })]);
    const guess = summarizeEstate(workspace, {});
    expect(guess.links[0]).toMatchObject({ rttMs: 30, measured: false });
  });

  it('shapes the workspace for the chosen approach without touching the input', () => {
    const { workspace, facts } = build(rows[6]!.spec);
    const advice = recommend(workspace, facts, defaultAnswers);
    const stack = stackById(advice.recommendation!.stack)!;
    const before = JSON.stringify(workspace);
    const shaped = stack.advisor!.shape!(workspace, advice.recommendation!.id, advice.estate) as Record<string, unknown>;
    expect(JSON.stringify(workspace)).toBe(before);
    expect(shaped[stack.section.key]).toMatchObject({ clusters: [{ nodes: ['dc1-n1', 'dc1-n2', 'dc1-n3', 'dc2-n1', 'dc2-n2', 'dc2-n3'], qdevice: { host: 'wit-n1' } }] });
  });
});

describe('continue with this approach', () => {
  it('shows the shaped workspace as a diff before anything is saved: the new cluster section added, nothing else', async () => {
    const { shapeFor } = await import('./shape.js');
    const { workspace, facts } = build(rows[4]!.spec);
    const advice = recommend(workspace, facts, defaultAnswers);
    const shaped = shapeFor(workspace as Parameters<typeof shapeFor>[0], advice.recommendation!, advice.estate);
    expect(shaped.unchanged).toBe(false);
    const added = shaped.diff.filter((l) => l.kind === 'added').map((l) => l.text).join('\n');
    expect(added).toMatch(/^proxmox:/m);
    expect(added).toMatch(/far-n1/);
    expect(shaped.diff.filter((l) => l.kind === 'removed')).toEqual([]);
    expect((shaped.workspace as unknown as { proxmox: { clusters: unknown[] } }).proxmox.clusters).toHaveLength(2);
  });
});

describe('the clusters a shape names', () => {
  it('names each cluster after its first site, with a number only when two would clash', async () => {
    const { shapeFor } = await import('./shape.js');
    const { workspace, facts } = build({ sites: { home: { nodes: 2 }, far: { nodes: 2, kind: 'wan' } }, rtt: { 'home~far': [80, 2] } });
    const advice = recommend(workspace, facts, defaultAnswers);
    const shaped = shapeFor(workspace as Parameters<typeof shapeFor>[0], advice.recommendation!, advice.estate).workspace as unknown as { proxmox: { clusters: { name: string }[] } };
    expect(shaped.proxmox.clusters.map((c) => c.name)).toEqual(['home', 'far']);
  });
});
