// A stack's background process for a CLI-started lab, both sides, with a stand-in process: the CLI waits for
// its ready file and records it, says why it did not start (exit or time-out, with the end of its log), stops
// it; the process side refuses a start by hand and serves until its lab is gone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { caught } from '../../common/testing/caught.js';
import { labDaemonLogFile, labDaemonRecord, labDaemonRunning, serveLabDaemon, startLabDaemon, stopLabDaemon, type LabDaemonKind, type LabDaemonRecord } from './daemon.js';
import type { Lab } from './index.js';
import { readLabState, writeLabState, type LabStateFile } from './state.js';
import { loadLabSpec } from './spec.js';
import { isRunning, waitFor } from './system.js';

const kind: LabDaemonKind = { stack: 'unitstack', verb: 'unit-serve', role: 'unit test servers', what: 'unit test servers', logName: 'servers.log' };
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-labdaemon-'));
const started: number[] = [];
afterEach(() => {
  for (const pid of started.splice(0)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

// The stand-in: `node fake.mjs lab unit-serve --state DIR`, told on stdin how to behave; it notes the signal it gets.
const fake = path.join(root, 'fake-daemon.mjs');
fs.writeFileSync(
  fake,
  `import fs from 'node:fs';
import path from 'node:path';
const stateDir = process.argv[process.argv.indexOf('--state') + 1];
const dir = path.join(stateDir, 'unitstack');
let text = '';
process.stdin.on('data', (d) => (text += d));
process.stdin.on('end', () => {
  const input = JSON.parse(text);
  console.log('fake daemon ' + process.pid + ' got ' + Object.keys(input).sort().join(','));
  if (input.mode === 'exit') {
    console.log('cannot bind 127.0.0.1:1: permission denied');
    process.exit(3);
  }
  process.on('SIGTERM', () => {
    fs.writeFileSync(path.join(dir, 'signal'), 'SIGTERM');
    process.exit(0);
  });
  setInterval(() => undefined, 1000);
  if (input.mode === 'ready') fs.writeFileSync(path.join(dir, 'ready.json'), JSON.stringify({ pid: process.pid, endpoint: '127.0.0.1:' + input.port }));
});
`,
);

interface UnitRecord extends LabDaemonRecord {
  logFile: string;
  endpoint: string;
}

let labs = 0;
/** A lab state file in its own folder, and the few things of a lab the CLI's side uses. */
function newLab(): { lab: Lab; stateDir: string } {
  const stateDir = path.join(root, `lab${++labs}`);
  fs.mkdirSync(stateDir);
  const spec = loadLabSpec(fs.readFileSync(path.join(import.meta.dirname, '../../../assets/labs/three-sites.yml'), 'utf8'));
  const state = { version: 1, name: `unit${labs}`, prefix: 'cwud', stateDir, slot: 0, status: 'up', startedAt: new Date().toISOString(), ownerPid: process.pid, spec, netns: [], rootInterfaces: [], processes: [], hosts: { a1: { holder: { pid: process.pid, cmdline: '', role: 'host' }, initPid: process.pid, hostKeys: [] } }, links: [], clientKey: '' } as unknown as LabStateFile;
  writeLabState(state);
  return { lab: { name: state.name, stateDir, privilegeDrop: () => [] } as unknown as Lab, stateDir };
}

const start = (lab: Lab, mode: string, options: { timeoutMs?: number; timeoutSignal?: NodeJS.Signals } = {}) =>
  startLabDaemon<{ mode: string; password: string; port: number }, { endpoint: string }, UnitRecord>(lab, kind, {
    command: [process.execPath, fake],
    input: { mode, password: 'not-in-argv', port: 8006 },
    timeoutMs: options.timeoutMs ?? 10_000,
    pollMs: 50,
    timeoutSignal: options.timeoutSignal ?? 'SIGTERM',
    toRecord: (ready, s) => ({ process: s.process, passwordSecret: 'secret-1', logFile: s.logFile, endpoint: ready.endpoint }),
  });

describe("a lab's background process, the CLI's side", () => {
  it('hands the input on stdin (not argv), waits for the ready file, records the process and stops it with SIGTERM', async () => {
    const { lab, stateDir } = newLab();
    const record = await start(lab, 'ready');
    started.push(record.process.pid);
    expect(record.endpoint).toBe('127.0.0.1:8006');
    expect(record.process.role).toBe('unit test servers');
    expect(record.process.cmdline).toContain(`lab unit-serve --state ${stateDir}`);
    expect(record.process.cmdline).not.toContain('not-in-argv');
    expect(labDaemonRunning(record.process)).toBe(true);
    const state = readLabState(stateDir)!;
    expect(labDaemonRecord<UnitRecord>(state, kind)).toEqual(record);
    expect(state.processes).toEqual([record.process]);

    const cleaned: string[] = [];
    const deleted: string[] = [];
    const stopped = await stopLabDaemon<UnitRecord>(stateDir, kind, { graceMs: 5_000, secrets: { delete: async (id) => (deleted.push(id), true) }, cleanup: (r) => cleaned.push(r.endpoint) });
    expect(stopped).toEqual({ stopped: true, passwordSecret: 'secret-1', secretDeleted: true });
    expect(isRunning(record.process.pid)).toBe(false);
    expect(fs.readFileSync(path.join(stateDir, 'unitstack', 'signal'), 'utf8')).toBe('SIGTERM');
    expect(cleaned).toEqual(['127.0.0.1:8006']);
    expect(deleted).toEqual(['secret-1']);
    expect(fs.existsSync(path.join(stateDir, 'unitstack', 'ready.json'))).toBe(false);
    const after = readLabState(stateDir)!;
    expect(labDaemonRecord(after, kind)).toBeUndefined();
    expect(after.processes).toEqual([]);
    expect(await stopLabDaemon(stateDir, kind, { graceMs: 1_000 })).toEqual({ stopped: false, secretDeleted: false });
  });

  it('says how the process ended and shows the end of its log when it exits before it is ready; records nothing', async () => {
    const { lab, stateDir } = newLab();
    const error = await caught(start(lab, 'exit'));
    expect(error.code).toBe('REMOTE_FAILED');
    expect(error.message).toContain(`The unit test servers of the lab "${lab.name}" did not start: their process exited with 3.`);
    expect(error.message).toContain('cannot bind 127.0.0.1:1: permission denied');
    expect(error.message).toContain(`Full log: ${labDaemonLogFile(stateDir, kind)}`);
    expect(readLabState(stateDir)!.stacks?.[kind.stack]).toBeUndefined();
  });

  it.each(['SIGTERM', 'SIGKILL'] as const)('ends a process not ready in time with the stack\'s signal (%s) and says how long it waited', async (signal) => {
    const { lab, stateDir } = newLab();
    const error = await caught(start(lab, 'hang', { timeoutMs: 1_500, timeoutSignal: signal }));
    expect(error.message).toContain('did not start: their process was not ready within 1.5 s.');
    const pid = Number(/fake daemon (\d+) got mode,password,port/.exec(error.message)?.[1]);
    expect(pid).toBeGreaterThan(0);
    started.push(pid);
    expect(await waitFor(() => !isRunning(pid), 5_000, 25)).toBe(true);
    // The stand-in notes a SIGTERM before it exits; a SIGKILL leaves no note.
    expect(fs.existsSync(path.join(stateDir, 'unitstack', 'signal'))).toBe(signal === 'SIGTERM');
    expect(readLabState(stateDir)!.processes).toEqual([]);
  });
});

describe("a lab's background process, its own side", () => {
  it('refuses to start without its input (started by hand) and says what starts it', async () => {
    const { stateDir } = newLab();
    const lines: string[] = [];
    const stdin = new PassThrough();
    stdin.end('');
    const code = await serveLabDaemon<{ password: string }, object>(stateDir, kind, (l) => lines.push(l), stdin, { secret: 'the root password', complete: (i) => !!i.password, start: () => Promise.reject(new Error('must not start')) });
    expect(code).toBe(64);
    expect(lines).toEqual(['lab unit-serve is started by `clusterwright lab up`, which passes the root password on stdin; run that instead.']);
  });

  it('writes its ready file with its pid, serves until its lab is stopping, then stops what it started and removes the file', async () => {
    const { stateDir } = newLab();
    fs.mkdirSync(path.join(stateDir, 'unitstack'));
    const lines: string[] = [];
    const stdin = new PassThrough();
    stdin.end(JSON.stringify({ password: 'pw' }));
    let stops = 0;
    const listeners = process.listenerCount('SIGTERM');
    const serving = serveLabDaemon<{ password: string }, { endpoint: string }>(stateDir, kind, (l) => lines.push(l), stdin, {
      secret: 'the root password',
      complete: (i) => !!i.password,
      start: async (lab, input) => {
        expect(lab.stateDir).toBe(stateDir);
        expect(input.password).toBe('pw');
        return { ready: { endpoint: '127.0.0.1:8006' }, stop: async () => void (stops += 1) };
      },
    });
    const readyFile = path.join(stateDir, 'unitstack', 'ready.json');
    expect(await waitFor(() => fs.existsSync(readyFile), 5_000, 20)).toBe(true);
    expect(JSON.parse(fs.readFileSync(readyFile, 'utf8'))).toEqual({ pid: process.pid, endpoint: '127.0.0.1:8006' });
    expect(stops).toBe(0);
    const state = readLabState(stateDir)!;
    writeLabState({ ...state, status: 'stopping' });
    expect(await serving).toBe(0);
    expect(stops).toBe(1);
    expect(fs.existsSync(readyFile)).toBe(false);
    expect(lines[0]).toMatch(/^Starting unit test servers for the lab "unit\d+" \(process \d+\)…$/);
    expect(lines.slice(1)).toEqual([`Stopping the unit test servers (the lab in ${stateDir} is gone).`, 'Stopped.']);
    expect(process.listenerCount('SIGTERM')).toBe(listeners);
  });
});
