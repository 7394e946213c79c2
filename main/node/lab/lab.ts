// Starts, drives and removes a multi-site lab: hosts as Linux namespaces with real sshd and corosync,
// sites joined by vde2 links (vde_switch + wirefilter) whose delay, jitter, loss and bandwidth change live.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CwError } from '../../common/errors.js';
import { etcHosts, etcPveLinkTarget, initScript, privateDirs, readyMarker, sshdConfig, systemctlStandIn } from './host-files.js';
import { findLink, labNetworks, maxSlots, planLab, slotRanges, type LabPlan, type NetworkIndex, type PlannedHost } from './plan.js';
import { describeLink, wirefilterCommands, type LinkParams, type PresetName } from './presets.js';
import { linkFrom, type LabSpec } from './spec.js';
import { readLabState, stateFilePath, writeLabState, type HostKey, type LabStateFile, type LinkState } from './state.js';
import {
  findProcessesMentioning,
  inParallel,
  isRunning,
  killRecorded,
  preflight,
  readCmdline,
  run,
  runOk,
  tcpOpen,
  waitFor,
  type RecordedProcess,
  type RunResult,
} from './system.js';
import { stopLabGuests } from './guests/registry.js';
import { withLabLock } from './lock.js';
import { labOverlayPrograms } from './overlay.js';
import { wirefilterCommand } from './wirefilter.js';
import { describeLabWorkspace, labWorkspaceText, type LabWorkspaceDescription } from './workspace.js';
import { factsPathFor } from '../workspace/facts-file.js';

export interface LabHost {
  name: string;
  site: string;
  /** The hostname inside the host (same as name). */
  hostname: string;
  /** Address per network name: `management` (corosync link0) and `corosync-link1`. */
  addresses: Record<string, string>;
  /** [management, corosync-link1] */
  addressList: [string, string];
  sshPort: number;
  reachableFromApp: boolean;
  /** A lab host to jump through when this one is not reachable from the app. */
  jumpHost?: string;
  hostKeys: HostKey[];
  netns: string;
}

export interface ExecOptions {
  timeoutMs?: number;
  input?: string | Buffer;
}

export interface LinkOptions {
  /** Only this network (0 = management / corosync link0, 1 = corosync link1); both when left out. */
  network?: NetworkIndex;
}

export interface LinkStatus {
  preset?: PresetName;
  params: LinkParams;
  description: string;
  cut: boolean;
}

export interface LabStatus {
  name: string;
  prefix: string;
  stateDir: string;
  status: LabStateFile['status'];
  startedAt: string;
  upMs?: number;
  hosts: { name: string; site: string; addresses: Record<string, string>; running: boolean; services: Record<string, boolean> }[];
  links: { a: string; b: string; networks: [LinkStatus, LinkStatus] }[];
  processes: { total: number; running: number };
  memoryMiB: number;
}

export interface StartLabOptions {
  /** Where the lab keeps keys, sockets, per-host files and its state file. Short paths only (Unix sockets). */
  stateDir: string;
  /** Names namespaces (`<prefix>-h-<host>`, `<prefix>-r-<site>`) and the root interface `<prefix>-app`. Default "cwl". */
  prefix?: string;
  /** Replace a lab this state directory records as running instead of refusing. */
  replace?: boolean;
  /** Progress lines (for the CLI). */
  log?: (line: string) => void;
  /** How many hosts to build at once. */
  concurrency?: number;
}

const ipTimeout = 10_000;
const execPath = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const programs = ['ip', 'nsenter', 'unshare', 'setpriv', 'mount', 'bash', 'vde_switch', 'wirefilter', 'sshd', 'ssh-keygen'];

/** A running lab. Obtained from startLab (which builds it) or openLab (another process, e.g. the CLI). */
export class Lab {
  readonly plan: LabPlan;
  private state: LabStateFile;

  constructor(state: LabStateFile) {
    this.state = state;
    this.plan = planLab(state.spec, { prefix: state.prefix, stateDir: state.stateDir, slot: state.slot ?? 0 });
  }

  get name(): string {
    return this.state.name;
  }
  get prefix(): string {
    return this.state.prefix;
  }
  get stateDir(): string {
    return this.state.stateDir;
  }
  get spec(): LabSpec {
    return this.state.spec;
  }
  get upMs(): number | undefined {
    return this.state.upMs;
  }
  /** ed25519 private key that logs in as root on every host. */
  get clientKeyPath(): string {
    return this.state.clientKey;
  }
  get knownHostsPath(): string {
    return path.join(this.stateDir, 'known_hosts');
  }
  /** OpenSSH client config with one `Host <name>` block per host: `ssh -F <this> <host>`. */
  get sshConfigPath(): string {
    return path.join(this.stateDir, 'ssh_config');
  }
  get workspacePath(): string {
    return path.join(this.stateDir, 'workspace', 'clusterwright.yaml');
  }
  /** Files put here appear in every host as /usr/local/sbin/<file> (first on PATH). */
  get binDir(): string {
    return path.join(this.stateDir, 'bin');
  }

  get hosts(): LabHost[] {
    const description = this.describe();
    return this.plan.hosts.map((h) => {
      const described = description.hosts.find((d) => d.name === h.name)!;
      return {
        name: h.name,
        site: h.site,
        hostname: h.name,
        addresses: Object.fromEntries(labNetworks.map((n) => [n.name, h.addresses[n.index]])),
        addressList: [...h.addresses] as [string, string],
        sshPort: 22,
        reachableFromApp: h.reachableFromApp,
        ...(described.ssh.jumpHost ? { jumpHost: described.ssh.jumpHost } : {}),
        hostKeys: this.state.hosts[h.name]?.hostKeys ?? [],
        netns: h.netns,
      };
    });
  }

