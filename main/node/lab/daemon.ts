// A stack's background process for a CLI-started lab: it keeps the stack's services running after
// `clusterwright lab up` exits. Both sides of it, whatever the stack: the process itself (its input on stdin,
// the ready file, serving until a signal or until its lab is gone) and the CLI's (start it and wait until it is
// ready, record it in the lab's state, tell whether it runs, stop it). The stack names what differs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CwError } from '../../common/errors.js';
import { openLab, type Lab } from './index.js';
import { readLabState, writeLabState, type LabStateFile } from './state.js';
import { isRunning, killRecorded, readCmdline, waitFor, type RecordedProcess } from './system.js';
import type { SecretStore } from '../secrets/store.js';

/** Which background process: each stack's lab part has one. */
export interface LabDaemonKind {
  /** Its record's key under the lab state's `stacks`. */
  stack: string;
  /** The hidden CLI verb it runs: `clusterwright lab VERB --state DIR`. */
  verb: string;
  /** Its role in the lab state's `processes`. */
  role: string;
  /** What it runs, in the admin's words ("… test servers"): the subject of its log lines and errors. */
  what: string;
  /** Its log's file name in its folder (`<state>/<stack>/`), beside its ready file. */
  logName: string;
}

/** What every stack records for its background process (the rest of its record is its own). */
export interface LabDaemonRecord {
  process: RecordedProcess;
  /** Secret id of the password handed to the process. */
  passwordSecret: string;
}

/** The lab's folder for the background process: its log and its ready file. */
export function labDaemonDir(stateDir: string, kind: LabDaemonKind): string {
  return path.join(stateDir, kind.stack);
}
function readyFile(stateDir: string, kind: LabDaemonKind): string {
  return path.join(labDaemonDir(stateDir, kind), 'ready.json');
}
export function labDaemonLogFile(stateDir: string, kind: LabDaemonKind): string {
  return path.join(labDaemonDir(stateDir, kind), kind.logName);
}

/** The stack's record in a lab's state file. */
export function labDaemonRecord<R extends LabDaemonRecord>(state: LabStateFile | undefined, kind: LabDaemonKind): R | undefined {
  return state?.stacks?.[kind.stack] as R | undefined;
}

/** Whether the recorded process still runs the command line it was recorded with. */
export function labDaemonRunning(proc: RecordedProcess): boolean {
  return readCmdline(proc.pid) === proc.cmdline && isRunning(proc.pid);
}

/** The last lines of a log, or '' when there is none. */
export function logTail(file: string, lines = 12): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
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

/** What a stack's services are once they run: what goes in the ready file (beside the process id) and how to stop them. */
export interface LabDaemonServices<Ready> {
  ready: Ready;
  stop(): Promise<void>;
}

/**
 * The background process: reads its input on stdin (never argv or the environment: both are visible in /proc),
 * starts the stack's services for the lab in `stateDir`, writes the ready file and serves until SIGTERM/SIGINT
 * or until the lab it was started for is gone (removed by the app, replaced, or its hosts have died).
 * Resolves with the exit code once everything it started is stopped.
 */
