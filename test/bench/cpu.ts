// Where the CPU went during a benchmark phase, read from /proc: CPU time and run-queue wait of every
// process (and chosen threads) in the trees that matter (sshd with the shell it runs, this Node
// process that hosts the server, Chromium by process type), so a breakdown can say which part ran
// and which part waited for a core. Linux only; elsewhere the snapshots are empty.
import fs from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on Linux

export interface Usage {
  /** CPU time (user + system) in ms; for a shell, its reaped children (the commands it ran) too. */
  cpuMs: number;
  /** Time runnable but waiting for a core (schedstat), ms; threads summed. */
  waitMs: number;
}

export type Snapshot = Map<string, Usage>;

function read(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

function statFields(text: string): { comm: string; fields: string[] } {
  return { comm: text.slice(text.indexOf('(') + 1, text.lastIndexOf(')')), fields: text.slice(text.lastIndexOf(')') + 2).split(' ') };
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const tid of fs.readdirSync(`/proc/${pid}/task`, { withFileTypes: true }).map((d) => d.name)) {
    const text = read(`/proc/${pid}/task/${tid}/children`);
    if (text) children.push(...text.trim().split(/\s+/).filter(Boolean).map(Number));
  }
  return children;
}

export function descendants(pid: number): number[] {
  try {
    const direct = childrenOf(pid);
    return [...direct, ...direct.flatMap(descendants)];
  } catch {
    return [];
  }
}

function threadUsage(pid: number, tid: string): { comm: string; cpuMs: number; waitMs: number } | null {
  const stat = read(`/proc/${pid}/task/${tid}/stat`);
  const sched = read(`/proc/${pid}/task/${tid}/schedstat`);
  if (!stat) return null;
  const { comm, fields } = statFields(stat);
  const cpuMs = (Number(fields[11]) + Number(fields[12])) * TICK_MS;
  const waitMs = sched ? Number(sched.split(' ')[1]) / 1e6 : 0;
  return { comm, cpuMs, waitMs };
}

/** What kind of Chromium process this is, from its command line (Chromium rewrites it as one string). */
function chromiumKind(pid: number): string {
  const cmdline = (read(`/proc/${pid}/cmdline`) ?? '').replace(/\0/g, ' ');
  const type = /--type=(\S+)/.exec(cmdline)?.[1];
  if (!type) return 'browser';
  if (type === 'utility') {
    const sub = /--utility-sub-type=(\S+)/.exec(cmdline)?.[1] ?? '';
    return sub.includes('network') ? 'network service' : `utility ${sub.split('.').pop()}`;
  }
  return type === 'gpu-process' ? 'gpu' : type;
}

export interface Trees {
  /** The process that runs the web host and the core (the server). */
  server: number;
  /** Chromium's browser process; its descendants are the renderer, GPU and utility processes. */
  browser?: number;
  /** sshd's listener; its descendants are the session's sshd processes and the shell with its commands. */
  sshd?: number;
}

function add(snapshot: Snapshot, key: string, cpuMs: number, waitMs: number): void {
  const entry = snapshot.get(key) ?? { cpuMs: 0, waitMs: 0 };
  entry.cpuMs += cpuMs;
  entry.waitMs += waitMs;
  snapshot.set(key, entry);
}

/** Threads that get their own row, per process kind, besides the main thread (the rest is summed as "other threads"). */
const namedThreads: Record<string, RegExp> = {
  renderer: /^(Compositor|Chrome_ChildIOT)/,
  browser: /^(Chrome_IOThread)/,
  gpu: /^(VizCompositorTh)/,
  'server (Node)': /^$/,
};

/** One reading per thread ("pid:tid" → its row and usage so far) of every process in the trees. */
export function readThreads(trees: Trees, only?: 'sshd'): Map<string, { row: string; usage: Usage }> {
  const result = new Map<string, { row: string; usage: Usage }>();
  if (process.platform !== 'linux') return result;
  const processThreads = (pid: number, kind: string, threadRows = namedThreads[kind]) => {
    let tids: string[];
    try {
      tids = fs.readdirSync(`/proc/${pid}/task`);
    } catch {
      return;
    }
    const named = threadRows;
    for (const tid of tids) {
      const usage = threadUsage(pid, tid);
      if (!usage) continue;
      const row = !named ? kind : tid === String(pid) ? `${kind}: main thread` : named.test(usage.comm) ? `${kind}: ${usage.comm.replace(/\d+$/, '')}` : `${kind}: other threads`;
      result.set(`${pid}:${tid}`, { row, usage: { cpuMs: usage.cpuMs, waitMs: usage.waitMs } });
    }
  };
  if (only !== 'sshd') {
    processThreads(trees.server, 'server (Node)');
    if (trees.browser) {
      for (const pid of [trees.browser, ...descendants(trees.browser)]) {
        const kind = chromiumKind(pid);
        processThreads(pid, `chromium ${kind}`, namedThreads[kind]);
      }
    }
  }
  if (trees.sshd) {
    for (const pid of descendants(trees.sshd)) {
      const comm = statFields(read(`/proc/${pid}/stat`) ?? '( )').comm;
      processThreads(pid, comm === 'sshd' ? 'sshd (session)' : `shell: ${comm}`);
    }
  }
  return result;
}

/**
 * CPU and run-queue wait per row while a phase runs: read at the start and the end, and sshd's tree
 * every `intervalMs` too, so a process that starts and ends within the phase (the shell, seq) counts
 * up to its last reading (the polling itself stays off Chromium's many threads).
 */
export class CpuSampler {
  private readonly first = new Map<string, Usage>();
  private readonly last = new Map<string, { row: string; usage: Usage }>();
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly trees: () => Trees, private readonly intervalMs = 100) {}

  start(): void {
    this.first.clear();
    this.last.clear();
    for (const [key, reading] of readThreads(this.trees())) {
      this.first.set(key, reading.usage);
      this.last.set(key, reading);
    }
    this.timer = setInterval(() => this.poll('sshd'), this.intervalMs);
  }

  private poll(only?: 'sshd'): void {
    for (const [key, reading] of readThreads(this.trees(), only)) {
      if (!this.first.has(key)) this.first.set(key, { cpuMs: 0, waitMs: 0 });
      this.last.set(key, reading);
    }
  }

  stop(): Snapshot {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.poll();
    const result: Snapshot = new Map();
    for (const [key, { row, usage }] of this.last) {
      const before = this.first.get(key)!;
      add(result, row, usage.cpuMs - before.cpuMs, usage.waitMs - before.waitMs);
    }
    for (const [row, usage] of result) if (usage.cpuMs <= 0 && usage.waitMs <= 0) result.delete(row);
    return result;
  }
}

/** Total CPU time of a snapshot difference, ms. */
export function totalCpu(usage: Snapshot): number {
  let total = 0;
  for (const u of usage.values()) total += u.cpuMs;
  return total;
}

/** System-wide CPU busy time (all cores, all processes, ms) from /proc/stat: what else ran on the machine. */
export function machineBusyMs(): number {
  const line = (read('/proc/stat') ?? '').split('\n')[0] ?? '';
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) * TICK_MS;
}