  host(name: string): LabHost {
    const found = this.hosts.find((h) => h.name === name);
    if (!found) throw new CwError('NOT_FOUND', `The lab "${this.name}" has no host "${name}"; its hosts are ${this.plan.hosts.map((h) => h.name).join(', ')}.`);
    return found;
  }

  /** The current parameters of every site pair, per network. */
  get links(): LinkState[] {
    return structuredClone(this.state.links);
  }

  /** The lab as plain workspace data (sites, hosts, networks, SSH targets). */
  describe(): LabWorkspaceDescription {
    return describeLabWorkspace(this.plan, { identityFile: this.clientKeyPath, links: managementLinks(this.state) });
  }

  /** Where a file under one of a host's private directories (/etc/corosync, /root, /run, …) lives in the root namespace. */
  hostPath(host: string, absolutePath: string): string {
    this.host(host);
    const rel = absolutePath.replace(/^\/+/, '');
    const dir = privateDirs.find((d) => rel === d || rel.startsWith(`${d}/`));
    if (!dir) throw new CwError('INVALID_INPUT', `${absolutePath} is not in one of a lab host's private directories (${privateDirs.map((d) => `/${d}`).join(', ')}).`);
    return path.join(this.stateDir, 'hosts', host, 'fs', rel);
  }

  /**
   * Runs a command inside the host's namespaces (network, mount, UTS, IPC, PID) without SSH, as root
   * without CAP_SYS_NICE (unless the lab is realtime), with a clean environment. A string runs under bash -c.
   */
  async exec(host: string, command: readonly string[] | string, options: ExecOptions = {}): Promise<RunResult> {
    this.host(host);
    const hostState = this.state.hosts[host];
    if (!hostState || !isRunning(hostState.initPid)) {
      throw new CwError('UNREACHABLE', `Lab host ${host} is not running (its namespace holder is gone). Start the lab again with \`clusterwright lab up\`.`);
    }
    const argv = typeof command === 'string' ? ['/bin/bash', '-c', command] : [...command];
    const full = [
      'nsenter', `--target=${hostState.initPid}`, '--mount', '--uts', '--ipc', '--net', '--pid', '--wd=/root', '--',
      ...this.privilegeDrop(),
      'env', '-i', `PATH=${execPath}`, 'HOME=/root', 'USER=root', 'LOGNAME=root', 'SHELL=/bin/bash', 'LANG=C.UTF-8',
      ...argv,
    ];
    return run(full, { timeoutMs: options.timeoutMs ?? 30_000, ...(options.input !== undefined ? { input: options.input } : {}) });
  }

  /** exec that throws (naming the host, the command and its output) unless the command exits 0. */
  async execOk(host: string, command: readonly string[] | string, options: ExecOptions = {}): Promise<RunResult> {
    const result = await this.exec(host, command, options);
    const shown = typeof command === 'string' ? command : command.join(' ');
    if (result.timedOut) throw new CwError('TIMEOUT', `On lab host ${host}: \`${shown}\` did not finish within ${(options.timeoutMs ?? 30_000) / 1000} s.`);
    if (result.code !== 0) {
      throw new CwError('REMOTE_FAILED', `On lab host ${host}: \`${shown}\` exited with ${result.code ?? result.signal}: ${(result.stderr || result.stdout).trim().slice(-800)}`, { host, code: result.code });
    }
    return result;
  }

  privilegeDrop(): string[] {
    return this.state.spec.realtime ? [] : ['setpriv', '--bounding-set', '-sys_nice', '--'];
  }

  /** Sets the link between two sites (both networks unless options.network) to a preset or explicit parameters. */
  async setLink(siteA: string, siteB: string, link: PresetName | string | Partial<LinkParams>, options: LinkOptions = {}): Promise<LinkState> {
    const { params, preset } = linkFrom(link);
    const state = this.linkState(siteA, siteB);
    for (const n of networksOf(options.network)) state.networks[n] = { params: { ...params }, ...(preset ? { preset } : {}), cut: state.networks[n].cut };
    await this.applyLink(state, options.network);
    return structuredClone(state);
  }

  /** Cuts the link between two sites: 100 % loss, both directions (both networks unless options.network). */
  async cut(siteA: string, siteB: string, options: LinkOptions = {}): Promise<void> {
    const state = this.linkState(siteA, siteB);
    for (const n of networksOf(options.network)) state.networks[n].cut = true;
    await this.applyLink(state, options.network);
  }

  /** Restores a cut link to its parameters. */
  async restore(siteA: string, siteB: string, options: LinkOptions = {}): Promise<void> {
    const state = this.linkState(siteA, siteB);
    for (const n of networksOf(options.network)) state.networks[n].cut = false;
    await this.applyLink(state, options.network);
  }

  private linkState(siteA: string, siteB: string): LinkState {
    const sites = this.plan.sites.map((s) => s.name);
    for (const s of [siteA, siteB]) {
      if (!sites.includes(s)) throw new CwError('NOT_FOUND', `The lab "${this.name}" has no site "${s}"; its sites are ${sites.join(', ')}.`);
    }
    if (siteA === siteB) throw new CwError('INVALID_INPUT', `A link joins two different sites; "${siteA}" was given twice.`);
    const state = this.state.links.find((l) => (l.a === siteA && l.b === siteB) || (l.a === siteB && l.b === siteA));
    if (!state) throw new CwError('INTERNAL', `The state file has no link ${siteA}–${siteB}.`);
    return state;
  }

