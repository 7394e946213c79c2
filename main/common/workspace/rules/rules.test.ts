// One passing and one failing case per validation rule; failing messages carry the measured figure.
import { describe, expect, it } from 'vitest';
import type { Facts, LatencySample } from '../facts.js';
import type { Workspace, WorkspaceNode } from '../schema.js';
import { allRules, findingActionSchema, validateWorkspace, type Finding, type FindingAction, type Rule } from './index.js';
import { overlayRuleCases } from '../../overlay/test-estate.js';

const networks: Workspace['networks'] = [
  { name: 'mgmt', roles: ['management'], cidr: '10.0.0.0/24' },
  { name: 'ring0', roles: ['corosync'], cidr: '10.1.0.0/24' },
  { name: 'ring1', roles: ['corosync'], cidr: '10.2.0.0/24' },
  { name: 'san', roles: ['storage'], cidr: '10.3.0.0/24', bandwidthGbps: 10 },
  { name: 'vsan', roles: ['vsan'], cidr: '10.4.0.0/24', bandwidthGbps: 25 },
  { name: 'wit', roles: ['witness'], cidr: '10.5.0.0/24' },
];

let nextHost = 10;
function node(name: string, site: string, nets: string[] = ['mgmt', 'ring0', 'ring1', 'san']): WorkspaceNode {
  const host = nextHost++;
  const addresses: Record<string, string> = {};
  for (const net of nets) {
    const third = networks.findIndex((n) => n.name === net);
    addresses[net] = `10.${third}.0.${host}`;
  }
  return { name, site, addresses };
}

/** A clean estate: 3-node Proxmox, 2-region OpenStack, 2+2+1 vSAN; nothing wrong with it. */
function estate(): Workspace {
  nextHost = 10;
  const pve = ['pve1', 'pve2', 'pve3'].map((n, i) => node(n, i < 2 ? 'home' : 'office'));
  const os = ['ctl-e', 'cmp-e1', 'cmp-e2', 'ctl-w', 'cmp-w1', 'cmp-w2'].map((n) => node(n, n.endsWith('w') || n.includes('-w') ? 'west' : 'east', ['mgmt']));
  const esx = [node('esx-a1', 'home', ['mgmt', 'vsan', 'wit']), node('esx-a2', 'home', ['mgmt', 'vsan', 'wit']), node('esx-b1', 'office', ['mgmt', 'vsan', 'wit']), node('esx-b2', 'office', ['mgmt', 'vsan', 'wit']), node('witness', 'cloud', ['mgmt', 'wit'])];
  return {
    version: 1,
    name: 'rules',
    sites: ['home', 'office', 'cloud', 'east', 'west'].map((name) => ({ name, kind: 'lan' as const })),
    networks: structuredClone(networks),
    nodes: [...pve, ...os, ...esx, node('qnetd', 'cloud', ['mgmt', 'ring0', 'ring1']), node('pve4', 'office')],
    proxmox: {
      clusters: [
        {
          name: 'homelab',
          nodes: ['pve1', 'pve2', 'pve3'],
          links: [
            { link: 0, network: 'ring0', priority: 20 },
            { link: 1, network: 'ring1', priority: 10 },
          ],
          storages: [{ id: 'ceph', type: 'rbd', shared: true }],
          ha: { enabled: true },
        },
      ],
    },
    openstack: {
      regions: [
        { name: 'RegionEast', keystone: true, controllers: ['ctl-e'], networkNodes: ['ctl-e'], compute: ['cmp-e1', 'cmp-e2'], storage: [], liveMigration: true, managementNetwork: 'mgmt' },
        { name: 'RegionWest', keystone: false, controllers: ['ctl-w'], networkNodes: ['ctl-w'], compute: ['cmp-w1', 'cmp-w2'], storage: [], liveMigration: true, managementNetwork: 'mgmt' },
      ],
      interconnects: [{ between: ['RegionEast', 'RegionWest'], kind: 'vpn' }],
    },
    vsan: {
      clusters: [
        {
          name: 'stretch',
          vcenter: { endpoint: 'https://vc.example/sdk' },
          preferredSite: { site: 'home', hosts: ['esx-a1', 'esx-a2'] },
          secondarySite: { site: 'office', hosts: ['esx-b1', 'esx-b2'] },
          witness: { host: 'witness', site: 'cloud' },
          dataNetwork: 'vsan',
          witnessNetwork: 'wit',
        },
      ],
    },
  };
}

