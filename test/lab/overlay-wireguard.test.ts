// A real WireGuard overlay on the lab, built through the app's core as an admin builds it: three sites,
// one of them over `internet` (≈80 ms, its path narrowed to 1420 bytes), overlay.plan (keys, then
// tunnels with the path MTU measured and the public keys read back) run by plan.apply over SSH; a
// configuration the app did not write is refused; corosync's link1 runs over the overlay addresses
// and the cluster stays quorate with link0 cut; stopping wireguard-go on one node turns its tunnels
// red on the canvas and corosync reports link1 down for that node only, quorum holding over link0;
// the tunnels plan brings it back (one step); no private key reaches anything the app stored or showed.
// The long measurements (RTT and throughput over vs under the tunnel, a handshake ageing past the
// keepalive) are in test/bench/overlay.bench-e2e.ts.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { JobLog, JobStepUpdated } from '../../main/common/contract/plan.js';
import { overlayPaths } from '../../main/common/overlay/config.js';
import { effectiveAddress } from '../../main/common/overlay/model.js';
import type { OverlayInput } from '../../main/common/overlay/schema.js';
import type { Plan } from '../../main/common/plan/schema.js';
import { serializeWorkspace } from '../../main/common/workspace/serialize.js';
import type { Workspace } from '../../main/common/workspace/schema.js';
import { createCore, type Core } from '../../main/node/core.js';
import { MemorySecretStore } from '../../main/node/secrets/memory-store.js';
import { exportAnsible, exportShell } from '../../main/node/engine/index.js';
import { labWorkspaceModel, preflight, type Lab } from '../../main/node/lab/index.js';
import { labOverlayRange, verifyOverlayIsolation } from '../../main/node/lab/overlay.js';
import { overlayPrograms, runOk } from '../../main/node/lab/system.js';
import { readKnetStats } from '../../main/node/stacks/proxmox/knet.js';
import type { RemoteRunner } from '../../main/node/workspace/runner.js';
import { buildGraph } from '../../renderer/src/features/topology/from-workspace.js';
import { describeLab, useLab } from '../support/lab.js';
import { corosyncConf, installCorosync, isQuorate, waitQuorate } from '../support/lab-corosync.js';

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
const OVERLAY = 'sites';
/** The Internet path is narrowed to this MTU (the a–c and b–c links of the network the overlay rides on): a PPPoE-like uplink. */
const internetMtu = 1420;
const notes: string[] = [];
const logs: JobLog[] = [];
const steps: JobStepUpdated[] = [];
const plans: Plan[] = [];
let home = '';
let folder = '';
let workspacePath = '';
let core: Core | undefined;
let workspace: Workspace | undefined;

/** The lab's workspace plus the overlay: a mesh of every host over corosync link1's network, carrying its own network `overlay`. */
function overlayWorkspace(lab: Lab): Workspace {
  const base = labWorkspaceModel(lab.describe());
  const range = labOverlayRange(lab.plan);
  const overlay: OverlayInput = { name: OVERLAY, topology: 'mesh', sites: ['a', 'b', 'c'], addressRange: range, networks: ['overlay'], underlay: 'corosync-link1', keepalive: 25 };
  return { ...base, networks: [...base.networks, { name: 'overlay', roles: ['corosync'], cidr: range, notes: 'corosync link1 over WireGuard' }], overlays: [overlay] } as Workspace;
}

/** knet's link state as seen on `host` (corosync-cmapctl), through the same reader the app uses. */
function labRunner(lab: Lab): RemoteRunner {
  return { kind: 'lab', runsOnNodes: true, exec: async (node, argv, options) => lab.exec(node, [...argv], { timeoutMs: options.timeoutMs }) };
}