  private async applyLink(state: LinkState, network?: NetworkIndex): Promise<void> {
    const planned = findLink(this.plan, state.a, state.b)!;
    for (const n of networksOf(network)) {
      const ns = state.networks[n];
      await wirefilterCommand(planned.networks[n].mgmtSock, wirefilterCommands(ns.params, ns.cut));
    }
    // Another process (the CLI) may change links too: merge into the file's latest copy.
    const onDisk = readLabState(this.stateDir);
    const mine = onDisk?.links.find((l) => l.a === state.a && l.b === state.b);
    if (onDisk && mine) {
      for (const n of networksOf(network)) mine.networks[n] = structuredClone(state.networks[n]);
      writeLabState(onDisk);
    }
  }

  /** Replaces the host's sshd host key (as a man in the middle would present a different one) and returns the new key. */
  async regenerateHostKey(host: string): Promise<HostKey> {
    this.host(host);
    const keyFile = this.hostPath(host, '/etc/ssh/ssh_host_ed25519_key');
    const key = await generateHostKey(keyFile, host);
    this.state.hosts[host]!.hostKeys = [key];
    const onDisk = readLabState(this.stateDir);
    if (onDisk?.hosts[host]) {
      onDisk.hosts[host].hostKeys = [key];
      writeLabState(onDisk);
    }
    writeClientFiles(this.plan, this.state);
    return key;
  }

  async status(): Promise<LabStatus> {
    const fresh = readLabState(this.stateDir) ?? this.state;
    const hosts = await Promise.all(
      this.plan.hosts.map(async (h) => {
        const hs = fresh.hosts[h.name];
        const running = Boolean(hs && isRunning(hs.initPid));
        const services: Record<string, boolean> = {};
        if (running) {
          const units = ['ssh', 'corosync', 'corosync-qdevice', 'corosync-qnetd'];
          const result = await this.exec(h.name, ['systemctl', 'is-active', ...units], { timeoutMs: 5_000 });
          const lines = result.stdout.trim().split('\n');
          units.forEach((u, i) => (services[u] = lines[i] === 'active'));
        }
        return { name: h.name, site: h.site, addresses: Object.fromEntries(labNetworks.map((n) => [n.name, h.addresses[n.index]])), running, services };
      }),
    );
    const all = allRecordedProcesses(fresh);
    return {
      name: fresh.name,
      prefix: fresh.prefix,
      stateDir: fresh.stateDir,
      status: fresh.status,
      startedAt: fresh.startedAt,
      ...(fresh.upMs !== undefined ? { upMs: fresh.upMs } : {}),
      hosts,
      links: fresh.links.map((l) => ({
        a: l.a,
        b: l.b,
        networks: l.networks.map((n) => ({ ...(n.preset ? { preset: n.preset } : {}), params: n.params, description: describeLink(n.params), cut: n.cut })) as LabStatus['links'][number]['networks'],
      })),
      processes: { total: all.length, running: all.filter((p) => readCmdline(p.pid) === p.cmdline && isRunning(p.pid)).length },
      memoryMiB: Math.round(labMemoryKiB(fresh) / 102.4) / 10,
    };
  }

  /** Removes everything the lab created. Safe to call twice. */
  async stop(): Promise<void> {
    await stopLab(this.stateDir);
  }
}

/** Each site pair's link on the management network, as the workspace describes it. */
function managementLinks(state: LabStateFile): { a: string; b: string; params: LinkParams; preset?: PresetName }[] {
  return state.links.map((l) => ({ a: l.a, b: l.b, params: l.networks[0].params, ...(l.networks[0].preset ? { preset: l.networks[0].preset } : {}) }));
}

function networksOf(network?: NetworkIndex): NetworkIndex[] {
  return network === undefined ? [0, 1] : [network];
}

function allRecordedProcesses(state: LabStateFile): RecordedProcess[] {
  return [...Object.values(state.hosts).map((h) => h.holder), ...state.processes];
}

/** Memory (PSS, KiB) of every process of the lab: recorded ones and everything inside its namespaces. */
export function labMemoryKiB(state: LabStateFile): number {
  const netnsInodes = new Set<number>();
  for (const name of state.netns) {
    try {
      netnsInodes.add(fs.statSync(`/run/netns/${name}`).ino);
    } catch {
      /* gone */
    }
  }
  const recorded = new Set(allRecordedProcesses(state).map((p) => p.pid));
  let total = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    let inLab = recorded.has(pid);
    if (!inLab) {
      try {
        const link = fs.readlinkSync(`/proc/${pid}/ns/net`);
        const inode = Number(/\[(\d+)\]/.exec(link)?.[1]);
        inLab = netnsInodes.has(inode);
      } catch {
        continue;
      }
    }
    if (!inLab) continue;
    try {
      // Proportional set size: shared pages (libc, sshd's text) counted once across the lab, not per process.
      const pss = /^Pss:\s+(\d+)/m.exec(fs.readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1];
      total += Number(pss ?? 0);
    } catch {
      /* exited */
    }
  }
  return total;
}

async function generateHostKey(keyFile: string, host: string): Promise<HostKey> {
  fs.rmSync(keyFile, { force: true });
  fs.rmSync(`${keyFile}.pub`, { force: true });
  await runOk(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `root@${host}`, '-f', keyFile], `Creating the host key of lab host ${host}`);
  const [type, key] = fs.readFileSync(`${keyFile}.pub`, 'utf8').trim().split(/\s+/);
  return { type: type!, key: key! };
}

