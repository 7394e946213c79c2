// Benchmark: validating a large estate (50-node Proxmox, 5 × 20-node OpenStack regions, 15 + 15 + 1
// vSAN) with a full latency matrix; target < 100 ms. The workspace is generated here.
import { bench, describe } from 'vitest';
import { parseWorkspace, serializeWorkspace, validateWorkspace, type Facts, type LatencySample, type Workspace } from '../../main/common/workspace/index.js';

function largeEstate(): { workspace: Workspace; facts: Facts } {
  const sites = ['home', 'office', 'cloud', 'r0', 'r1', 'r2', 'r3', 'r4'].map((name, i) => ({ name, kind: (['lan', 'man', 'internet', 'wan', 'wan', 'wan', 'wan', 'wan'] as const)[i]! }));
  const networks: Workspace['networks'] = [
    { name: 'mgmt', roles: ['management'], cidr: '10.0.0.0/16' },
    { name: 'ring0', roles: ['corosync'], cidr: '10.1.0.0/16' },
    { name: 'ring1', roles: ['corosync'], cidr: '10.2.0.0/16' },
    { name: 'san', roles: ['storage'], cidr: '10.3.0.0/16', bandwidthGbps: 25 },
    { name: 'vsan', roles: ['vsan'], cidr: '10.4.0.0/16', bandwidthGbps: 25 },
    { name: 'wit', roles: ['witness'], cidr: '10.5.0.0/16' },
  ];
  const nodes: Workspace['nodes'] = [];
  const addr = (net: number, i: number) => `10.${net}.${Math.floor(i / 250)}.${(i % 250) + 1}`;
  let n = 0;
  const pve: string[] = [];
  for (let i = 0; i < 50; i++, n++) {
    pve.push(`pve${i}`);
    nodes.push({ name: `pve${i}`, site: i < 25 ? 'home' : 'office', addresses: { mgmt: addr(0, n), ring0: addr(1, n), ring1: addr(2, n), san: addr(3, n) } });
  }
  nodes.push({ name: 'qnetd', site: 'cloud', addresses: { mgmt: addr(0, n), ring0: addr(1, n), ring1: addr(2, n) } });
  n++;
  const regions: NonNullable<Workspace['openstack']>['regions'] = [];
  for (let r = 0; r < 5; r++) {
    const members: string[] = [];
    for (let i = 0; i < 20; i++, n++) {
      members.push(`os${r}-${i}`);
      nodes.push({ name: `os${r}-${i}`, site: `r${r}`, addresses: { mgmt: addr(0, n) } });
    }
    regions.push({ name: `Region${r}`, keystone: r === 0, controllers: members.slice(0, 3), networkNodes: members.slice(3, 5), compute: members.slice(5, 18), storage: members.slice(18), liveMigration: true, managementNetwork: 'mgmt' });
  }
  const esxA: string[] = [];
  const esxB: string[] = [];
  for (let i = 0; i < 30; i++, n++) {
    const name = `esx${i}`;
    (i < 15 ? esxA : esxB).push(name);
    nodes.push({ name, site: i < 15 ? 'home' : 'office', addresses: { mgmt: addr(0, n), vsan: addr(4, n), wit: addr(5, n) } });
  }
  nodes.push({ name: 'witness', site: 'cloud', addresses: { mgmt: addr(0, n), wit: addr(5, n) } });
  const workspace: Workspace = {
    version: 1,
    name: 'Large estate',
    sites,
    networks,
    nodes,
    proxmox: { clusters: [{ name: 'big', nodes: pve, links: [{ link: 0, network: 'ring0', priority: 20 }, { link: 1, network: 'ring1', priority: 10 }], qdevice: { host: 'qnetd', algorithm: 'ffsplit' }, storages: [{ id: 'ceph', type: 'rbd', shared: true }], ha: { enabled: true } }] },
    openstack: { regions, interconnects: [1, 2, 3, 4].map((r) => ({ between: ['Region0', `Region${r}`] as [string, string], kind: 'vpn' as const })) },
    vsan: { clusters: [{ name: 'stretch', vcenter: { endpoint: 'https://vc/sdk' }, preferredSite: { site: 'home', hosts: esxA }, secondarySite: { site: 'office', hosts: esxB }, witness: { host: 'witness', site: 'cloud' }, dataNetwork: 'vsan', witnessNetwork: 'wit' }] },
  };
  // A full matrix on the cluster networks (ring0, ring1, vsan, wit): ~5,900 ordered pairs.
  const samples: LatencySample[] = [];
  for (const net of ['ring0', 'ring1', 'vsan', 'wit']) {
    const members = nodes.filter((node) => node.addresses[net]);
    for (const a of members) for (const b of members) if (a !== b) samples.push({ network: net, from: a.name, to: b.name, toAddress: b.addresses[net]!, sent: 10, received: 10, lossPercent: 0, minMs: 0.3, avgMs: net === 'wit' ? 40 : 0.6, maxMs: 1, mdevMs: 0.1, measuredAt: '2026-01-01T00:00:00Z' });
  }
  return { workspace, facts: { latency: { version: 1, measuredAt: '2026-01-01T00:00:00Z', runner: 'bench', count: 10, intervalS: 0.2, samples } } };
}

const { workspace, facts } = largeEstate();
const text = serializeWorkspace(workspace);

describe(`validate a ${workspace.nodes.length}-node estate with ${facts.latency!.samples.length} latency samples (target < 100 ms)`, () => {
  bench('rules only (model + facts → findings)', () => {
    validateWorkspace(workspace, facts);
  });
  bench('parse the YAML, check schema and references, then the rules', () => {
    const parsed = parseWorkspace(text);
    if (!parsed.workspace) throw new Error('the generated workspace does not parse');
    validateWorkspace(parsed.workspace, facts);
  });
});