function sample(network: string, from: string, to: string, avgMs: number, lossPercent = 0): LatencySample {
  return { network, from, to, toAddress: '10.0.0.1', sent: 10, received: Math.round(10 - lossPercent / 10), lossPercent, minMs: avgMs * 0.9, avgMs, maxMs: avgMs * 1.2, mdevMs: avgMs * 0.05, measuredAt: '2026-01-01T00:00:00Z' };
}

/** Every pair of every network measured at `ms`, with `overrides` on top. */
function facts(ws: Workspace, ms = 0.5, overrides: LatencySample[] = []): Facts {
  const samples: LatencySample[] = [];
  for (const net of ws.networks) {
    const members = ws.nodes.filter((n) => n.addresses[net.name]);
    for (const a of members) for (const b of members) if (a !== b) samples.push(sample(net.name, a.name, b.name, ms));
  }
  const key = (s: LatencySample) => `${s.network}|${[s.from, s.to].sort().join('|')}`;
  const over = new Map(overrides.map((s) => [key(s), s]));
  return { latency: { version: 1, measuredAt: '2026-01-01T00:00:00Z', runner: 'test', count: 10, intervalS: 0.2, samples: samples.map((s) => over.get(key(s)) ?? s) } };
}

function run(rule: Rule, ws: Workspace, f: Facts = facts(ws)): Finding[] {
  return validateWorkspace(ws, f, [rule]);
}
const blocking = (findings: Finding[]) => findings.filter((f) => f.severity !== 'info');
const rule = (id: string) => allRules.find((r) => r.id === id)!;

interface Case {
  pass: () => { ws: Workspace; facts?: Facts };
  fail: () => { ws: Workspace; facts?: Facts };
  severity: 'error' | 'warning' | 'info';
  /** The figure the failing message must quote. */
  figure: RegExp;
}

/** What the app offers for the first finding of each failing case (none where only the admin can do it). */
const expectedActions: Record<string, FindingAction | undefined> = {
  'proxmox.quorum-votes': { id: 'add-qdevice-host', cluster: 'homelab' },
  'proxmox.qdevice-placement': { id: 'add-qdevice-host', cluster: 'homelab' },
  'proxmox.corosync-latency': { id: 'accept-wan-layout', cluster: 'homelab' },
  'proxmox.corosync-separate': { id: 'add-corosync-link', cluster: 'homelab' },
  'general.separate-networks': { id: 'open-networks' },
  'overlay.rtt-jitter': { id: 'add-corosync-link', cluster: 'homelab' },
  'overlay.hub-single-point': { id: 'add-corosync-link', cluster: 'homelab' },
  'overlay.only-corosync-link': { id: 'add-corosync-link', cluster: 'homelab' },
  'overlay.mtu': { id: 'set-overlay-mtu', overlay: 'sites', mtu: 1360 },
  'overlay.nat-keepalive': { id: 'set-overlay-keepalive', overlay: 'sites', seconds: 25 },
};

/** Workspace field paths and YAML keys: a detail for the panel, never what the admin is told to do. */
function speaksYaml(text: string): string | undefined {
  const patterns = [
    /\b(proxmox|openstack|vsan|overlays|nodes|networks|sites|layout)(\[\d*\]|\.\w)/,
    /\w\[\]/,
    /\b\w+\.(addresses|ssh|api|passwordSecret|tokenSecret|qdevice|algorithm|bandwidthGbps|interconnects|storages|witness|site)\b/,
    /\b(keepalive|mtu|keystone|liveMigration|hub|cidr|algorithm|sites|nodes|passwordSecret|bandwidthGbps): /,
    /secrets\.put/,
  ];
  return patterns.map((p) => p.exec(text)?.[0]).find((m) => m !== undefined);
}

