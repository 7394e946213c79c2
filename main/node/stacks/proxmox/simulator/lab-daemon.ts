// The background process that keeps a CLI-started lab's Proxmox test servers running after `clusterwright lab up`
// exits (the hidden verb `lab pve-serve --state DIR`), and the CLI's side of it: start and wait for ready, report, stop.
import fs from 'node:fs';
import type { Lab } from '../../../lab/index.js';
import { labDaemonDir, labDaemonLogFile, labDaemonRecord, labDaemonRunning, logTail, serveLabDaemon, startLabDaemon, stopLabDaemon, type LabDaemonKind } from '../../../lab/daemon.js';
import { readLabState, type LabStateFile } from '../../../lab/state.js';
import type { RecordedProcess } from '../../../lab/system.js';
import { tcpOpen } from '../../../lab/system.js';
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

/** The background process, for the lab's shared helpers: its verb, role, folder (`<state>/proxmox/`) and log. */
const daemon: LabDaemonKind = { stack: 'proxmox', verb: 'pve-serve', role: 'proxmox test servers', what: 'Proxmox test servers', logName: 'servers.log' };

/** This stack's record in a lab's state file. */
export function labProxmoxRecord(state: LabStateFile | undefined): LabProxmoxState | undefined {
  return labDaemonRecord<LabProxmoxState>(state, daemon);
}

/** The hidden CLI verb the background process runs: `clusterwright lab pve-serve --state DIR`. */
export const pveServeVerb = daemon.verb;

/** What the background process reads on stdin (never argv or the environment: both are visible in /proc). */
interface DaemonInput {
  rootPassword: string;
  passwordSecret: string;
}

/** What the background process writes once every server listens. */
interface DaemonReady {
  workDir: string;
  servers: LabPveEndpoint[];
}

/** The lab's folder for the background process: its log and its ready file. */
export function labPveDir(stateDir: string): string {
  return labDaemonDir(stateDir, daemon);
}
export function labPveLogFile(stateDir: string): string {
  return labDaemonLogFile(stateDir, daemon);
}

/**
 * The background process: starts the servers, stand-ins and workspace for the lab in `stateDir`, writes the
 * ready file and serves until SIGTERM/SIGINT or until the lab it was started for is gone (removed by the app,
 * replaced, or its hosts have died). Resolves with the exit code once everything it started is stopped.
 */
export function servePveForLab(stateDir: string, log: (line: string) => void, stdin: NodeJS.ReadableStream = process.stdin): Promise<number> {
  return serveLabDaemon<DaemonInput, DaemonReady>(stateDir, daemon, log, stdin, {
    secret: 'the root password',
    complete: (input) => !!input.rootPassword && !!input.passwordSecret,
    start: async (lab, input) => {
      const cluster = await startLabProxmoxCluster(lab, { rootPassword: input.rootPassword, passwordSecret: input.passwordSecret });
      for (const s of cluster.endpoints) log(`  ${s.host}: https://${s.endpoint}  fingerprint ${s.fingerprint}`);
      return { ready: { workDir: cluster.workDir, servers: cluster.endpoints }, stop: () => cluster.stop() };
    },
  });
}

/**
 * Starts the background process for a lab that is up, hands it the root password on stdin, waits until its
 * servers listen (90 s unless told), and records it in the lab's state. Throws (with the end of its log) when it
 * exits or times out; a process that timed out is killed (SIGKILL).
 */
export function startLabPveDaemon(
  lab: Lab,
  options: { command: string[]; rootPassword: string; passwordSecret: string; secretStore: string; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<LabProxmoxState> {
  return startLabDaemon<DaemonInput, DaemonReady, LabProxmoxState>(lab, daemon, {
    command: options.command,
    input: { rootPassword: options.rootPassword, passwordSecret: options.passwordSecret },
    ...(options.env ? { env: options.env } : {}),
    timeoutMs: options.timeoutMs ?? 90_000,
    pollMs: 100,
    timeoutSignal: 'SIGKILL',
    toRecord: (ready, started) => ({ process: started.process, passwordSecret: options.passwordSecret, secretStore: options.secretStore, workDir: ready.workDir, logFile: started.logFile, servers: ready.servers }),
  });
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
  const running = labDaemonRunning(record.process);
  const servers = await Promise.all(record.servers.map(async (s) => ({ ...s, answers: running && (await answers(s.endpoint)) })));
  const tail = running ? '' : logTail(record.logFile);
  return { running, pid: record.process.pid, logFile: record.logFile, passwordSecret: record.passwordSecret, secretStore: record.secretStore, servers, ...(tail ? { logTail: tail } : {}) };
}

/**
 * Stops the lab's background process (SIGTERM, then SIGKILL after 10 s; only if its command line is still the
 * recorded one), removes its work directory, deletes the password from `secrets` when given, and drops the
 * record from the lab's state. Returns whether there was a record.
 */
export function stopLabPveDaemon(stateDir: string, options: { secrets?: Pick<SecretStore, 'delete'> } = {}): Promise<{ stopped: boolean; passwordSecret?: string; secretDeleted: boolean }> {
  return stopLabDaemon<LabProxmoxState>(stateDir, daemon, {
    graceMs: 10_000,
    ...options,
    cleanup: (record) => {
      if (isLabPveWorkDir(record.workDir)) fs.rmSync(record.workDir, { recursive: true, force: true });
    },
  });
}
