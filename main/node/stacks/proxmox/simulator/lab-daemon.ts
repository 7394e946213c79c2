// The background process that keeps a CLI-started lab's Proxmox test servers running after `clusterwright lab up`
// exits (the hidden verb `lab pve-serve --state DIR`), and the CLI's side of it: start and wait for ready, report, stop.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CwError } from '../../../../common/errors.js';
import { openLab, type Lab } from '../../../lab/index.js';
import { readLabState, writeLabState, type LabStateFile } from '../../../lab/state.js';
import type { RecordedProcess } from '../../../lab/system.js';
import { isRunning, killRecorded, readCmdline, tcpOpen, waitFor } from '../../../lab/system.js';
import type { SecretStore } from '../../../secrets/store.js';
import { isLabPveWorkDir, startLabProxmoxCluster, type LabPveEndpoint } from './lab-cluster.js';

/**
 * Proxmox test servers that `clusterwright lab up` runs for a `proxmox: true` lab in a background process,
 * recorded in the lab's state under `stacks.proxmox`. Its process is also in `processes`, so removing the lab ends it.
 */
export interface LabProxmoxState {
  process: RecordedProcess;
  /** Secret id of root@pam's password (the workspace's proxmox.clusters[0].api.passwordSecret). */
  passwordSecret: string;
  /** Where that secret is stored, for messages. */
  secretStore: string;
  /** The servers' state and the shared /etc/pve stand-in (under /var/tmp). */
  workDir: string;
  /** The background process's output. */
  logFile: string;
  servers: { host: string; endpoint: string; fingerprint: string }[];
}

/** This stack's record in a lab's state file. */
export function labProxmoxRecord(state: LabStateFile | undefined): LabProxmoxState | undefined {
  return state?.stacks?.proxmox as LabProxmoxState | undefined;
}

/** The hidden CLI verb the background process runs: `clusterwright lab pve-serve --state DIR`. */
export const pveServeVerb = 'pve-serve';

const roleName = 'proxmox test servers';

/** What the background process reads on stdin (never argv or the environment: both are visible in /proc). */
interface DaemonInput {
  rootPassword: string;
  passwordSecret: string;
}

/** What the background process writes once every server listens. */
interface DaemonReady {
  pid: number;
  workDir: string;
  servers: LabPveEndpoint[];
}

/** The lab's folder for the background process: its log and its ready file. */
export function labPveDir(stateDir: string): string {
  return path.join(stateDir, 'proxmox');
}
function readyFile(stateDir: string): string {
  return path.join(labPveDir(stateDir), 'ready.json');
}
export function labPveLogFile(stateDir: string): string {
  return path.join(labPveDir(stateDir), 'servers.log');
}

function readStdin(stream: NodeJS.ReadableStream & { isTTY?: boolean }): Promise<string> {
  // Started by hand from a terminal: there is no input coming, so do not wait for one.
  if (stream.isTTY) return Promise.resolve('');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (d: Buffer | string) => chunks.push(Buffer.from(d)));
    stream.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.once('error', reject);
  });
}

/**
 * The background process: starts the servers, stand-ins and workspace for the lab in `stateDir`, writes the
 * ready file and serves until SIGTERM/SIGINT or until the lab it was started for is gone (removed by the app,
 * replaced, or its hosts have died). Resolves with the exit code once everything it started is stopped.
 */
