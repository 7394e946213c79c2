import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseWorkspace } from '../../common/workspace/parse.js';
import { EventBus } from '../events.js';
import type { RemoteRunner, RunResult } from '../workspace/runner.js';
import { createMonitorService } from './monitor.js';

const workspace = parseWorkspace(`version: 1
name: mon
sites:
  - { name: a, kind: lan }
  - { name: b, kind: man }
networks:
  - { name: ring0, roles: [corosync], cidr: 10.9.0.0/24 }
nodes:
  - { name: a1, site: a, addresses: { ring0: 10.9.0.1 } }
  - { name: b1, site: b, addresses: { ring0: 10.9.0.2 } }
proxmox:
  clusters:
    - { name: mon, nodes: [a1, b1], links: [{ link: 0, network: ring0 }] }
`).workspace!;

/** Answers every ping batch with `rtt` ms, or with every probe lost while `cut`. */
class ScriptedRunner implements RemoteRunner {
  readonly kind = 'scripted';
  readonly runsOnNodes = true;
  constructor(private readonly state: { cut: boolean; rtt: number }) {}
  async exec(_node: string, argv: readonly string[]): Promise<RunResult> {
    const peers = (argv.length - 4) / 2;
    const stats = this.state.cut
      ? '3 packets transmitted, 0 received, 100% packet loss, time 2000ms'
      : `3 packets transmitted, 3 received, 0% packet loss, time 400ms\nrtt min/avg/max/mdev = ${this.state.rtt}/${this.state.rtt}/${this.state.rtt}/0.100 ms`;
    return { code: 0, stdout: Array.from({ length: peers }, (_, i) => `@@cw-ping ${i}\n--- x ping statistics ---\n${stats}\n@@cw-end\n`).join(''), stderr: '' };
  }
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('the monitor service', () => {
  it('raises an alert when a link goes down, clears it when it is back, and keeps the history across a restart', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-monsvc-'));
    dirs.push(dir);
    const file = path.join(dir, 'clusterwright.yaml');
    const state = { cut: false, rtt: 1.2 };
    const events = new EventBus();
    const seen: { name: string; payload: { kind?: string; clearedAt?: number } }[] = [];
    events.subscribe((name, payload) => seen.push({ name, payload: payload as { kind?: string } }));
    const make = () => createMonitorService({ events, current: async () => ({ workspace, path: file }), nodeRunner: () => new ScriptedRunner(state), discoveries: [] });
    const service = make();
    const rounds = async (n: number) => {
      const deadline = Date.now() + 10_000;
      while ((await service.handlers['monitor.status']({}, {} as never)).rounds < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    };
    await service.handlers['monitor.start']({ intervalS: 1 }, {} as never);
    await rounds(1);
    state.cut = true;
    await rounds(3);
    let status = await service.handlers['monitor.status']({}, {} as never);
    expect(status.alerts.map((a) => `${a.kind} ${a.subject}`)).toEqual(['down link/ring0/a1|b1']);
    expect(seen.filter((e) => e.name === 'monitor.alertRaised').map((e) => e.payload.kind)).toEqual(['down']);
    state.cut = false;
    state.rtt = 7;
    await rounds(4);
    status = await service.handlers['monitor.status']({}, {} as never);
    // Back, but above corosync's 5 ms: the down alert cleared and a latency warning started.
    expect(status.alerts.map((a) => `${a.kind} ${a.severity}`)).toEqual(['latency warning']);
    expect(status.cleared[0]).toMatchObject({ kind: 'down' });
    expect(seen.some((e) => e.name === 'monitor.alertCleared' && e.payload.kind === 'down')).toBe(true);
    expect(service.exposition()).toContain('clusterwright_link_rtt_seconds{network="ring0",a="a1",b="b1",source="ping"} 0.007');
    await service.close();
    const total = status.rounds;

    const again = make();
    const history = await again.handlers['monitor.history']({}, {} as never);
    expect(history.total).toBeGreaterThanOrEqual(total);
    expect(history.rounds.map((r) => r.links[0]!.lossPercent)).toContain(100);
    const thinned = await again.handlers['monitor.history']({ maxRounds: 2 }, {} as never);
    expect(thinned.rounds).toHaveLength(2);
    expect(thinned.rounds[1]!.t).toBe(history.rounds[history.rounds.length - 1]!.t);
    await again.close();
  }, 20_000);
});