const cases: Record<string, Case> = {
  ...overlayRuleCases,
  'proxmox.quorum-votes': {
    pass: () => ({ ws: estate() }),
    fail: () => {
      const ws = estate();
      ws.proxmox!.clusters[0]!.nodes = ['pve1', 'pve2'];
      return { ws };
    },
    severity: 'error',
    figure: /2 votes \(2 nodes, no QDevice\)/,
  },
  'proxmox.qdevice-placement': {
    pass: () => {
      const ws = estate();
      ws.proxmox!.clusters[0]!.nodes.push('pve4');
      ws.proxmox!.clusters[0]!.qdevice = { host: 'qnetd', algorithm: 'ffsplit' };
      return { ws };
    },
    fail: () => {
      const ws = estate();
      ws.proxmox!.clusters[0]!.nodes.push('pve4');
      return { ws };
    },
    severity: 'warning',
    figure: /even number of nodes \(4\).*2:2/,
  },
  'proxmox.corosync-latency': {
    pass: () => ({ ws: estate() }),
    fail: () => {
      const ws = estate();
      return { ws, facts: facts(ws, 0.5, [sample('ring0', 'pve1', 'pve3', 12.4)]) };
    },
    severity: 'error',
    figure: /pve1 and pve3: 12\.4 ms ±0\.62, 0 % loss, above 10 ms/,
  },
  'proxmox.link-addresses': {
    pass: () => ({ ws: estate() }),
    fail: () => {
      const ws = estate();
      delete ws.nodes.find((n) => n.name === 'pve2')!.addresses.ring1;
      return { ws };
    },
    severity: 'error',
    figure: /1 node of cluster homelab has no address on network ring1 for corosync link1: pve2/,
  },
  'proxmox.node-identity': {
    pass: () => {
      const ws = estate();
      ws.proxmox!.clusters[0]!.nodeIds = { pve1: 1, pve2: 2, pve3: 3 };
      return { ws };
    },
    fail: () => {
      const ws = estate();
      ws.proxmox!.clusters[0]!.nodeIds = { pve1: 1, pve2: 2, pve3: 2 };
      return { ws };
    },
    severity: 'error',
    figure: /pve2 and pve3 .* both have node id 2/,
  },
  'proxmox.cluster-name': {
    pass: () => ({ ws: estate() }),
    fail: () => {
      const ws = estate();
      ws.proxmox!.clusters[0]!.name = 'home-lab-cluster-1';
      return { ws };
    },
    severity: 'error',
    figure: /has 18 characters; Proxmox accepts at most 15/,
  },
  'proxmox.corosync-separate': {
    pass: () => ({ ws: estate() }),
    fail: () => {
      const ws = estate();
      ws.proxmox!.clusters[0]!.migrationNetwork = 'ring0';
      return { ws };
    },
    severity: 'warning',
    figure: /link0 .* preferred link and it is the cluster's migration network/,
  },
  'proxmox.live-migration-storage': {
    pass: () => ({ ws: estate() }),
    fail: () => {
      const ws = estate();
      ws.proxmox!.clusters[0]!.storages!.push({ id: 'local-zfs', type: 'zfspool', shared: false, nodes: ['pve1', 'pve2'] });
      return { ws };
    },
    severity: 'warning',
    figure: /exists on 2 nodes of 3; guests with disks on it cannot live-migrate to pve3/,
  },
  'proxmox.wan-split': {
    pass: () => {
      const ws = estate();
      ws.proxmox!.clusters[0]!.nodes.push('pve4');
      return { ws };
    },
    fail: () => {
      const ws = estate();
      ws.proxmox!.clusters[0]!.nodes.push('pve4');
      return { ws, facts: facts(ws, 0.5, [sample('ring1', 'pve1', 'pve4', 25)]) };
    },
    severity: 'warning',
    figure: /4 nodes and a corosync round trip up to 25 ms/,
  },
  'vsan.site-layout': {
    pass: () => ({ ws: estate() }),
    fail: () => {
      const ws = estate();
      ws.vsan!.clusters[0]!.witness!.site = 'home';
      ws.nodes.find((n) => n.name === 'witness')!.site = 'home';
      return { ws };
    },
    severity: 'error',
    figure: /witness .* is in data site home/,
  },
  'vsan.data-latency': {
    pass: () => {
      const ws = estate();
      return { ws, facts: facts(ws, 1.2) };
    },
    fail: () => {
      const ws = estate();
      return { ws, facts: facts(ws, 1.2, [sample('vsan', 'esx-a2', 'esx-b1', 7.5)]) };
    },
    severity: 'error',
    figure: /esx-a2 and esx-b1 .*: 7\.5 ms .* above the 5 ms/,
  },
  'vsan.data-bandwidth': {
    pass: () => ({ ws: estate() }),
    fail: () => {
      const ws = estate();
      ws.networks.find((n) => n.name === 'vsan')!.bandwidthGbps = 1;
      return { ws };
    },
    severity: 'error',
    figure: /has 1 Gbps; VMware requires at least 10 Gbps/,
  },
  'vsan.witness-latency': {
    pass: () => {
      const ws = estate();
      return { ws, facts: facts(ws, 150) };
    },
    fail: () => {
      const ws = estate();
      return { ws, facts: facts(ws, 150, [sample('wit', 'witness', 'esx-b2', 250)]) };
    },
    severity: 'error',
    figure: /witness to esx-b2 .*: 250 ms .* above the 200 ms allowed for a cluster with 4 data hosts/,
  },
  'vsan.witness-not-member': {
    pass: () => ({ ws: estate() }),
    fail: () => {
      const ws = estate();
      ws.vsan!.clusters[0]!.witness!.host = 'esx-a1';
      return { ws };
    },
    severity: 'error',
    figure: /witness esx-a1 .* is also one of its data hosts/,
  },
  'vsan.host-count': {
    pass: () => ({ ws: estate() }),
    fail: () => {
      const ws = estate();
      const extra = Array.from({ length: 14 }, (_, i) => node(`esx-a${i + 3}`, 'home', ['mgmt', 'vsan', 'wit']));
      ws.nodes.push(...extra);
      ws.vsan!.clusters[0]!.preferredSite.hosts.push(...extra.map((n) => n.name));
      return { ws };
    },
    severity: 'error',
    figure: /has 16 hosts; a stretched cluster supports at most 15 per data site/,
  },
  'openstack.region-roles': {
    pass: () => ({ ws: estate() }),
    fail: () => {
      const ws = estate();
      ws.openstack!.regions[1]!.networkNodes = [];
      return { ws };
    },
    severity: 'error',
    figure: /RegionWest has no network node.*\(1 controller, 0 network, 2 compute\)/,
  },
  'openstack.keystone': {
    pass: () => ({ ws: estate() }),
    fail: () => {
      const ws = estate();
      ws.openstack!.regions[1]!.keystone = true;
      return { ws };
    },
    severity: 'error',
    figure: /2 regions hold Keystone \(RegionEast, RegionWest\)/,
  },
  'openstack.region-names': {
    pass: () => ({ ws: estate() }),
    fail: () => {
      const ws = estate();
      ws.openstack!.regions[1]!.name = 'regioneast';
      ws.openstack!.interconnects[0]!.between = ['RegionEast', 'regioneast'];
      return { ws };
    },
    severity: 'error',
    figure: /RegionEast and regioneast differ only in case/,
  },
  'openstack.inter-region-path': {
    pass: () => ({ ws: estate() }),
    fail: () => {
      const ws = estate();
      ws.openstack!.interconnects = [];
      return { ws };
    },
    severity: 'error',
    figure: /RegionWest has no VPN or routed path to region RegionEast; 1 of 2 regions are connected/,
  },
  'openstack.vpn-interconnect-details': {
    pass: () => {
      const ws = estate();
      ws.openstack!.interconnects[0]!.vpn = {
        pskSecret: 'vpn-east-west',
        sides: { RegionEast: { router: 'edge-east', subnets: ['tenant-east'] }, RegionWest: { router: 'edge-west', subnets: ['tenant-west'] } },
        ike: { version: 'v2', encryption: 'aes-256', auth: 'sha256', pfs: 'group14', lifetimeSeconds: 3600 },
        ipsec: { encryption: 'aes-256', auth: 'sha256', pfs: 'group14', lifetimeSeconds: 3600 },
      };
      return { ws };
    },
    fail: () => ({ ws: estate() }),
    severity: 'info',
    figure: /VPN interconnect 1 \(RegionEast–RegionWest\) cannot be built by the app yet: openstack\.interconnects\[0\]\.vpn is missing/,
  },
  'openstack.live-migration-compute': {
    pass: () => ({ ws: estate() }),
    fail: () => {
      const ws = estate();
      ws.openstack!.regions[0]!.compute = ['cmp-e1'];
      return { ws };
    },
    severity: 'warning',
    figure: /RegionEast wants live migration but has 1 compute node/,
  },
  'general.separate-networks': {
    pass: () => ({ ws: estate() }),
    fail: () => {
      const ws = estate();
      ws.networks.find((n) => n.name === 'mgmt')!.roles = ['management', 'vm-data'];
      return { ws };
    },
    severity: 'warning',
    figure: /mgmt carries management, VM traffic \(roles management, vm-data\)/,
  },
  'general.address-in-network': {
    pass: () => ({ ws: estate() }),
    fail: () => {
      const ws = estate();
      ws.nodes[0]!.addresses.mgmt = '192.168.1.10';
      return { ws };
    },
    severity: 'warning',
    figure: /pve1 has address 192\.168\.1\.10 on network mgmt, which is outside its prefix 10\.0\.0\.0\/24/,
  },
};

