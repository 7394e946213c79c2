// The WireGuard overlay's overhead on the lab (npm run bench; needs root, wireguard-tools and
// wireguard-go): three sites, c over `internet` with its path narrowed to 1420 bytes, the overlay built
// by its plans through the engine; then round trips (40 pings) and TCP throughput (3 s transfers) over
// vs under the tunnel, the bandwidth budget from the overlay's own figures, and how long a stopped
// wireguard-go takes to read `stale` on its peers (a handshake older than Reject-After-Time plus one
// keepalive, ≈ 205 s). Prints the figures and adds rows to the bench summary; asserts only that
// each figure was measured. The lab test (test/lab/overlay-wireguard.test.ts) checks the behaviour.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JobLog } from '../../main/common/contract/plan.js';
import { overlayBudget } from '../../main/common/overlay/budget.js';
import { overlayPaths } from '../../main/common/overlay/config.js';
import type { OverlayFacts } from '../../main/common/overlay/facts.js';
import { handshakeState, tunnelStatuses } from '../../main/common/overlay/status.js';
import type { PlanInput } from '../../main/common/plan/schema.js';
import type { Workspace } from '../../main/common/workspace/schema.js';
import { PlanEngine, SshStepRunner } from '../../main/node/engine/index.js';
import { EnvSecretResolver } from '../../main/node/engine/render.js';
import { labWorkspaceModel, preflight } from '../../main/node/lab/index.js';
import { LAB_OVERLAY_NAME, withLabOverlay } from '../../main/node/lab/overlay.js';
import { overlayPrograms, runOk } from '../../main/node/lab/system.js';
import { buildOverlay, overlayToBuild, readOverlayFacts } from '../../main/node/overlay/build.js';
import { overlayPlan } from '../../main/node/overlay/plan.js';
import { handshakeFacts, readInterfaces } from '../../main/node/overlay/probe.js';
import { StepRemoteRunner } from '../../main/node/overlay/runner.js';
import { measureThroughput } from '../../main/node/overlay/throughput.js';
import { directTarget, testEngine, type TestEngine } from '../../main/node/ssh/testing/engine-helpers.js';
import { describeLab, pingFrom, useLab } from '../support/lab.js';
import { benchFigure } from './results.js';

const spec = `
name: overlay
sites:
  - name: a
    hosts: [a1, a2]
  - name: b
    hosts: [b1]
    link: man
  - name: c
    hosts: [c1]
    link: internet
`;
const members = ['a1', 'a2', 'b1', 'c1'];
/** The Internet path is narrowed to this MTU (both ends of the a–c and b–c links, management network): a PPPoE-like uplink. */
const internetMtu = 1420;
const notes: string[] = [];
const logs: JobLog[] = [];
const plans: PlanInput[] = [];
let ssh: TestEngine | undefined;
let workDir = '';
let engine: PlanEngine | undefined;
let stepRunner: SshStepRunner | undefined;
let remote: StepRemoteRunner | undefined;
let workspace: Workspace | undefined;
let facts: OverlayFacts | undefined;
let publicKeys: Record<string, string> = {};

