import { describe, expect, it } from 'vitest';
import type { LatencyMatrix } from '../../../common/workspace/facts.js';
import { parseWorkspace } from '../../../common/workspace/parse.js';
import { rehearsalSpec } from '../../lab/rehearsal.js';
import { proxmoxClusterPlan } from './plan.js';
import { createProxmoxRehearsal, rehearsalCluster } from './rehearsal.js';
import { labProxmoxWorkspace } from './simulator/lab-cluster.js';
import { clusterPlanFromWorkspace } from './workspace-plan.js';
import type { ProxmoxApi } from './cluster-api.js';

const fp = (byte: string) => Array.from({ length: 32 }, () => byte).join(':');

const real = parseWorkspace(`version: 1
name: four-offices
sites:
  - { name: Zurich-HQ, kind: lan }
  - { name: bern, kind: man }
  - { name: geneva, kind: wan }
networks:
  - { name: ring0, roles: [corosync, management], cidr: 10.40.0.0/24 }
  - { name: ring1, roles: [corosync], cidr: 10.41.0.0/24 }
nodes:
  - { name: ZH1, site: Zurich-HQ, addresses: { ring0: 10.40.0.11, ring1: 10.41.0.11 } }
  - { name: be1, site: bern, addresses: { ring0: 10.40.0.21, ring1: 10.41.0.21 } }
  - { name: ge1, site: geneva, addresses: { ring0: 10.40.0.41, ring1: 10.41.0.41 } }
proxmox:
  clusters:
    - name: offices
      nodes: [ZH1, be1, ge1]
      links: [{ link: 0, network: ring0, priority: 5 }, { link: 1, network: ring1 }]
      wanTuning: { accepted: true }
      api: { endpoint: 10.40.0.11, user: root@pam, passwordSecret: real-root, fingerprint: ${fp('AA')} }
`).workspace!;

// The recording: 30 ms between bern and geneva on ring0 (a WAN link the admin accepted), less elsewhere.
const sample = (from: string, to: string, network: string, rtt: number) => ({ network, from, to, toAddress: '10.40.0.99', sent: 10, received: 10, lossPercent: 0, medianMs: rtt, avgMs: rtt, mdevMs: 0.5, measuredAt: '2026-12-01T10:00:00.000Z' });
const latency = {
  version: 1,
  measuredAt: '2026-12-01T10:00:00.000Z',
  runner: 'ssh',
  count: 10,
  intervalS: 0.2,
  samples: [sample('ZH1', 'be1', 'ring0', 8), sample('be1', 'ge1', 'ring0', 30), sample('ZH1', 'ge1', 'ring0', 20), sample('be1', 'ge1', 'ring1', 31)],
} as LatencyMatrix;

/** The lab's workspace as the Proxmox lab part writes it for the rehearsal (every host, the first one's API). */
function labWorkspace() {
  const { mapping } = rehearsalSpec(real, latency);
  const base = parseWorkspace(`version: 1
name: rehearse-four-offices
sites: [{ name: zurich-hq, kind: lan }, { name: bern, kind: man }, { name: geneva, kind: wan }]
networks:
  - { name: management, roles: [management, corosync], cidr: 198.18.0.0/24 }
  - { name: corosync-link1, roles: [corosync], cidr: 198.18.1.0/24 }
nodes:
${mapping.map((m, i) => `  - { name: ${m.host}, site: ${m.site}, addresses: { management: 198.18.0.${i + 1}, corosync-link1: 198.18.1.${i + 1} }, ssh: { host: 198.18.0.${i + 1}, user: root, identityFile: /tmp/lab/id } }`).join('\n')}
`).workspace!;
  return { mapping, lab: labProxmoxWorkspace(base, mapping.map((m) => m.host), { endpoint: '198.18.0.1:8006', fingerprint: fp('BB'), passwordSecret: 'lab-root' }) };
}

describe("the Proxmox plan's rehearsal", () => {
  it("copies the real cluster into the lab (members, links and their priorities, WAN acceptance) with the lab's API, and renames the recording", () => {
    const { mapping, lab } = labWorkspace();
    expect(mapping.map((m) => m.host)).toEqual(['zh1', 'be1', 'ge1']);
    const copy = rehearsalCluster({ workspace: real, facts: { latency } }, lab, 'offices', mapping);
    const cluster = copy.workspace.proxmox!.clusters[0]!;
    expect(copy.workspace.proxmox!.clusters).toHaveLength(1);
    expect(cluster).toMatchObject({
      name: 'offices',
      nodes: ['zh1', 'be1', 'ge1'],
      links: [
        { link: 0, network: 'management', priority: 5 },
        { link: 1, network: 'corosync-link1' },
      ],
      wanTuning: { accepted: true },
      api: { endpoint: '198.18.0.1:8006', passwordSecret: 'lab-root', fingerprint: fp('BB') },
    });
    expect(cluster.links[1]!.priority).toBeUndefined();
    expect(copy.facts.latency!.samples.map((s) => `${s.from}>${s.to}@${s.network}`)).toEqual(['zh1>be1@management', 'be1>ge1@management', 'zh1>ge1@management', 'be1>ge1@corosync-link1']);
    expect(copy.notes).toEqual([]);
  });

  it('generates the same steps and the same WAN tuning as the real plan, with the lab\'s addresses and credentials only', async () => {
    const { mapping, lab } = labWorkspace();
    const rehearsal = createProxmoxRehearsal({ api: {} as ProxmoxApi });
    const generated = await rehearsal.plan({ real: { workspace: real, facts: { latency } }, lab, group: 'offices', mapping });
    const realPlan = proxmoxClusterPlan(clusterPlanFromWorkspace(real, { latency }, 'offices', { acceptWan: true }).input);
    expect(generated.plan.id).toBe(`rehearsal-${realPlan.id}`);
    expect(generated.plan.steps.map((s) => s.id)).toEqual(realPlan.steps.map((s) => s.id));
    // The accepted WAN layout is tuned from the same recording: the totem step is there, with the same figures.
    const totem = (p: typeof realPlan) => JSON.stringify(p.steps.find((s) => s.id === 'wan-tuning')?.action);
    expect(totem(realPlan)).toMatch(/sets=join=\d+/);
    expect(totem(generated.plan)).toBe(totem(realPlan));
    const text = JSON.stringify(generated.plan);
    expect(text).not.toMatch(/10\.4[01]\.0\./);
    expect(text).not.toContain('real-root');
    expect(text).toContain('198.18.1.2');
    expect(text).toContain('lab-root');
    expect(generated.labWorkspace.proxmox!.clusters[0]!.name).toBe('offices');
  });

  it('says what it cannot rehearse, and refuses a cluster created on a node whose lab host has no API', () => {
    const { mapping, lab } = labWorkspace();
    const withQdevice = structuredClone(real);
    withQdevice.proxmox!.clusters[0]!.qdevice = { host: 'ge1', algorithm: 'ffsplit' };
    expect(rehearsalCluster({ workspace: withQdevice, facts: {} }, lab, 'offices', mapping).notes).toEqual(['The QDevice on ge1 is not rehearsed: the rehearsal lab runs no corosync-qnetd.']);
    const reordered = structuredClone(real);
    reordered.proxmox!.clusters[0]!.nodes = ['be1', 'ZH1', 'ge1'];
    expect(() => rehearsalCluster({ workspace: reordered, facts: {} }, lab, 'offices', mapping)).toThrow(/cluster API runs on zh1.*created on be1 \(lab host be1\)/);
  });
});
