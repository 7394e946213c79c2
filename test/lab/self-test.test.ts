// The lab itself: every host answers over real SSH by name with pinned host keys, and hosts are
// isolated from each other (files, processes, hostname) and run without real-time privilege.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeLab, useLab } from '../support/lab.js';
import { corosyncConf, installCorosync } from '../support/lab-corosync.js';

const spec = `
name: self-test
sites:
  - name: a
    hosts: [a1, a2]
  - name: b
    hosts: [b1]
    link: man
  - name: c
    hosts:
      - name: c1
        reachableFromApp: false
    link: wan
`;

function ssh(args: string[], timeoutMs = 20_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('ssh', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-selftest-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describeLab('lab self-test: three sites, four hosts', () => {
  const handle = useLab(spec, 'cwts');

  it('lets the real ssh client log in to every host by name, checking the host keys the lab recorded', async () => {
    const lab = handle.lab;
    for (const host of lab.hosts) {
      const result = await ssh(['-F', lab.sshConfigPath, '-o', 'BatchMode=yes', host.name, 'hostname; cat /etc/hostname']);
      expect(result.stderr).not.toMatch(/WARNING|Permission denied/);
      expect(result.stdout.trim().split('\n')).toEqual([host.name, host.name]);
    }
  });

  it('accepts a pinned key given explicitly and refuses the connection once the host presents another key', async () => {
    const lab = handle.lab;
    const b1 = lab.host('b1');
    const knownHosts = path.join(scratch, 'known_hosts');
    fs.writeFileSync(knownHosts, b1.hostKeys.map((k) => `${b1.addresses.management} ${k.type} ${k.key}`).join('\n') + '\n');
    const args = ['-i', lab.clientKeyPath, '-o', 'IdentitiesOnly=yes', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null', `root@${b1.addresses.management}`, 'hostname'];
    const good = await ssh(args);
    expect(good.code).toBe(0);
    expect(good.stdout.trim()).toBe('b1');

    const before = b1.hostKeys[0]!.key;
    const replaced = await lab.regenerateHostKey('b1');
    expect(replaced.key).not.toBe(before);
    const refused = await ssh(args);
    expect(refused.code).toBe(255);
    expect(refused.stderr).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
    // The lab's own known_hosts follows the new key.
    const again = await ssh(['-F', lab.sshConfigPath, '-o', 'BatchMode=yes', 'b1', 'hostname']);
    expect(again.stdout.trim()).toBe('b1');
  });

  it('keeps a host marked unreachable out of the app\'s reach, but reachable through a jump host', async () => {
    const lab = handle.lab;
    const c1 = lab.host('c1');
    expect(c1.reachableFromApp).toBe(false);
    expect(c1.jumpHost).toBe('a1');
    const direct = await new Promise<string>((resolve) => {
      const socket = net.connect({ host: c1.addresses.management!, port: 22, timeout: 3_000 });
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('timeout', () => {
        socket.destroy();
        resolve('timeout');
      });
      socket.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
    expect(direct).toBe('EHOSTUNREACH');
    const viaJump = await ssh(['-F', lab.sshConfigPath, '-o', 'BatchMode=yes', 'c1', 'hostname']);
    expect(viaJump.stdout.trim()).toBe('c1');
    // Lab hosts reach it directly.
    const fromA2 = await lab.exec('a2', ['bash', '-c', `exec 3<>/dev/tcp/${c1.addresses.management}/22 && head -c 7 <&3`], { timeoutMs: 10_000 });
    expect(fromA2.stdout).toBe('SSH-2.0');
  });

  it('gives each host its own /etc/corosync, /tmp, /root and hostname', async () => {
    const lab = handle.lab;
    const marker = `written-on-a1-${process.pid}`;
    await lab.execOk('a1', `echo ${marker} > /etc/corosync/marker && echo ${marker} > /tmp/marker && echo ${marker} > /root/marker`);
    expect((await lab.execOk('a1', 'cat /etc/corosync/marker /tmp/marker /root/marker')).stdout.trim().split('\n')).toEqual([marker, marker, marker]);
    for (const other of ['a2', 'b1']) {
      const seen = await lab.exec(other, 'ls /etc/corosync/marker /tmp/marker /root/marker 2>&1; hostname');
      expect(seen.stdout).not.toContain(marker);
      expect(seen.stdout.trim().split('\n').at(-1)).toBe(other);
    }
    expect(fs.existsSync('/etc/corosync/marker')).toBe(false);
    expect(fs.readFileSync(lab.hostPath('a1', '/etc/corosync/marker'), 'utf8').trim()).toBe(marker);
    expect(os.hostname()).not.toBe('a1');
  });

  it('confines pkill corosync to the host it runs on', async () => {
    const lab = handle.lab;
    const hosts = ['a1', 'a2', 'b1'];
    // Each host runs its own single-node corosync (a real one, started through the systemctl stand-in).
    for (const host of hosts) {
      await installCorosync(lab, corosyncConf(lab, `solo-${host}`, [{ host, nodeId: 1 }], { links: 1 }), [host]);
      await lab.execOk(host, ['systemctl', 'start', 'corosync'], { timeoutMs: 20_000 });
    }
    for (const host of hosts) expect((await lab.exec(host, ['systemctl', 'is-active', 'corosync'])).stdout.trim()).toBe('active');
    const pkill = await lab.exec('a1', ['pkill', '-x', 'corosync']);
    expect(pkill.code).toBe(0);
    const gone = await lab.exec('a1', 'for i in $(seq 1 50); do pgrep -x corosync >/dev/null || exit 0; sleep 0.1; done; exit 1');
    expect(gone.code).toBe(0);
    for (const host of ['a2', 'b1']) {
      expect((await lab.exec(host, ['pgrep', '-x', 'corosync'])).code).toBe(0);
      expect((await lab.exec(host, ['systemctl', 'is-active', 'corosync'])).stdout.trim()).toBe('active');
    }
    expect((await lab.exec('a1', ['systemctl', 'is-active', 'corosync'])).code).toBe(3);
    // Only this host's processes are visible: PID 1 is the host's init.
    const ps = await lab.execOk('a2', ['ps', '-e', '-o', 'pid=,comm=']);
    expect(ps.stdout).toMatch(/^\s*1 bash$/m);
    expect(ps.stdout).not.toMatch(/vde_switch|wirefilter|node/);
  });

  it('runs host processes without CAP_SYS_NICE, so corosync stays at normal priority', async () => {
    const lab = handle.lab;
    const capBnd = (await ssh(['-F', lab.sshConfigPath, '-o', 'BatchMode=yes', 'a2', 'grep CapBnd /proc/self/status'])).stdout;
    const mask = BigInt(`0x${/CapBnd:\s*([0-9a-f]+)/.exec(capBnd)![1]}`);
    expect(mask & (1n << 23n)).toBe(0n); // CAP_SYS_NICE = 23
    const policy = await lab.execOk('a2', 'chrt -p "$(cat /run/cw-units/corosync.pid)"');
    expect(policy.stdout).toMatch(/SCHED_OTHER/);
  });

  it('offers the systemctl verbs the app uses', async () => {
    const lab = handle.lab;
    await lab.execOk('b1', ['systemctl', 'stop', 'corosync']);
    expect((await lab.exec('b1', ['systemctl', 'is-active', 'corosync.service'])).stdout.trim()).toBe('inactive');
    expect((await lab.exec('b1', ['systemctl', 'status', 'corosync'])).code).toBe(3);
    await lab.execOk('b1', ['systemctl', 'enable', '--now', 'corosync'], { timeoutMs: 20_000 });
    expect((await lab.exec('b1', ['systemctl', 'is-enabled', 'corosync'])).stdout.trim()).toBe('enabled');
    const status = await lab.exec('b1', ['systemctl', 'status', 'corosync']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/Active: active \(running\)/);
    await lab.execOk('b1', ['systemctl', 'reload', 'corosync'], { timeoutMs: 15_000 });
    await lab.execOk('b1', ['systemctl', 'reload', 'sshd']);
    expect((await lab.exec('b1', ['systemctl', 'start', 'no-such-unit'])).code).toBe(5);
  });
});
