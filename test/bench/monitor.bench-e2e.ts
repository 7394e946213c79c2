// Monitoring cost and soak on lab hosts (needs root), through the app's core over real SSH:
//  - 50 hosts in two sites: a few rounds back to back — wall time and CPU per round, memory, bytes per
//    minute at the default 30 s interval;
//  - the 14-host lab (fourteen-hosts.yml, one site behind a jump host) monitored for 10 minutes every 10 s:
//    RSS growth (target ≤ 10 %), and no leaked file descriptors, sockets or handles.
// Bounded: each part stops by itself; the labs are removed in afterAll. CW_MONITOR_SOAK_MS shortens the soak.
import { afterAll, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadLabSpec, startLab, stopLab, type Lab } from '../../main/node/lab/index.js';
import type { Core } from '../../main/node/core.js';
import { labSkipReason, labWorkspaceCore } from '../support/lab.js';
import { benchFigure, benchSkipped } from './results.js';

const labs: { stateDir: string; prefix: string }[] = [];
const homes: string[] = [];
const rows: string[] = [];
const SOAK_MS = Number(process.env.CW_MONITOR_SOAK_MS ?? 10 * 60_000);

afterAll(async () => {
  for (const l of labs) {
    await stopLab(l.stateDir, { prefix: l.prefix });
    fs.rmSync(l.stateDir, { recursive: true, force: true });
  }
  for (const h of homes) fs.rmSync(h, { recursive: true, force: true });
  if (rows.length) console.log(['| what | figure |', '|---|---|', ...rows].join('\n'));
}, 180_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fds = () => fs.readdirSync('/proc/self/fd').length;
const sockets = () =>
  fs.readdirSync('/proc/self/fd').filter((f) => {
    try {
      return fs.readlinkSync(`/proc/self/fd/${f}`).startsWith('socket:');
    } catch {
      return false; // closed since the listing (readdir's own descriptor, among others)
    }
  }).length;
const handles = () => process.getActiveResourcesInfo().filter((r) => r !== 'Timeout' && r !== 'Immediate').length;
/** Bytes this process read and wrote through system calls (sockets and files). */
function io(): number {
  const text = fs.readFileSync('/proc/self/io', 'utf8');
  return Number(/rchar: (\d+)/.exec(text)?.[1]) + Number(/wchar: (\d+)/.exec(text)?.[1]);
}

async function startLabCore(spec: string, prefix: string): Promise<{ lab: Lab; core: Core }> {
  const stateDir = fs.mkdtempSync(`/tmp/${prefix}-`);
  labs.push({ stateDir, prefix });
  const lab = await startLab(loadLabSpec(spec), { stateDir, prefix, replace: true });
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-monbench-'));
  homes.push(home);
  const core = labWorkspaceCore(lab, home);
  await core.call('workspace.open', { path: lab.workspacePath, remember: false });
  return { lab, core };
}

async function waitRounds(core: Core, rounds: number, deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  while ((await core.call('monitor.status', {})).rounds < rounds) {
    if (Date.now() > deadline) throw new Error(`the monitor did not finish ${rounds} rounds within ${deadlineMs / 1000} s`);
    await sleep(200);
  }
}

it('monitoring 50 lab hosts: wall and CPU time per round, memory, bytes per minute', async () => {
  if (labSkipReason) return benchSkipped('monitoring 50 lab hosts: CPU per round', '—', labSkipReason);
  const { core, lab } = await startLabCore('name: mon-50\nsites:\n  - name: a\n    hosts: 25\n  - name: b\n    hosts: 25\n    link: man\n', 'cwmb5');
  const networks = new Set(lab.hosts.flatMap((h) => Object.keys(h.addresses))).size;
  // Back to back (1 s interval), so each round's cost is measured alone.
  await core.call('monitor.start', { intervalS: 1 });
  await waitRounds(core, 1, 300_000);
  const rss0 = process.memoryUsage().rss;
  const cpu0 = process.cpuUsage();
  const io0 = io();
  const t0 = Date.now();
  const before = (await core.call('monitor.status', {})).rounds;
  await waitRounds(core, before + 3, 600_000);
  const wall = Date.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const rounds = (await core.call('monitor.status', {})).rounds - before;
  const status = await core.call('monitor.status', {});
  await core.call('monitor.stop', {});
  const history = await core.call('monitor.history', {});
  const pairs = history.rounds[history.rounds.length - 1]!.links.filter((l) => l.source === 'ping').length;
  const bad = history.rounds[history.rounds.length - 1]!.links.filter((l) => l.lossPercent > 0).length;
  const cpuMsPerRound = (cpu.user + cpu.system) / 1000 / rounds;
  const roundS = wall / rounds / 1000;
  const bytesPerRound = (io() - io0) / rounds;
  const diskPerRound = status.store ? status.store.diskBytes / Math.max(1, status.store.rounds) : 0;
  rows.push(`| 50 hosts, ${networks} networks: pairs pinged per round | ${pairs} (${bad} with any loss in the last round) |`);
  rows.push(`| 50 hosts: wall time per round (3 rounds back to back) | ${roundS.toFixed(1)} s |`);
  rows.push(`| 50 hosts: CPU per round (the app's process) | ${cpuMsPerRound.toFixed(0)} ms (${((100 * cpuMsPerRound) / (roundS * 1000)).toFixed(1)} % of one core while polling; ${((100 * cpuMsPerRound) / 30_000).toFixed(1)} % at a 30 s interval) |`);
  rows.push(`| 50 hosts: RSS | ${(rss0 / 1048576).toFixed(0)} → ${(process.memoryUsage().rss / 1048576).toFixed(0)} MiB |`);
  rows.push(`| 50 hosts: bytes read+written per minute at 30 s (sockets and files, /proc/self/io) | ${((2 * bytesPerRound) / 1024).toFixed(0)} KiB; store on disk ${((2 * diskPerRound) / 1024).toFixed(1)} KiB/min |`);
  benchFigure('monitoring 50 lab hosts: CPU per round (ms, app process)', cpuMsPerRound, 'ms', undefined, `${pairs} pairs, ${roundS.toFixed(1)} s per round`);
  benchFigure('monitoring 50 lab hosts: wall time per round', roundS, 's', { below: 30 }, 'must fit the default 30 s interval');
  benchFigure('monitoring 50 lab hosts: bytes per minute at a 30 s interval (read+written, /proc/self/io)', (2 * bytesPerRound) / 1024, 'KiB');
  await core.close();
}, 900_000);

it('soak: the 14-host lab monitored every 10 s for 10 minutes — RSS growth, descriptors, sockets, handles', async () => {
  if (labSkipReason) return benchSkipped('monitor soak, 14 lab hosts: RSS growth', '≤ 10 %', labSkipReason);
  const { core } = await startLabCore(fs.readFileSync('assets/labs/fourteen-hosts.yml', 'utf8'), 'cwmbs');
  await core.call('monitor.start', { intervalS: 10 });
  // Warm-up: three rounds (connections opened, code paths loaded), then the baseline.
  await waitRounds(core, 3, 180_000);
  const base = { rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed, fds: fds(), sockets: sockets(), handles: handles(), rounds: (await core.call('monitor.status', {})).rounds };
  const started = Date.now();
  let peak = base.rss;
  while (Date.now() - started < SOAK_MS) {
    await sleep(5_000);
    peak = Math.max(peak, process.memoryUsage().rss);
  }
  const end = { rss: process.memoryUsage().rss, heap: process.memoryUsage().heapUsed, fds: fds(), sockets: sockets(), handles: handles() };
  const status = await core.call('monitor.status', {});
  await core.call('monitor.stop', {});
  const rounds = status.rounds - base.rounds;
  const growth = (100 * (end.rss - base.rss)) / base.rss;
  rows.push(`| soak, 14 hosts, ${(SOAK_MS / 60_000).toFixed(0)} min every 10 s: rounds | ${rounds} (last ${status.lastRoundMs} ms) |`);
  rows.push(`| soak: RSS after warm-up → end (peak) | ${(base.rss / 1048576).toFixed(1)} → ${(end.rss / 1048576).toFixed(1)} MiB (${growth.toFixed(1)} %; peak ${(peak / 1048576).toFixed(1)} MiB) |`);
  rows.push(`| soak: heap used | ${(base.heap / 1048576).toFixed(1)} → ${(end.heap / 1048576).toFixed(1)} MiB |`);
  rows.push(`| soak: file descriptors / sockets / active handles | ${base.fds} → ${end.fds} / ${base.sockets} → ${end.sockets} / ${base.handles} → ${end.handles} |`);
  rows.push(`| soak: store on disk | ${((status.store?.diskBytes ?? 0) / 1024).toFixed(0)} KiB for ${status.store?.rounds ?? 0} rounds |`);
  benchFigure('monitor soak, 14 lab hosts, 10 min: RSS growth after warm-up', growth, '%', { atMost: 10 }, `${(base.rss / 1048576).toFixed(1)} → ${(end.rss / 1048576).toFixed(1)} MiB over ${rounds} rounds`);
  benchFigure('monitor soak: file descriptors gained', end.fds - base.fds, '', { atMost: 0 }, `${base.fds} → ${end.fds}; sockets ${base.sockets} → ${end.sockets}`);
  benchFigure('monitor soak: active handles gained', end.handles - base.handles, '', { atMost: 0 });
  await core.close();
}, SOAK_MS + 600_000);
