// Lab service processes: a second server sharing a port through SO_REUSEPORT is caught, a stop ends the
// whole process group, a start that hangs is bounded, and the Python runner compiles.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, groupMembers, portOwnership, python, runStep, ServiceProcess } from './process.js';
import { runnerPython } from './runner-py.js';

const havePython = fs.existsSync(python);

// Binds 127.0.0.1:PORT with SO_REUSEPORT the way eventlet.listen does by default, then waits.
const reusePortServer = `
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
s.bind(('127.0.0.1', int(sys.argv[1])))
s.listen(5)
print('CW-READY {}', flush=True)
time.sleep(60)
`;

describe.skipIf(!havePython)('lab service processes', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-os-proc-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('sees a second server that shares the port through SO_REUSEPORT', async () => {
    const port = await freePort();
    const start = (name: string) => ServiceProcess.start({ name, argv: [python, '-c', reusePortServer, String(port)], cwd: dir, logFile: path.join(dir, `${name}.log`) });
    const first = start('first');
    try {
      await first.ready(10_000);
      await first.listening(port, 5_000);
      expect(portOwnership(port, first.pid)).toEqual({ owned: true, listeners: 1, foreign: 0 });
      const second = start('second');
      try {
        await second.ready(10_000);
        // Both bound without an error: only the ownership check notices.
        expect(portOwnership(port, first.pid)).toEqual({ owned: false, listeners: 2, foreign: 1 });
        await expect(first.listening(port, 1_000)).rejects.toThrow(/also held by 1 socket\(s\) of another process/);
      } finally {
        await second.stop();
      }
      expect(portOwnership(port, first.pid).owned).toBe(true);
    } finally {
      await first.stop();
    }
  });

  it('stops the whole process group, children included', async () => {
    const proc = ServiceProcess.start({
      name: 'parent',
      argv: [python, '-c', "import os, subprocess, time\nsubprocess.Popen(['sleep', '60'])\nprint('CW-READY {}', flush=True)\ntime.sleep(60)"],
      cwd: dir,
      logFile: path.join(dir, 'parent.log'),
    });
    await proc.ready(10_000);
    expect(groupMembers(proc.pid).length).toBe(2);
    await proc.stop(2_000);
    expect(groupMembers(proc.pid)).toEqual([]);
    expect(proc.running).toBe(false);
  });

  it('bounds a step that does not finish and says where its log is', async () => {
    const started = Date.now();
    await expect(runStep({ name: 'a hanging step', argv: [python, '-c', "import time\nprint('working')\ntime.sleep(60)"], cwd: dir, logFile: path.join(dir, 'hang.log') }, 1_000)).rejects.toThrow(/a hanging step did not finish within 1 s and was stopped[\s\S]*working/);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('reports a failing step with the tail of its log, secrets redacted', async () => {
    await expect(
      runStep({ name: 'a failing step', argv: [python, '-c', "import sys\nprint('password is s3cret-value', file=sys.stderr)\nsys.exit(2)"], cwd: dir, logFile: path.join(dir, 'fail.log'), secrets: ['s3cret-value'] }, 10_000),
    ).rejects.toThrow(/a failing step failed \(exit 2\)[\s\S]*password is \*\*\*/);
  });

  it('writes a runner that Python compiles, which refuses an unknown command', () => {
    const file = path.join(dir, 'runner.py');
    fs.writeFileSync(file, runnerPython);
    execFileSync(python, ['-m', 'py_compile', file]);
    const res = spawnSync(python, [file, 'rm-rf'], { input: '{}', encoding: 'utf8', timeout: 10_000 });
    expect(res.status).not.toBe(0);
    expect(res.stderr).toMatch(/usage: .*keystone-setup\|exec\|nova-region/);
  });
});
