// Real corosync on a node for the Proxmox test server: authkey, config files, start/reload/stop
// (without CAP_SYS_NICE), and status from corosync-quorumtool / corosync-cfgtool under timeouts.
import { CwError } from '../../../../common/errors.js';
import { type HostRunner, hostFileExists, readHostFile, writeHostFile } from './host.js';

export const corosyncPaths = {
  conf: '/etc/corosync/corosync.conf',
  authkey: '/etc/corosync/authkey',
  pid: '/run/corosync.pid',
} as const;

/** corosync-quorumtool never runs longer than this (it blocks while corosync is busy). */
export const quorumtoolTimeoutMs = 5_000;

export interface QuorumStatus {
  running: boolean;
  quorate: boolean;
  expectedVotes?: number;
  totalVotes?: number;
  /** nodeid → member name/address, for the members corosync currently sees. */
  members: Map<number, { votes: number; name: string; local: boolean }>;
  qdevice?: { votes: number; flags: string };
}

export interface LinkStatus {
  link: number;
  /** nodeid → connected? */
  peers: Map<number, boolean>;
}

export interface CorosyncDriverOptions {
  /** `systemctl` on hosts that have a service manager (the lab's stand-in); `direct` spawns corosync itself. */
  serviceManager?: 'systemctl' | 'direct';
}

export class CorosyncDriver {
  private readonly viaSystemctl: boolean;

  constructor(
    private readonly runner: HostRunner,
    options: CorosyncDriverOptions = {},
  ) {
    this.viaSystemctl = options.serviceManager === 'systemctl';
  }

  async generateAuthkey(): Promise<void> {
    const res = await this.runner.run(['corosync-keygen', '-l', '-k', corosyncPaths.authkey], { timeoutMs: 20_000 });
    if (res.code !== 0) throw new CwError('REMOTE_FAILED', `corosync-keygen failed on ${this.runner.label}: ${res.stderr.trim()}`);
  }

  async writeAuthkey(key: Buffer): Promise<void> {
    await writeHostFile(this.runner, corosyncPaths.authkey, key, '0400');
  }

  async readAuthkey(): Promise<Buffer | undefined> {
    const res = await this.runner.run(['base64', '-w0', corosyncPaths.authkey]);
    return res.code === 0 ? Buffer.from(res.stdout.trim(), 'base64') : undefined;
  }

  async writeConf(text: string): Promise<void> {
    await writeHostFile(this.runner, corosyncPaths.conf, text, '0644');
  }

  readConf(): Promise<string | undefined> {
    return readHostFile(this.runner, corosyncPaths.conf);
  }

  hasConf(): Promise<boolean> {
    return hostFileExists(this.runner, corosyncPaths.conf);
  }

  hasAuthkey(): Promise<boolean> {
    return hostFileExists(this.runner, corosyncPaths.authkey);
  }

  /** PID of the running corosync of this node, if any (from its pid file, checked against /proc). */
  async pid(): Promise<number | undefined> {
    if (this.viaSystemctl) {
      const active = await this.runner.run(['systemctl', 'is-active', '--quiet', 'corosync'], { timeoutMs: 5000 });
      if (active.code !== 0) return undefined;
    }
    const res = await this.runner.run(['sh', '-c', 'for f in /run/corosync.pid /run/cw-units/corosync.pid; do p=$(cat "$f" 2>/dev/null) && [ -n "$p" ] && grep -q corosync "/proc/$p/comm" 2>/dev/null && echo "$p" && exit 0; done; exit 1']);
    const pid = Number(res.stdout.trim());
    return res.code === 0 && pid > 0 ? pid : undefined;
  }

