// Terminal benchmark in headless Chromium, stage by stage in one run:
//   1. sshd → ssh2: `seq 1 2000000` in a PTY read by ssh2 alone, per cipher (the negotiated one and
//      the alternatives), with the CPU each side spent;
//   2. the Node-side framing (credit stream + binary frame) alone;
//   3. the whole path — sshd → ssh2 → wire stream → WebSocket → xterm.js — against xterm.js fed the
//      same bytes locally, and the same stream acknowledged on arrival without xterm.js, alternated
//      over several rounds, with the CPU time and run-queue wait of every process involved;
//   4. keystroke echo at a bash prompt, alone and while another tab on the same connection streams,
//      against the engine's own echo round trip in Node.
// Prints the breakdown and adds the issue's rows to the summary table. Asserts nothing about speed.
import { afterAll, beforeAll, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, type ClientChannel } from 'ssh2';
import { build } from 'vite';
import { launchBareChromium, type BareChromium } from '../support/bare-chromium.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';
import { startServerProcess, type ServerProcess } from './server/index.js';
import { benchFigure, benchRow, median } from './results.js';
import { CpuSampler, machineBusyMs, totalCpu, type Snapshot } from './cpu.js';
import { CreditStream, type CreditStreamStats } from '../../main/node/streams.js';
import { encodeStreamData } from '../../main/common/wire.js';
import { directTarget, testEngine } from '../../main/node/ssh/testing/engine-helpers.js';
import type { RemoteResult, EchoResult } from './terminal/main.js';

const N = 2_000_000;
const ROUNDS = Number(process.env.CW_BENCH_ROUNDS ?? 5);
const ECHO_SAMPLES = 150;
const MARKER = 'CW-BENCH-DONE';
let sshd: SshdFixture;
let server: ServerProcess;
let browser: BareChromium;
const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-bench-term-'));

beforeAll(async () => {
  process.env.CLUSTERWRIGHT_HOME = home;
  const out = path.join(home, 'page');
  await build({ configFile: false, root: path.resolve('test/bench/terminal'), base: './', logLevel: 'error', build: { outDir: out, emptyOutDir: true } });
  // A clean HOME for the session: root's own ~/.bashrc here runs a version manager on every shell.
  sshd = await startSshd({ cleanHome: true });
  // The server runs in a process of its own, as `clusterwright serve` does; Chromium is driven
  // without Playwright, whose Network domain would copy every WebSocket frame to this process.
  server = await startServerProcess(out, path.join(home, 'workspace'));
  browser = await launchBareChromium();
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await sshd?.stop();
  fs.rmSync(home, { recursive: true, force: true });
});

const mibps = (bytes: number, ms: number) => bytes / 1024 / 1024 / (ms / 1000);
const fmt = (value: number, digits = 1) => value.toFixed(digits);
const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : Number.NaN;
};
const range = (values: readonly number[], digits = 1) => `${fmt(Math.min(...values), digits)}–${fmt(Math.max(...values), digits)}`;

