// The latency matrix: every node to every peer on every shared network, concurrency limits,
// progress, unreachable peers and cancellation; real pings on loopback addresses only.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWorkspace } from '../../common/workspace/index.js';
import { CwError } from '../../common/errors.js';
import { measureLatency, planPairs, type MeasureProgress } from './measure.js';
import { LocalRunner, type RemoteRunner } from './runner.js';

const loopback = parseWorkspace(fs.readFileSync(path.resolve(__dirname, '../../../test/fixtures/workspaces/loopback.yaml'), 'utf8')).workspace!;

const summary = (avg: number) => `--- x ping statistics ---\n3 packets transmitted, 3 received, 0% packet loss, time 400ms\nrtt min/avg/max/mdev = ${avg}/${avg}/${avg}/0.000 ms\n`;

describe('planPairs', () => {
  it('pairs every node with every peer that has an address on the same network, in both directions', () => {
    const pairs = planPairs(loopback);
    expect(pairs.filter((p) => p.network === 'lo-a')).toHaveLength(6);
    expect(pairs.filter((p) => p.network === 'lo-b').map((p) => `${p.from}>${p.to}`)).toEqual(['n1>n2', 'n2>n1']);
    expect(planPairs(loopback, ['lo-a'], ['n3']).map((p) => `${p.from}>${p.to}`)).toEqual(['n1>n3', 'n2>n3', 'n3>n1', 'n3>n2']);
  });
});