describe('validation rules', () => {
  it('every rule has a passing and a failing case, and every rule cites a source', () => {
    expect(Object.keys(cases).sort()).toEqual(allRules.map((r) => r.id).sort());
    for (const r of allRules) expect(r.source.document.length).toBeGreaterThan(10);
  });

  for (const [id, c] of Object.entries(cases)) {
    describe(id, () => {
      it('raises nothing on a layout that respects it', () => {
        const { ws, facts: f } = c.pass();
        const found = run(rule(id), ws, f ?? facts(ws));
        expect(c.severity === 'info' ? found.filter((x) => x.ruleId === id) : blocking(found)).toEqual([]);
      });
      it(`raises a ${c.severity} quoting the figure on a layout that breaks it`, () => {
        const { ws, facts: f } = c.fail();
        const found = run(rule(id), ws, f ?? facts(ws));
        const findings = c.severity === 'info' ? found.filter((x) => x.ruleId === id) : blocking(found);
        expect(findings.length).toBeGreaterThan(0);
        const finding = findings[0]!;
        expect(finding.severity).toBe(c.severity);
        expect(finding.message).toMatch(c.figure);
        expect(finding.ruleId).toBe(id);
        expect(finding.remedy.length).toBeGreaterThan(10);
        expect(finding.elements.length + finding.paths.length).toBeGreaterThan(0);
      });
    });
  }
});

