// The engine against a real OpenSSH server (test/support/sshd.ts): host keys, login, exec
// streaming, exit codes and signals, timeout and cancel, atomic SFTP upload, ProxyJump, the shell.
import { createHash } from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, sshdAvailable, type SshdFixture } from './testing/openssh-server.js';
import { SshConfigFile } from './ssh-config.js';
import { resolveTarget } from './target.js';
import { directTarget, ScriptedPrompter, testEngine } from './testing/engine-helpers.js';
import type { SshTarget } from './types.js';
import { caught } from '../../common/testing/caught.js';

const unavailable = sshdAvailable();

function countLines(log: string, pattern: RegExp): number {
  return log.split('\n').filter((line) => pattern.test(line)).length;
}

describe.skipIf(unavailable !== null)('SSH engine against a real OpenSSH server', () => {
  let sshd: SshdFixture;
  let target: SshTarget;

  beforeAll(async () => {
    sshd = await startSshd();
    target = directTarget(sshd.host, sshd.port, sshd.user, [{ kind: 'privateKey', identityFile: sshd.clientKeyFile }]);
  });

  afterAll(async () => {
    await sshd?.stop();
  });

  it('asks about an unknown host key showing the fingerprint as OpenSSH prints it, pins it, and trusts it next time', async () => {
    const prompter = new ScriptedPrompter('pin');
    const first = testEngine({ prompter });
    const report = await first.engine.test(target);
    expect(prompter.hostKeyQuestions).toHaveLength(1);
    expect(prompter.hostKeyQuestions[0]).toMatchObject({ host: '127.0.0.1', port: sshd.port, keyType: 'ssh-ed25519', fingerprint: sshd.hostKeyFingerprints.ed25519 });
    expect(report.destination).toMatchObject({ fingerprint: sshd.hostKeyFingerprints.ed25519, trust: 'pinned now' });
    await first.engine.closeAll();

    const again = new ScriptedPrompter('reject');
    const second = testEngine({ prompter: again, pinnedHostKeysFile: first.pinnedFile });
    const secondReport = await second.engine.test(target);
    expect(again.hostKeyQuestions).toHaveLength(0);
    expect(secondReport.destination.trust).toBe('pinned by Clusterwright');
    await second.engine.closeAll();
  });

  it('trusts a hashed [host]:port entry in known_hosts without asking, and never writes to that file', async () => {
    const { engine, knownHostsFile } = testEngine({ prompter: new ScriptedPrompter('reject') });
    const pub = fs.readFileSync(path.join(sshd.dir, fs.readdirSync(sshd.dir).find((f) => /^host_ed25519_key_\d+\.pub$/.test(f))!), 'utf8').split(' ');
    fs.writeFileSync(knownHostsFile, `[127.0.0.1]:${sshd.port} ${pub[0]} ${pub[1]}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', knownHostsFile], { stdio: 'ignore' });
    fs.rmSync(`${knownHostsFile}.old`, { force: true });
    const hashed = fs.readFileSync(knownHostsFile, 'utf8');
    expect(hashed.startsWith('|1|')).toBe(true);
    const report = await engine.test(target);
    expect(report.destination.trust).toBe(`${knownHostsFile}:1`);
    expect(fs.readFileSync(knownHostsFile, 'utf8')).toBe(hashed);
    await engine.closeAll();
  });

  it('refuses a key marked @revoked in known_hosts, sending nothing', async () => {
    const { engine, knownHostsFile } = testEngine({ prompter: new ScriptedPrompter('pin') });
    const pubFile = fs.readdirSync(sshd.dir).find((f) => /^host_ed25519_key_\d+\.pub$/.test(f))!;
    const [type, key] = fs.readFileSync(path.join(sshd.dir, pubFile), 'utf8').split(' ');
    fs.writeFileSync(knownHostsFile, `@revoked * ${type} ${key}\n`);
    const error = await caught(engine.test(target));
    expect(error.code).toBe('HOST_KEY_CHANGED');
    expect(error.detail).toMatchObject({ revoked: true });
    await engine.closeAll();
  });

  it('logs in with a key, offers only publickey, and reuses the live connection for later commands', async () => {
    const { engine } = testEngine({ acceptNewHostKeys: true });
    const before = countLines(sshd.log(), /Accepted publickey/);
    const a = await engine.run(target, 'echo one');
    const b = await engine.run(target, 'echo two');
    expect([a.stdout, b.stdout]).toEqual(['one\n', 'two\n']);
    expect(countLines(sshd.log(), /Accepted publickey/) - before).toBe(1);
    expect(engine.liveChains).toHaveLength(1);
    await engine.closeAll();
  });

  it('logs in through ssh-agent (SSH_AUTH_SOCK) without reading the key file', async () => {
    const socket = path.join(sshd.dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 50 && !fs.existsSync(socket); i++) await new Promise((r) => setTimeout(r, 20));
      execFileSync('ssh-add', [sshd.clientKeyFile], { env: { SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
      const { engine } = testEngine({ acceptNewHostKeys: true, env: { SSH_AUTH_SOCK: socket } });
      const result = await engine.run(directTarget(sshd.host, sshd.port, sshd.user, [{ kind: 'agent' }]), 'echo via-agent');
      expect(result.stdout).toBe('via-agent\n');
      await engine.closeAll();
    } finally {
      agent.kill('SIGTERM');
    }
  });

  it('refuses the login with AUTH_FAILED for a key the server does not know, and does not retry', async () => {
    const otherKey = path.join(sshd.dir, 'stranger_ed25519');
    if (!fs.existsSync(otherKey)) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', otherKey]);
    const { engine } = testEngine({ acceptNewHostKeys: true, reconnect: { attempts: 4, baseDelayMs: 10, maxDelayMs: 10 } });
    const before = countLines(sshd.log(), /Connection from 127\.0\.0\.1/);
    const error = await caught(engine.run(directTarget(sshd.host, sshd.port, sshd.user, [{ kind: 'privateKey', identityFile: otherKey }]), 'true'));
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.message).toContain(`${sshd.user}@127.0.0.1:${sshd.port}`);
    expect(error.message).toContain('Not retrying');
    expect(countLines(sshd.log(), /Connection from 127\.0\.0\.1/) - before).toBe(1);
    await engine.closeAll();
  });

  it('streams 50 MB of output without losing a byte, keeping stderr apart', async () => {
    const { engine } = testEngine({ acceptNewHostKeys: true });
    const file = path.join(sshd.dir, 'fifty-megabytes');
    await engine.run(target, `head -c 52428800 /dev/urandom > '${file}'`);
    const hash = createHash('sha256');
    let bytes = 0;
    let stderr = '';
    const result = await engine.exec(target, `cat '${file}'; echo done >&2`, {
      onStdout: (chunk) => {
        bytes += chunk.byteLength;
        hash.update(chunk);
      },
      onStderr: (chunk) => (stderr += chunk.toString()),
    });
    const remote = await engine.run(target, `sha256sum '${file}'`);
    expect(result.exitCode).toBe(0);
    expect(bytes).toBe(52_428_800);
    expect(hash.digest('hex')).toBe(remote.stdout.split(' ')[0]);
    expect(stderr).toBe('done\n');
    fs.rmSync(file);
    await engine.closeAll();
  });

  it('reports exit codes and the signal that ended a command', async () => {
    const { engine } = testEngine({ acceptNewHostKeys: true });
    expect(await engine.exec(target, 'exit 3')).toMatchObject({ exitCode: 3, exitSignal: null });
    expect(await engine.exec(target, 'kill -TERM $$')).toMatchObject({ exitCode: null, exitSignal: 'TERM' });
    await engine.closeAll();
  });

  it('stops a command that runs past its timeout, on the remote host too', async () => {
    const { engine } = testEngine({ acceptNewHostKeys: true });
    const started = Date.now();
    const error = await caught(engine.exec(target, 'sleep 61.2345', { timeoutMs: 500 }));
    expect(error.code).toBe('TIMEOUT');
    expect(Date.now() - started).toBeLessThan(5_000);
    await new Promise((r) => setTimeout(r, 300));
    const check = await engine.run(target, "pgrep -f 'sleep 61[.]2345' || echo gone");
    expect(check.stdout.trim()).toBe('gone');
    await engine.closeAll();
  });

  it('cancels a running command when its AbortSignal fires', async () => {
    const { engine } = testEngine({ acceptNewHostKeys: true });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 300);
    const error = await caught(engine.exec(target, 'sleep 62.3456', { signal: controller.signal }));
    expect(error.code).toBe('CANCELLED');
    await engine.closeAll();
  });

  it('queues channels beyond the per-connection cap instead of failing on MaxSessions', async () => {
    const { engine } = testEngine({ acceptNewHostKeys: true, maxChannelsPerConnection: 9 });
    const started = Date.now();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => engine.run(target, `sleep 0.3; echo ${i}`)));
    expect(results.map((r) => r.stdout.trim())).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
    // 20 commands, 9 at a time: three waves of 0.3 s.
    expect(Date.now() - started).toBeGreaterThanOrEqual(850);
    await engine.closeAll();
  });

  it('uploads a config file atomically: new content in place, mode kept, no temp file left', async () => {
    const { engine } = testEngine({ acceptNewHostKeys: true });
    const remote = path.join(sshd.dir, 'corosync.conf');
    fs.writeFileSync(remote, 'old content\n', { mode: 0o640 });
    fs.chmodSync(remote, 0o640);
    const result = await engine.upload(target, remote, Buffer.from('new content\n'));
    expect(fs.readFileSync(remote, 'utf8')).toBe('new content\n');
    expect(fs.statSync(remote).mode & 0o777).toBe(0o640);
    expect(result.sha256).toBe(createHash('sha256').update('new content\n').digest('hex'));
    expect(fs.readdirSync(sshd.dir).filter((f) => f.includes('cw-upload'))).toEqual([]);
    await engine.closeAll();
  });

  it('leaves the old file intact when an upload is cancelled or its connection is killed in the middle', async () => {
    const remote = path.join(sshd.dir, 'big.conf');
    fs.writeFileSync(remote, 'old content\n');
    const payload = Buffer.alloc(64 * 1024 * 1024, 0x61);

    const cancelled = testEngine({ acceptNewHostKeys: true });
    const controller = new AbortController();
    const error = await caught(cancelled.engine.upload(target, remote, payload, { signal: controller.signal, onProgress: (done) => done > 4 * 1024 * 1024 && controller.abort() }));
    expect(error.code).toBe('CANCELLED');
    expect(fs.readFileSync(remote, 'utf8')).toBe('old content\n');
    expect(fs.readdirSync(sshd.dir).filter((f) => f.includes('cw-upload'))).toEqual([]);
    await cancelled.engine.closeAll();

    const killed = testEngine({ acceptNewHostKeys: true });
    let killedOnce = false;
    const killError = await caught(
      killed.engine.upload(target, remote, payload, {
        onProgress: (done) => {
          if (killedOnce || done < 4 * 1024 * 1024) return;
          killedOnce = true;
          // SIGKILL every sshd process serving this connection (the listener's descendants).
          for (const pid of sshd.connectionPids()) process.kill(pid, 'SIGKILL');
        },
      }),
    );
    expect(['UNREACHABLE', 'REMOTE_FAILED']).toContain(killError.code);
    expect(fs.readFileSync(remote, 'utf8')).toBe('old content\n');
    await killed.engine.closeAll();
  });

  it('follows a two-hop ProxyJump from an ~/.ssh/config with Include, verifying every hop', async () => {
    const home = path.join(sshd.dir, 'home');
    fs.mkdirSync(path.join(home, '.ssh', 'conf.d'), { recursive: true });
    const key = sshd.clientKeyFile;
    fs.writeFileSync(
      path.join(home, '.ssh', 'config'),
      [`Include conf.d/*.conf`, `Host gw1`, `  HostName 127.0.0.1`, `  Port ${sshd.port}`, `  User ${sshd.user}`, `  IdentityFile ${key}`, ''].join('\n'),
    );
    fs.writeFileSync(
      path.join(home, '.ssh', 'conf.d', 'site-b.conf'),
      [`Host gw2 pve-b1`, `  HostName localhost`, `  Port ${sshd.port}`, `  User ${sshd.user}`, `  IdentityFile ${key}`, `Host pve-b1`, `  ProxyJump gw1,gw2`, ''].join('\n'),
    );
    const config = SshConfigFile.load(path.join(home, '.ssh', 'config'), home);
    const chained = resolveTarget({ host: 'pve-b1' }, { config, env: {}, home });
    expect(chained.jumps.map((j) => j.label)).toEqual(['gw1', 'gw2']);

    const prompter = new ScriptedPrompter('once');
    const { engine } = testEngine({ prompter });
    const before = countLines(sshd.log(), /Accepted publickey/);
    const report = await engine.test(chained);
    expect(countLines(sshd.log(), /Accepted publickey/) - before).toBe(3);
    // 127.0.0.1 and localhost are different names: the first hop and the other two are each asked about.
    expect(prompter.hostKeyQuestions.map((q) => [q.host, q.position])).toEqual([
      ['127.0.0.1', 'jump host 1 of 2'],
      ['localhost', 'jump host 2 of 2'],
      ['localhost', 'destination'],
    ]);
    expect(report.jumps).toHaveLength(2);
    for (const hop of [...report.jumps, report.destination]) expect(hop.fingerprint).toBe(sshd.hostKeyFingerprints.ed25519);
    const viaChain = await engine.run(chained, 'echo $SSH_CONNECTION');
    expect(viaChain.stdout).toMatch(/^127\.0\.0\.1 \d+ 127\.0\.0\.1 \d+/);
    await engine.closeAll();
  });

  it('opens a shell with a PTY of the asked size and resizes it (rows first)', async () => {
    const { engine } = testEngine({ acceptNewHostKeys: true });
    const shell = await engine.openShell(target, { rows: 24, cols: 80 });
    let output = '';
    shell.onData((chunk) => (output += Buffer.from(chunk).toString()));
    const waitFor = async (pattern: RegExp) => {
      for (let i = 0; i < 100 && !pattern.test(output); i++) await new Promise((r) => setTimeout(r, 50));
      expect(output).toMatch(pattern);
    };
    shell.write('stty size\n');
    await waitFor(/^24 80\r?$/m);
    shell.resize(40, 132);
    shell.write('stty size\n');
    await waitFor(/^40 132\r?$/m);
    const ended = new Promise<Error | undefined>((resolve) => shell.onEnd(resolve));
    shell.write('exit\n');
    expect(await ended).toBeUndefined();
    await engine.closeAll();
  });

  // Last: it swaps the server's host keys.
  it('refuses a changed host key (MITM) with HOST_KEY_CHANGED, showing old and new fingerprints, and sends nothing', async () => {
    const pinning = testEngine({ prompter: new ScriptedPrompter('pin') });
    await pinning.engine.test(target);
    await pinning.engine.closeAll();
    const oldFingerprint = sshd.hostKeyFingerprints.ed25519;

    await sshd.restart({ newHostKeys: true });
    const newFingerprint = sshd.hostKeyFingerprints.ed25519;
    expect(newFingerprint).not.toBe(oldFingerprint);

    const prompter = new ScriptedPrompter('pin');
    const { engine } = testEngine({ prompter, pinnedHostKeysFile: pinning.pinnedFile, reconnect: { attempts: 3, baseDelayMs: 10, maxDelayMs: 10 } });
    const error = await caught(engine.run(target, 'touch /tmp/should-never-run'));
    expect(error.code).toBe('HOST_KEY_CHANGED');
    expect(error.detail).toMatchObject({ oldFingerprint, newFingerprint, host: '127.0.0.1', port: sshd.port });
    expect(error.message).toContain(oldFingerprint!);
    expect(prompter.hostKeyQuestions).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 200));
    const log = sshd.log();
    expect(log).not.toMatch(/publickey|Accepted|Failed/);
    expect(countLines(log, /Connection from 127\.0\.0\.1/)).toBe(1);
    await engine.closeAll();
  });
});

describe.skipIf(unavailable !== null)('the OpenSSH test server with a clean HOME (for benchmarks)', () => {
  it('gives sessions an empty HOME of its own, so the account\'s start-up files do not run; without it, the account\'s HOME', async () => {
    const clean = await startSshd({ cleanHome: true });
    const plain = await startSshd();
    try {
      const home = async (sshd: SshdFixture) => {
        const { engine } = testEngine({ acceptNewHostKeys: true });
        const result = await engine.run(directTarget(sshd.host, sshd.port, sshd.user, [{ kind: 'privateKey', identityFile: sshd.clientKeyFile }]), 'echo "$HOME"; ls -A "$HOME" | wc -l');
        await engine.closeAll();
        return result.stdout.trim().split('\n');
      };
      expect(await home(clean)).toEqual([path.join(clean.dir, 'home'), '0']);
      expect((await home(plain))[0]).toBe(os.userInfo().homedir);
    } finally {
      await clean.stop();
      await plain.stop();
    }
  });
});