export async function servePveForLab(stateDir: string, log: (line: string) => void, stdin: NodeJS.ReadableStream = process.stdin): Promise<number> {
  let input: DaemonInput;
  try {
    input = JSON.parse(await readStdin(stdin)) as DaemonInput;
  } catch {
    input = { rootPassword: '', passwordSecret: '' };
  }
  if (!input.rootPassword || !input.passwordSecret) {
    log(`lab ${pveServeVerb} is started by \`clusterwright lab up\`, which passes the root password on stdin; run that instead.`);
    return 64;
  }
  const lab = openLab(stateDir);
  const startedAt = readLabState(stateDir)?.startedAt;
  // Listening from the start: a SIGTERM while the servers start stops them once they are up, instead of leaving their files behind.
  const signalled = new Promise<string>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => resolve(`received ${signal}`);
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  log(`Starting Proxmox test servers for the lab "${lab.name}" (process ${process.pid})…`);
  const cluster = await startLabProxmoxCluster(lab, input);
  for (const s of cluster.endpoints) log(`  ${s.host}: https://${s.endpoint}  fingerprint ${s.fingerprint}`);
  const ready: DaemonReady = { pid: process.pid, workDir: cluster.workDir, servers: cluster.endpoints };
  const file = readyFile(stateDir);
  fs.writeFileSync(`${file}.tmp`, JSON.stringify(ready, null, 2) + '\n', { mode: 0o600 });
  fs.renameSync(`${file}.tmp`, file);

  const reason = await new Promise<string>((resolve) => {
    void signalled.then((why) => {
      clearInterval(watch);
      resolve(why);
    });
    const watch = setInterval(() => {
      let now: ReturnType<typeof readLabState>;
      try {
        now = readLabState(stateDir);
      } catch {
        // A state file caught mid-write (or damaged): look again next round rather than die without cleaning up.
        return;
      }
      const gone = !now || now.startedAt !== startedAt || now.status === 'stopping' || !Object.values(now.hosts).some((h) => isRunning(h.initPid));
      if (gone) {
        clearInterval(watch);
        resolve(`the lab in ${stateDir} is gone`);
      }
    }, 2_000);
    watch.unref();
  });
  log(`Stopping the Proxmox test servers (${reason}).`);
  await cluster.stop();
  fs.rmSync(file, { force: true });
  log('Stopped.');
  return 0;
}

function logTail(file: string, lines = 12): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Starts the background process for a lab that is up, hands it the root password on stdin, waits until its
 * servers listen, and records it in the lab's state. Throws (with the end of its log) when it exits or times out.
 */
export async function startLabPveDaemon(
  lab: Lab,
  options: { command: string[]; rootPassword: string; passwordSecret: string; secretStore: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<LabProxmoxState> {
  const dir = labPveDir(lab.stateDir);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  fs.rmSync(readyFile(lab.stateDir), { force: true });
  const logFile = labPveLogFile(lab.stateDir);
  const logFd = fs.openSync(logFile, 'w', 0o600);
  // Like every lab process, without CAP_SYS_NICE (the commands it runs in the hosts drop it as well).
  const ownArgv = [...options.command, 'lab', pveServeVerb, '--state', lab.stateDir];
  const argv = [...lab.privilegeDrop(), ...ownArgv];
  const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['pipe', logFd, logFd], env: options.env ?? process.env, cwd: '/' });
  fs.closeSync(logFd);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = code !== null ? `exited with ${code}` : `was killed by ${signal}`));
  child.once('error', (error) => (exited = `could not start: ${error.message}`));
  child.stdin!.on('error', () => undefined);
  child.stdin!.end(JSON.stringify({ rootPassword: options.rootPassword, passwordSecret: options.passwordSecret } satisfies DaemonInput));
  const pid = child.pid ?? 0;
  let ready: DaemonReady | undefined;
  const timeoutMs = options.timeoutMs ?? 90_000;
  await waitFor(() => {
    if (exited) return true;
    try {
      const parsed = JSON.parse(fs.readFileSync(readyFile(lab.stateDir), 'utf8')) as DaemonReady;
      if (parsed.pid === pid) ready = parsed;
    } catch {
      /* not yet */
    }
    return ready !== undefined;
  }, timeoutMs, 100);
  child.unref();
  if (!ready) {
    if (!exited && pid) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
    }
    const tail = logTail(logFile);
    throw new CwError(
      'REMOTE_FAILED',
      `The Proxmox test servers of the lab "${lab.name}" did not start: their process ${exited ?? `was not ready within ${timeoutMs / 1000} s`}.${tail ? `\n${tail}` : ''}\nFull log: ${logFile}`,
    );
  }
  const record: LabProxmoxState = {
    // setpriv execs the CLI in place: what the process runs is our own command line, without the setpriv prefix.
    process: { pid, cmdline: readCmdline(pid) ?? ownArgv.join(' '), role: roleName },
    passwordSecret: options.passwordSecret,
    secretStore: options.secretStore,
    workDir: ready.workDir,
    logFile,
    servers: ready.servers,
  };
  const state = readLabState(lab.stateDir);
  if (!state) throw new CwError('CONFLICT', `The lab in ${lab.stateDir} was removed while its Proxmox test servers were starting.`);
  state.stacks = { ...state.stacks, proxmox: record };
  state.processes = [...state.processes.filter((p) => p.role !== roleName), record.process];
  writeLabState(state);
  return record;
}

