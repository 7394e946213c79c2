import { describe, expect, it } from 'vitest';
import type { Workspace } from '../../../../main/common/workspace/schema.js';
import type { Facts } from '../../../../main/common/workspace/facts.js';
import { buildGraph } from './from-workspace.js';
import { linkLabel } from './graph.js';

const workspace = {
  version: 1,
  name: 'lab',
  sites: [
    { name: 'a', kind: 'lan' },
    { name: 'b', kind: 'man' },
  ],
  networks: [
    { name: 'ring0', roles: ['corosync', 'management'] },
    { name: 'ring1', roles: ['corosync'] },
    { name: 'san', roles: ['storage'] },
  ],
  nodes: [
    { name: 'pve1', site: 'a', addresses: { ring0: '198.18.1.1', ring1: '198.19.1.1' } },
    { name: 'pve2', site: 'a', addresses: { ring0: '198.18.1.2', ring1: '198.19.1.2' } },
    { name: 'pve3', site: 'b', addresses: { ring0: '198.18.2.1', ring1: '198.19.2.1' } },
  ],
  proxmox: {
    clusters: [
      {
        name: 'homelab',
        nodes: ['pve1', 'pve2', 'pve3'],
        links: [
          { link: 0, network: 'ring0' },
          { link: 1, network: 'ring1' },
        ],
      },
    ],
  },
  layout: { nodes: { pve1: { x: 10, y: 20 } } },
} as unknown as Workspace;

const sample = (network: string, from: string, to: string, avgMs: number | undefined, loss = 0) => ({
  network,
  from,
  to,
  toAddress: '198.18.0.1',
  sent: 10,
  received: loss === 100 ? 0 : 10,
  lossPercent: loss,
  ...(avgMs !== undefined ? { minMs: avgMs, avgMs, maxMs: avgMs, mdevMs: 0.1 } : {}),
  measuredAt: '2026-11-24T00:00:00Z',
});

describe('buildGraph', () => {
  it('draws a corosync mesh per link, with link numbers, and keeps saved positions', () => {
    const graph = buildGraph(workspace);
    expect(graph.sites.map((s) => s.id)).toEqual(['a', 'b']);
    const corosync = graph.links.filter((l) => l.role === 'corosync');
    expect(corosync).toHaveLength(6);
    expect(corosync.filter((l) => l.linkNumber === 1)).toHaveLength(3);
    expect(graph.nodes.find((n) => n.id === 'pve1')).toMatchObject({ x: 10, y: 20, stack: 'PVE homelab' });
    expect(corosync.every((l) => l.state === 'unmeasured')).toBe(true);
  });

  it('labels links with the measured figure, marks a dead link red, and adds measured non-stack pairs', () => {
    const facts: Facts = {
      latency: {
        version: 1,
        measuredAt: '2026-11-24T00:00:00Z',
        runner: 'ssh',
        count: 10,
        intervalS: 0.2,
        samples: [sample('ring0', 'pve1', 'pve3', 4.2), sample('ring1', 'pve1', 'pve3', undefined, 100), sample('san', 'pve1', 'pve2', 0.3)],
      },
    };
    const graph = buildGraph(workspace, facts);
    const link0 = graph.links.find((l) => l.linkNumber === 0 && l.source === 'pve1' && l.target === 'pve3');
    expect(link0?.metric?.rttMs).toBe(4.2);
    expect(link0?.state).toBe('ok');
    const link1 = graph.links.find((l) => l.linkNumber === 1 && l.source === 'pve1' && l.target === 'pve3');
    expect(link1?.state).toBe('error');
    expect(graph.links.find((l) => l.role === 'storage')).toMatchObject({ source: 'pve1', target: 'pve2' });
  });

  it('labels a link with the median the rules weigh, and gives every figure in its tooltip text', () => {
    const skewed = { ...sample('ring0', 'pve1', 'pve3', 4.2), avgMs: 11.8, medianMs: 4.2, p95Ms: 80, maxMs: 80, mdevMs: 22.8 };
    const graph = buildGraph(workspace, { latency: { version: 1, measuredAt: '2026-11-24T00:00:00Z', runner: 'ssh', count: 10, intervalS: 0.2, samples: [skewed] } });
    const link0 = graph.links.find((l) => l.linkNumber === 0 && l.source === 'pve1' && l.target === 'pve3')!;
    expect(link0.metric).toMatchObject({ rttMs: 4.2, detail: '4.2 ms median (mean 11.8 ±22.8, min 4.2, p95 80), 0 % loss' });
    expect(linkLabel(link0)).toMatch(/^4\.2 ms/);
  });

  it("shows a corosync link down when knet says so from either end, and up links as up", () => {
    const knetLink = (local: string, peer: string, nodeId: number, link: number, connected: boolean) => ({ local, peer, nodeId, link, connected });
    const facts: Facts = {
      knet: [
        {
          cluster: 'homelab',
          readAt: '2026-11-25T02:00:00Z',
          links: [
            knetLink('pve3', 'pve1', 1, 0, false),
            knetLink('pve1', 'pve3', 3, 0, true),
            knetLink('pve3', 'pve1', 1, 1, true),
            knetLink('pve1', 'pve3', 3, 1, true),
            knetLink('pve1', 'pve2', 2, 0, true),
          ],
        },
      ],
    };
    const graph = buildGraph(workspace, facts);
    const at = (n: number, a: string, b: string) => graph.links.find((l) => l.role === 'corosync' && l.linkNumber === n && l.source === a && l.target === b);
    expect(at(0, 'pve1', 'pve3')).toMatchObject({ state: 'error', knet: { connected: false, seenFrom: ['pve3'] } });
    expect(at(1, 'pve1', 'pve3')).toMatchObject({ state: 'ok', knet: { connected: true, seenFrom: ['pve1', 'pve3'] } });
    expect(at(0, 'pve1', 'pve2')?.knet?.connected).toBe(true);
    // Not read: no knet view, state from the measurements alone.
    expect(at(1, 'pve2', 'pve3')?.knet).toBeUndefined();
    expect(at(1, 'pve2', 'pve3')?.state).toBe('unmeasured');
    expect(linkLabel(at(0, 'pve1', 'pve3')!)).toBe('link0 down (knet)');
  });

  it('colours what a finding concerns', () => {
    const graph = buildGraph(workspace, {}, [
      {
        ruleId: 'proxmox.corosync-latency',
        severity: 'warning',
        message: 'RTT 6.1 ms',
        elements: [{ kind: 'link', name: 'pve3', peer: 'pve1', network: 'ring0' }, { kind: 'node', name: 'pve3' }],
        paths: [],
        remedy: '',
        source: { document: 'Proxmox VE admin guide' },
      },
    ]);
    expect(graph.links.find((l) => l.linkNumber === 0 && l.source === 'pve1' && l.target === 'pve3')?.state).toBe('warning');
    expect(graph.nodes.find((n) => n.id === 'pve3')?.state).toBe('warning');
    // A finding elsewhere says nothing about pve1, and nothing reached it: grey, not green.
    expect(graph.nodes.find((n) => n.id === 'pve1')?.state).toBe('unmeasured');
  });
});
