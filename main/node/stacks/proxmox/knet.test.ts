// corosync knet statistics: link latency, connection state and node names from corosync-cmapctl.
import { describe, expect, it } from 'vitest';
import { parseKnetStats, parseNodelist, readKnetStats } from './knet.js';
import type { RemoteRunner } from '../../workspace/runner.js';

const stats = `stats.knet.node1.link0.connected (u8) = 1
stats.knet.node1.link0.latency_ave (u32) = 0
stats.knet.node2.link0.connected (u8) = 1
stats.knet.node2.link0.down_count (u32) = 1
stats.knet.node2.link0.enabled (u8) = 1
stats.knet.node2.link0.latency_ave (u32) = 2540
stats.knet.node2.link0.latency_max (u32) = 4100
stats.knet.node2.link0.latency_min (u32) = 2001
stats.knet.node2.link0.latency_samples (u32) = 2048
stats.knet.node2.link0.up_count (u32) = 2
stats.knet.node2.link1.connected (u8) = 0
stats.knet.node2.link1.latency_ave (u32) = 15012
stats.knet.node3.link0.connected (u8) = 1
stats.knet.node3.link0.latency_ave (u32) = 310
stats.srp.commit_token_lost (u64) = 0
`;

const nodelist = `nodelist.node.0.name (str) = pve1
nodelist.node.0.nodeid (u32) = 1
nodelist.node.0.ring0_addr (str) = 10.10.0.11
nodelist.node.1.name (str) = pve2
nodelist.node.1.nodeid (u32) = 2
nodelist.node.2.nodeid (u32) = 3
nodelist.node.2.ring0_addr (str) = 10.10.0.13
`;

describe('knet statistics', () => {
  it('maps node ids to names, falling back to the ring0 address', () => {
    expect([...parseNodelist(nodelist)]).toEqual([
      [1, 'pve1'],
      [2, 'pve2'],
      [3, '10.10.0.13'],
    ]);
  });

  it('reads latency (µs), state and counters per peer and link, without the local node itself', () => {
    const links = parseKnetStats(stats, 'pve1', parseNodelist(nodelist));
    expect(links).toEqual([
      { local: 'pve1', nodeId: 2, peer: 'pve2', link: 0, connected: true, downCount: 1, enabled: true, latencyAveUs: 2540, latencyMaxUs: 4100, latencyMinUs: 2001, latencySamples: 2048, upCount: 2 },
      { local: 'pve1', nodeId: 2, peer: 'pve2', link: 1, connected: false, latencyAveUs: 15012 },
      { local: 'pve1', nodeId: 3, peer: '10.10.0.13', link: 0, connected: true, latencyAveUs: 310 },
    ]);
  });

  it('reads both through a runner on the node', async () => {
    const calls: string[][] = [];
    const runner: RemoteRunner = {
      kind: 'fake',
      runsOnNodes: true,
      exec: async (_node, argv) => {
        calls.push([...argv]);
        return { code: 0, stdout: argv.includes('-m') ? stats : nodelist, stderr: '' };
      },
    };
    const links = await readKnetStats(runner, 'pve1');
    expect(calls).toEqual([
      ['corosync-cmapctl', 'nodelist.node'],
      ['corosync-cmapctl', '-m', 'stats', 'stats.knet.'],
    ]);
    expect(links.map((l) => `${l.peer}/link${l.link}`)).toEqual(['pve2/link0', 'pve2/link1', '10.10.0.13/link0']);
  });
});
