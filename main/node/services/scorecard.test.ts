// The scorecard's evidence on the Node side: the drill reports as the drill service saved them, the last day of the
// monitor service's history, each stack's storage health (unknown, with why, when a stack cannot say or is slow),
// the clock probe (fixed read-only commands, a missing tool tolerated, the answer stored with the facts), and
// `clusterwright validate` quoting the same files without a core — reading them leaves the folder as it was.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { DrillReport } from '../../common/drill/model.js';
import type { MonitorSample } from '../../common/monitor/model.js';
import type { Facts } from '../../common/workspace/facts.js';
import { parseWorkspace } from '../../common/workspace/parse.js';
import type { Workspace } from '../../common/workspace/schema.js';
import { runCli } from '../cli/index.js';
import type { CliIO } from '../cli/types.js';
import { readMonitorHistory } from '../monitor/history-file.js';
import type { StackWorkspaces } from '../stacks/types.js';
import type { RemoteRunner, RunResult } from '../workspace/runner.js';
import { createScorecardService, evidenceFromFiles } from './scorecard.js';

const yaml = `version: 1
name: score
sites: [{ name: a, kind: lan }, { name: b, kind: lan }]
networks: [{ name: lan, roles: [corosync] }]
nodes:
  - { name: a1, site: a, addresses: { lan: 10.0.0.1 } }
  - { name: b1, site: b, addresses: { lan: 10.0.0.2 } }
  - { name: b2, site: b, addresses: { lan: 10.0.0.3 } }
proxmox:
  clusters: [{ name: homelab, nodes: [a1, b1, b2], links: [{ link: 0, network: lan }] }]
`;

const report: DrillReport = {
  kind: 'clusterwright-failover-drill',
  version: 1,
  date: '2026-12-05T09:00:00.000Z',
  workspace: 'x',
  mode: 'lab',
  failure: { kind: 'site', site: 'a' },
  title: 'Loss of site a',
  prediction: { failure: { kind: 'site', site: 'a' }, title: 'Loss of site a', lostNodes: ['a1'], clusters: [{ stack: 'proxmox', cluster: 'homelab', groups: [], services: [{ sid: 'vm:100', from: 'a1', to: 'b1', backAfterS: 30 }], detectS: 3, selfFence: [], timings: '' }] },
  measured: { homelab: { quorumChangedS: 3.5, services: [{ sid: 'vm:100', node: 'b1', backAfterS: 27.5 }], rejoinedS: 1.5 } },
  comparison: [],
  outcome: 'as-predicted',
};