describe('remedies, actions and sources', () => {
  it('every rule cites a vendor or standard document with its address, never an internal one', () => {
    for (const r of allRules) {
      expect(r.source.url, r.id).toMatch(/^https:\/\/[a-z0-9.-]+\//);
      expect(r.source.section, r.id).toBeTruthy();
      expect(`${r.source.document} ${r.source.section}`, r.id).not.toMatch(/clusterwright|seed/i);
    }
  });

  for (const [id, c] of Object.entries(cases)) {
    it(`${id}: the remedy speaks to the admin, the field path is only a detail, the action is the one the app can do`, () => {
      const { ws, facts: f } = c.fail();
      const findings = validateWorkspace(ws, f ?? facts(ws));
      expect(findings.length).toBeGreaterThan(0);
      for (const finding of findings) {
        expect(speaksYaml(finding.remedy), `${finding.ruleId}: ${finding.remedy}`).toBeUndefined();
        expect(finding.source.url, finding.ruleId).toMatch(/^https:\/\//);
        expect(`${finding.source.document} ${finding.source.section}`).not.toMatch(/clusterwright|seed/i);
        if (finding.action) expect(findingActionSchema.parse(finding.action)).toEqual(finding.action);
      }
      const mine = findings.filter((x) => x.ruleId === id);
      const first = (c.severity === 'info' ? mine : blocking(mine))[0]!;
      expect(first.action).toEqual(expectedActions[id]);
      expect(first.paths.length).toBeGreaterThan(0);
    });
  }

  it('unmeasured links offer to measure, and an accepted WAN layout offers nothing more to accept', () => {
    const unmeasured = run(rule('proxmox.corosync-latency'), estate(), {});
    expect(unmeasured.map((f) => f.action)).toEqual(unmeasured.map(() => ({ id: 'measure-latency' })));
    const ws = estate();
    ws.proxmox!.clusters[0]!.wanTuning = { accepted: true, tokenMs: 10000 };
    const [accepted] = blocking(run(rule('proxmox.corosync-latency'), ws, facts(ws, 0.5, [sample('ring0', 'pve1', 'pve3', 30)])));
    expect(accepted!.action).toBeUndefined();
  });

  it('a QDevice on the wrong algorithm offers ffsplit; a QDevice that is a member offers another host', () => {
    const ws = estate();
    ws.proxmox!.clusters[0]!.nodes.push('pve4');
    ws.proxmox!.clusters[0]!.qdevice = { host: 'qnetd', algorithm: 'lms' };
    expect(blocking(run(rule('proxmox.qdevice-placement'), ws)).map((f) => f.action)).toEqual([{ id: 'set-qdevice-algorithm', cluster: 'homelab', algorithm: 'ffsplit' }]);
    ws.proxmox!.clusters[0]!.qdevice = { host: 'pve4', algorithm: 'ffsplit' };
    expect(blocking(run(rule('proxmox.qdevice-placement'), ws)).map((f) => f.action?.id)).toContain('add-qdevice-host');
  });
});

describe('corosync latency in detail', () => {
  const corosync = rule('proxmox.corosync-latency');
  it('warns between 5 and 10 ms, quoting the round trip', () => {
    const ws = estate();
    const [f] = blocking(run(corosync, ws, facts(ws, 0.5, [sample('ring1', 'pve2', 'pve3', 6.2)])));
    expect(f).toMatchObject({ severity: 'warning', figures: { rttMs: 6.2 } });
    expect(f!.message).toContain('6.2 ms');
    expect(f!.elements).toContainEqual({ kind: 'link', name: 'pve2', peer: 'pve3', network: 'ring1' });
  });
  it('turns the > 10 ms error into an accepted warning once the admin accepted WAN tuning', () => {
    const ws = estate();
    ws.proxmox!.clusters[0]!.wanTuning = { accepted: true, tokenMs: 10000 };
    const [f] = blocking(run(corosync, ws, facts(ws, 0.5, [sample('ring0', 'pve1', 'pve3', 30)])));
    expect(f).toMatchObject({ severity: 'warning', accepted: true });
    expect(f!.message).toMatch(/30 ms .*accepted with WAN tuning \(token 10000 ms\)/);
  });
  it('uses corosync knet statistics (2 × latency_ave) when there is no ping measurement', () => {
    const ws = estate();
    const knet: Facts['knet'] = [{ cluster: 'homelab', readAt: 'now', links: [{ local: 'pve1', peer: 'pve3', nodeId: 3, link: 0, latencyAveUs: 3100, connected: true }] }];
    const [f] = blocking(run(corosync, ws, { knet }));
    expect(f!.message).toMatch(/pve1 and pve3: 6\.2 ms, 0 % loss \(corosync knet estimate\)/);
  });
  it('weighs and quotes the median, not a mean an odd late reply inflated', () => {
    const ws = estate();
    // Nine replies near 4.2 ms and one at 80 ms: mean 11.8 ms (an error), median 4.2 ms (fine).
    const skewed = { ...sample('ring0', 'pve1', 'pve3', 4.2), avgMs: 11.8, medianMs: 4.2, p95Ms: 80, maxMs: 80, mdevMs: 22.8 };
    expect(blocking(run(corosync, ws, facts(ws, 0.5, [skewed])))).toEqual([]);
    const slow = { ...sample('ring0', 'pve1', 'pve3', 6.2), avgMs: 6.5, medianMs: 6.2, minMs: 6, p95Ms: 7.9 };
    const [f] = blocking(run(corosync, ws, facts(ws, 0.5, [slow])));
    expect(f).toMatchObject({ severity: 'warning', figures: { rttMs: 6.2 } });
    expect(f!.message).toContain('6.2 ms median (mean 6.5 ±0.31, min 6, p95 7.9), 0 % loss');
  });
  it('reports unmeasured pairs as information only', () => {
    const findings = run(corosync, estate(), {});
    expect(findings.every((f) => f.severity === 'info')).toBe(true);
    expect(findings[0]!.message).toContain('3 pairs of nodes not measured yet');
  });
  it('reports a corosync link without replies as an error', () => {
    const ws = estate();
    const dead = { ...sample('ring0', 'pve1', 'pve2', 0), avgMs: undefined, lossPercent: 100, received: 0 };
    const [f] = blocking(run(corosync, ws, facts(ws, 0.5, [dead])));
    expect(f!.message).toMatch(/pve1 and pve2: no reply, 100 % loss/);
  });
});

describe('other rule details', () => {
  it('a corosync fallback link on a shared network is acceptable (info only)', () => {
    const ws = estate();
    ws.networks.find((n) => n.name === 'ring1')!.roles = ['corosync', 'storage'];
    const findings = run(rule('proxmox.corosync-separate'), ws);
    expect(findings).toHaveLength(1);
    expect(findings[0]).toMatchObject({ severity: 'info' });
  });
  it('allows 500 ms to the witness of a 2-node vSAN cluster and only 100 ms with 11 hosts per site', () => {
    const two = estate();
    two.vsan!.clusters[0]!.preferredSite.hosts = ['esx-a1'];
    two.vsan!.clusters[0]!.secondarySite.hosts = ['esx-b1'];
    expect(blocking(run(rule('vsan.witness-latency'), two, facts(two, 450)))).toEqual([]);
    const big = estate();
    const extra = Array.from({ length: 9 }, (_, i) => node(`esx-a${i + 3}`, 'home', ['mgmt', 'vsan', 'wit']));
    big.nodes.push(...extra);
    big.vsan!.clusters[0]!.preferredSite.hosts.push(...extra.map((n) => n.name));
    const findings = blocking(run(rule('vsan.witness-latency'), big, facts(big, 150)));
    expect(findings[0]!.message).toMatch(/above the 100 ms allowed/);
  });
  it('a QDevice inside a site that holds cluster nodes is a warning', () => {
    const ws = estate();
    ws.proxmox!.clusters[0]!.nodes.push('pve4');
    ws.proxmox!.clusters[0]!.qdevice = { host: 'qnetd', algorithm: 'ffsplit' };
    ws.nodes.find((n) => n.name === 'qnetd')!.site = 'office';
    const findings = blocking(run(rule('proxmox.qdevice-placement'), ws));
    expect(findings[0]!.message).toMatch(/QDevice host qnetd is in site office/);
  });
  it('refuses what Proxmox refuses: a link address with a zone id, a QDevice not at an IP address, names that differ only in case', () => {
    const ws = estate();
    ws.nodes.find((n) => n.name === 'pve2')!.addresses.ring0 = 'fe80::2%eth0';
    let findings = blocking(run(rule('proxmox.link-addresses'), ws));
    expect(findings.map((f) => [f.paths, f.message])).toEqual([[['nodes[1].addresses.ring0'], expect.stringMatching(/pve2 .* link0 address fe80::2%eth0, with an IPv6 zone id/)]]);

    const even = estate();
    even.proxmox!.clusters[0]!.nodes.push('pve4');
    even.proxmox!.clusters[0]!.qdevice = { host: 'qnetd', algorithm: 'ffsplit' };
    const qnetd = even.nodes.find((n) => n.name === 'qnetd')!;
    delete qnetd.addresses.ring0;
    qnetd.ssh = { host: 'qnetd.example.lan' };
    findings = blocking(run(rule('proxmox.qdevice-placement'), even));
    expect(findings.map((f) => [f.paths, f.message])).toEqual([[[`nodes[${even.nodes.indexOf(qnetd)}].ssh.host`], expect.stringMatching(/would be set up at qnetd\.example\.lan, which pvecm qdevice setup does not take/)]]);

    const cased = estate();
    cased.nodes.find((n) => n.name === 'pve3')!.name = 'PVE1';
    cased.proxmox!.clusters[0]!.nodes[2] = 'PVE1';
    findings = blocking(run(rule('proxmox.node-identity'), cased));
    expect(findings.map((f) => f.message)).toEqual([expect.stringMatching(/Nodes pve1 and PVE1 of cluster homelab differ only in case/)]);
  });
  it('a Keystone region cut off by measurement is an error with the loss', () => {
    const ws = estate();
    const dead = { ...sample('mgmt', 'ctl-w', 'ctl-e', 0), avgMs: undefined, lossPercent: 100, received: 0 };
    const findings = blocking(run(rule('openstack.keystone'), ws, facts(ws, 20, [dead])));
    expect(findings[0]!.message).toMatch(/ctl-w of region RegionWest cannot reach Keystone controller ctl-e on mgmt: no reply \(100 % loss\)/);
  });
  it('sorts errors first and turns a crashing rule into a finding instead of throwing', () => {
    const broken: Rule = { id: 'test.broken', stack: 'general', title: 't', source: { document: 'test' }, check: () => { throw new Error('boom'); } };
    const ws = estate();
    ws.proxmox!.clusters[0]!.name = 'home-lab-cluster-1';
    const findings = validateWorkspace(ws, {}, [...allRules, broken]);
    expect(findings[0]!.severity).toBe('error');
    expect(findings.find((f) => f.ruleId === 'test.broken')!.message).toContain('boom');
  });
  it('the example estate is clean', () => {
    const findings = validateWorkspace(estate(), facts(estate()));
    expect(blocking(findings)).toEqual([]);
  });
});