export interface LabPveStatus {
  running: boolean;
  pid: number;
  logFile: string;
  passwordSecret: string;
  secretStore: string;
  servers: (LabPveEndpoint & { answers: boolean })[];
  /** The end of the log when the process is not running. */
  logTail?: string;
}

/** Whether a server's `host:port` endpoint accepts a TCP connection. */
function answers(endpoint: string, timeoutMs = 1_000): Promise<boolean> {
  const at = endpoint.lastIndexOf(':');
  return tcpOpen(endpoint.slice(0, at), Number(endpoint.slice(at + 1)), timeoutMs);
}

/** Whether the lab's background process still runs and which of its servers accept connections; undefined when it has none. */
export async function labPveDaemonStatus(stateDir: string): Promise<LabPveStatus | undefined> {
  const record = labProxmoxRecord(readLabState(stateDir));
  if (!record) return undefined;
  const running = readCmdline(record.process.pid) === record.process.cmdline && isRunning(record.process.pid);
  const servers = await Promise.all(record.servers.map(async (s) => ({ ...s, answers: running && (await answers(s.endpoint)) })));
  const tail = running ? '' : logTail(record.logFile);
  return { running, pid: record.process.pid, logFile: record.logFile, passwordSecret: record.passwordSecret, secretStore: record.secretStore, servers, ...(tail ? { logTail: tail } : {}) };
}

/**
 * Stops the lab's background process (SIGTERM, then SIGKILL after 10 s; only if its command line is still the
 * recorded one), removes its work directory, deletes the password from `secrets` when given, and drops the
 * record from the lab's state. Returns whether there was a record.
 */
export async function stopLabPveDaemon(stateDir: string, options: { secrets?: Pick<SecretStore, 'delete'> } = {}): Promise<{ stopped: boolean; passwordSecret?: string; secretDeleted: boolean }> {
  const state = readLabState(stateDir);
  const record = labProxmoxRecord(state);
  if (!state || !record) return { stopped: false, secretDeleted: false };
  if (killRecorded(record.process, 'SIGTERM')) {
    const ended = await waitFor(() => !isRunning(record.process.pid), 10_000, 50);
    if (!ended && killRecorded(record.process, 'SIGKILL')) await waitFor(() => !isRunning(record.process.pid), 5_000, 25);
  }
  if (isLabPveWorkDir(record.workDir)) fs.rmSync(record.workDir, { recursive: true, force: true });
  fs.rmSync(readyFile(stateDir), { force: true });
  let secretDeleted = false;
  if (options.secrets) secretDeleted = await options.secrets.delete(record.passwordSecret).catch(() => false);
  const fresh = readLabState(stateDir);
  if (fresh) {
    if (fresh.stacks) delete fresh.stacks.proxmox;
    fresh.processes = fresh.processes.filter((p) => !(p.pid === record.process.pid && p.role === roleName));
    writeLabState(fresh);
  }
  return { stopped: true, passwordSecret: record.passwordSecret, secretDeleted };
}
