// The background process that keeps a CLI-started lab's OpenStack services running after `clusterwright lab
// up` exits (the hidden verb `lab openstack-serve --state DIR`), and the CLI's side of it: start it and wait
// until it is ready, report it, stop it. The admin's password comes on stdin (never argv or the environment).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CwError } from '../../../../common/errors.js';
import { serializeWorkspace } from '../../../../common/workspace/serialize.js';
import { openLab, type Lab } from '../../../lab/index.js';
import { readLabState, writeLabState } from '../../../lab/state.js';
import type { RecordedProcess } from '../../../lab/system.js';
import { isRunning, killRecorded, readCmdline, waitFor } from '../../../lab/system.js';
import { labWorkspaceModel } from '../../../lab/workspace.js';
import type { SecretStore } from '../../../secrets/store.js';
import { startLabRegions, type LabRegionLayout } from './regions.js';

export const openstackServeVerb = 'openstack-serve';
const roleName = 'openstack services';

export interface LabOpenstackState {
  process: RecordedProcess;
  passwordSecret: string;
  secretStore: string;
  logFile: string;
  keystoneUrl: string;
  regions: { name: string; computeUrl: string }[];
}

interface DaemonInput {
  adminPassword: string;
  passwordSecret: string;
  layout: LabRegionLayout[];
  liveMigrationSeconds: number;
}

interface DaemonReady {
  pid: number;
  keystoneUrl: string;
  regions: { name: string; computeUrl: string }[];
}

const dirOf = (stateDir: string) => path.join(stateDir, 'openstack');
const readyFile = (stateDir: string) => path.join(dirOf(stateDir), 'ready.json');
export const labOpenstackLogFile = (stateDir: string) => path.join(dirOf(stateDir), 'services.log');

export function labOpenstackRecord(stateDir: string): LabOpenstackState | undefined {
  return readLabState(stateDir)?.stacks?.openstack as LabOpenstackState | undefined;
}

export function newLabAdminPassword(): string {
  return randomBytes(18).toString('hex');
}

function readStdin(stream: NodeJS.ReadableStream & { isTTY?: boolean }): Promise<string> {
  if (stream.isTTY) return Promise.resolve('');
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (d: Buffer | string) => chunks.push(Buffer.from(d)));
    stream.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    stream.once('error', reject);
  });
}

/** The background process: starts the services and the workspace, then serves until a signal or until its lab is gone. */
export async function serveOpenstackForLab(stateDir: string, log: (line: string) => void, stdin: NodeJS.ReadableStream = process.stdin): Promise<number> {
  let input: DaemonInput;
  try {
    input = JSON.parse(await readStdin(stdin)) as DaemonInput;
  } catch {
    input = { adminPassword: '', passwordSecret: '', layout: [], liveMigrationSeconds: 3 };
  }
  if (!input.adminPassword || !input.passwordSecret || !input.layout?.length) {
    log(`lab ${openstackServeVerb} is started by \`clusterwright lab up\`, which passes the admin password on stdin; run that instead.`);
    return 64;
  }
  const lab = openLab(stateDir);
  const startedAt = readLabState(stateDir)?.startedAt;
  const signalled = new Promise<string>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => resolve(`received ${signal}`);
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  log(`Starting OpenStack services for the lab "${lab.name}" (process ${process.pid})…`);
  const regions = await startLabRegions(input.layout, { labName: lab.name, passwordSecret: input.passwordSecret, adminPassword: input.adminPassword, glance: true, liveMigrationSeconds: input.liveMigrationSeconds });
  const text = serializeWorkspace(regions.workspace(labWorkspaceModel(lab.describe())), ` Written by \`clusterwright lab up\` for the lab "${lab.name}": OpenStack regions on 127.0.0.1 sharing one Keystone. Run the OpenStack wizard to register the catalog.`);
  fs.mkdirSync(path.dirname(lab.workspacePath), { recursive: true });
  fs.writeFileSync(`${lab.workspacePath}.tmp`, text, { mode: 0o600 });
  fs.renameSync(`${lab.workspacePath}.tmp`, lab.workspacePath);
  const ready: DaemonReady = { pid: process.pid, keystoneUrl: regions.lab.keystone.url, regions: regions.lab.regions.map((r) => ({ name: r.name, computeUrl: r.nova.computeUrl })) };
  log(`  Keystone ${ready.keystoneUrl}; ${ready.regions.map((r) => `${r.name} nova ${r.computeUrl}`).join('; ')}`);
  fs.writeFileSync(`${readyFile(stateDir)}.tmp`, JSON.stringify(ready) + '\n', { mode: 0o600 });
  fs.renameSync(`${readyFile(stateDir)}.tmp`, readyFile(stateDir));
  const reason = await new Promise<string>((resolve) => {
    const watch = setInterval(() => {
      let now: ReturnType<typeof readLabState>;
      try {
        now = readLabState(stateDir);
      } catch {
        return;
      }
      if (!now || now.startedAt !== startedAt || now.status === 'stopping' || !Object.values(now.hosts).some((h) => isRunning(h.initPid))) {
        clearInterval(watch);
        resolve(`the lab in ${stateDir} is gone`);
      }
    }, 2_000);
    watch.unref();
    void signalled.then((why) => {
      clearInterval(watch);
      resolve(why);
    });
  });
  log(`Stopping the OpenStack services (${reason}).`);
  await regions.stop();
  fs.rmSync(readyFile(stateDir), { force: true });
  log('Stopped.');
  return 0;
}

