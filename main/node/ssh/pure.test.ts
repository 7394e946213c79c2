// The engine's pure parts: quoting, known_hosts matching, fingerprints, ~/.ssh/config, target
// resolution, backoff and the channel cap.
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CwError } from '../../common/errors.js';
import { ChannelLimiter } from './channel-limiter.js';
import { chainKey, jobCommand, killJobCommand } from './engine.js';
import { fingerprintOf, keyTypeOf, preferredHostKeyAlgorithms } from './fingerprint.js';
import { entryMatchesHost, knownHostsName, parseKnownHosts } from './known-hosts.js';
import { backoffDelay, connectWithRetry, type ReconnectEvent } from './reconnect.js';
import { shellCommand, shellQuote } from './shell-quote.js';
import { parseJumpSpec, SshConfigFile } from './ssh-config.js';
import { resolveTarget } from './target.js';

function sh(command: string): string {
  return execFileSync('sh', ['-c', command], { encoding: 'utf8' });
}

describe('shellQuote', () => {
  it('leaves plain words bare and survives every hostile character through a real shell', () => {
    expect(shellQuote('/etc/pve/corosync.conf')).toBe('/etc/pve/corosync.conf');
    const hostile = [`it's`, 'a b', '$(reboot)', '`id`', 'x;rm -rf /', '"q"', '', '*', 'line\nbreak', '\\', '-n'];
    for (const value of hostile) expect(sh(`printf %s ${shellQuote(value)}`)).toBe(value);
    expect(sh(`printf '%s|' ${shellCommand('a b', "c'd", '$HOME')}`)).toBe("a b|c'd|$HOME|");
  });

  it('refuses a NUL byte, which no shell argument can hold', () => {
    expect(() => shellQuote('a\0b')).toThrow(/NUL/);
  });
});