async function link1Down(lab: Lab, host: string): Promise<string[]> {
  const stats = await readKnetStats(labRunner(lab), host, { failOnError: true });
  return stats.filter((s) => s.link === 1 && s.connected === false).map((s) => s.peer ?? String(s.nodeId)).sort();
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describeLab('A WireGuard overlay between lab sites, one of them over the Internet, carrying corosync link1', () => {
  const handle = useLab(spec, 'cwwg');

  beforeAll(async () => {
    preflight(Object.keys(overlayPrograms));
    const lab = handle.lab;
    // Narrow the Internet path: the routers' taps of the a–c and b–c links on corosync link1's network (the overlay's underlay).
    for (const link of lab.plan.links.filter((l) => l.a === 'c' || l.b === 'c')) {
      for (const end of link.networks[1].ends) {
        const router = lab.plan.sites.find((s) => s.name === end.site)!.routerNetns;
        await runOk(['ip', '-n', router, 'link', 'set', 'dev', end.tap, 'mtu', String(internetMtu)], 'Narrowing the Internet link');
      }
    }
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-overlay-app-'));
    folder = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-overlay-ws-'));
    workspace = overlayWorkspace(lab);
    workspacePath = path.join(folder, 'clusterwright.yaml');
    fs.writeFileSync(workspacePath, serializeWorkspace(workspace));
    // The app's core as the lab's own (its host keys trusted), with the runs, approvals and audit log beside this workspace.
    core = createCore({
      hostKind: 'test',
      workspaceDir: folder,
      ssh: { secrets: new MemorySecretStore(), sshConfigFile: null, interactive: false, engine: { knownHostsFiles: [lab.knownHostsPath], pinnedHostKeysFile: path.join(home, 'pins.json') } },
    });
    core.events.subscribe((name, payload) => {
      if (name === 'job.log') logs.push(payload as JobLog);
      if (name === 'job.stepUpdated') steps.push(payload as JobStepUpdated);
    });
    await core.call('workspace.open', { path: workspacePath, remember: false });
  }, 60_000);

  afterAll(async () => {
    console.log(`WireGuard overlay on the lab:\n  ${notes.join('\n  ')}`);
    const lab = handle.lab;
    for (const h of members) await lab.exec(h, ['systemctl', 'stop', 'corosync'], { timeoutMs: 15_000 }).catch(() => undefined);
    await core?.close();
    for (const dir of [home, folder]) if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  const c = () => core!;
  const apply = async (plan: Plan) => {
    plans.push(plan);
    const { result } = await c().call('plan.apply', { plan, wait: true });
    return result!;
  };

  it('gives every host its own /etc/wireguard and /run/wireguard (keys and UAPI sockets cannot mix)', async () => {
    await verifyOverlayIsolation(handle.lab);
  });

  it('generates the keys on each node, then refuses to overwrite a WireGuard configuration it did not write, without reading its private key', async () => {
    const lab = handle.lab;
    const t0 = Date.now();
    const keys = await c().call('overlay.plan', { overlay: OVERLAY, phase: 'keys' });
    expect(keys.plan.steps.map((s) => s.id)).toEqual(members.flatMap((m) => [`tools-${m}`, `keys-${m}`]));
    const keysRun = await apply(keys.plan);
    expect(keysRun.status, JSON.stringify(keysRun.failure)).toBe('succeeded');
    notes.push(`keys plan: ${keysRun.changed} steps changed in ${Date.now() - t0} ms`);

    const foreignKey = (await lab.execOk('b1', ['wg', 'genkey'])).stdout.trim();
    const file = overlayPaths('cw-sites').config;
    await lab.execOk('b1', ['sh', '-c', 'umask 077; printf "[Interface]\\nPrivateKey = %s\\n" "$1" > "$2"', 'sh', foreignKey, file]);
    try {
      const tunnels = await c().call('overlay.plan', { overlay: OVERLAY, phase: 'tunnels' });
      const preview = await c().call('plan.preview', { plan: tunnels.plan });
      const run = await apply(tunnels.plan);
      expect(run.status).toBe('failed');
      expect(run.failure?.stepId).toBe('config-b1');
      expect(run.failure?.message).toMatch(/cw-sites\.conf exists and was not written by Clusterwright; it is left alone/);
      // The admin's file is untouched, and its key appears in nothing the app stored or showed.
      expect((await lab.execOk('b1', ['cat', file])).stdout).toContain(foreignKey);
      expect(JSON.stringify(preview)).not.toContain(foreignKey);
      expect(everythingStored()).not.toContain(foreignKey);
    } finally {
      await lab.execOk('b1', ['rm', '-f', file]);
    }
  }, 90_000);

  it('measures the path MTU, brings the overlay up and verifies handshakes, pings and full-MTU packets; the canvas draws every tunnel green', async () => {
    const lab = handle.lab;
    const t0 = Date.now();
    const tunnels = await c().call('overlay.plan', { overlay: OVERLAY, phase: 'tunnels' });
    const bySites = Object.fromEntries((tunnels.pathMtu ?? []).map((p) => [[p.fromSite, p.toSite].sort().join('-'), p.mtu]));
    expect(bySites).toEqual({ 'a-a': 1500, 'a-b': 1500, 'a-c': internetMtu, 'b-c': internetMtu });
    expect(tunnels.mtu).toBe(internetMtu - 60);
    expect(Object.keys(tunnels.publicKeys ?? {}).sort()).toEqual(members);
    const run = await apply(tunnels.plan);
    expect(run.status, `${run.message} ${JSON.stringify(run.failure)}`).toBe('succeeded');
    const status = await c().call('overlay.status', { overlay: OVERLAY });
    notes.push(`tunnels plan (path MTU ${JSON.stringify(bySites)}, MTU ${tunnels.mtu}) + apply + status: ${Date.now() - t0} ms`);
    expect(status.facts.interfaces.map((i) => [i.node, i.up, i.mtu, i.implementation])).toEqual(members.map((m) => [m, true, internetMtu - 60, 'wireguard-go']));
    expect(status.tunnels).toHaveLength(6);
    for (const t of status.tunnels) expect(t.state, `${t.a}–${t.b}: ${t.label}`).toBe('up');
    const ac = status.tunnels.find((t) => t.a === 'a1' && t.b === 'c1')!;
    notes.push(`a1–c1 over the overlay: ${ac.label}`);
    expect(ac.rttMs).toBeGreaterThan(50);
    // A full-MTU packet with don't-fragment crosses a1 → c1 over the narrowed Internet link; one byte more does not leave a1.
    const c1 = effectiveAddress(workspace!, 'c1', 'overlay')!;
    expect((await lab.exec('a1', ['ping', '-n', '-c', '2', '-i', '0.2', '-W', '2', '-M', 'do', '-s', String(internetMtu - 60 - 28), c1])).code).toBe(0);
    expect((await lab.exec('a1', ['ping', '-n', '-c', '1', '-W', '1', '-M', 'do', '-s', String(internetMtu - 60 - 28 + 1), c1])).code).not.toBe(0);
    // Key and configuration files: 0600 in a 0700 directory.
    const paths = overlayPaths('cw-sites');
    const modes = (await lab.execOk('c1', ['stat', '-c', '%a', '/etc/wireguard', paths.key, paths.config])).stdout.trim().split('\n');
    expect(modes).toEqual(['700', '600', '600']);
    // The canvas, from the workspace and facts the renderer gets: six tunnels, green, labelled with RTT, MTU and handshake age.
    const { facts } = await c().call('latency.current', {});
    const graph = buildGraph(workspace!, facts);
    expect(graph.tunnels?.map((t) => [t.source, t.target, t.state])).toEqual(status.tunnels.map((t) => [t.a, t.b, 'ok']));
    expect(graph.tunnels?.find((t) => t.target === 'c1' && t.source === 'a1')?.label).toMatch(/ms over the overlay, MTU 1360, handshake \d+ s ago/);
  }, 90_000);

  it('runs corosync link1 over the overlay addresses: with link0 cut between every site, the cluster stays quorate', async () => {
    const lab = handle.lab;
    const ring1 = Object.fromEntries(members.map((m) => [m, effectiveAddress(workspace!, m, 'overlay')!]));
    expect(Object.values(ring1).every((a) => a.startsWith(labOverlayRange(lab.plan).split('.').slice(0, 3).join('.')))).toBe(true);
    const conf = corosyncConf(lab, 'overlay', members.map((host, i) => ({ host, nodeId: i + 1 })), { links: 2, tokenMs: 2000, ringAddress: (host, link) => (link === 1 ? ring1[host] : undefined) });
    expect(conf).toContain(`ring1_addr: ${ring1.c1}`);
    await installCorosync(lab, conf, members);
    await Promise.all(members.map((h) => lab.execOk(h, ['systemctl', 'start', 'corosync'], { timeoutMs: 20_000 })));
    expect(await waitQuorate(lab, members, true, 30_000), 'all four quorate').toBeDefined();
    // Both links connected everywhere before the cut.
    await until('knet link1 connected on every member', 20_000, async () => ((await Promise.all(members.map((m) => link1Down(lab, m)))).every((d) => d.length === 0) ? true : undefined));
    for (const [x, y] of [['a', 'b'], ['a', 'c'], ['b', 'c']] as const) await lab.cut(x, y, { network: 0 });
    const cutAt = Date.now();
    try {
      // Well past token + consensus (2 s + 2.4 s): every member quorate the whole time, over link1 only.
      while (Date.now() - cutAt < 6_500) {
        expect(await Promise.all(members.map((h) => isQuorate(lab, h)))).toEqual([true, true, true, true]);
        await new Promise((r) => setTimeout(r, 300));
      }
      const log = fs.readFileSync(lab.hostPath('c1', '/var/log/corosync/corosync.log'), 'utf8');
      expect(log).toMatch(/link: 0 is down/);
      notes.push(`link0 cut between every site for ${Date.now() - cutAt} ms: all four quorate over link1 (the overlay)`);
    } finally {
      for (const [x, y] of [['a', 'b'], ['a', 'c'], ['b', 'c']] as const) await lab.restore(x, y, { network: 0 });
    }
  }, 90_000);

  it("stopping wireguard-go on c1: its tunnels turn red, corosync reports link1 down for c1 only, quorum holds over link0; the plan brings it back", async () => {
    const lab = handle.lab;
    await until('knet link0 back everywhere', 20_000, async () => {
      const stats = await Promise.all(members.map((m) => readKnetStats(labRunner(lab), m)));
      return stats.flat().every((s) => s.link !== 0 || s.connected !== false) ? true : undefined;
    });
    // The wireguard-go of c1's interface, found by its exact command line inside c1, stopped by its PID.
    const pid = (await lab.execOk('c1', ['sh', '-c', 'for p in /proc/[0-9]*; do [ "$(tr "\\0" " " < "$p/cmdline" 2>/dev/null)" = "wireguard-go $1 " ] && echo "${p#/proc/}"; done; true', 'sh', 'cw-sites'])).stdout.trim();
    expect(pid).toMatch(/^\d+$/);
    await lab.execOk('c1', ['kill', '-TERM', pid]);
    const stoppedAt = Date.now();
    const status = await c().call('overlay.status', { overlay: OVERLAY });
    expect(status.tunnels.filter((t) => t.state === 'down').map((t) => `${t.a}-${t.b}`)).toEqual(['a1-c1', 'a2-c1', 'b1-c1']);
    expect(status.tunnels.filter((t) => t.state === 'up').map((t) => `${t.a}-${t.b}`)).toEqual(['a1-a2', 'a1-b1', 'a2-b1']);
    const graph = buildGraph(workspace!, (await c().call('latency.current', {})).facts);
    expect(graph.tunnels?.filter((t) => t.state === 'error').map((t) => `${t.source}-${t.target}`)).toEqual(['a1-c1', 'a2-c1', 'b1-c1']);
    expect(graph.tunnels?.find((t) => t.target === 'c1')?.label).toMatch(/interface down on c1/);
    // corosync: link1 down between c1 and each peer, seen from both ends; the others' link1 stays up; quorum holds over link0.
    const down = await until('knet reports link1 down towards c1', 30_000, async () => {
      const seen = Object.fromEntries(await Promise.all(members.map(async (m) => [m, await link1Down(lab, m)] as const)));
      return seen.a1!.length && seen.c1!.length === 3 ? seen : undefined;
    });
    notes.push(`wireguard-go stopped on c1: knet link1 down after ${Date.now() - stoppedAt} ms, ${JSON.stringify(down)}`);
    expect(down).toEqual({ a1: ['c1'], a2: ['c1'], b1: ['c1'], c1: ['a1', 'a2', 'b1'] });
    expect(await Promise.all(members.map((h) => isQuorate(lab, h)))).toEqual([true, true, true, true]);

    // The tunnels plan again: only c1's interface comes up; every tunnel green, knet's link1 back.
    const t0 = Date.now();
    const again = await c().call('overlay.plan', { overlay: OVERLAY, phase: 'tunnels' });
    const rerun = await apply(again.plan);
    expect(rerun.status, JSON.stringify(rerun.failure)).toBe('succeeded');
    expect(rerun.changed).toBe(1);
    expect(steps.filter((s) => s.runId === rerun.runId && s.state === 'succeeded' && s.stepId.startsWith('up-')).map((s) => s.stepId)).toEqual(['up-c1']);
    const after = await c().call('overlay.status', { overlay: OVERLAY });
    expect(after.tunnels.every((t) => t.state === 'up')).toBe(true);
    expect(buildGraph(workspace!, (await c().call('latency.current', {})).facts).tunnels?.every((t) => t.state === 'ok')).toBe(true);
    await until('knet link1 back on every member', 30_000, async () => ((await Promise.all(members.map((m) => link1Down(lab, m)))).every((d) => d.length === 0) ? true : undefined));
    notes.push(`tunnels plan again: 1 step changed, tunnels and knet link1 back ${Date.now() - t0} ms after the plan was asked for`);
  }, 90_000);

  it('keeps every private key on its node: not in the journals, logs, audit log, facts, exports or previews', async () => {
    const lab = handle.lab;
    const privateKeys = await Promise.all(members.map(async (m) => (await lab.execOk(m, ['cat', overlayPaths('cw-sites').key])).stdout.trim()));
    for (const key of privateKeys) expect(key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    const stored = everythingStored();
    expect(stored.length).toBeGreaterThan(10_000);
    const { overlays } = await c().call('overlay.list', {});
    const exports = plans.flatMap((p) => [...exportShell(p), ...exportAnsible(p)].map((f) => f.content)).join('\n');
    expect(exports).toContain('wg set %i private-key /etc/wireguard/cw-sites.key');
    const previews = JSON.stringify(await Promise.all(plans.slice(-2).map((plan) => c().call('plan.preview', { plan }))));
    const shown = [stored, exports, previews, JSON.stringify(overlays)].join('\n');
    for (const m of members) expect(shown).toContain((await lab.execOk(m, ['cat', overlayPaths('cw-sites').publicKey])).stdout.trim());
    for (const key of privateKeys) expect(shown).not.toContain(key);
  }, 60_000);
});

/** Everything the app wrote or showed: the workspace folder (runs, journals, outputs, audit log, approvals, facts), the app's data folder, every step log and plan. */
function everythingStored(): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) files.push(fs.readFileSync(full, 'utf8'));
    }
  };
  for (const dir of [folder, home]) if (dir) walk(dir);
  return [...files, JSON.stringify(logs), JSON.stringify(steps), JSON.stringify(plans)].join('\n');
}