/** The CLI's side: stores nothing itself (the caller stored the password), starts the process, waits for it, records it. */
export async function startLabOpenstackDaemon(lab: Lab, options: { command: string[]; layout: LabRegionLayout[]; liveMigrationSeconds: number; adminPassword: string; passwordSecret: string; secretStore: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<LabOpenstackState> {
  fs.mkdirSync(dirOf(lab.stateDir), { recursive: true, mode: 0o700 });
  fs.rmSync(readyFile(lab.stateDir), { force: true });
  const logFile = labOpenstackLogFile(lab.stateDir);
  const logFd = fs.openSync(logFile, 'w', 0o600);
  const ownArgv = [...options.command, 'lab', openstackServeVerb, '--state', lab.stateDir];
  const argv = [...lab.privilegeDrop(), ...ownArgv];
  const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['pipe', logFd, logFd], env: options.env ?? process.env, cwd: '/' });
  fs.closeSync(logFd);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = code !== null ? `exited with ${code}` : `was killed by ${signal}`));
  child.once('error', (error) => (exited = `could not start: ${error.message}`));
  child.stdin!.on('error', () => undefined);
  child.stdin!.end(JSON.stringify({ adminPassword: options.adminPassword, passwordSecret: options.passwordSecret, layout: options.layout, liveMigrationSeconds: options.liveMigrationSeconds } satisfies DaemonInput));
  const pid = child.pid ?? 0;
  let ready: DaemonReady | undefined;
  const timeoutMs = options.timeoutMs ?? 240_000;
  await waitFor(() => {
    if (exited) return true;
    try {
      const parsed = JSON.parse(fs.readFileSync(readyFile(lab.stateDir), 'utf8')) as DaemonReady;
      if (parsed.pid === pid) ready = parsed;
    } catch {
      /* not yet */
    }
    return ready !== undefined;
  }, timeoutMs, 200);
  child.unref();
  if (!ready) {
    if (!exited && pid) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    let tail = '';
    try {
      tail = fs.readFileSync(logFile, 'utf8').trim().split('\n').slice(-12).join('\n');
    } catch {
      /* no log */
    }
    throw new CwError('REMOTE_FAILED', `The OpenStack services of the lab "${lab.name}" did not start: their process ${exited ?? `was not ready within ${timeoutMs / 1000} s`}.${tail ? `\n${tail}` : ''}\nFull log: ${logFile}`);
  }
  const record: LabOpenstackState = { process: { pid, cmdline: readCmdline(pid) ?? ownArgv.join(' '), role: roleName }, passwordSecret: options.passwordSecret, secretStore: options.secretStore, logFile, keystoneUrl: ready.keystoneUrl, regions: ready.regions };
  const state = readLabState(lab.stateDir);
  if (!state) throw new CwError('CONFLICT', `The lab in ${lab.stateDir} was removed while its OpenStack services were starting.`);
  state.stacks = { ...state.stacks, openstack: record };
  state.processes = [...state.processes.filter((p) => p.role !== roleName), record.process];
  writeLabState(state);
  return record;
}

export function labOpenstackDaemonStatus(stateDir: string): (LabOpenstackState & { running: boolean }) | undefined {
  const record = labOpenstackRecord(stateDir);
  if (!record) return undefined;
  return { ...record, running: readCmdline(record.process.pid) === record.process.cmdline && isRunning(record.process.pid) };
}

/** Stops the background process (SIGTERM, then SIGKILL; only if its command line is still the recorded one) and drops its record. */
export async function stopLabOpenstackDaemon(stateDir: string, options: { secrets?: Pick<SecretStore, 'delete'> } = {}): Promise<{ stopped: boolean; passwordSecret?: string; secretDeleted: boolean }> {
  const record = labOpenstackRecord(stateDir);
  if (!record) return { stopped: false, secretDeleted: false };
  if (killRecorded(record.process, 'SIGTERM')) {
    const ended = await waitFor(() => !isRunning(record.process.pid), 20_000, 50);
    if (!ended && killRecorded(record.process, 'SIGKILL')) await waitFor(() => !isRunning(record.process.pid), 5_000, 25);
  }
  fs.rmSync(readyFile(stateDir), { force: true });
  let secretDeleted = false;
  if (options.secrets) secretDeleted = await options.secrets.delete(record.passwordSecret).catch(() => false);
  const fresh = readLabState(stateDir);
  if (fresh) {
    if (fresh.stacks) delete fresh.stacks.openstack;
    fresh.processes = fresh.processes.filter((p) => !(p.pid === record.process.pid && p.role === roleName));
    writeLabState(fresh);
  }
  return { stopped: true, passwordSecret: record.passwordSecret, secretDeleted };
}