describeLab('A WireGuard overlay between lab sites, one of them over the Internet', () => {
  const handle = useLab(spec, 'cwwb');

  beforeAll(async () => {
    preflight(Object.keys(overlayPrograms));
    const lab = handle.lab;
    // Narrow the Internet path: the routers' taps of the a–c and b–c links on the management network.
    for (const link of lab.plan.links.filter((l) => l.a === 'c' || l.b === 'c')) {
      for (const end of link.networks[0].ends) {
        const router = lab.plan.sites.find((s) => s.name === end.site)!.routerNetns;
        await runRoot(['ip', '-n', router, 'link', 'set', 'dev', end.tap, 'mtu', String(internetMtu)]);
      }
    }
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-overlay-ws-'));
    ssh = testEngine({ knownHostsFiles: [lab.knownHostsPath], readyTimeoutMs: 5000 });
    stepRunner = new SshStepRunner(ssh.engine, (node) => {
      const host = lab.host(node.node);
      return directTarget(host.addresses.management!, host.sshPort, 'root', [{ kind: 'privateKey', identityFile: lab.clientKeyPath }]);
    });
    remote = new StepRemoteRunner(stepRunner);
    engine = new PlanEngine({ runner: stepRunner, secrets: new EnvSecretResolver({}), workspaceDir: workDir, sink: { log: (l) => void logs.push(l) } });
    workspace = withLabOverlay(labWorkspaceModel(lab.describe()), lab.plan);
  }, 60_000);

  afterAll(async () => {
    console.log(`WireGuard overlay on the lab:\n  ${notes.join('\n  ')}`);
    await ssh?.engine.closeAll();
    if (ssh) fs.rmSync(ssh.dir, { recursive: true, force: true });
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
  }, 60_000);

  const nodes = () => Object.fromEntries(members.map((m) => [m, { address: handle.lab.host(m).addresses.management! }]));
  const recordingEngine = () => ({
    apply(plan: PlanInput) {
      plans.push(plan);
      return engine!.apply(plan);
    },
  });

  it('measures the path MTU, generates keys on each node, brings the overlay up and verifies handshakes, pings and full-MTU packets', async () => {
    const started = Date.now();
    const lines: string[] = [];
    const result = await buildOverlay({ workspace: workspace!, overlay: LAB_OVERLAY_NAME, engine: recordingEngine(), runner: remote!, nodes: nodes(), log: (l) => lines.push(l) });
    benchFigure('overlay build on 4 lab nodes (path MTU, keys, tunnels, verify)', Date.now() - started, 'ms');
    notes.push(`build: keys ${result.keys.status} (${result.keys.changed} changed), tunnels ${result.tunnels?.status} (${result.tunnels?.changed} changed) in ${Date.now() - started} ms; ${lines.join(' | ')}`);
    expect(result.keys.status).toBe('succeeded');
    expect(result.tunnels?.status, `${result.tunnels?.message} ${JSON.stringify(result.tunnels?.failure)}`).toBe('succeeded');
    facts = result.facts;
    publicKeys = result.publicKeys;
    // Path MTU per site pair: the Internet paths carry what the narrowed link allows; a–b the full 1500.
    const bySites = Object.fromEntries(result.facts.pathMtu.map((p) => [[p.fromSite, p.toSite].sort().join('-'), p.mtu]));
    expect(bySites).toEqual({ 'a-a': 1500, 'a-b': 1500, 'a-c': internetMtu, 'b-c': internetMtu });
    expect(result.mtu).toBe(internetMtu - 60);
    // Every member runs the interface with that MTU, under wireguard-go (this kernel has no WireGuard module).
    expect(result.facts.interfaces.map((i) => [i.node, i.up, i.mtu, i.implementation])).toEqual(members.map((m) => [m, true, internetMtu - 60, 'wireguard-go']));
    expect(new Set(Object.values(publicKeys)).size).toBe(members.length);
    // Handshakes with every peer, recent.
    expect(result.facts.handshakes).toHaveLength(members.length * (members.length - 1));
    for (const h of result.facts.handshakes) expect(h.ageS, `${h.node}→${h.peer}`).toBeLessThan(180);
    expect(tunnelStatuses(result.resolved, result.facts).every((t) => t.state === 'up')).toBe(true);
    // Every pair answers through the tunnel.
    for (const l of result.facts.latency) expect(l.overlay?.received, `${l.a}↔${l.b}`).toBeGreaterThan(0);
    // A full-MTU packet with don't-fragment crosses a1 → c1 (over the narrowed Internet link); one byte more does not leave a1.
    const c1 = result.resolved.members.find((m) => m.node === 'c1')!.addresses[0]!.address;
    expect((await handle.lab.exec('a1', ['ping', '-n', '-c', '3', '-i', '0.2', '-W', '2', '-M', 'do', '-s', String(internetMtu - 60 - 28), c1])).code).toBe(0);
    expect((await handle.lab.exec('a1', ['ping', '-n', '-c', '1', '-W', '2', '-M', 'do', '-s', String(internetMtu - 60 - 28 + 1), c1])).code).not.toBe(0);
    // Key and configuration files: 0600, in a 0700 directory, on every node.
    for (const m of members) {
      const paths = overlayPaths(result.resolved.interface);
      const modes = (await handle.lab.execOk(m, ['stat', '-c', '%a %n', '/etc/wireguard', paths.key, paths.config])).stdout.trim().split('\n');
      expect(modes.map((l) => l.split(' ')[0])).toEqual(['700', '600', '600']);
    }
  }, 300_000);

  it('measures the overhead: round trip and throughput over vs under the tunnel', async () => {
    const lab = handle.lab;
    const resolved = overlayToBuild(workspace!, LAB_OVERLAY_NAME);
    const overlayOf = (n: string) => resolved.members.find((m) => m.node === n)!.addresses[0]!.address;
    const underlayOf = (n: string) => lab.host(n).addresses.management!;
    const rtt = async (from: string, to: string) => {
      const [under, over] = [await pingFrom(lab, from, underlayOf(to), 40, 0.1), await pingFrom(lab, from, overlayOf(to), 40, 0.1)];
      benchFigure(`overlay RTT ${from}→${to} under the tunnel (median of 40)`, under.medianMs ?? Number.NaN, 'ms');
      benchFigure(`overlay RTT ${from}→${to} through the tunnel (median of 40)`, over.medianMs ?? Number.NaN, 'ms');
      notes.push(`RTT ${from}→${to}: under ${under.medianMs} ms (avg ${under.avgMs} ±${under.mdevMs}, loss ${under.lossPercent} %), over ${over.medianMs} ms (avg ${over.avgMs} ±${over.mdevMs}, loss ${over.lossPercent} %)`);
      return { under, over };
    };
    const lan = await rtt('a1', 'a2');
    const internet = await rtt('a1', 'c1');
    expect(lan.over.received).toBeGreaterThan(30);
    expect(internet.over.received).toBeGreaterThan(30);
    // The tunnel rides the same path: over ≈ under plus a little (wireguard-go in user space).
    expect(internet.over.medianMs!).toBeGreaterThan(60);
    expect(internet.over.medianMs!).toBeLessThan(internet.under.medianMs! + 15);
    const throughput = async (from: string, to: string, label = '') => {
      const under = await measureThroughput(remote!, from, to, underlayOf(to), { seconds: 3 });
      const over = await measureThroughput(remote!, from, to, overlayOf(to), { seconds: 3 });
      benchFigure(`overlay TCP ${from}→${to}${label} under the tunnel (3 s)`, under.mbit ?? Number.NaN, 'Mbit/s', undefined, under.error);
      benchFigure(`overlay TCP ${from}→${to}${label} through the tunnel (3 s)`, over.mbit ?? Number.NaN, 'Mbit/s', undefined, over.error);
      notes.push(`throughput ${from}→${to}${label} (python3 TCP transfer, 3 s): under ${under.mbit ?? under.error} Mbit/s, over ${over.mbit ?? over.error} Mbit/s`);
      return { under, over };
    };
    const lanTp = await throughput('a1', 'a2');
    expect(lanTp.under.mbit).toBeGreaterThan(0);
    expect(lanTp.over.mbit).toBeGreaterThan(0);
    const internetTp = await throughput('a1', 'c1');
    expect(internetTp.over.mbit).toBeGreaterThan(0);
    // The same path without loss and jitter (80 ms, 50 Mbit/s), where TCP is not loss-bound.
    await lab.setLink('a', 'c', { delayMs: 80, bandwidthMbit: 50 });
    try {
      const clean = await throughput('a1', 'c1', ' with the link at 80 ms, 50 Mbit/s, no loss or jitter');
      expect(clean.over.mbit).toBeGreaterThan(0);
    } finally {
      await lab.setLink('a', 'c', 'internet');
    }
    // The budget from the figures the overlay itself measures (its facts).
    const measured = await readOverlayFacts(remote!, resolved, publicKeys, facts!, { throughput: { seconds: 2 } });
    const budget = overlayBudget(resolved, measured);
    notes.push(`budget: ${budget.links.map((l) => `${l.a}–${l.b} ${l.measuredMbit} Mbit/s → bulk ${l.bulkMbit}`).join(', ')}; limit ${budget.limitMbit} Mbit/s → ${budget.settings.map((s) => `${s.stack}: ${s.example.replace(/\n/g, ' ')}`).join('; ')}`);
    expect(budget.links.length + budget.unmeasured.length).toBe(6);
  }, 300_000);

  it('stopping wireguard-go on one node: its tunnels go down, its address stops answering, its peers\' handshakes age past what the keepalive allows; the plan brings it back', async () => {
    const lab = handle.lab;
    const resolved = overlayToBuild(workspace!, LAB_OVERLAY_NAME);
    const c1 = resolved.members.find((m) => m.node === 'c1')!.addresses[0]!.address;
    const b1 = resolved.members.find((m) => m.node === 'b1')!.addresses[0]!.address;
    // The wireguard-go of c1's interface, found by its exact command line inside c1, stopped by its PID.
    const pid = (await lab.execOk('c1', ['sh', '-c', 'for p in /proc/[0-9]*; do [ "$(tr "\\0" " " < "$p/cmdline" 2>/dev/null)" = "wireguard-go $1 " ] && echo "${p#/proc/}"; done; true', 'sh', resolved.interface])).stdout.trim();
    expect(pid).toMatch(/^\d+$/);
    await lab.execOk('c1', ['kill', '-TERM', pid]);
    const stoppedAt = Date.now();
    const age = async () => (await readInterfaces(remote!, resolved)).find((s) => s.node === 'a1')!.handshakes[publicKeys.c1!];
    expect((await lab.exec('a1', ['ping', '-n', '-c', '3', '-i', '0.2', '-W', '1', c1])).code).not.toBe(0);
    expect((await lab.exec('a1', ['ping', '-n', '-c', '3', '-i', '0.2', '-W', '1', b1])).code).toBe(0);
    const first = await age();
    // c1's interface went with its wireguard-go: the canvas draws every tunnel to c1 down at once, a1's others stay up.
    const now = { ...facts!, handshakes: handshakeFacts(resolved, await readInterfaces(remote!, resolved), publicKeys) };
    const statuses = tunnelStatuses(resolved, now);
    expect(statuses.filter((t) => t.state === 'down').map((t) => `${t.a}-${t.b}`)).toEqual(['a1-c1', 'a2-c1', 'b1-c1']);
    expect(statuses.filter((t) => t.state === 'up').map((t) => `${t.a}-${t.b}`)).toEqual(['a1-a2', 'a1-b1', 'a2-b1']);
    // a1 keeps trying (it pings c1): its latest handshake with c1 only ages, until it is older than Reject-After-Time plus one keepalive.
    let last: number | null | undefined = first;
    let state = handshakeState(first ?? undefined, resolved.overlay.keepalive);
    while (state !== 'stale' && Date.now() - stoppedAt < 240_000) {
      await new Promise((r) => setTimeout(r, 10_000));
      await lab.exec('a1', ['ping', '-n', '-c', '1', '-W', '1', c1]);
      last = await age();
      state = handshakeState(last ?? undefined, resolved.overlay.keepalive);
    }
    benchFigure('overlay: a stopped wireguard-go reads stale on its peers after (keepalive 25 s)', Math.round((Date.now() - stoppedAt) / 1000), 's', { atMost: 240 });
    notes.push(`wireguard-go stopped on c1: a1's handshake age with c1 went from ${first} s to ${last} s in ${Math.round((Date.now() - stoppedAt) / 1000)} s (${state})`);
    expect(typeof first === 'number' && typeof last === 'number' && last > first).toBe(true);
    expect(state).toBe('stale');
    expect((await lab.exec('a1', ['ping', '-n', '-c', '3', '-i', '0.2', '-W', '1', b1])).code).toBe(0);
    // Run the tunnels plan again: only c1's interface comes up again; everything answers.
    const rerun = await engine!.apply(overlayPlan({ resolved, publicKeys, mtu: facts!.mtu!, nodes: nodes() })).done;
    plans.push(overlayPlan({ resolved, publicKeys, mtu: facts!.mtu!, nodes: nodes() }));
    expect(rerun.status, JSON.stringify(rerun.failure)).toBe('succeeded');
    expect(rerun.changed).toBe(1);
    const after = await readOverlayFacts(remote!, resolved, publicKeys, facts!);
    expect(tunnelStatuses(resolved, after).every((t) => t.state === 'up')).toBe(true);
    expect((await lab.exec('a1', ['ping', '-n', '-c', '3', '-i', '0.2', '-W', '2', c1])).code).toBe(0);
    notes.push(`after the re-run: ${after.handshakes.filter((h) => h.peer === 'c1' || h.node === 'c1').map((h) => `${h.node}→${h.peer} ${h.ageS} s`).join(', ')}`);
  }, 420_000);

});

async function runRoot(argv: string[]): Promise<void> {
  await runOk(argv, `Narrowing the Internet link (${argv.join(' ')})`);
}
