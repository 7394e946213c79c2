import { describe, expect, it } from 'vitest';
import { CwError } from '../../common/errors.js';
import type { Workspace } from '../../common/workspace/index.js';
import type { RemoteRunner, RunResult } from '../workspace/runner.js';
import { HostBackoff, PerHostRunner, monitorPairs, parsePingBatch, pingBatchArgv, pollRound } from './poller.js';
import { LocalRunner } from '../workspace/runner.js';
import { spawnSync } from 'node:child_process';

const workspace = {
  networks: [{ name: 'ring0', roles: ['corosync'] }],
  nodes: ['a1', 'a2', 'b1', 'b2'].map((name, i) => ({ name, site: name[0], addresses: { ring0: `198.18.0.${i + 1}` } })),
} as unknown as Workspace;

const pingOut = 'PING x\n\n--- x ping statistics ---\n3 packets transmitted, 3 received, 0% packet loss, time 400ms\nrtt min/avg/max/mdev = 1.000/1.200/1.500/0.200 ms\n';

class FakeRunner implements RemoteRunner {
  readonly kind = 'fake';
  readonly runsOnNodes = true;
  inFlight = new Map<string, number>();
  worst = 0;
  calls: string[] = [];
  constructor(
    private readonly down = new Set<string>(),
    private readonly hung = new Set<string>(),
  ) {}
  async exec(node: string, argv: readonly string[]): Promise<RunResult> {
    this.calls.push(node);
    if (this.hung.has(node)) return new Promise(() => undefined);
    const n = (this.inFlight.get(node) ?? 0) + 1;
    this.inFlight.set(node, n);
    this.worst = Math.max(this.worst, n);
    await new Promise((r) => setTimeout(r, 5));
    this.inFlight.set(node, n - 1);
    if (this.down.has(node)) throw new CwError('UNREACHABLE', `${node} did not answer`);
    if (argv[0] !== 'sh') return { code: 0, stdout: '', stderr: '' };
    const peers = (argv.length - 4) / 2;
    return { code: 0, stdout: Array.from({ length: peers }, (_, i) => `@@cw-ping ${i}\n${pingOut}\n@@cw-end\n`).join(''), stderr: '' };
  }
}

describe('a monitoring round', () => {
  it('pings each pair once, spreads the senders, and never runs two commands on one host at once', async () => {
    expect(monitorPairs(workspace)).toHaveLength(6);
    const senders = monitorPairs(workspace).map((p) => p.from);
    expect(Math.max(...['a1', 'a2', 'b1', 'b2'].map((h) => senders.filter((s) => s === h).length))).toBeLessThanOrEqual(2);
    const inner = new FakeRunner();
    const runner = new PerHostRunner(inner);
    // Two rounds at once still keep one command per host.
    const [r] = await Promise.all([pollRound(workspace, runner, [], new HostBackoff()), pollRound(workspace, runner, [], new HostBackoff())]);
    expect(inner.worst).toBe(1);
    expect(r.links).toHaveLength(6);
    expect(r.links[0]).toMatchObject({ rttMs: 1.2, jitterMs: 0.2, lossPercent: 0, source: 'ping' });
  });

  it('backs off a host that cannot be reached: 1, then 2 rounds out', async () => {
    const inner = new FakeRunner(new Set(['a1']));
    const runner = new PerHostRunner(inner);
    const backoff = new HostBackoff();
    const asked = async () => {
      inner.calls = [];
      const r = await pollRound(workspace, runner, [], backoff);
      return { a1: inner.calls.filter((c) => c === 'a1').length, skipped: r.backingOff ?? [] };
    };
    const first = await asked();
    expect(first.a1).toBe(1); // the first failure marks the rest of its pairs without asking again
    expect(await asked()).toEqual({ a1: 0, skipped: ['a1'] });
    expect((await asked()).a1).toBe(1);
    expect(await asked()).toEqual({ a1: 0, skipped: ['a1'] });
    expect(await asked()).toEqual({ a1: 0, skipped: ['a1'] });
    expect((await asked()).a1).toBe(1);
  });
});

describe('a host that stops answering', () => {
  it('does not hold the round past its deadline: its pairs come from their other ends, and it sits out while busy', async () => {
    const inner = new FakeRunner(new Set(), new Set(['b2']));
    const runner = new PerHostRunner(inner);
    const t0 = Date.now();
    const r = await pollRound(workspace, runner, [], new HostBackoff(), { probes: 1, replyTimeoutS: 0 });
    expect(Date.now() - t0).toBeLessThan(8_000);
    expect(r.links).toHaveLength(6);
    // Every pair with b2 was measured from its other end.
    expect(r.links.filter((l) => l.a === 'b2' || l.b === 'b2').every((l) => l.rttMs === 1.2 && !l.error)).toBe(true);
    inner.calls = [];
    const next = await pollRound(workspace, runner, [], new HostBackoff(), { probes: 1, replyTimeoutS: 0 });
    expect(next.backingOff).toEqual(['b2']);
    expect(inner.calls).not.toContain('b2');
  }, 20_000);
});

describe('the ping batch', () => {
  it('keeps every address out of the script: they are positional arguments after the script', () => {
    const argv = pingBatchArgv([{ address: '$(touch /tmp/x)', count: 3, intervalS: 0.2, replyTimeoutS: 1, sourceAddress: '10.0.0.1' }], { count: 3, intervalS: 0.2, replyTimeoutS: 1, deadlineS: 3 });
    expect(argv.slice(0, 2)).toEqual(['sh', '-c']);
    expect(argv[2]).not.toContain('touch');
    expect(argv.slice(3)).toEqual(['cw-ping', '10.0.0.1', '$(touch /tmp/x)']);
  });

  it.runIf(spawnSync('ping', ['-n', '-q', '-c', '1', '-W', '1', '127.0.0.1']).status === 0)('pings every peer of a host in one command, side by side, on this machine', async () => {
    const plans = ['127.0.0.1', '127.0.0.2', '-c'].map((address) => ({ address, count: 2, intervalS: 0.2, replyTimeoutS: 1 }));
    const t0 = Date.now();
    const r = await new LocalRunner().exec('local', pingBatchArgv(plans, { count: 2, intervalS: 0.2, replyTimeoutS: 1, deadlineS: 3 }), { timeoutMs: 10_000 });
    const outputs = parsePingBatch(r.stdout);
    expect([...outputs.keys()].sort()).toEqual([0, 1, 2]);
    expect(outputs.get(0)).toMatch(/2 packets transmitted, 2 received/);
    expect(outputs.get(1)).toMatch(/2 packets transmitted, 2 received/);
    // "-c" is an address after "--", never an option.
    expect(outputs.get(2)).not.toMatch(/packets transmitted/);
    expect(Date.now() - t0).toBeLessThan(2500);
  });
});