describe('known_hosts', () => {
  const key = Buffer.from('AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl', 'base64');
  const b64 = key.toString('base64');

  it('names hosts as OpenSSH does: bare for port 22, [host]:port otherwise', () => {
    expect(knownHostsName('PVE1', 22)).toBe('pve1');
    expect(knownHostsName('10.0.0.5', 2222)).toBe('[10.0.0.5]:2222');
  });

  it('matches plain, wildcard, negated, [host]:port and hashed entries', () => {
    expect(entryMatchesHost('pve1,pve2', 'pve2', 22)).toBe(true);
    expect(entryMatchesHost('*.lab,!bad.lab', 'good.lab', 22)).toBe(true);
    expect(entryMatchesHost('*.lab,!bad.lab', 'bad.lab', 22)).toBe(false);
    expect(entryMatchesHost('[10.0.0.5]:2222', '10.0.0.5', 2222)).toBe(true);
    expect(entryMatchesHost('10.0.0.5', '10.0.0.5', 2222)).toBe(false);
    const salt = Buffer.from('0123456789abcdef0123');
    const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[pve3]:2200').digest('base64')}`;
    expect(entryMatchesHost(hashed, 'pve3', 2200)).toBe(true);
    expect(entryMatchesHost(hashed, 'pve3', 22)).toBe(false);
  });

  it('reads markers and skips comments, blank and broken lines', () => {
    const entries = parseKnownHosts(`# comment\n\npve1 ssh-ed25519 ${b64}\n@revoked * ssh-ed25519 ${b64}\n@cert-authority *.lab ssh-ed25519 ${b64}\nbroken-line\n@unknown x ssh-ed25519 ${b64}\n`, 'kh');
    expect(entries.map((e) => [e.marker, e.hosts, e.source])).toEqual([
      [null, 'pve1', 'kh:3'],
      ['revoked', '*', 'kh:4'],
      ['cert-authority', '*.lab', 'kh:5'],
    ]);
    expect(entries[0]!.key.equals(key)).toBe(true);
  });

  it('hashes the way ssh-keygen -H does', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-kh-'));
    const file = path.join(dir, 'known_hosts');
    fs.writeFileSync(file, `[192.0.2.7]:2022 ssh-ed25519 ${b64}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const [entry] = parseKnownHosts(fs.readFileSync(file, 'utf8'), file);
    expect(entry!.hosts.startsWith('|1|')).toBe(true);
    expect(entryMatchesHost(entry!.hosts, '192.0.2.7', 2022)).toBe(true);
    fs.rmSync(dir, { recursive: true });
  });
});

describe('fingerprints', () => {
  it('match what ssh-keygen -l prints, and the key type comes from the blob', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-fp-'));
    execFileSync('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-f', path.join(dir, 'k')]);
    const [type, b64] = fs.readFileSync(path.join(dir, 'k.pub'), 'utf8').split(' ');
    const blob = Buffer.from(b64!, 'base64');
    const expected = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', path.join(dir, 'k.pub')], { encoding: 'utf8' }).split(' ')[1];
    expect(fingerprintOf(blob)).toBe(expected);
    expect(keyTypeOf(blob)).toBe(type);
    fs.rmSync(dir, { recursive: true });
  });

  it('offers the key types already known for a host first', () => {
    expect(preferredHostKeyAlgorithms(['ssh-rsa']).slice(0, 3)).toEqual(['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
    expect(preferredHostKeyAlgorithms([])[0]).toBe('ssh-ed25519');
  });
});

describe('~/.ssh/config', () => {
  function configDir(files: Record<string, string>): string {
    const home = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-cfg-'));
    for (const [name, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(home, '.ssh', name)), { recursive: true });
      fs.writeFileSync(path.join(home, '.ssh', name), text);
    }
    return home;
  }

  it('applies Host patterns first-match-wins, HostName tokens, Port, User, IdentityFile and Include', () => {
    const home = configDir({
      config: 'Include conf.d/*.conf\nHost pve*\n  User root\n  IdentityFile ~/.ssh/id_pve\nHost *\n  User admin\n  Port 2222\n',
      'conf.d/10-office.conf': 'Host pve1\n  HostName %h.office.example\n  Port 22\n',
    });
    const config = SshConfigFile.load(path.join(home, '.ssh', 'config'), home);
    expect(config.resolve('pve1', 'me')).toMatchObject({ host: 'pve1.office.example', port: 22, user: 'root', identityFiles: [path.join(home, '.ssh', 'id_pve')] });
    expect(config.resolve('nas', 'me')).toMatchObject({ host: 'nas', port: 2222, user: 'admin', proxyJump: [] });
    fs.rmSync(home, { recursive: true });
  });

  it('expands ProxyJump chains the way OpenSSH does: the first jump host\'s own ProxyJump applies too', () => {
    const home = configDir({
      config: ['Host bastion', '  HostName 203.0.113.10', '  User jump', 'Host gw-b', '  HostName 10.2.0.1', '  ProxyJump bastion', 'Host pve-b1', '  HostName 10.2.0.11', '  ProxyJump gw-b,root@10.2.0.2:2222', 'Host *', '  User root', ''].join('\n'),
    });
    const config = SshConfigFile.load(path.join(home, '.ssh', 'config'), home);
    const target = resolveTarget({ host: 'pve-b1' }, { config, env: {}, home, localUser: 'me' });
    expect([...target.jumps, target.destination].map((h) => `${h.user}@${h.host}:${h.port}`)).toEqual(['jump@203.0.113.10:22', 'root@10.2.0.1:22', 'root@10.2.0.2:2222', 'root@10.2.0.11:22']);
    fs.rmSync(home, { recursive: true });
  });

  it('refuses a ProxyJump loop with a clear message', () => {
    const config = SshConfigFile.fromText('Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n', '/nonexistent');
    expect(() => resolveTarget({ host: 'a' }, { config, env: {}, home: '/nonexistent', localUser: 'me' })).toThrow(/loop/);
  });

  it('parses jump specs with user, port, IPv6 and ssh:// forms', () => {
    expect(parseJumpSpec('root@gw:2222')).toEqual({ user: 'root', host: 'gw', port: 2222 });
    expect(parseJumpSpec('[2001:db8::1]:22')).toEqual({ host: '2001:db8::1', port: 22 });
    expect(parseJumpSpec('ssh://admin@gw')).toEqual({ user: 'admin', host: 'gw' });
    expect(() => parseJumpSpec('gw:99999')).toThrow(CwError);
  });

  it('fills in default auth in OpenSSH order: agent, identity files, keyboard-interactive, password', () => {
    const home = configDir({ id_ed25519: 'x' });
    const target = resolveTarget({ host: 'h' }, { config: null, env: { SSH_AUTH_SOCK: '/tmp/agent' }, home, localUser: 'me' });
    expect(target.destination.auth).toEqual([{ kind: 'agent' }, { kind: 'privateKey', identityFile: path.join(home, '.ssh', 'id_ed25519') }, { kind: 'keyboardInteractive' }, { kind: 'password' }]);
    fs.rmSync(home, { recursive: true });
  });
});

describe('reconnect policy', () => {
  it('doubles the delay per attempt up to the cap', () => {
    const policy = { attempts: 10, baseDelayMs: 100, maxDelayMs: 1000 };
    expect([1, 2, 3, 4, 5].map((a) => backoffDelay(a, policy, () => 0.5))).toEqual([100, 200, 400, 800, 1000]);
  });

  it('never retries authentication or host-key failures', async () => {
    for (const code of ['AUTH_FAILED', 'HOST_KEY_CHANGED', 'HOST_KEY_UNKNOWN', 'CANCELLED'] as const) {
      const events: ReconnectEvent[] = [];
      let tries = 0;
      await expect(
        connectWithRetry(
          async () => {
            tries++;
            throw new CwError(code, 'no');
          },
          { attempts: 5, baseDelayMs: 1, maxDelayMs: 1 },
          (e) => events.push(e),
        ),
      ).rejects.toMatchObject({ code });
      expect(tries).toBe(1);
      expect(events.map((e) => e.state)).toEqual(['connecting', 'failed']);
    }
  });

  it('retries UNREACHABLE and TIMEOUT until it connects', async () => {
    let tries = 0;
    const events: string[] = [];
    const value = await connectWithRetry(
      async () => {
        if (++tries < 3) throw new CwError(tries === 1 ? 'UNREACHABLE' : 'TIMEOUT', 'down');
        return 'up';
      },
      { attempts: 5, baseDelayMs: 1, maxDelayMs: 2 },
      (e) => events.push(e.state),
    );
    expect(value).toBe('up');
    expect(events).toEqual(['connecting', 'retrying', 'connecting', 'retrying', 'connecting', 'connected']);
  });
});

describe('channel cap', () => {
  it('queues beyond the capacity, first come first served, and lets a queued request be cancelled', async () => {
    const limiter = new ChannelLimiter(2);
    const a = await limiter.acquire();
    await limiter.acquire();
    const order: string[] = [];
    const third = limiter.acquire().then((release) => (order.push('third'), release));
    const controller = new AbortController();
    const cancelled = limiter.acquire(controller.signal);
    const fifth = limiter.acquire().then((release) => (order.push('fifth'), release));
    expect([limiter.active, limiter.queued]).toEqual([2, 3]);
    controller.abort();
    await expect(cancelled).rejects.toMatchObject({ code: 'CANCELLED' });
    a();
    (await third)();
    await fifth;
    expect(order).toEqual(['third', 'fifth']);
  });
});

describe('pool keys and job tags', () => {
  it('keys a connection by host, port and user of every hop', () => {
    const hop = (host: string, user = 'root', port = 22) => ({ label: host, host, port, user, auth: [] });
    expect(chainKey([hop('gw'), hop('PVE1')])).toBe('root@gw:22 > root@pve1:22');
    expect(chainKey([hop('pve1', 'admin')])).not.toBe(chainKey([hop('pve1')]));
  });

  it('kills exactly the tagged job and its children', () => {
    const id = 'abc123';
    const child = execFileSync('sh', ['-c', `${jobCommand(id, 'sleep 30 >/dev/null 2>&1 & sleep 31 >/dev/null 2>&1 & echo $!')}`], { encoding: 'utf8' }).trim();
    const other = execFileSync('sh', ['-c', `${jobCommand('other', 'sleep 32 >/dev/null 2>&1 & echo $!')}`], { encoding: 'utf8' }).trim();
    sh(killJobCommand(id));
    const alive = (pid: string) => fs.existsSync(`/proc/${pid}`) && !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z');
    expect(alive(child)).toBe(false);
    expect(alive(other)).toBe(true);
    process.kill(Number(other), 'SIGKILL');
  });
});