/** `seq 1 N` in a PTY over ssh2 alone, with a forced cipher list; what each side spent. */
async function sshStage(cipher: string[] | undefined): Promise<{ cipher: string; mac: string; ms: number; bytes: number; nodeCpuMs: number; sshdCpuMs: number; shellCpuMs: number }> {
  const client = new Client();
  let negotiated = { cipher: '?', mac: '' };
  client.on('handshake', (n) => (negotiated = { cipher: n.sc.cipher, mac: n.sc.mac }));
  await new Promise<void>((resolve, reject) => {
    client.on('ready', () => resolve()).on('error', reject);
    client.connect({ host: sshd.host, port: sshd.port, username: sshd.user, privateKey: fs.readFileSync(sshd.clientKeyFile), ...(cipher ? { algorithms: { cipher: cipher as never } } : {}) });
  });
  const stream = await new Promise<ClientChannel>((resolve, reject) => client.shell({ rows: 40, cols: 120, term: 'xterm-256color' }, (e, s) => (e ? reject(e) : resolve(s))));
  await new Promise((r) => setTimeout(r, 300));
  // ssh2 runs in this process in this stage.
  const sampler = new CpuSampler(() => ({ server: process.pid, sshd: sshd.pid()! }));
  sampler.start();
  const cpu = process.cpuUsage();
  const started = performance.now();
  let bytes = 0;
  let tail = '';
  await new Promise<void>((resolve) => {
    stream.on('data', (chunk: Buffer) => {
      bytes += chunk.byteLength;
      tail = (tail + chunk.subarray(Math.max(0, chunk.byteLength - 64)).toString('latin1')).slice(-200);
      if (tail.includes(`${MARKER}-${N}`)) resolve();
    });
    stream.write(`stty -echo; seq 1 ${N}; echo ${MARKER}-$((${N}))\n`);
  });
  const ms = performance.now() - started;
  const spent = process.cpuUsage(cpu);
  const used = sampler.stop();
  client.end();
  return {
    ...negotiated,
    ms,
    bytes,
    nodeCpuMs: (spent.user + spent.system) / 1000,
    sshdCpuMs: used.get('sshd (session)')?.cpuMs ?? 0,
    shellCpuMs: [...used].filter(([row]) => row.startsWith('shell:')).reduce((sum, [, u]) => sum + u.cpuMs, 0),
  };
}

/** The wire framing alone: PTY-sized chunks through a credit stream into binary frames, acknowledged at once. */
function framingStage(totalBytes: number): { ms: number; cpuMs: number } {
  const chunk = Buffer.alloc(3000, 0x31);
  let listener: (c: Uint8Array) => void = () => {};
  const cpu = process.cpuUsage();
  const started = performance.now();
  const stream: CreditStream = new CreditStream(
    1,
    { onData: (l) => (listener = l), onEnd: () => {}, pause: () => {}, resume: () => {}, close: () => {} },
    { sendData: (id, data) => stream.ack(encodeStreamData(id, data).byteLength - 5), sendEnd: () => {} },
  );
  // Every 20 chunks (60 KB) a turn of the event loop would flush; here the frame-size flush does.
  for (let sent = 0; sent < totalBytes; sent += chunk.byteLength) listener(chunk);
  const spent = process.cpuUsage(cpu);
  return { ms: performance.now() - started, cpuMs: (spent.user + spent.system) / 1000 };
}

/** The engine's own echo round trip in Node: a key typed at the same bash prompt, no browser. */
async function engineEcho(samples: number): Promise<number[]> {
  const { engine, dir } = testEngine({ acceptNewHostKeys: true });
  const shell = await engine.openShell(directTarget(sshd.host, sshd.port, sshd.user, [{ kind: 'privateKey', identityFile: sshd.clientKeyFile }]), { rows: 40, cols: 120 });
  let waiting: (() => void) | null = null;
  shell.onData(() => {
    const done = waiting;
    waiting = null;
    done?.();
  });
  await new Promise((r) => setTimeout(r, 800));
  const times: number[] = [];
  const key = async () => {
    const started = performance.now();
    await Promise.race([new Promise<void>((resolve) => (waiting = resolve)).then(() => undefined), new Promise((r) => setTimeout(r, 2000))]);
    return performance.now() - started;
  };
  for (let i = 0; i < samples; i++) {
    await new Promise((r) => setTimeout(r, 10 + Math.random() * 20));
    const pending = key();
    shell.write('x');
    times.push(await pending);
    await new Promise((r) => setTimeout(r, 5));
    const erased = key();
    shell.write('\x7f');
    await erased;
  }
  shell.close();
  await engine.closeAll();
  fs.rmSync(dir, { recursive: true, force: true });
  return times;
}

function addUsage(into: Map<string, Snapshot[]>, phase: string, usage: Snapshot): void {
  const list = into.get(phase) ?? [];
  list.push(usage);
  into.set(phase, list);
}