let tmp: string;
let dir: string;
let file: string;
let workspace: Workspace;
const now = Date.now();
const rounds: MonitorSample[] = [1, 2, 3].map((i) => ({ t: now - 60_000 + i * 1000, clusters: [], links: [{ network: 'lan', a: 'a1', b: 'b1', rttMs: i * 0.5, lossPercent: 0, source: 'ping' as const }] }));

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-score-'));
  vi.stubEnv('CLUSTERWRIGHT_HOME', tmp);
  dir = path.join(tmp, 'ws');
  fs.mkdirSync(path.join(dir, 'drills'), { recursive: true });
  file = path.join(dir, 'clusterwright.yaml');
  fs.writeFileSync(file, yaml);
  fs.writeFileSync(path.join(dir, 'drills', 'r1.json'), JSON.stringify(report));
  fs.writeFileSync(path.join(dir, 'drills', 'notes.json'), '{"not": "a report"}');
  workspace = parseWorkspace(yaml).workspace!;
});
afterAll(() => {
  vi.unstubAllEnvs();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function workspaces(facts: Facts = {}): StackWorkspaces & { stored: Facts } {
  const self = {
    stored: facts,
    current: async () => ({ workspace, facts: self.stored, path: file }),
    save: async () => undefined as never,
    storeFacts: async (update: Facts | ((current: Facts) => Facts)) => {
      self.stored = typeof update === 'function' ? update(self.stored) : { ...self.stored, ...update };
      return path.join(dir, 'clusterwright.latency.json');
    },
  };
  return self as unknown as StackWorkspaces & { stored: Facts };
}

/** A runner that answers per node and command, and records what it was asked. */
function runner(answers: (node: string, argv: readonly string[]) => RunResult | Error): RemoteRunner & { asked: string[][] } {
  const asked: string[][] = [];
  return {
    kind: 'ssh',
    runsOnNodes: true,
    asked,
    async exec(node, argv) {
      asked.push([node, ...argv]);
      const a = answers(node, argv);
      if (a instanceof Error) throw a;
      return a;
    },
  };
}

const ctx = { signal: new AbortController().signal, session: { openStream: () => { throw new Error('no streams'); } } };

describe('the scorecard service', () => {
  it('gathers the drill reports, the last day of the monitor service and each stack\'s storage health', async () => {
    const service = createScorecardService({
      workspaces: workspaces(),
      monitor: { history: async (since) => rounds.filter((r) => r.t >= since) },
      stacks: [{ id: 'proxmox', services: { storageHealth: async () => ({ stack: 'proxmox', cluster: 'homelab', status: 'warn', evidence: 'Ceph HEALTH_WARN' }) } }],
      nodeRunner: () => runner(() => new Error('unused')),
    });
    const evidence = await service.handlers['scorecard.evidence']({ storage: true }, ctx as never);
    expect(evidence.drills).toEqual([expect.objectContaining({ cluster: 'homelab', outcome: 'as-predicted', outageS: 27.5, file: path.join(dir, 'drills', 'r1.json') })]);
    expect(evidence.history).toMatchObject({ rounds: 3, links: [{ network: 'lan', a: 'a1', b: 'b1', worstRttMs: 1.5, p95RttMs: 1.5, measured: 3 }] });
    expect(evidence.storage).toEqual([{ stack: 'proxmox', cluster: 'homelab', status: 'warn', evidence: 'Ceph HEALTH_WARN' }]);
    // Without storage (a refresh after a monitoring round) no stack is asked.
    expect((await service.evidence({ storage: false })).storage).toEqual([]);
  });

  it('a stack without a reader, or one that fails, leaves storage unknown with the reason; an unreadable history says why', async () => {
    const service = createScorecardService({
      workspaces: workspaces(),
      monitor: { history: async () => Promise.reject(new Error('EACCES: permission denied')) },
      stacks: [{ id: 'proxmox', services: { storageHealth: async () => Promise.reject(new Error('GET /cluster/ceph/status failed: 501 not implemented')) } }],
      nodeRunner: () => runner(() => new Error('unused')),
    });
    const evidence = await service.evidence({ storage: true });
    expect(evidence.storage[0]).toMatchObject({ status: 'unknown', evidence: 'Not read: GET /cluster/ceph/status failed: 501 not implemented' });
    expect(evidence.history).toBeUndefined();
    expect(evidence.problems).toEqual(['monitoring history: EACCES: permission denied']);
    const bare = createScorecardService({ workspaces: workspaces(), monitor: { history: async () => [] }, stacks: [], nodeRunner: () => runner(() => new Error('unused')) });
    expect((await bare.evidence({ storage: true })).storage[0]).toMatchObject({ status: 'unknown', evidence: 'Not read: Proxmox VE reports no storage health to the app yet.' });
  });

  it('reads every member\'s clock with fixed read-only commands, tolerates a missing chrony, and stores the answers', async () => {
    const ws = workspaces({ clocks: [{ node: 'a1', synchronized: false, checkedAt: '2026-01-01T00:00:00Z' }] });
    const run = runner((node, argv) => {
      if (node === 'a1') return argv[0] === 'chronyc' ? { code: 0, stdout: 'Reference ID    : C0A80101 (192.168.1.1)\nSystem time     : 0.000200000 seconds slow of NTP time\nLeap status     : Normal\n', stderr: '' } : new Error('not asked');
      if (node === 'b1') return argv[0] === 'chronyc' ? { code: 127, stdout: '', stderr: 'sh: 1: chronyc: not found' } : { code: 0, stdout: 'NTP=yes\nNTPSynchronized=yes\n', stderr: '' };
      return new Error('b2: host unreachable');
    });
    const service = createScorecardService({ workspaces: ws, monitor: { history: async () => [] }, stacks: [], nodeRunner: () => run });
    const { clocks } = await service.handlers['scorecard.readClocks']({}, ctx as never);
    expect(clocks.map((c) => ({ ...c, checkedAt: 'x' }))).toEqual([
      { node: 'a1', tool: 'chrony', synchronized: true, offsetMs: -0.2, checkedAt: 'x' },
      { node: 'b1', tool: 'timedatectl', synchronized: true, checkedAt: 'x' },
      { node: 'b2', unknown: 'not read: b2: host unreachable', checkedAt: 'x' },
    ]);
    expect(run.asked).toEqual([
      ['a1', 'chronyc', '-n', 'tracking'],
      ['b1', 'chronyc', '-n', 'tracking'],
      ['b2', 'chronyc', '-n', 'tracking'],
      ['b1', 'timedatectl', 'show', '-p', 'NTPSynchronized', '-p', 'NTP'],
    ]);
    // The old reading of a1 is replaced, not kept beside the new one.
    expect(ws.stored.clocks?.map((c) => c.node)).toEqual(['a1', 'b1', 'b2']);
  });

  it('refuses to read clocks when commands would run on this machine instead of the nodes', async () => {
    const service = createScorecardService({ workspaces: workspaces(), monitor: { history: async () => [] }, stacks: [], nodeRunner: () => ({ ...runner(() => new Error('x')), runsOnNodes: false }) });
    await expect(service.handlers['scorecard.readClocks']({}, ctx as never)).rejects.toThrow(/cannot be read/);
  });
});

describe('the scorecard in clusterwright validate', () => {
  it('quotes the drill report and the monitoring history beside the file, and reading them changes nothing there', async () => {
    const monitorDir = path.join(dir, 'clusterwright.monitor');
    // No history yet: nothing is created by reading it.
    expect(readMonitorHistory(monitorDir, 0)).toEqual([]);
    expect(fs.existsSync(monitorDir)).toBe(false);
    expect(evidenceFromFiles(file, workspace).history).toMatchObject({ rounds: 0, links: [] });

    fs.mkdirSync(monitorDir);
    const segment = path.join(monitorDir, `${String(rounds[0]!.t).padStart(13, '0')}.jsonl`);
    fs.writeFileSync(segment, rounds.map((r) => JSON.stringify(r)).join('\n') + '\n{"torn": ');
    const before = fs.readdirSync(monitorDir);
    let out = '';
    const io: CliIO = { out: (t) => (out += t + '\n'), err: () => undefined, isTTY: false, distDir: tmp, env: process.env };
    await runCli(['validate', file], io);
    expect(out).toMatch(/PASS +Failover tested: Last drill 2026-12-05 09:00 UTC \(Loss of site a, lab\): as predicted — guests back after 27.5 s/);
    expect(out).toContain(`report: ${path.join(dir, 'drills', 'r1.json')}`);
    expect(out).toMatch(/Latency measured and within limits \(last day\): Last 24 h, 3 monitoring rounds .*: on lan, a1 ↔ b1 worst 1.5 ms, p95 1.5 ms, loss max 0 % against 10 ms \(corosync link0 of cluster homelab\).* 2 pair\(s\) not in the history\./);
    expect(out).toMatch(/UNKNOWN +Storage health: Not read here: validate calls no cluster API/);
    expect(fs.readdirSync(monitorDir)).toEqual(before);
  });
});
