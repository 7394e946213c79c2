// The best-practice scorecard: each line's status follows the evidence, and changes when the workspace or
// the facts change (a QDevice added, a drill recorded, a measurement ageing, a clock drifting).
import { describe, expect, it } from 'vitest';
import { parseWorkspace } from '../workspace/parse.js';
import type { Facts, LatencySample } from '../workspace/facts.js';
import type { Workspace } from '../workspace/schema.js';
import { formatScorecards, scorecards } from './scorecard.js';
import type { ClusterScorecard } from './types.js';

const now = new Date('2026-12-05T12:00:00Z');

function estate(opts: { qdevice?: boolean; ring1?: boolean; sharedLan?: boolean; ha?: boolean } = {}): Workspace {
  const text = `
version: 1
name: score
sites: [{ name: home, kind: lan }, { name: cloud, kind: internet }]
networks:
  - { name: lan, roles: [${opts.sharedLan ? 'corosync, storage' : 'corosync'}] }
  - { name: ring1, roles: [corosync] }
nodes:
  - { name: a, site: home, addresses: { lan: 10.0.0.1, ring1: 10.1.0.1 } }
  - { name: b, site: home, addresses: { lan: 10.0.0.2, ring1: 10.1.0.2 } }
  - { name: q, site: cloud, addresses: { lan: 10.0.0.9 } }
proxmox:
  clusters:
    - name: homelab
      nodes: [a, b]
      links: [{ link: 0, network: lan }${opts.ring1 ? ', { link: 1, network: ring1 }' : ''}]
${opts.qdevice ? '      qdevice: { host: q }\n' : ''}${opts.ha ? '      ha: { enabled: true }\n      storages: [{ id: nfs1, type: nfs, shared: true }]\n' : ''}`;
  const parsed = parseWorkspace(text);
  expect(parsed.issues.filter((i) => i.severity === 'error')).toEqual([]);
  return parsed.workspace!;
}

function ping(rtt: number, at = '2026-12-05T11:00:00Z'): Facts {
  const sample: LatencySample = { network: 'lan', from: 'a', to: 'b', toAddress: '10.0.0.2', sent: 10, received: 10, lossPercent: 0, medianMs: rtt, avgMs: rtt, mdevMs: 0.1, measuredAt: at };
  return { latency: { version: 1, measuredAt: at, runner: 'ssh', count: 10, intervalS: 0.2, samples: [sample] } };
}

function line(cards: ClusterScorecard[], id: string) {
  const found = cards[0]!.lines.find((l) => l.id === id);
  expect(found, id).toBeDefined();
  return found!;
}