/** known_hosts and ssh_config for the OpenSSH client in the root namespace. */
function writeClientFiles(plan: LabPlan, state: LabStateFile): void {
  const known = plan.hosts.flatMap((h) => (state.hosts[h.name]?.hostKeys ?? []).map((k) => `${[h.name, ...h.addresses].join(',')} ${k.type} ${k.key}`));
  fs.writeFileSync(path.join(plan.stateDir, 'known_hosts'), known.join('\n') + '\n');
  const description = describeLabWorkspace(plan, { identityFile: state.clientKey, links: managementLinks(state) });
  // Values double-quoted as ssh_config allows (host names and addresses are checked by the lab spec; paths by planLab).
  const q = (value: string) => `"${value}"`;
  const blocks = description.hosts.map((h) =>
    [
      `Host ${h.name}`,
      `  HostName ${h.ssh.host}`,
      '  User root',
      '  Port 22',
      `  IdentityFile ${q(state.clientKey)}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${q(path.join(plan.stateDir, 'known_hosts'))}`,
      '  StrictHostKeyChecking yes',
      '  ConnectTimeout 10',
      ...(h.ssh.jumpHost ? [`  ProxyJump ${h.ssh.jumpHost}`] : []),
    ].join('\n'),
  );
  fs.writeFileSync(path.join(plan.stateDir, 'ssh_config'), `# Clusterwright lab "${plan.spec.name}": ssh -F ${path.join(plan.stateDir, 'ssh_config')} <host>\n\n${blocks.join('\n\n')}\n`);
}

/** Opens a lab that is already up (started by this or another process). */
export function openLab(stateDir: string): Lab {
  const state = readLabState(path.resolve(stateDir));
  if (!state) throw new CwError('NOT_FOUND', `No lab is recorded in ${path.resolve(stateDir)} (no ${stateFilePath(stateDir)}). Start one with \`clusterwright lab up <file> --state ${stateDir}\`.`);
  return new Lab(state);
}

function ipv4ToInt(address: string): number {
  return address.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

function rangeOf(cidr: string): [number, number] | undefined {
  const [addr, lenText] = cidr.split('/');
  if (!addr || !/^\d+\.\d+\.\d+\.\d+$/.test(addr)) return undefined;
  const len = lenText === undefined ? 32 : Number(lenText);
  const start = ipv4ToInt(addr);
  return [start, start + 2 ** (32 - len)];
}

/** Whether two destinations (a.b.c.d[/len]; "default" never) overlap. */
export function rangesOverlap(a: string, b: string): boolean {
  if (a === 'default' || b === 'default') return false;
  const ra = rangeOf(a);
  const rb = rangeOf(b);
  return Boolean(ra && rb && ra[0] < rb[1] && rb[0] < ra[1]);
}

/** Whether a route destination (a.b.c.d[/len]) overlaps 198.18.0.0/15. */
export function overlapsLabRange(dst: string): boolean {
  return rangesOverlap(dst, '198.18.0.0/15');
}

/** Another lab's app interface in the root namespace (`<prefix>-app`). */
const otherLabInterface = /^[a-z][a-z0-9]{1,5}-app$/;

/**
 * Picks a free slot of 198.18.0.0/15 for a new lab. Another lab's routes (through its `<prefix>-app`
 * interface) only take their slot; anything else routing part of the range makes the lab refuse to start.
 */
async function chooseSlot(): Promise<number> {
  const routes = await runOk(['ip', '-4', '-j', 'route', 'show', 'table', 'all'], 'Checking the routing table');
  const addrs = await runOk(['ip', '-4', '-j', 'addr', 'show'], 'Checking the addresses');
  const foreign: string[] = [];
  const taken: string[] = [];
  for (const r of JSON.parse(routes.stdout || '[]') as { dst: string; dev?: string; table?: string }[]) {
    if (!overlapsLabRange(r.dst)) continue;
    if (r.dev && otherLabInterface.test(r.dev)) taken.push(r.dst);
    else foreign.push(`route ${r.dst}${r.dev ? ` dev ${r.dev}` : ''}${r.table ? ` table ${r.table}` : ''}`);
  }
  for (const link of JSON.parse(addrs.stdout || '[]') as { ifname: string; addr_info?: { local: string; prefixlen: number }[] }[]) {
    for (const a of link.addr_info ?? []) {
      if (!overlapsLabRange(`${a.local}/32`)) continue;
      if (otherLabInterface.test(link.ifname)) taken.push(`${a.local}/32`);
      else foreign.push(`address ${a.local}/${a.prefixlen} on ${link.ifname}`);
    }
  }
  if (foreign.length) {
    throw new CwError('CONFLICT', `The lab uses 198.18.0.0/15, but this machine already routes part of it: ${[...new Set(foreign)].join('; ')}. Remove those routes and try again.`, { conflicts: foreign });
  }
  for (let slot = 0; slot < maxSlots; slot += 1) {
    const { networkCidrs, transit, app } = slotRanges(slot);
    if (![...networkCidrs, ...transit, app].some((range) => taken.some((dst) => rangesOverlap(range, dst)))) return slot;
  }
  throw new CwError('CONFLICT', `${maxSlots} labs are already running on this machine (see \`ip netns list\`); stop one with \`clusterwright lab down --state DIR\` first.`);
}

async function listNetns(): Promise<string[]> {
  const result = await run(['ip', '-j', 'netns', 'list'], { timeoutMs: ipTimeout });
  if (result.code !== 0 || !result.stdout.trim()) return [];
  return (JSON.parse(result.stdout) as { name: string }[]).map((n) => n.name);
}

async function listRootInterfaces(): Promise<string[]> {
  const result = await run(['ip', '-j', 'link', 'show'], { timeoutMs: ipTimeout });
  if (result.code !== 0 || !result.stdout.trim()) return [];
  return (JSON.parse(result.stdout) as { ifname: string }[]).map((l) => l.ifname);
}

/** Processes whose network namespace is the named one (found by the namespace file's inode). */
function processesInNetns(name: string): RecordedProcess[] {
  let inode: number;
  try {
    inode = fs.statSync(`/run/netns/${name}`).ino;
  } catch {
    return [];
  }
  const found: RecordedProcess[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const link = fs.readlinkSync(`/proc/${entry}/ns/net`);
      if (Number(/\[(\d+)\]/.exec(link)?.[1]) === inode) found.push({ pid: Number(entry), cmdline: readCmdline(Number(entry)) ?? '', role: `in ${name}` });
    } catch {
      /* exited or a kernel thread */
    }
  }
  return found;
}