export async function serveLabDaemon<Input extends object, Ready extends object>(
  stateDir: string,
  kind: LabDaemonKind,
  log: (line: string) => void,
  stdin: NodeJS.ReadableStream,
  services: {
    /** The secret the input carries, in the refusal's words ("the root password"). */
    secret: string;
    /** Whether the input is complete. */
    complete(input: Partial<Input>): boolean;
    start(lab: Lab, input: Input): Promise<LabDaemonServices<Ready>>;
  },
): Promise<number> {
  let input: Partial<Input> = {};
  try {
    const parsed: unknown = JSON.parse(await readStdin(stdin));
    if (parsed && typeof parsed === 'object') input = parsed as Partial<Input>;
  } catch {
    /* refused below */
  }
  if (!services.complete(input)) {
    log(`lab ${kind.verb} is started by \`clusterwright lab up\`, which passes ${services.secret} on stdin; run that instead.`);
    return 64;
  }
  const lab = openLab(stateDir);
  const startedAt = readLabState(stateDir)?.startedAt;
  // Listening from the start: a SIGTERM while the services start stops them once they are up, instead of leaving their files behind.
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const signalled = new Promise<string>((resolve) => {
    onSignal = (signal) => resolve(`received ${signal}`);
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  });
  try {
    log(`Starting ${kind.what} for the lab "${lab.name}" (process ${process.pid})…`);
    const running = await services.start(lab, input as Input);
    const file = readyFile(stateDir, kind);
    fs.writeFileSync(`${file}.tmp`, JSON.stringify({ pid: process.pid, ...running.ready }, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(`${file}.tmp`, file);

    const reason = await new Promise<string>((resolve) => {
      const watch = setInterval(() => {
        let now: LabStateFile | undefined;
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
      void signalled.then((why) => {
        clearInterval(watch);
        resolve(why);
      });
    });
    log(`Stopping the ${kind.what} (${reason}).`);
    await running.stop();
    fs.rmSync(file, { force: true });
    log('Stopped.');
  } finally {
    // Served in-process (a test): leave no listener behind.
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
  return 0;
}

/**
 * The CLI's side: starts the background process for a lab that is up, hands it `input` on stdin, waits until
 * it has written its ready file, and records it in the lab's state (the record is `toRecord`'s, with the
 * process). Throws (with the end of its log) when it exits first or is not ready within `timeoutMs`; then a
 * process still running gets `timeoutSignal`.
 */
export async function startLabDaemon<Input extends object, Ready extends object, R extends LabDaemonRecord>(
  lab: Lab,
  kind: LabDaemonKind,
  options: {
    command: string[];
    input: Input;
    env?: NodeJS.ProcessEnv;
    timeoutMs: number;
    /** How often it looks for the ready file. */
    pollMs: number;
    timeoutSignal: NodeJS.Signals;
    toRecord(ready: Ready, started: { process: RecordedProcess; logFile: string }): R;
  },
): Promise<R> {
  fs.mkdirSync(labDaemonDir(lab.stateDir, kind), { recursive: true, mode: 0o700 });
  const file = readyFile(lab.stateDir, kind);
  fs.rmSync(file, { force: true });
  const logFile = labDaemonLogFile(lab.stateDir, kind);
  const logFd = fs.openSync(logFile, 'w', 0o600);
  // Like every lab process, without CAP_SYS_NICE (the commands it runs in the hosts drop it as well).
  const ownArgv = [...options.command, 'lab', kind.verb, '--state', lab.stateDir];
  const argv = [...lab.privilegeDrop(), ...ownArgv];
  const child = spawn(argv[0]!, argv.slice(1), { detached: true, stdio: ['pipe', logFd, logFd], env: options.env ?? process.env, cwd: '/' });
  fs.closeSync(logFd);
  let exited: string | undefined;
  child.once('exit', (code, signal) => (exited = code !== null ? `exited with ${code}` : `was killed by ${signal}`));
  child.once('error', (error) => (exited = `could not start: ${error.message}`));
  child.stdin!.on('error', () => undefined);
  child.stdin!.end(JSON.stringify(options.input));
  const pid = child.pid ?? 0;
  let ready: (Ready & { pid: number }) | undefined;
  await waitFor(
    () => {
      if (exited) return true;
      try {
        const parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Ready & { pid: number };
        if (parsed.pid === pid) ready = parsed;
      } catch {
        /* not yet */
      }
      return ready !== undefined;
    },
    options.timeoutMs,
    options.pollMs,
  );
  child.unref();
  if (!ready) {
    if (!exited && pid) {
      try {
        process.kill(pid, options.timeoutSignal);
      } catch {
        /* gone meanwhile */
      }
    }
    const tail = logTail(logFile);
    throw new CwError(
      'REMOTE_FAILED',
      `The ${kind.what} of the lab "${lab.name}" did not start: their process ${exited ?? `was not ready within ${options.timeoutMs / 1000} s`}.${tail ? `\n${tail}` : ''}\nFull log: ${logFile}`,
    );
  }
  // setpriv execs the CLI in place: what the process runs is our own command line, without the setpriv prefix.
  const record = options.toRecord(ready, { process: { pid, cmdline: readCmdline(pid) ?? ownArgv.join(' '), role: kind.role }, logFile });
  const state = readLabState(lab.stateDir);
  if (!state) throw new CwError('CONFLICT', `The lab in ${lab.stateDir} was removed while its ${kind.what} were starting.`);
  state.stacks = { ...state.stacks, [kind.stack]: record };
  state.processes = [...state.processes.filter((p) => p.role !== kind.role), record.process];
  writeLabState(state);
  return record;
}

/**
 * Stops the lab's background process (SIGTERM, then SIGKILL after `graceMs`; only if its command line is still
 * the recorded one), runs the stack's `cleanup`, deletes the password from `secrets` when given, and drops the
 * record from the lab's state. Returns whether there was a record.
 */
export async function stopLabDaemon<R extends LabDaemonRecord>(
  stateDir: string,
  kind: LabDaemonKind,
  options: { graceMs: number; secrets?: Pick<SecretStore, 'delete'>; cleanup?(record: R): void },
): Promise<{ stopped: boolean; passwordSecret?: string; secretDeleted: boolean }> {
  const record = labDaemonRecord<R>(readLabState(stateDir), kind);
  if (!record) return { stopped: false, secretDeleted: false };
  if (killRecorded(record.process, 'SIGTERM')) {
    const ended = await waitFor(() => !isRunning(record.process.pid), options.graceMs, 50);
    if (!ended && killRecorded(record.process, 'SIGKILL')) await waitFor(() => !isRunning(record.process.pid), 5_000, 25);
  }
  options.cleanup?.(record);
  fs.rmSync(readyFile(stateDir, kind), { force: true });
  let secretDeleted = false;
  if (options.secrets) secretDeleted = await options.secrets.delete(record.passwordSecret).catch(() => false);
  const fresh = readLabState(stateDir);
  if (fresh) {
    if (fresh.stacks) delete fresh.stacks[kind.stack];
    fresh.processes = fresh.processes.filter((p) => !(p.pid === record.process.pid && p.role === kind.role));
    writeLabState(fresh);
  }
  return { stopped: true, passwordSecret: record.passwordSecret, secretDeleted };
}
