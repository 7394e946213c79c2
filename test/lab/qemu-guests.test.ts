// Real QEMU guests (TCG) on lab hosts: a 128 MiB guest whose RAM holds pseudo-random data and keeps being
// dirtied moves a → b over wan (30 ms ±5, 0.5 % loss, 100 Mbit/s), b → c over lan and c → a over man with QEMU's own live
// migration; the process runs on the target afterwards and is gone from the source; RAM is identical on both
// sides at the switch-over; a local qcow2 disk moves with the block mirror over NBD (checksums before/after);
// a cancelled migration leaves the source running; `lab down` stops every guest and says how many.
import fs from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { migrationLogLines } from '../../main/common/stacks/proxmox/qemu-migration-log.js';
import type { MigrationEvent } from '../../main/common/qemu/migration.js';
import { stopLab, type Lab } from '../../main/node/lab/index.js';
import { LabGuests, liveMigrate, preflightGuests, stopLabGuests, type GuestRecord, type LiveMigrationResult } from '../../main/node/lab/guests/index.js';
import { readLabState } from '../../main/node/lab/state.js';
import { isRunning, readCmdline } from '../../main/node/lab/system.js';
import { describeLab, pingFrom, useLab } from '../support/lab.js';

const spec = `
name: qemu-guests
sites:
  - name: a
    hosts: [a1]
  - name: b
    hosts: [b1]
  - name: c
    hosts: [c1]
links:
  - between: [a, b]
    link: wan
  - between: [a, c]
    link: man
  - between: [b, c]
    link: lan
`;

const MiB = 1024 * 1024;

interface Row {
  link: string;
  from: string;
  to: string;
  rttMs: number;
  bandwidthMbit: number;
  result: LiveMigrationResult;
  /** How long the guest did not run, as its own timer saw it (wall time minus guest ticks). */
  pauseMs: number;
  /** How far the guest-timer pause may be off from the two samples' own read times alone. */
  uncertaintyMs: number;
  /** The pause includes a check run while both sides were paused. */
  checked: boolean;
}

/** The payload's real tick rate (PIT clock ÷ divisor for 100 Hz). */
const tickHz = 1_193_182 / 11_932;

/** Every QEMU process whose network namespace is one of the lab's (whatever recorded it). */
function qemuInLab(lab: Lab): { pid: number; cmdline: string }[] {
  const inodes = new Set<number>();
  for (const name of readLabState(lab.stateDir)?.netns ?? []) {
    try {
      inodes.add(fs.statSync(`/run/netns/${name}`).ino);
    } catch {
      /* gone */
    }
  }
  const out: { pid: number; cmdline: string }[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readCmdline(Number(entry)) ?? '';
      if (!cmdline.startsWith('qemu-system-x86_64')) continue;
      const inode = Number(/\[(\d+)\]/.exec(fs.readlinkSync(`/proc/${entry}/ns/net`))?.[1]);
      if (inodes.has(inode)) out.push({ pid: Number(entry), cmdline });
    } catch {
      /* exited */
    }
  }
  return out;
}

/** The network namespace inode a process lives in, and that of a lab host. */
function netnsOf(pid: number): number {
  return Number(/\[(\d+)\]/.exec(fs.readlinkSync(`/proc/${pid}/ns/net`))?.[1]);
}
function hostNetns(lab: Lab, host: string): number {
  return fs.statSync(`/run/netns/${lab.host(host).netns}`).ino;
}

/** sha256 of a file inside a host. */
async function sha256In(lab: Lab, host: string, file: string): Promise<string> {
  const out = await lab.execOk(host, ['sha256sum', '--', file], { timeoutMs: 60_000 });
  return out.stdout.split(/\s+/)[0]!;
}

/** sha256 of a qcow2 image's guest-visible content (read through qemu-img, even while QEMU has it open). */
async function diskContentSha256(lab: Lab, host: string, image: string): Promise<string> {
  const raw = `${image}.check.raw`;
  await lab.execOk(host, ['qemu-img', 'convert', '-U', '-f', 'qcow2', '-O', 'raw', '--', image, raw], { timeoutMs: 120_000 });
  try {
    return await sha256In(lab, host, raw);
  } finally {
    await lab.exec(host, ['rm', '-f', '--', raw]);
  }
}