async function killAndWait(procs: RecordedProcess[], timeoutMs = 5_000): Promise<void> {
  const signalled = procs.filter((p) => killRecorded(p, 'SIGKILL'));
  await waitFor(() => signalled.every((p) => !isRunning(p.pid)), timeoutMs, 25);
}

/**
 * Removes a lab: the processes it recorded (each checked against its recorded command line), every
 * process inside its namespaces, its namespaces and root interfaces — then anything else carrying the
 * lab's prefix or mentioning its state directory (what a crashed run left). Returns what it removed, with the
 * number of QEMU guests it stopped.
 */
export async function stopLab(stateDir: string, options: { prefix?: string } = {}): Promise<{ netns: string[]; processes: number; interfaces: string[]; guests: number }> {
  const dir = path.resolve(stateDir);
  const state = readLabState(dir);
  const prefix = options.prefix ?? state?.prefix;
  if (state) {
    state.status = 'stopping';
    writeLabState(state);
  }
  let killed = 0;
  // 0. QEMU guests, by their recorded PIDs (ending the hosts would end them too, but uncounted).
  const guests = await stopLabGuests(dir);
  // 1. Hosts: killing a host's PID 1 ends every process in it.
  const holders = state ? Object.values(state.hosts).flatMap((h) => [h.holder, { pid: h.initPid, cmdline: readCmdline(h.initPid) ?? '', role: 'init' }]) : [];
  const hostInits = holders.filter((p) => p.role === 'init' && p.cmdline.includes(dir));
  await killAndWait([...holders.filter((p) => p.role !== 'init'), ...hostInits]);
  killed += holders.length;
  // 2. Recorded link processes, then anything whose command line names the state directory.
  if (state) await killAndWait(state.processes);
  killed += state?.processes.length ?? 0;
  const mentioning = findProcessesMentioning(`${dir}/`);
  await killAndWait(mentioning);
  killed += mentioning.length;
  // 3. Namespaces: everything still inside one of ours goes first.
  const existing = await listNetns();
  const ours = existing.filter((n) => (state?.netns.includes(n) ?? false) || (prefix ? n.startsWith(`${prefix}-`) : false));
  const inside = ours.flatMap(processesInNetns).filter((p) => p.pid !== process.pid);
  await killAndWait(inside);
  killed += inside.length;
  for (const name of ours) {
    const result = await run(['ip', 'netns', 'delete', name], { timeoutMs: ipTimeout });
    if (result.code !== 0 && (await listNetns()).includes(name)) {
      throw new CwError('REMOTE_FAILED', `Could not delete the lab's network namespace ${name}: ${result.stderr.trim()}. Check \`ip netns pids ${name}\` and remove it with \`ip netns delete ${name}\`.`);
    }
  }
  // 4. Root interfaces (their routes go with them).
  const interfaces = (await listRootInterfaces()).filter((i) => (state?.rootInterfaces.includes(i) ?? false) || (prefix ? i.startsWith(`${prefix}-`) : false));
  for (const name of interfaces) await run(['ip', 'link', 'delete', name], { timeoutMs: ipTimeout });
  // 5. Runtime files, and the hosts' keys with them: with the state file goes the app's trust in them (see
  // trusted-host-keys.ts), with known_hosts the OpenSSH client's. The client key and the workspace stay for inspection.
  fs.rmSync(path.join(dir, 'vde'), { recursive: true, force: true });
  fs.rmSync(stateFilePath(dir), { force: true });
  fs.rmSync(path.join(dir, 'known_hosts'), { force: true });
  return { netns: ours, processes: killed, interfaces, guests };
}

function labIsRunning(state: LabStateFile): boolean {
  return Object.values(state.hosts).some((h) => readCmdline(h.holder.pid) === h.holder.cmdline && isRunning(h.holder.pid));
}

async function ipBatch(netns: string | undefined, lines: string[], what: string): Promise<void> {
  const argv = netns ? ['ip', '-n', netns, '-batch', '-'] : ['ip', '-batch', '-'];
  await runOk(argv, what, { input: lines.join('\n') + '\n', timeoutMs: ipTimeout });
}

async function sysctlIn(netns: string, settings: string[]): Promise<void> {
  await runOk(['nsenter', `--net=/run/netns/${netns}`, '--', 'sysctl', '-q', '-w', ...settings], `Setting ${settings.join(' ')} in ${netns}`);
}