/** Mean CPU and wait per key over the rounds of one phase. */
function meanUsage(list: Snapshot[]): Snapshot {
  const sum: Snapshot = new Map();
  for (const usage of list) {
    for (const [key, u] of usage) {
      const entry = sum.get(key) ?? { cpuMs: 0, waitMs: 0 };
      entry.cpuMs += u.cpuMs / list.length;
      entry.waitMs += u.waitMs / list.length;
      sum.set(key, entry);
    }
  }
  return sum;
}

it('terminal: throughput breakdown and keystroke echo', async () => {
  const target = { host: sshd.host, port: sshd.port, user: sshd.user, identityFile: sshd.clientKeyFile };
  const trees = () => ({ server: server.pid, browser: browser.pid, sshd: sshd.pid()! });
  const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

  // 1. sshd → ssh2, per cipher, alternated.
  // undefined: ssh2's default offer, which is what the product's connections send.
  const ciphers: (string[] | undefined)[] = [undefined, ['chacha20-poly1305@openssh.com'], ['aes128-ctr']];
  const sshRuns = new Map<string, Awaited<ReturnType<typeof sshStage>>[]>();
  for (let round = 0; round < 3; round++) {
    for (const cipher of ciphers) {
      const result = await sshStage(cipher);
      const name = cipher ? result.cipher : `${result.cipher}, negotiated by default`;
      const list = sshRuns.get(name) ?? [];
      list.push(result);
      sshRuns.set(name, list);
    }
  }

  // 2. Framing alone.
  const framing = [0, 1, 2].map(() => framingStage(16 * 1024 * 1024));

  // 3 and 4, alternated over the rounds.
  const page = await browser.open(server.url, 'window.benchReady === true');
  type Renderer = 'auto' | 'dom' | 'webgl';
  type Local = { ms: number; bytes: number; renderer: string; reason: string; longTasks: { count: number; longestMs: number } };
  type Bench = {
    local(n: number, renderer: Renderer): Promise<Local>;
    remote(n: number, target: unknown, mode: 'xterm' | 'discard', renderer: Renderer): Promise<RemoteResult>;
    echo(target: unknown, samples: number, streaming: boolean, renderer: Renderer, sliceWhileTyping: boolean, yieldToTyping: boolean): Promise<EchoResult>;
    webglImplementation(): string;
  };
  const bench = <K extends keyof Bench>(method: K, ...args: Parameters<Bench[K]>) => page.call<Awaited<ReturnType<Bench[K]>>>('bench', method, ...args);
  const webgl = await bench('webglImplementation');
  const usage = new Map<string, Snapshot[]>();
  const busy = new Map<string, number[]>();
  const walls = new Map<string, number[]>();
  const measured = async <T,>(phase: string, run: () => Promise<T>): Promise<T> => {
    const sampler = new CpuSampler(trees);
    sampler.start();
    const machineBefore = machineBusyMs();
    const result = await run();
    const used = sampler.stop();
    addUsage(usage, phase, used);
    // What ran on the machine besides the processes above (other users of the two cores).
    const list = busy.get(phase) ?? [];
    list.push(machineBusyMs() - machineBefore - totalCpu(used));
    busy.set(phase, list);
    const ms = (result as { ms?: number }).ms;
    if (ms !== undefined) walls.set(phase, [...(walls.get(phase) ?? []), ms]);
    return result;
  };
  // The product's default renderer, and WebGL forced (the default before it learnt to avoid software WebGL).
  const renderers = ['auto', 'webgl'] as const;
  const locals: Record<(typeof renderers)[number], Local[]> = { auto: [], webgl: [] };
  const remotes: Record<(typeof renderers)[number], RemoteResult[]> = { auto: [], webgl: [] };
  const ratios: Record<(typeof renderers)[number], number[]> = { auto: [], webgl: [] };
  const discards: RemoteResult[] = [];
  const echoIdle: EchoResult[] = [];
  // Echo while another tab streams: as before (WebGL, whole chunks), with the renderer choice only,
  // with small pieces while typing, and now (the streaming tab also waits between its pieces).
  const echoVariants = [
    { name: 'before: WebGL, whole chunks', renderer: 'webgl' as const, slice: false, yieldToTyping: false },
    { name: 'default renderer, whole chunks', renderer: 'auto' as const, slice: false, yieldToTyping: false },
    { name: 'default renderer, small pieces while typing', renderer: 'auto' as const, slice: true, yieldToTyping: false },
    { name: 'now: small pieces, and the streaming tab waits between them while the user types', renderer: 'auto' as const, slice: true, yieldToTyping: true },
  ];
  const echoStreaming = new Map<string, EchoResult[]>(echoVariants.map((v) => [v.name, []]));
  const remoteStats: CreditStreamStats[] = [];
  /** Per remote run: most bytes the page held unparsed minus the largest window the server used (≤ 0 when bounded). */
  const overWindow: number[] = [];
  const nodeEcho: number[] = [];
  const perRound = Math.ceil(ECHO_SAMPLES / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    for (const renderer of renderers) {
      const l = await measured(`local, ${renderer}`, () => bench('local', N, renderer));
      const seen = server.streams.length;
      const r = await measured(`remote, ${renderer}`, () => bench('remote', N, target, 'xterm', renderer));
      await new Promise((resolve) => setTimeout(resolve, 100));
      // The server's statistics of this run's stream: its window bounds what the page held unparsed.
      const stats = server.streams.slice(seen).find((x) => x.bytes > N);
      if (stats) {
        if (renderer === 'auto') remoteStats.push(stats);
        overWindow.push(r.peakPending - stats.peakWindow);
      } else overWindow.push(Number.NaN);
      locals[renderer].push(l);
      remotes[renderer].push(r);
      ratios[renderer].push(mibps(r.bytes, r.ms) / mibps(l.bytes, l.ms));
    }
    discards.push(await measured('remote, no xterm.js', () => bench('remote', N, target, 'discard', 'dom')));
    nodeEcho.push(...(await engineEcho(perRound)));
    echoIdle.push(await bench('echo', target, perRound, false, 'auto', true, true));
    for (const variant of echoVariants) {
      echoStreaming.get(variant.name)!.push(await measured(`echo, other tab streaming (${variant.name})`, () => bench('echo', target, perRound, true, variant.renderer, variant.slice, variant.yieldToTyping)));
    }
  }
  await page.close();
  const ran = `${locals.auto[0]!.renderer}${locals.auto[0]!.reason ? ` (${locals.auto[0]!.reason})` : ''}`;

  // ---- Report ----
  console.log(`\nTerminal benchmark (headless Chromium; ${ROUNDS} rounds, phases alternated; load average before: ${load}; ${os.cpus().length} cores)`);
  console.log(`xterm.js renderer that ran by default: ${ran}`);

  console.log('\n1. sshd → ssh2 (`seq 1 2000000` in a PTY, read by ssh2 alone; medians of 3)\n');
  console.log('| cipher (MAC) | MiB/s | Node CPU ms | sshd CPU ms | bash + seq CPU ms |\n|---|---|---|---|---|');
  for (const [cipher, runs] of sshRuns) {
    const mac = runs[0]!.mac ? ` (${runs[0]!.mac})` : ' (AEAD)';
    console.log(`| ${cipher}${mac} | ${fmt(median(runs.map((x) => mibps(x.bytes, x.ms))))} | ${fmt(median(runs.map((x) => x.nodeCpuMs)), 0)} | ${fmt(median(runs.map((x) => x.sshdCpuMs)), 0)} | ${fmt(median(runs.map((x) => x.shellCpuMs)), 0)} |`);
  }
  console.log(`\n2. Node-side framing alone (credit stream + binary frame, 16 MiB in 3,000-byte PTY chunks): ${fmt(median(framing.map((f) => f.cpuMs)), 0)} ms CPU (${fmt(median(framing.map((f) => (16 * 1000) / f.ms)), 0)} MiB/s)`);

  const med = <T,>(list: T[], pick: (x: T) => number) => median(list.map(pick));
  const label = (renderer: (typeof renderers)[number]) => (renderer === 'auto' ? `${locals.auto[0]!.renderer} (the default now)` : 'webgl (forced; the default before)');
  console.log(`\n3. Throughput (median of ${ROUNDS}, range)\n`);
  console.log('| path | renderer | MiB/s | range | xterm.js starved (ms) | long tasks | longest (ms) |\n|---|---|---|---|---|---|---|');
  for (const renderer of renderers) {
    const ls = locals[renderer];
    const rs = remotes[renderer];
    console.log(`| xterm.js fed locally | ${label(renderer)} | ${fmt(med(ls, (x) => mibps(x.bytes, x.ms)))} | ${range(ls.map((x) => mibps(x.bytes, x.ms)))} | — | ${med(ls, (x) => x.longTasks.count)} | ${fmt(med(ls, (x) => x.longTasks.longestMs), 0)} |`);
    console.log(`| sshd → ssh2 → wire → WebSocket → xterm.js | ${label(renderer)} | ${fmt(med(rs, (x) => mibps(x.bytes, x.ms)))} | ${range(rs.map((x) => mibps(x.bytes, x.ms)))} | ${fmt(med(rs, (x) => x.starvedMs), 0)} | ${med(rs, (x) => x.longTasks.count)} | ${fmt(med(rs, (x) => x.longTasks.longestMs), 0)} |`);
  }
  console.log(`| the same, acknowledged on arrival (no xterm.js) | — | ${fmt(med(discards, (x) => mibps(x.bytes, x.ms)))} | ${range(discards.map((x) => mibps(x.bytes, x.ms)))} | — | — | — |`);
  const ratio = median(ratios.auto);
  console.log(`\nratio remote ÷ local (per round, median): ${fmt(ratio, 2)} with the default (range ${range(ratios.auto, 2)}), ${fmt(median(ratios.webgl), 2)} with WebGL forced (range ${range(ratios.webgl, 2)}); target ≥ 0.9`);
  console.log(`WebGL2 in this Chromium: ${webgl}`);
  const frameBytes = remoteStats.length ? median(remoteStats.map((x) => x.bytes / x.frames)) : Number.NaN;
  const acks = remoteStats.flatMap((x) => x.ackRttMs);
  if (remoteStats.length) {
    console.log(
      `wire: ${fmt(frameBytes / 1024)} KiB per frame; credit window ${fmt(median(remoteStats.map((x) => x.window)) / 1024, 0)} KiB (largest ${fmt(Math.max(...remoteStats.map((x) => x.peakWindow)) / 1024, 0)} KiB); ` +
        `peak unacknowledged ${fmt(Math.max(...remoteStats.map((x) => x.peakUnacked)) / 1024, 0)} KiB; source paused ${fmt(median(remoteStats.map((x) => x.pauses)), 0)} times for ${fmt(median(remoteStats.map((x) => x.pausedMs)), 0)} ms; ` +
        `frame → acknowledgement p50 ${fmt(percentile(acks, 50))} ms, p95 ${fmt(percentile(acks, 95))} ms`,
    );
  }
  const allRemotes = [...remotes.auto, ...remotes.webgl];
  console.log(`peak bytes received but not yet parsed: ${fmt(Math.max(...allRemotes.map((x) => x.peakPending)) / 1024, 0)} KiB; peak JS heap ${fmt(Math.max(...allRemotes.map((x) => x.heapMiB)), 0)} MiB`);

  console.log('\nCPU per phase (mean of the rounds): CPU ms / run-queue wait ms\n');
  const phases = [...usage.keys()];
  const keys = [...new Set(phases.flatMap((p) => [...meanUsage(usage.get(p)!).keys()]))].sort();
  console.log(`| process / thread | ${phases.join(' | ')} |\n|---|${phases.map(() => '---|').join('')}`);
  for (const key of keys) {
    const cells = phases.map((p) => {
      const u = meanUsage(usage.get(p)!).get(key);
      return u ? `${fmt(u.cpuMs, 0)} / ${fmt(u.waitMs, 0)}` : '—';
    });
    if (cells.some((c) => c !== '—' && !c.startsWith('0 / 0'))) console.log(`| ${key} | ${cells.join(' | ')} |`);
  }
  console.log(
    `| all of the above | ${phases.map((p) => fmt(totalCpu(meanUsage(usage.get(p)!)), 0)).join(' | ')} |\n| everything else on the machine | ${phases.map((p) => fmt(median(busy.get(p)!), 0)).join(' | ')} |\n| wall time (ms) | ${phases.map((p) => (walls.get(p) ? fmt(median(walls.get(p)!), 0) : '—')).join(' | ')} |`,
  );

  // What two cores allow at best: the renderer's main thread parses serially, so the whole path cannot
  // take less wall time than that thread's CPU time, nor less than all the CPU time involved split over
  // two cores. Local wall ÷ that floor bounds the ratio (with perfect scheduling and nothing else running).
  const bounds = new Map<string, { bound: number; withoutRemoteHost: number; mainMs: number; totalMs: number; remoteHostMs: number }>();
  for (const renderer of renderers) {
    const remoteUsage = meanUsage(usage.get(`remote, ${renderer}`)!);
    const mainMs = remoteUsage.get('chromium renderer: main thread')?.cpuMs ?? 0;
    const totalMs = totalCpu(remoteUsage);
    const remoteHostMs = [...remoteUsage].filter(([row]) => row.startsWith('sshd') || row.startsWith('shell:')).reduce((sum, [, u]) => sum + u.cpuMs, 0);
    const localWall = median(walls.get(`local, ${renderer}`)!);
    bounds.set(renderer, {
      bound: localWall / Math.max(mainMs, totalMs / 2),
      withoutRemoteHost: localWall / Math.max(mainMs, (totalMs - remoteHostMs) / 2),
      mainMs,
      totalMs,
      remoteHostMs,
    });
    console.log(
      `2-core bound, ${label(renderer)}: the renderer's main thread needs ${fmt(mainMs, 0)} ms of CPU and everything ${fmt(totalMs, 0)} ms (≥ ${fmt(totalMs / 2, 0)} ms of wall on 2 cores) against ${fmt(localWall, 0)} ms locally: ratio ≤ ${fmt(bounds.get(renderer)!.bound, 2)}; ` +
        `without the ${fmt(remoteHostMs, 0)} ms that sshd, bash and seq spend (on the remote host in real use): ≤ ${fmt(bounds.get(renderer)!.withoutRemoteHost, 2)}`,
    );
  }

  const arrivedIdle = echoIdle.flatMap((e) => e.arrivedMs);
  const writtenIdle = echoIdle.flatMap((e) => e.writtenMs);
  const rtt = median(nodeEcho);
  const line = (name: string, values: number[]) => `| ${name} | ${fmt(percentile(values, 50), 2)} | ${fmt(percentile(values, 95), 2)} | ${fmt(Math.max(...values), 2)} |`;
  console.log(`\n4. Keystroke echo at a bash prompt (${writtenIdle.length} samples per row, alternated)\n`);
  console.log('| echo | p50 ms | p95 ms | max ms |\n|---|---|---|---|');
  console.log(line('the engine alone in Node (the RTT)', nodeEcho));
  console.log(line('page, idle: received', arrivedIdle));
  console.log(line('page, idle: parsed by xterm.js', writtenIdle));
  for (const [name, results] of echoStreaming) {
    const streamed = results.reduce((a, e) => a + e.streamedBytes, 0) / results.reduce((a, e) => a + e.streamedMs, 0) / 1024 / 1024 * 1000;
    console.log(line(`another tab streaming (${fmt(streamed)} MiB/s), ${name}: received`, results.flatMap((e) => e.arrivedMs)));
    console.log(line(`another tab streaming, ${name}: parsed by xterm.js (long tasks ${results.reduce((a, e) => a + e.longTasks.count, 0)}, longest ${fmt(Math.max(...results.map((e) => e.longTasks.longestMs)), 0)} ms)`, results.flatMap((e) => e.writtenMs)));
  }

  // ---- Summary rows ----
  const remoteMiB = med(remotes.auto, (x) => mibps(x.bytes, x.ms));
  const localMiB = med(locals.auto, (x) => mibps(x.bytes, x.ms));
  const written = echoStreaming.get(echoVariants[3]!.name)!.flatMap((e) => e.writtenMs);
  const writtenSliced = echoStreaming.get(echoVariants[2]!.name)!.flatMap((e) => e.writtenMs);
  const streamRate = (results: EchoResult[]) => results.reduce((a, e) => a + e.streamedBytes, 0) / results.reduce((a, e) => a + e.streamedMs, 0) / 1024 / 1024 * 1000;
  const writtenBefore = echoStreaming.get(echoVariants[0]!.name)!.flatMap((e) => e.writtenMs);
  benchFigure('terminal: `seq 1 2000000` through sshd → ssh2 → wire → xterm.js, ÷ xterm.js fed locally', ratio, '', { atLeast: 0.9 }, `${fmt(remoteMiB)} vs ${fmt(localMiB)} MiB/s, median of ${ROUNDS} alternated rounds, range ${range(ratios.auto, 2)}; WebGL forced: ${fmt(median(ratios.webgl), 2)} (${fmt(med(remotes.webgl, (x) => mibps(x.bytes, x.ms)))} vs ${fmt(med(locals.webgl, (x) => mibps(x.bytes, x.ms)))} MiB/s)`);
  benchFigure('terminal: `seq 1 2000000` through the whole path, absolute', remoteMiB, 'MiB/s', undefined, `WebGL forced: ${fmt(med(remotes.webgl, (x) => mibps(x.bytes, x.ms)))} MiB/s`);
  const bound = bounds.get('auto')!;
  benchFigure('terminal: best ratio 2 cores allow, from the CPU figures (renderer main thread, all CPU ÷ 2)', bound.bound, '', undefined, `${fmt(bound.withoutRemoteHost, 2)} if sshd + bash + seq (${fmt(bound.remoteHostMs, 0)} ms CPU) ran elsewhere, as in use`);
  benchFigure('terminal: most bytes received but not yet parsed by xterm.js, beyond the credit window of the run', Math.max(...overWindow) / 1024, 'KiB', { atMost: 0 }, `peak ${fmt(Math.max(...allRemotes.map((x) => x.peakPending)) / 1024, 0)} KiB; windows ${fmt(Math.min(...remoteStats.map((x) => x.window)) / 1024, 0)}–${fmt(Math.max(...remoteStats.map((x) => x.peakWindow)) / 1024, 0)} KiB`);
  benchFigure('terminal: keystroke echo added over the RTT while another tab streams, p95 (loopback)', percentile(written, 95) - rtt, 'ms', { atMost: 2 }, `p95 ${fmt(percentile(written, 95), 2)} ms − RTT ${fmt(rtt, 2)} ms (p50 ${fmt(percentile(written, 50), 2)} ms; the other tab at ${fmt(streamRate(echoStreaming.get(echoVariants[3]!.name)!))} MiB/s while typing); small pieces alone: p95 ${fmt(percentile(writtenSliced, 95), 1)} ms (${fmt(streamRate(echoStreaming.get(echoVariants[2]!.name)!))} MiB/s); before (WebGL, whole chunks): p95 ${fmt(percentile(writtenBefore, 95), 1)} ms; idle p95 ${fmt(percentile(writtenIdle, 95), 2)} ms`);
  benchRow({ measure: 'terminal: which xterm.js renderer ran in headless Chromium', target: '—', figure: `${ran}; WebGL2 here: ${webgl}`, met: null });
}, 1_200_000);