const sinkScript = `
const net = require('net');
const [addr, port] = process.argv.slice(1);
const server = net.createServer((s) => {
  const t0 = process.hrtime.bigint();
  let bytes = 0;
  s.on('data', (d) => (bytes += d.length));
  s.on('end', () => {
    console.log(JSON.stringify({ bytes, ms: Number(process.hrtime.bigint() - t0) / 1e6 }));
    s.end();
    server.close();
  });
});
server.listen(Number(port), addr);
setTimeout(() => process.exit(2), 60000).unref();
`;
const sourceScript = `
const net = require('net');
const [addr, port, mib] = process.argv.slice(1);
const chunk = require('crypto').randomBytes(1 << 20);
let left = Number(mib);
const attempt = (tries) => {
  const s = net.connect(Number(port), addr);
  let connected = false;
  s.on('connect', () => {
    connected = true;
    const pump = () => {
      while (left > 0) {
        left -= 1;
        if (!s.write(chunk)) return s.once('drain', pump);
      }
      s.end();
    };
    pump();
  });
  s.on('error', () => { if (!connected && tries > 0) setTimeout(() => attempt(tries - 1), 100); else process.exit(1); });
  s.on('close', () => { if (connected) process.exit(0); });
};
attempt(50);
`;

/** TCP throughput from one host to another over the lab's links (bits/s), with a random payload. */
async function tcpThroughputMbit(lab: Lab, from: string, to: string, mib: number): Promise<number> {
  const target = lab.host(to).addressList[0];
  const [sink, source] = await Promise.all([
    lab.execOk(to, [process.execPath, '-e', sinkScript, target, '5201'], { timeoutMs: 90_000 }),
    lab.execOk(from, [process.execPath, '-e', sourceScript, target, '5201', String(mib)], { timeoutMs: 90_000 }),
  ]);
  void source;
  const { bytes, ms } = JSON.parse(sink.stdout.trim()) as { bytes: number; ms: number };
  expect(bytes).toBe(mib * MiB);
  return (bytes * 8) / (ms / 1000) / 1e6;
}