/** Starts a vde daemon (-d/--daemon with a pid file) and records it. */
async function startDaemon(argv: string[], pidFile: string, role: string, what: string): Promise<RecordedProcess> {
  await runOk(argv, what, { timeoutMs: 10_000 });
  let pid = 0;
  await waitFor(() => {
    try {
      pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
      return pid > 0 && readCmdline(pid) !== undefined;
    } catch {
      return false;
    }
  }, 5_000);
  const cmdline = pid ? readCmdline(pid) : undefined;
  if (!cmdline) throw new CwError('REMOTE_FAILED', `${what}: the daemon did not write its pid file ${pidFile} within 5 s.`);
  return { pid, cmdline, role };
}


/**
 * Builds and starts a lab: removes leftovers of a crashed run with the same prefix or state directory,
 * refuses when 198.18.0.0/15 is routed by anything but another lab (whose part it avoids), then creates the site routers, the links, the hosts,
 * starts sshd on each host and writes known_hosts, ssh_config and a workspace. On failure it removes
 * what it created and rethrows.
 */
export async function startLab(spec: LabSpec, options: StartLabOptions): Promise<Lab> {
  const log = options.log ?? (() => undefined);
  preflight([...programs, ...labOverlayPrograms(spec)]);
  const stateDir = path.resolve(options.stateDir);
  const prefix = options.prefix ?? 'cwl';
  planLab(spec, { prefix, stateDir }); // validates prefix and state directory before anything is touched
  fs.mkdirSync(stateDir, { recursive: true, mode: 0o700 });

  const previous = readLabState(stateDir);
  if (previous && labIsRunning(previous) && !options.replace) {
    throw new CwError('CONFLICT', `A lab ("${previous.name}") is already up in ${stateDir} since ${previous.startedAt}. Stop it with \`clusterwright lab down --state ${stateDir}\` first.`);
  }
  // One `up` at a time on this machine: the slot is chosen from the routes other labs have installed.
  return withLabLock(() => buildFresh(spec, { ...options, stateDir, prefix }, Date.now(), log));
}

async function buildFresh(spec: LabSpec, options: StartLabOptions & { stateDir: string; prefix: string }, started: number, log: (line: string) => void): Promise<Lab> {
  const { stateDir, prefix } = options;
  await stopLab(stateDir, { prefix });
  const slot = await chooseSlot();
  const plan = planLab(spec, { prefix, stateDir, slot });

  const state: LabStateFile = {
    version: 1,
    name: spec.name,
    prefix,
    stateDir,
    slot,
    status: 'starting',
    startedAt: new Date().toISOString(),
    ownerPid: process.pid,
    spec,
    netns: [],
    rootInterfaces: [],
    processes: [],
    hosts: {},
    links: plan.links.map((l) => {
      const one = () => ({ params: { ...l.params }, ...(l.preset ? { preset: l.preset } : {}), cut: false });
      return { a: l.a, b: l.b, networks: [one(), one()] as LinkState['networks'] };
    }),
    clientKey: path.join(stateDir, 'id_ed25519'),
  };
  writeLabState(state);
  const lab = new Lab(state);
  try {
    await buildLab(plan, state, lab, log, options.concurrency ?? 4);
    state.status = 'up';
    state.upMs = Date.now() - started;
    writeLabState(state);
    log(`Lab "${spec.name}" is up in ${(state.upMs / 1000).toFixed(1)} s.`);
    return lab;
  } catch (error) {
    log(`Starting the lab failed; removing what was created.`);
    await stopLab(stateDir, { prefix }).catch(() => undefined);
    throw error;
  }
}