describe('measureLatency', () => {
  it('measures real round trips between loopback addresses, sending from each node\'s own address', async () => {
    const progress: MeasureProgress[] = [];
    const matrix = await measureLatency({ workspace: loopback, runner: new LocalRunner(), count: 3, bindSource: true, concurrency: 4, onProgress: (p) => progress.push(p) });
    expect(matrix.samples).toHaveLength(8);
    expect(matrix.runner).toBe('local');
    for (const s of matrix.samples) {
      expect(s.error).toBeUndefined();
      expect(s).toMatchObject({ sent: 3, received: 3, lossPercent: 0 });
      expect(s.avgMs).toBeGreaterThan(0);
      expect(s.avgMs).toBeLessThan(5);
    }
    expect(progress.map((p) => p.done)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(progress.every((p) => p.total === 8)).toBe(true);
    expect(Date.parse(matrix.measuredAt)).not.toBeNaN();
  });

  it('never runs more pings than the global and per-node limits allow', async () => {
    let running = 0;
    let peak = 0;
    const perNode = new Map<string, number>();
    let peakPerNode = 0;
    const runner: RemoteRunner = {
      kind: 'fake',
      runsOnNodes: true,
      async exec(node) {
        running++;
        perNode.set(node, (perNode.get(node) ?? 0) + 1);
        peak = Math.max(peak, running);
        peakPerNode = Math.max(peakPerNode, perNode.get(node)!);
        await new Promise((r) => setTimeout(r, 2));
        running--;
        perNode.set(node, perNode.get(node)! - 1);
        return { code: 0, stdout: summary(1.5), stderr: '' };
      },
    };
    const workspace = structuredClone(loopback);
    for (let i = 4; i <= 12; i++) workspace.nodes.push({ name: `n${i}`, site: 'here', addresses: { 'lo-a': `127.0.0.${i}` } });
    const matrix = await measureLatency({ workspace, runner, concurrency: 5, perNodeConcurrency: 2 });
    expect(matrix.samples).toHaveLength(12 * 11 + 2);
    expect(peak).toBe(5);
    expect(peakPerNode).toBeLessThanOrEqual(2);
    expect(matrix.samples.every((s) => s.avgMs === 1.5)).toBe(true);
  });

  it('records total loss and unreachable nodes as samples instead of failing the run', async () => {
    const runner: RemoteRunner = {
      kind: 'fake',
      runsOnNodes: true,
      async exec(node, argv) {
        if (node === 'n3') throw new CwError('UNREACHABLE', 'n3 did not answer on port 22');
        if (argv.at(-1) === '127.0.0.2') return { code: 1, stdout: '--- s ---\n3 packets transmitted, 0 received, 100% packet loss, time 2000ms\n', stderr: '' };
        return { code: 0, stdout: summary(0.3), stderr: '' };
      },
    };
    const matrix = await measureLatency({ workspace: loopback, runner, networks: ['lo-a'] });
    const n1n2 = matrix.samples.find((s) => s.from === 'n1' && s.to === 'n2')!;
    expect(n1n2).toMatchObject({ lossPercent: 100, received: 0 });
    expect(n1n2.avgMs).toBeUndefined();
    expect(matrix.samples.find((s) => s.from === 'n3')!.error).toContain('n3 did not answer');
    expect(matrix.samples.find((s) => s.from === 'n1' && s.to === 'n3')!.avgMs).toBe(0.3);
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    const runner: RemoteRunner = {
      kind: 'fake',
      runsOnNodes: true,
      exec: (_node, _argv, options) =>
        new Promise((_resolve, reject) => {
          options.signal?.addEventListener('abort', () => reject(new CwError('CANCELLED', 'cancelled')));
        }),
    };
    const run = measureLatency({ workspace: loopback, runner, signal: controller.signal });
    controller.abort();
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('sends a warm-up probe to every peer and leaves it out: a cold neighbour cache does not inflate the figures', async () => {
    const argvs: string[][] = [];
    const runner: RemoteRunner = {
      kind: 'fake',
      runsOnNodes: true,
      async exec(_node, argv) {
        argvs.push([...argv]);
        // The first probe waited for address resolution across a 30 ms link.
        const times = [60.4, 30.2, 30.4, 30.3, 30.1, 30.6, 30.3, 30.2, 30.5, 30.3, 30.4];
        const replies = times.map((t, i) => `64 bytes from ${argv.at(-1)}: icmp_seq=${i + 1} ttl=62 time=${t} ms`);
        return { code: 0, stdout: `${replies.join('\n')}\n\n--- s ---\n11 packets transmitted, 11 received, 0% packet loss, time 2003ms\nrtt min/avg/max/mdev = 30.100/33.064/60.400/8.580 ms\n`, stderr: '' };
      },
    };
    const matrix = await measureLatency({ workspace: loopback, runner, networks: ['lo-b'] });
    expect(matrix).toMatchObject({ count: 10, warmupProbes: 1 });
    expect(argvs.every((argv) => argv[argv.indexOf('-c') + 1] === '11' && !argv.includes('-q'))).toBe(true);
    for (const s of matrix.samples) expect(s).toMatchObject({ sent: 10, received: 10, lossPercent: 0, medianMs: 30.3, avgMs: 30.33, minMs: 30.1, p95Ms: 30.6, mdevMs: 0.142 });
  });

  it('records the estate it measured: the workspace, every node\'s addresses, and the host key of each node it reached', async () => {
    const asked: string[] = [];
    const runner: RemoteRunner = {
      kind: 'fake',
      runsOnNodes: true,
      async exec(node) {
        if (node === 'n3') throw new CwError('UNREACHABLE', 'n3 did not answer on port 22');
        return { code: 0, stdout: summary(0.3), stderr: '' };
      },
      async hostKeyOf(node) {
        asked.push(node);
        return { type: 'ssh-ed25519', fingerprint: `SHA256:${node}`, endpoint: `${node}:22` };
      },
    };
    const matrix = await measureLatency({ workspace: loopback, runner, file: '/w/clusterwright.yaml' });
    expect(asked.sort()).toEqual(['n1', 'n2']);
    expect(matrix.estate).toEqual({
      workspace: loopback.name,
      file: '/w/clusterwright.yaml',
      nodes: Object.fromEntries(
        loopback.nodes.map((n) => [n.name, { addresses: n.addresses, ...(n.name === 'n3' ? {} : { hostKey: { type: 'ssh-ed25519', fingerprint: `SHA256:${n.name}`, endpoint: `${n.name}:22` } }) }]),
      ),
    });
  });

  it('refuses a network or node the workspace does not have', async () => {
    await expect(measureLatency({ workspace: loopback, runner: new LocalRunner(), networks: ['wan'] })).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});