/** QEMU is part of what this file needs: without it the suite skips with the reason, or fails under CW_REQUIRE_LAB=1. */
function qemuMissing(): string | undefined {
  try {
    preflightGuests();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

describeLab('real QEMU guests in the lab: live migration over shaped links', () => {
  const handle = useLab(spec, 'cwqm');
  let guests: LabGuests | undefined;
  const rows: Row[] = [];

  afterAll(async () => {
    // Every guest killed by its recorded PID, and nothing QEMU left in the lab's namespaces.
    let killed = 0;
    try {
      guests?.close();
      killed = await stopLabGuests(handle.lab.stateDir);
    } finally {
      const left = qemuInLab(handle.lab);
      console.log(`teardown: ${killed} guests stopped by PID; QEMU processes left in the lab: ${left.length}`);
      expect(left).toEqual([]);
    }
  });

  const g = () => (guests ??= new LabGuests(handle.lab));
  const address = (host: string) => handle.lab.host(host).addressList[0];

  const migrate = async (
    from: string,
    to: string,
    link: string,
    bandwidthMbit: number,
    extra: { name?: string; beforeResume?: Parameters<typeof liveMigrate>[1]['beforeResume']; signal?: AbortSignal; onEvent?: (e: MigrationEvent) => void } = {},
  ) => {
    const lines: string[] = [];
    const events: MigrationEvent[] = [];
    const rtt = await pingFrom(handle.lab, from, address(to), 10, 0.05);
    const name = extra.name ?? 'vm100';
    // The guest's timer only runs while the guest does: wall time minus ticks is how long it was paused.
    const sample = async (host: string) => {
      const t0 = Date.now();
      const { ticks } = await g().counters(host, name);
      const t1 = Date.now();
      return { at: (t0 + t1) / 2, span: t1 - t0, ticks };
    };
    const before = await sample(from);
    const result = await liveMigrate(g(), {
      name,
      from,
      to,
      targetAddress: address(to),
      onEvent: (e) => {
        events.push(e);
        lines.push(...migrationLogLines(e, { vmid: Number(name.slice(2)), node: to, nodeIp: address(to) }));
        extra.onEvent?.(e);
      },
      ...(extra.beforeResume ? { beforeResume: extra.beforeResume } : {}),
      ...(extra.signal ? { signal: extra.signal } : {}),
    }).catch((error: unknown) => {
      console.log(`${from} → ${to} (${link}) failed:\n  ${lines.join('\n  ')}`);
      throw error;
    });
    const after = await sample(to);
    const pauseMs = after.at - before.at - ((after.ticks - before.ticks) * 1000) / tickHz;
    // Each sample's time is known to half the time its read took (slow on a busy machine).
    const uncertaintyMs = (before.span + after.span) / 2;
    if (name === 'vm100') rows.push({ link, from, to, rttMs: rtt.medianMs ?? 0, bandwidthMbit, result, pauseMs, uncertaintyMs, checked: Boolean(extra.beforeResume) });
    console.log(`${from} → ${to} (${link}):\n  ${lines.join('\n  ')}`);
    return { result, lines, events };
  };

  it('starts a 128 MiB TCG guest in a lab host, its RAM filled with pseudo-random data, without CAP_SYS_NICE', async () => {
    const lab = handle.lab;
    const record: GuestRecord = await g().start('a1', { name: 'vm100', memoryMiB: 128, dirtyBytesPerSecond: MiB });
    // The process lives in a1's namespaces and is recorded by its root-namespace PID and command line.
    expect(readCmdline(record.pid)).toBe(record.cmdline);
    expect(record.cmdline).toContain('-accel tcg');
    expect(netnsOf(record.pid)).toBe(hostNetns(lab, 'a1'));
    const capBnd = BigInt(`0x${/^CapBnd:\s+([0-9a-f]+)/m.exec(fs.readFileSync(`/proc/${record.pid}/status`, 'utf8'))![1]}`);
    expect(capBnd & (1n << 23n)).toBe(0n); // CAP_SYS_NICE
    // The payload has filled RAM and keeps ticking.
    let counters = await g().counters('a1', 'vm100');
    for (let i = 0; i < 50 && !counters.filled; i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      counters = await g().counters('a1', 'vm100');
    }
    expect(counters.filled).toBe(true);
    expect(counters.top).toBeGreaterThan(120 * MiB);
    const sample = await (await g().qmp('a1', 'vm100')).execute<string>('human-monitor-command', { 'command-line': 'xp /4wx 0x5000000' });
    expect(sample).not.toMatch(/0x00000000 0x00000000 0x00000000 0x00000000/);
    await new Promise((r) => setTimeout(r, 500));
    const later = await g().counters('a1', 'vm100');
    expect(later.ticks).toBeGreaterThan(counters.ticks);
    expect(later.dirtied).toBeGreaterThan(counters.dirtied);
    const status = await g().status('a1', 'vm100');
    expect(status).toMatchObject({ status: 'running', qmpStatus: 'running', pid: record.pid, memoryMiB: 128 });
    expect(status.rssBytes).toBeGreaterThan(128 * MiB);
    expect(status.cpuSeconds).toBeGreaterThan(0);
    // Idle between timer ticks (hlt): far from the whole core a spinning TCG guest would take.
    await new Promise((r) => setTimeout(r, 2_000));
    const idle = await g().status('a1', 'vm100');
    console.log(`idle guest: ${(idle.cpu * 100).toFixed(1)} % of a core, RSS ${(idle.rssBytes / MiB).toFixed(0)} MiB`);
    expect(idle.cpu).toBeLessThan(0.5);
    // Paused and resumed through QMP.
    await g().pause('a1', 'vm100');
    expect((await g().status('a1', 'vm100')).status).toBe('paused');
    await g().resume('a1', 'vm100');
    expect((await g().status('a1', 'vm100')).status).toBe('running');
  });

  it('live-migrates the running guest from site a to site b over wan (30 ms, 100 Mbit/s): it runs on b, the process on a is gone', async () => {
    const lab = handle.lab;
    const sourcePid = g().record('a1', 'vm100')!.pid;
    const { result, lines } = await migrate('a1', 'b1', 'wan', 100);
    // The source QEMU has exited; the guest's QEMU runs in b1's namespaces and keeps executing.
    expect(isRunning(sourcePid)).toBe(false);
    expect(g().record('a1', 'vm100')).toBeUndefined();
    const target = g().record('b1', 'vm100')!;
    expect(target.incoming).toBe(false);
    expect(netnsOf(target.pid)).toBe(hostNetns(lab, 'b1'));
    expect(qemuInLab(lab).map((p) => p.pid)).toEqual([target.pid]);
    const before = await g().counters('b1', 'vm100');
    await new Promise((r) => setTimeout(r, 300));
    expect((await g().counters('b1', 'vm100')).ticks).toBeGreaterThan(before.ticks);
    expect((await g().status('b1', 'vm100')).status).toBe('running');
    // Physics: 128 MiB of non-zero RAM cannot cross a 100 Mbit/s link faster than the link allows.
    const floorMs = ((result.ram.total * 8) / 100e6) * 1000;
    expect(result.ram.transferred).toBeGreaterThan(120 * MiB);
    expect(result.totalTimeMs).toBeGreaterThan(floorMs * 0.95);
    expect(result.downtimeMs).toBeGreaterThan(0);
    // The guest was paused briefly: QEMU's switch-over plus one round of control messages, not the transfer.
    const row = rows.at(-1)!;
    expect(row.pauseMs).toBeGreaterThanOrEqual(0);
    expect(row.pauseMs).toBeLessThan(2_000);
    // The task log reads like Proxmox's.
    expect(lines.some((l) => /^migration active, transferred \d+\.\d (MiB|KiB|GiB) of \d+\.\d MiB VM-state, \d+\.\d (MiB|KiB)\/s/.test(l))).toBe(true);
    expect(lines).toContainEqual(expect.stringMatching(/^average migration speed: \d+\.\d MiB\/s - downtime \d+ ms$/));
    expect(lines).toContain('migration status: completed');
  });

  it('live-migrates it from b1 to c1 over lan with guest RAM byte for byte the same on both sides at the switch-over', async () => {
    const lab = handle.lab;
    const sourcePid = g().record('b1', 'vm100')!.pid;
    const sums: { source?: string; target?: string } = {};
    const { result, lines } = await migrate('b1', 'c1', 'lan', 0, {
      // Both sides paused with the same state: guest RAM must be what the source had.
      beforeResume: async ({ source, target }) => {
        const bytes = 128 * MiB;
        await source.execute('pmemsave', { val: 0, size: bytes, filename: '/run/cw-guests/vm100/ram.bin' });
        await target.execute('pmemsave', { val: 0, size: bytes, filename: '/run/cw-guests/vm100/ram.bin' });
        sums.source = await sha256In(lab, 'b1', '/run/cw-guests/vm100/ram.bin');
        sums.target = await sha256In(lab, 'c1', '/run/cw-guests/vm100/ram.bin');
      },
    });
    expect(sums.source).toMatch(/^[0-9a-f]{64}$/);
    expect(sums.target).toBe(sums.source);
    await lab.exec('c1', ['rm', '-f', '/run/cw-guests/vm100/ram.bin']);
    expect(isRunning(sourcePid)).toBe(false);
    const target = g().record('c1', 'vm100')!;
    expect(netnsOf(target.pid)).toBe(hostNetns(lab, 'c1'));
    expect(qemuInLab(lab).map((p) => p.pid)).toEqual([target.pid]);
    expect((await g().status('c1', 'vm100')).status).toBe('running');
    expect(result.ram.transferred).toBeGreaterThan(120 * MiB);
    expect(lines).toContain('migration status: completed');
  });

  it('live-migrates it from c1 to a1 over man (3.4 ms): QEMU runs on a1 only, the guest keeps running', async () => {
    const lab = handle.lab;
    const sourcePid = g().record('c1', 'vm100')!.pid;
    const { result } = await migrate('c1', 'a1', 'man', 0);
    expect(isRunning(sourcePid)).toBe(false);
    const target = g().record('a1', 'vm100')!;
    expect(netnsOf(target.pid)).toBe(hostNetns(lab, 'a1'));
    expect(qemuInLab(lab).map((p) => p.pid)).toEqual([target.pid]);
    expect((await g().status('a1', 'vm100')).status).toBe('running');
    expect(result.ram.transferred).toBeGreaterThan(120 * MiB);
    expect(rows.at(-1)!.pauseMs).toBeLessThan(2_000);
  });

  it('compares each migration with the theoretical floor (guest RAM ÷ link bandwidth + RTTs)', async () => {
    const lab = handle.lab;
    expect(rows.map((r) => `${r.from}→${r.to}`)).toEqual(['a1→b1', 'b1→c1', 'c1→a1']);
    const table = [
      '| link | RTT (ping, median) | bandwidth limit | TCP measured | guest RAM | RAM moved | floor: RAM ÷ limit + 2 RTT | at TCP rate + 2 RTT | QEMU total time | QEMU downtime | pause STOP→RESUME (guest timer) | target loaded after STOP | request → running on target | total ÷ floor |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
    ];
    for (const r of rows) {
      // The path's capacity as one TCP stream of random bytes sees it (the floor for links without a limit).
      const measured = await tcpThroughputMbit(lab, r.from, r.to, r.bandwidthMbit ? 24 : 96);
      const rtts = 2 * r.rttMs;
      const floorMs = r.bandwidthMbit ? ((r.result.ram.total * 8) / (r.bandwidthMbit * 1e6)) * 1000 + rtts : undefined;
      const tcpMs = ((r.result.ram.total * 8) / (measured * 1e6)) * 1000 + rtts;
      if (floorMs) expect(r.result.totalTimeMs).toBeGreaterThan(0.95 * floorMs);
      // The pause from QEMU's own event time stamps agrees with what the guest's timer lost.
      expect(r.result.pauseMs).toBeDefined();
      expect(Math.abs(r.result.pauseMs! - r.pauseMs)).toBeLessThan(80 + r.uncertaintyMs);
      expect(r.result.loadedAfterStopMs!).toBeLessThanOrEqual(r.result.pauseMs!);
      const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
      table.push(
        `| ${r.link} (${r.from}→${r.to}) | ${r.rttMs.toFixed(2)} ms | ${r.bandwidthMbit ? `${r.bandwidthMbit} Mbit/s` : 'none'} | ${measured.toFixed(0)} Mbit/s | ${(r.result.ram.total / MiB).toFixed(1)} MiB | ${(r.result.ram.transferred / MiB).toFixed(1)} MiB | ${floorMs ? s(floorMs) : `${rtts.toFixed(1)} ms (RTTs only)`} | ${s(tcpMs)} | ${s(r.result.totalTimeMs)} | ${r.result.downtimeMs} ms | ${r.result.pauseMs} ms (${Math.round(r.pauseMs)} ± ${Math.round(r.uncertaintyMs)} ms)${r.checked ? ' incl. RAM check' : ''} | ${r.result.loadedAfterStopMs} ms | ${s(r.result.elapsedMs)} | ${floorMs ? (r.result.totalTimeMs / floorMs).toFixed(2) : `${(r.result.totalTimeMs / tcpMs).toFixed(2)} (of TCP rate)`} |`,
      );
    }
    console.log(`Live migration of a 128 MiB TCG guest dirtying ~1.2 MB/s, QEMU ${(await g().qmp('a1', 'vm100')).greeting.version.package}:\n${table.join('\n')}`);
  });

  it('cancelling a migration midway leaves the guest running on the source and nothing on the target', async () => {
    const lab = handle.lab;
    const sourcePid = g().record('a1', 'vm100')!.pid;
    const abort = new AbortController();
    let seen = 0;
    const failure = await migrate('a1', 'b1', 'wan', 100, {
      signal: abort.signal,
      onEvent: (e) => {
        if (e.type === 'progress' && e.ram.transferred > 16 * MiB && !abort.signal.aborted) {
          seen = e.ram.transferred;
          abort.abort();
        }
      },
    }).catch((error: unknown) => error as Error & { code?: string });
    expect(seen).toBeGreaterThan(16 * MiB);
    expect(failure).toMatchObject({ code: 'CANCELLED' });
    // The source QEMU is the same process, running, and its guest keeps executing.
    expect(g().record('a1', 'vm100')!.pid).toBe(sourcePid);
    expect(readCmdline(sourcePid)).toBeDefined();
    expect((await g().status('a1', 'vm100')).status).toBe('running');
    const before = await g().counters('a1', 'vm100');
    await new Promise((r) => setTimeout(r, 300));
    expect((await g().counters('a1', 'vm100')).ticks).toBeGreaterThan(before.ticks);
    const q = await (await g().qmp('a1', 'vm100')).execute<{ status: string }>('query-migrate');
    expect(q.status).toBe('cancelled');
    // The incoming QEMU on b1 is gone with its directory.
    expect(g().record('b1', 'vm100')).toBeUndefined();
    expect(qemuInLab(lab).map((p) => p.pid)).toEqual([sourcePid]);
    expect(fs.existsSync(lab.hostPath('b1', '/run/cw-guests/vm100'))).toBe(false);
  });

  it('moves a guest with a local qcow2 disk by mirroring it over NBD first (a cancelled try leaves it untouched): the disk content is the same on the target', async () => {
    const lab = handle.lab;
    // 32 MiB of random data at the start of a 256 MiB disk, in the guest's directory on a1.
    const dir = '/run/cw-guests/vm200';
    const disk = `${dir}/disk-0.qcow2`;
    await lab.execOk('a1', ['bash', '-c', `set -e; mkdir -p ${dir}; truncate -s 256M ${dir}/seed.raw; dd if=/dev/urandom of=${dir}/seed.raw bs=1M count=32 conv=notrunc status=none; qemu-img convert -f raw -O qcow2 ${dir}/seed.raw ${disk}; rm -f ${dir}/seed.raw`], { timeoutMs: 60_000 });
    const record = await g().start('a1', { name: 'vm200', memoryMiB: 64, disk: { sizeMiB: 256 } });
    expect(record.cmdline).toContain(`file=${disk}`);
    const before = await diskContentSha256(lab, 'a1', disk);
    // Cancelled while the disk is being mirrored: the source keeps its disk and runs on, no block job is left,
    // the target has nothing.
    const abort = new AbortController();
    const cancelled = await migrate('a1', 'c1', 'man', 0, { name: 'vm200', signal: abort.signal, onEvent: (e) => e.type === 'disk-mirror-start' && abort.abort() }).catch((error: unknown) => error);
    expect(cancelled).toMatchObject({ code: 'CANCELLED' });
    expect((await g().status('a1', 'vm200')).status).toBe('running');
    expect(await (await g().qmp('a1', 'vm200')).execute('query-block-jobs')).toEqual([]);
    expect(g().record('c1', 'vm200')).toBeUndefined();
    expect((await lab.exec('c1', ['test', '-e', disk])).code).not.toBe(0);
    expect(await diskContentSha256(lab, 'a1', disk)).toBe(before);
    const { lines, events } = await migrate('a1', 'c1', 'man', 0, { name: 'vm200' });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['disk-export', 'disk-mirror-start', 'disks-ready', 'completed', 'disk-finished', 'nbd-stopped', 'resumed']));
    const ready = events.filter((e) => e.type === 'disk-progress').at(-1);
    expect(ready).toMatchObject({ type: 'disk-progress', device: 'drive-virtio0', ready: true, total: 256 * MiB });
    expect(lines).toContain(`all 'mirror' jobs are ready`);
    expect(lines).toContain('drive-virtio0: mirror-job finished');
    // Same bytes on c1; the source's disk and directory are gone from a1.
    expect(await diskContentSha256(lab, 'c1', disk)).toBe(before);
    expect((await lab.exec('a1', ['test', '-e', disk])).code).not.toBe(0);
    expect((await g().status('c1', 'vm200')).status).toBe('running');
  });

  it('shuts a guest down through ACPI (the guest powers off, QEMU exits) and keeps its disk', async () => {
    const lab = handle.lab;
    const pid = g().record('c1', 'vm200')!.pid;
    await g().shutdown('c1', 'vm200', { timeoutMs: 20_000 });
    expect(isRunning(pid)).toBe(false);
    expect((await g().status('c1', 'vm200')).status).toBe('stopped');
    expect((await lab.exec('c1', ['test', '-e', '/run/cw-guests/vm200/disk-0.qcow2'])).code).toBe(0);
  });

  it('lab down stops every running guest by its PID and says how many', async () => {
    const lab = handle.lab;
    await g().start('b1', { name: 'vm300', memoryMiB: 64, dirtyBytesPerSecond: 0 });
    const pids = g().list().filter((r) => readCmdline(r.pid) === r.cmdline).map((r) => r.pid);
    expect(pids).toHaveLength(2); // vm100 on a1, vm300 on b1; vm200 is shut down
    g().close();
    const removed = await stopLab(lab.stateDir, { prefix: lab.prefix });
    expect(removed.guests).toBe(2);
    for (const pid of pids) expect(isRunning(pid)).toBe(false);
  });
}, { unless: qemuMissing });