async function buildLab(plan: LabPlan, state: LabStateFile, lab: Lab, log: (line: string) => void, concurrency: number): Promise<void> {
  const { stateDir } = plan;
  const save = () => writeLabState(state);
  for (const sub of ['hosts', 'vde', 'bin', 'workspace']) fs.mkdirSync(path.join(stateDir, sub), { recursive: true });

  // Files: client key, the systemctl stand-in.
  fs.rmSync(state.clientKey, { force: true });
  fs.rmSync(`${state.clientKey}.pub`, { force: true });
  await runOk(['ssh-keygen', '-q', '-t', 'ed25519', '-N', '', '-C', `clusterwright-lab-${plan.spec.name}`, '-f', state.clientKey], 'Creating the lab client key');
  const clientPub = fs.readFileSync(`${state.clientKey}.pub`, 'utf8');
  fs.writeFileSync(path.join(stateDir, 'bin', 'systemctl'), systemctlStandIn(), { mode: 0o755 });
  fs.mkdirSync(path.join(stateDir, 'bin', 'units'), { recursive: true });

  // Site routers.
  log(`Creating ${plan.sites.length} site routers…`);
  for (const site of plan.sites) {
    await runOk(['ip', 'netns', 'add', site.routerNetns], `Creating the router namespace of site ${site.name}`);
    state.netns.push(site.routerNetns);
    save();
    await ipBatch(site.routerNetns, [
      'link set lo up',
      ...([0, 1] as const).flatMap((n) => [
        `link add br${n} type bridge`,
        `addr add ${site.routerAddresses[n]}/24 dev br${n}`,
        `link set br${n} up`,
      ]),
    ], `Setting up the router of site ${site.name}`);
    await sysctlIn(site.routerNetns, ['net.ipv4.ip_forward=1', 'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0']);
  }

  // Site-to-site links: per network, a vde_switch with a tap in each router and a wirefilter between them.
  log(`Creating ${plan.links.length} site-to-site links…`);
  for (const link of plan.links) {
    for (const ln of link.networks) {
      for (const end of ln.ends) {
        const router = plan.sites.find((s) => s.name === end.site)!.routerNetns;
        const proc = await startDaemon(
          ['nsenter', `--net=/run/netns/${router}`, '--', 'vde_switch', '--sock', end.switchSock, '--tap', end.tap, '--daemon', '--pidfile', `${end.switchSock}.pid`],
          `${end.switchSock}.pid`, `vde_switch ${link.a}-${link.b} net${ln.network} at ${end.site}`, `Starting the vde_switch of link ${link.a}–${link.b} in site ${end.site}`,
        );
        state.processes.push(proc);
        save();
        await ipBatch(router, [`addr add ${end.address}/31 dev ${end.tap}`, `link set ${end.tap} up`], `Configuring ${end.tap} in site ${end.site}`);
      }
      const wfPid = `${ln.mgmtSock}.pid`;
      const proc = await startDaemon(
        // wirefilter needs no network; running it in a lab namespace lets a later `up` find it by the prefix.
        ['nsenter', `--net=/run/netns/${plan.sites.find((s) => s.name === link.a)!.routerNetns}`, '--', 'wirefilter', '--vde-plug', `${ln.ends[0].switchSock}:${ln.ends[1].switchSock}`, '--mgmt', ln.mgmtSock, '--daemon', '--pidfile', wfPid],
        wfPid, `wirefilter ${link.a}-${link.b} net${ln.network}`, `Starting the wirefilter of link ${link.a}–${link.b}`,
      );
      state.processes.push(proc);
      save();
      await waitFor(() => fs.existsSync(ln.mgmtSock), 5_000, 20);
      await wirefilterCommand(ln.mgmtSock, wirefilterCommands(link.params));
    }
  }

  // Routes between sites, and the app's attachment to its site.
  const home = plan.sites.find((s) => s.name === plan.app.site)!;
  for (const site of plan.sites) {
    const lines: string[] = [];
    for (const other of plan.sites) {
      if (other === site) continue;
      const link = findLink(plan, site.name, other.name)!;
      for (const ln of link.networks) {
        const far = ln.ends.find((e) => e.site === other.name)!;
        lines.push(`route add ${other.subnets[ln.network]} via ${far.address}`);
        if (other === home && ln.network === 0) lines.push(`route add ${plan.app.subnet} via ${far.address}`);
      }
    }
    if (lines.length) await ipBatch(site.routerNetns, lines, `Adding routes in site ${site.name}`);
  }
  await runOk(['ip', 'link', 'add', plan.app.rootIf, 'type', 'veth', 'peer', 'name', plan.app.routerIf, 'netns', home.routerNetns], 'Attaching the app to its site');
  state.rootInterfaces.push(plan.app.rootIf);
  save();
  const refused = [
    ...plan.sites.filter((s) => !s.reachableFromApp).flatMap((s) => s.subnets),
    ...plan.hosts.filter((h) => !h.reachableFromApp && plan.sites.find((s) => s.name === h.site)!.reachableFromApp).flatMap((h) => h.addresses.map((a) => `${a}/32`)),
  ];
  await ipBatch(home.routerNetns, [
    `addr add ${plan.app.routerAddress}/30 dev ${plan.app.routerIf}`,
    `link set ${plan.app.routerIf} up`,
    // Hosts marked unreachable refuse the app's packets at the first router (ICMP "prohibited"), as a firewall would.
    ...refused.map((dst) => `rule add iif ${plan.app.routerIf} to ${dst} prohibit`),
  ], 'Configuring the app link in its site router');
  await ipBatch(undefined, [
    `addr add ${plan.app.rootAddress}/30 dev ${plan.app.rootIf}`,
    `link set ${plan.app.rootIf} up`,
    ...plan.networkCidrs.map((cidr) => `route add ${cidr} via ${plan.app.routerAddress} dev ${plan.app.rootIf}`),
  ], 'Configuring the app link in the root namespace');

  // Hosts.
  log(`Creating ${plan.hosts.length} hosts…`);
  const etcHostsText = etcHosts(plan);
  await inParallel(plan.hosts, concurrency, async (host) => {
    await createHost(plan, state, lab, host, clientPub, etcHostsText);
    save();
  });

  // sshd answers on every host the app can reach directly.
  const reachable = plan.hosts.filter((h) => h.reachableFromApp);
  const ok = await waitFor(async () => (await Promise.all(reachable.map((h) => tcpOpen(h.addresses[0], 22, 1_000)))).every(Boolean), 15_000, 100);
  if (!ok) {
    const down: string[] = [];
    for (const h of reachable) if (!(await tcpOpen(h.addresses[0], 22, 1_000))) down.push(`${h.name} (${h.addresses[0]})`);
    throw new CwError('UNREACHABLE', `sshd does not answer on port 22 of lab hosts ${down.join(', ')} within 15 s. See ${path.join(stateDir, 'hosts', '<host>', 'fs', 'run', 'cw-units', 'ssh.log')}.`);
  }
  writeClientFiles(plan, state);
  writeWorkspace(plan, state);
}