  /** Starts corosync without CAP_SYS_NICE, so it cannot take real-time priority on a shared machine. */
  async start(): Promise<void> {
    if (await this.pid()) return;
    const argv = this.viaSystemctl ? ['systemctl', 'start', 'corosync'] : ['setpriv', '--bounding-set', '-sys_nice', '--', 'corosync'];
    const res = await this.runner.run(argv, { timeoutMs: 20_000 });
    if (res.code !== 0) throw new CwError('REMOTE_FAILED', `corosync did not start on ${this.runner.label}: ${(res.stderr || res.stdout).trim().split('\n').slice(-3).join(' ')}. Check /etc/corosync/corosync.conf there.`);
  }

  /** Asks every corosync of the cluster to re-read corosync.conf (PVE does this after each write). */
  async reload(): Promise<void> {
    const res = await this.runner.run(['corosync-cfgtool', '-R'], { timeoutMs: 10_000 });
    if (res.code !== 0) throw new CwError('REMOTE_FAILED', `corosync-cfgtool -R failed on ${this.runner.label}: ${(res.stderr || res.stdout).trim()}`);
  }

  async stop(): Promise<void> {
    const pid = await this.pid();
    if (!pid) return;
    if (this.viaSystemctl) {
      await this.runner.run(['systemctl', 'stop', 'corosync'], { timeoutMs: 20_000 });
      return;
    }
    await this.runner.run(['kill', '-TERM', String(pid)]);
    for (let i = 0; i < 50; i++) {
      if (!(await this.pid())) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    await this.runner.run(['kill', '-KILL', String(pid)]);
  }

  /** Parses `corosync-quorumtool -s` (exit 0 quorate, 2 not quorate, other: not running). */
  async quorum(): Promise<QuorumStatus> {
    const res = await this.runner.run(['corosync-quorumtool', '-s'], { timeoutMs: quorumtoolTimeoutMs });
    const members = new Map<number, { votes: number; name: string; local: boolean }>();
    if (res.timedOut || (res.code !== 0 && res.code !== 2) || !/Quorate:/.test(res.stdout)) return { running: false, quorate: false, members };
    const quorate = /^Quorate:\s+Yes/m.test(res.stdout);
    const num = (label: string): number | undefined => {
      const m = new RegExp(`^${label}:\\s+(\\d+)`, 'm').exec(res.stdout);
      return m ? Number(m[1]) : undefined;
    };
    let qdevice: QuorumStatus['qdevice'];
    const table = res.stdout.split(/Membership information\s*\n-+\s*\n/)[1] ?? '';
    for (const line of table.split('\n')) {
      const m = /^\s*(\d+)\s+(\d+)\s+(?:([A-Z,]+)\s+)?(\S+)(\s+\(local\))?/.exec(line);
      if (m) members.set(Number(m[1]), { votes: Number(m[2]), name: m[4]!, local: Boolean(m[5]) });
      const q = /^\s*0\s+(\d+)\s+Qdevice/.exec(line);
      if (q) qdevice = { votes: Number(q[1]), flags: line.trim() };
    }
    return { running: true, quorate, expectedVotes: num('Expected votes'), totalVotes: num('Total votes'), members, qdevice };
  }

  /** Parses `corosync-cfgtool -n`: per link, whether knet is connected to each peer nodeid. */
  async links(): Promise<LinkStatus[]> {
    const res = await this.runner.run(['corosync-cfgtool', '-n'], { timeoutMs: quorumtoolTimeoutMs });
    if (res.code !== 0) return [];
    const byLink = new Map<number, LinkStatus>();
    let nodeid: number | undefined;
    for (const line of res.stdout.split('\n')) {
      const n = /^nodeid:\s+(\d+)/.exec(line);
      if (n) {
        nodeid = Number(n[1]);
        continue;
      }
      const l = /^\s*LINK:\s+(\d+)\s.*$/.exec(line);
      if (l && nodeid !== undefined) {
        const link = Number(l[1]);
        if (!byLink.has(link)) byLink.set(link, { link, peers: new Map() });
        byLink.get(link)!.peers.set(nodeid, /\bconnected\b/.test(line));
      }
    }
    return [...byLink.values()].sort((a, b) => a.link - b.link);
  }
}
