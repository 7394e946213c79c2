// A node's own figures for the Proxmox test server, read inside the node (lab host or sandbox) as pvestatd
// and GET /nodes/{node}/status read them: /proc/uptime against the start of the node's PID 1, /proc/loadavg,
// /proc/meminfo, /proc/stat (CPU use between two readings), /proc/cpuinfo, uname, df of /, /sys/firmware/efi.
import type { HostRunner } from './host.js';

/** One reading of the node (what a single exec into it returns, parsed). */
export interface NodeReading {
  /** Seconds since the node's PID 1 started (its "boot"); the machine's uptime where PID 1 is the machine's. */
  uptime: number;
  idle: number;
  loadavg: [string, string, string];
  memory: { total: number; free: number; available: number; used: number };
  swap: { total: number; free: number; used: number };
  /** Jiffies from the first `cpu` line of /proc/stat. */
  cpuTimes: { used: number; total: number; iowait: number };
  cpuinfo: { model: string; cpus: number; sockets: number; cores: number; mhz: string; hvm: boolean; flags: string; user_hz: number };
  kernel: { sysname: string; release: string; version: string; machine: string };
  rootfs: { total: number; used: number; avail: number; free: number };
  bootMode: 'efi' | 'legacy-bios';
  /** When it was read (ms). */
  at: number;
}

// A fixed script (no value is ever spliced into it); sections are separated by a marker line.
const readScript = [
  'cat /proc/uptime',
  'cat /proc/1/stat',
  'getconf CLK_TCK',
  'cat /proc/loadavg',
  'cat /proc/meminfo',
  'head -n 1 /proc/stat',
  'cat /proc/cpuinfo',
  'uname -s; uname -r; uname -v; uname -m',
  'df -P -B1 /',
  'if [ -d /sys/firmware/efi ]; then echo efi; else echo legacy-bios; fi',
].join('; echo @@cw@@; ');

function kib(meminfo: string, key: string): number {
  const m = new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, 'mi').exec(meminfo);
  return m ? Number(m[1]) * 1024 : 0;
}

/** Parses the script's output (exported for unit tests). */
export function parseNodeReading(text: string, at: number): NodeReading {
  const [uptimeText = '', pid1Stat = '', clkTck = '', loadavgText = '', meminfo = '', statLine = '', cpuinfoText = '', unameText = '', dfText = '', bootText = ''] = text.split(/\n?@@cw@@\n/);
  const [up = 0, idle = 0] = uptimeText.trim().split(/\s+/).map(Number);
  // Field 22 of /proc/1/stat (starttime, in clock ticks since boot), counted after the command name's closing parenthesis.
  const afterComm = pid1Stat.slice(pid1Stat.lastIndexOf(')') + 2).split(/\s+/);
  const ticks = Number(clkTck.trim()) || 100;
  const pid1Start = Number(afterComm[19]) / ticks;
  const uptime = Math.max(0, Math.floor(Number.isFinite(pid1Start) ? up - pid1Start : up));
  const load = loadavgText.trim().split(/\s+/);
  const total = kib(meminfo, 'MemTotal');
  const available = kib(meminfo, 'MemAvailable');
  const swapTotal = kib(meminfo, 'SwapTotal');
  const swapFree = kib(meminfo, 'SwapFree');
  const jiffies = statLine.trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, idleJ = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = jiffies;
  // As PVE::ProcFSTools::read_proc_stat: guest time is already counted in user and nice, so it is not added again.
  const used = user + nice + system + irq + softirq + steal;
  const cpuTotal = used + iowait + idleJ;
  const field = (name: string): string | undefined => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'mi').exec(cpuinfoText)?.[1]?.trim();
  const sockets = new Map<string, number>();
  let physical = '0';
  for (const line of cpuinfoText.split('\n')) {
    const p = /^physical id\s*:\s*(\d+)/i.exec(line);
    if (p) {
      physical = p[1]!;
      if (!sockets.has(physical)) sockets.set(physical, 1);
    }
    const c = /^cpu cores\s*:\s*(\d+)/i.exec(line);
    if (c && sockets.has(physical)) sockets.set(physical, Number(c[1]));
  }
  const flags = field('flags') ?? '';
  const [sysname = 'Linux', release = '', version = '', machine = ''] = unameText.split('\n').map((l) => l.trim());
  const df = dfText.trim().split('\n')[1]?.trim().split(/\s+/) ?? [];
  const [fsTotal, fsUsed, fsAvail] = [Number(df[1]) || 0, Number(df[2]) || 0, Number(df[3]) || 0];
  return {
    uptime,
    idle: Math.floor(idle),
    loadavg: [load[0] ?? '0.00', load[1] ?? '0.00', load[2] ?? '0.00'],
    memory: { total, free: kib(meminfo, 'MemFree'), available, used: total - available },
    swap: { total: swapTotal, free: swapFree, used: swapTotal - swapFree },
    cpuTimes: { used, total: cpuTotal, iowait },
    cpuinfo: {
      model: field('model name') ?? 'unknown',
      cpus: (cpuinfoText.match(/^processor\s*:\s*\d+\s*$/gim) ?? []).length || 1,
      sockets: sockets.size || 1,
      cores: [...sockets.values()].reduce((s, n) => s + n, 0) || 1,
      mhz: field('cpu MHz') ?? '0',
      hvm: /\s(vmx|svm)\s/.test(` ${flags} `),
      flags,
      user_hz: ticks,
    },
    kernel: { sysname, release, version, machine },
    rootfs: { total: fsTotal, used: fsUsed, avail: fsAvail, free: fsTotal - fsUsed },
    bootMode: bootText.trim() === 'efi' ? 'efi' : 'legacy-bios',
    at,
  };
}

/** Reads the node once (one exec into it). */
export async function readNode(runner: HostRunner): Promise<NodeReading> {
  const res = await runner.run(['sh', '-c', readScript], { timeoutMs: 10_000 });
  if (res.code !== 0 && !res.stdout.includes('@@cw@@')) throw new Error(`could not read /proc on ${runner.label}: ${res.stderr.trim() || `exit ${res.code}`}`);
  return parseNodeReading(res.stdout, Date.now());
}

/** CPU use between two readings (0–1), as pvestatd reports it; since boot when there is no earlier reading. */
export function cpuBetween(before: NodeReading | undefined, now: NodeReading): { cpu: number; wait: number } {
  const total = now.cpuTimes.total - (before?.cpuTimes.total ?? 0);
  if (total <= 0) return { cpu: 0, wait: 0 };
  const clamp = (x: number): number => Math.min(1, Math.max(0, x));
  return { cpu: clamp((now.cpuTimes.used - (before?.cpuTimes.used ?? 0)) / total), wait: clamp((now.cpuTimes.iowait - (before?.cpuTimes.iowait ?? 0)) / total) };
}

/** What each node's server publishes in /etc/pve for the others (the part of PVE's RRD broadcast that /nodes and /cluster/resources show). */
export interface NodeRrd {
  /** Unix seconds of the reading. */
  time: number;
  uptime: number;
  cpu: number;
  maxcpu: number;
  mem: number;
  maxmem: number;
  disk: number;
  maxdisk: number;
}

export function rrdFrom(reading: NodeReading, cpu: number): NodeRrd {
  return {
    time: Math.floor(reading.at / 1000),
    uptime: reading.uptime,
    cpu,
    maxcpu: reading.cpuinfo.cpus,
    mem: reading.memory.used,
    maxmem: reading.memory.total,
    disk: reading.rootfs.used,
    maxdisk: reading.rootfs.total,
  };
}