async function createHost(plan: LabPlan, state: LabStateFile, lab: Lab, host: PlannedHost, clientPub: string, etcHostsText: string): Promise<void> {
  const hostDir = path.join(plan.stateDir, 'hosts', host.name);
  const fsDir = path.join(hostDir, 'fs');
  fs.rmSync(hostDir, { recursive: true, force: true });
  for (const d of privateDirs) fs.mkdirSync(path.join(fsDir, d), { recursive: true });
  fs.chmodSync(path.join(fsDir, 'root'), 0o700);
  fs.chmodSync(path.join(fsDir, 'tmp'), 0o1777);
  fs.mkdirSync(path.join(fsDir, 'root', '.ssh'), { mode: 0o700 });
  fs.writeFileSync(path.join(fsDir, 'root', '.ssh', 'authorized_keys'), clientPub, { mode: 0o600 });
  fs.mkdirSync(path.join(fsDir, 'run', 'sshd'), { mode: 0o755 });
  for (const d of ['uidgid.d', 'qdevice/net', 'qnetd']) fs.mkdirSync(path.join(fsDir, 'etc', 'corosync', d), { recursive: true });
  fs.writeFileSync(path.join(fsDir, 'etc', 'hosts'), etcHostsText);
  fs.writeFileSync(path.join(fsDir, 'etc', 'hostname'), `${host.name}\n`);
  const etcSsh = path.join(fsDir, 'etc', 'ssh');
  for (const f of ['ssh_config', 'moduli']) if (fs.existsSync(`/etc/ssh/${f}`)) fs.copyFileSync(`/etc/ssh/${f}`, path.join(etcSsh, f));
  fs.mkdirSync(path.join(etcSsh, 'ssh_config.d'));
  fs.mkdirSync(path.join(etcSsh, 'sshd_config.d'));
  fs.writeFileSync(path.join(etcSsh, 'sshd_config'), sshdConfig(host));
  const hostKey = await generateHostKey(path.join(etcSsh, 'ssh_host_ed25519_key'), host.name);
  // The per-host layer over /etc (see initScript): only /etc/pve, a link into the host's private /run.
  fs.mkdirSync(path.join(hostDir, 'etc-upper'), { recursive: true });
  fs.mkdirSync(path.join(hostDir, 'etc-work'), { recursive: true });
  fs.symlinkSync(etcPveLinkTarget, path.join(hostDir, 'etc-upper', 'pve'));
  const initFile = path.join(hostDir, 'init.sh');
  fs.writeFileSync(initFile, initScript(host, hostDir, path.join(plan.stateDir, 'bin')), { mode: 0o755 });

  // Network namespace and the veth pairs to the site router's bridges.
  const site = plan.sites.find((s) => s.name === host.site)!;
  await runOk(['ip', 'netns', 'add', host.netns], `Creating the network namespace of lab host ${host.name}`);
  state.netns.push(host.netns);
  for (const n of [0, 1] as const) {
    await runOk(['ip', '-n', site.routerNetns, 'link', 'add', host.routerIfs[n], 'type', 'veth', 'peer', 'name', `eth${n}`, 'netns', host.netns], `Wiring lab host ${host.name} to site ${site.name}`);
  }
  await ipBatch(site.routerNetns, [0, 1].flatMap((n) => [`link set ${host.routerIfs[n]} master br${n}`, `link set ${host.routerIfs[n]} up`]), `Attaching lab host ${host.name} to its site's bridges`);
  await ipBatch(host.netns, [
    'link set lo up',
    ...([0, 1] as const).flatMap((n) => [`addr add ${host.addresses[n]}/24 dev eth${n}`, `link set eth${n} up`]),
    `route add default via ${site.routerAddresses[0]}`,
    `route add 198.19.0.0/16 via ${site.routerAddresses[1]}`,
  ], `Configuring the network of lab host ${host.name}`);

  // The namespace holder: unshare forks the host's PID 1 (init.sh) into new mount, UTS, IPC and PID namespaces.
  const logFd = fs.openSync(path.join(hostDir, 'init.log'), 'a');
  const holder = spawn(
    'nsenter',
    [`--net=/run/netns/${host.netns}`, '--', ...lab.privilegeDrop(), 'unshare', '--mount', '--uts', '--ipc', '--pid', '--fork', '--mount-proc', '--propagation', 'private', '--kill-child', '--', '/bin/bash', initFile],
    { detached: true, stdio: ['ignore', logFd, logFd] },
  );
  holder.unref();
  fs.closeSync(logFd);
  const holderPid = holder.pid;
  if (!holderPid) throw new CwError('REMOTE_FAILED', `Could not start the namespace holder of lab host ${host.name}.`);
  let initPid = 0;
  const ready = await waitFor(() => {
    if (!initPid) {
      try {
        initPid = Number(fs.readFileSync(`/proc/${holderPid}/task/${holderPid}/children`, 'utf8').trim().split(/\s+/)[0] ?? 0);
      } catch {
        return false;
      }
    }
    return fs.existsSync(path.join(fsDir, 'run', readyMarker));
  }, 10_000, 20);
  const holderCmd = readCmdline(holderPid) ?? '';
  state.hosts[host.name] = { holder: { pid: holderPid, cmdline: holderCmd, role: `holder of ${host.name}` }, initPid, hostKeys: [hostKey] };
  if (!ready || !initPid) {
    const why = fs.existsSync(path.join(hostDir, 'init.log')) ? fs.readFileSync(path.join(hostDir, 'init.log'), 'utf8').trim().slice(-600) : '';
    throw new CwError('REMOTE_FAILED', `Lab host ${host.name} did not finish setting up its namespaces within 10 s${why ? `: ${why}` : ''}.`);
  }
  await lab.execOk(host.name, ['systemctl', 'start', 'ssh'], { timeoutMs: 15_000 });
}

function writeWorkspace(plan: LabPlan, state: LabStateFile): void {
  const description = describeLabWorkspace(plan, { identityFile: state.clientKey, links: managementLinks(state) });
  const file = path.join(plan.stateDir, 'workspace', 'clusterwright.yaml');
  // A new lab is a new estate at the same path (often the same addresses): figures measured on the
  // previous one are not its figures.
  fs.rmSync(factsPathFor(file), { force: true });
  fs.writeFileSync(file, labWorkspaceText(description));
}