describe('the best-practice scorecard of a cluster', () => {
  it('asks for a tie-breaker on two nodes, and is satisfied by a QDevice', () => {
    const before = line(scorecards(estate(), {}, now), 'quorum');
    expect(before).toMatchObject({ status: 'fail', action: { kind: 'finding', finding: { id: 'add-qdevice-host', cluster: 'homelab' } } });
    expect(before.evidence).toMatch(/2 members and no tie-breaker/);
    expect(line(scorecards(estate({ qdevice: true }), {}, now), 'quorum')).toMatchObject({ status: 'pass', evidence: expect.stringMatching(/qdevice q/) });
  });

  it('latency: unknown until measured, then within limits, stale after a day, failing above the limit', () => {
    expect(line(scorecards(estate(), {}, now), 'latency')).toMatchObject({ status: 'unknown', action: { kind: 'measure' } });
    const fresh = line(scorecards(estate(), ping(0.4), now), 'latency');
    expect(fresh.status).toBe('pass');
    expect(fresh.evidence).toMatch(/a ↔ b on lan: 0.4 ms median/);
    expect(fresh.source?.url).toMatch(/pve-docs/);
    expect(line(scorecards(estate(), ping(0.4, '2026-12-03T11:00:00Z'), now), 'latency')).toMatchObject({ status: 'warn', evidence: expect.stringMatching(/more than a day ago/) });
    expect(line(scorecards(estate(), ping(30), now), 'latency')).toMatchObject({ status: 'fail', evidence: expect.stringMatching(/30 ms median.*above 10 ms/) });
  });

  it('failover tested: no drill, then the last drill\'s date and result', () => {
    expect(line(scorecards(estate(), {}, now), 'drill')).toMatchObject({ status: 'warn', evidence: 'No drill recorded.', action: { kind: 'drill' } });
    const drills: Facts['drills'] = [
      { stack: 'proxmox', cluster: 'homelab', scenario: 'site cloud', at: '2026-11-01T10:00:00Z', result: 'failed', detail: 'quorum lost' },
      { stack: 'proxmox', cluster: 'homelab', scenario: 'node b', at: '2026-12-01T10:00:00Z', result: 'passed' },
    ];
    expect(line(scorecards(estate(), { drills }, now), 'drill')).toMatchObject({ status: 'pass', evidence: 'Last drill 2026-12-01 (node b): passed.' });
    expect(line(scorecards(estate(), { drills: drills.slice(0, 1) }, now), 'drill')).toMatchObject({ status: 'fail', evidence: expect.stringMatching(/2026-11-01 .*failed — quorum lost/) });
    // Another cluster's drill is not this one's.
    expect(line(scorecards(estate(), { drills: [{ ...drills[1]!, cluster: 'other' }] }, now), 'drill').status).toBe('warn');
  });

  it('separate networks: corosync sharing with storage fails, unless another link has its own network', () => {
    expect(line(scorecards(estate(), {}, now), 'separate-networks').status).toBe('pass');
    expect(line(scorecards(estate({ sharedLan: true }), {}, now), 'separate-networks')).toMatchObject({ status: 'fail', evidence: expect.stringMatching(/network lan carries cluster traffic and storage/), action: { kind: 'networks' } });
    expect(line(scorecards(estate({ sharedLan: true, ring1: true }), {}, now), 'separate-networks').status).toBe('warn');
  });

  it('redundant links, time sync and HA follow the workspace and the facts', () => {
    expect(line(scorecards(estate(), {}, now), 'redundant-links').status).toBe('warn');
    expect(line(scorecards(estate({ ring1: true }), {}, now), 'redundant-links')).toMatchObject({ status: 'pass', evidence: '2 links on lan, ring1.' });
    expect(line(scorecards(estate(), {}, now), 'time-sync').status).toBe('unknown');
    const clocks = [
      { node: 'a', synchronized: true, offsetMs: 0.2, checkedAt: '2026-12-05T11:00:00Z' },
      { node: 'b', synchronized: true, offsetMs: 120, checkedAt: '2026-12-05T11:00:00Z' },
    ];
    expect(line(scorecards(estate(), { clocks }, now), 'time-sync')).toMatchObject({ status: 'fail', evidence: 'b: 120 ms off (limit 50 ms).', action: { kind: 'terminal', node: 'b' } });
    expect(line(scorecards(estate(), { clocks: [clocks[0]!, { ...clocks[1]!, offsetMs: 3 }] }, now), 'time-sync').status).toBe('pass');
    expect(line(scorecards(estate(), {}, now), 'proxmox.ha')).toMatchObject({ status: 'warn', action: { kind: 'wizard' } });
    expect(line(scorecards(estate({ ha: true }), {}, now), 'proxmox.ha')).toMatchObject({ status: 'pass', evidence: 'HA enabled; shared storage nfs1.' });
  });

  it('prints one line per practice with what to do, as validate shows it', () => {
    const text = formatScorecards(scorecards(estate(), {}, now)).join('\n');
    expect(text).toMatch(/scorecard: Proxmox VE homelab/);
    expect(text).toMatch(/FAIL +A tie-breaker for even node counts: 2 members/);
    expect(text).toMatch(/what to do: Add a QDevice/);
  });
});
