// The engine against an in-process ssh2 server, for logins and host-key situations a stock sshd
// cannot be made to show on demand.
import { afterEach, describe, expect, it } from 'vitest';
import { utils } from 'ssh2';
import { CwError } from '../../common/errors.js';
import { parsableKeyPair, startInProcessSshd, type InProcessSshd } from './testing/ssh2-server.js';
import { directTarget, ScriptedPrompter, testEngine, type TestEngine } from './testing/engine-helpers.js';
import { PinnedHostKeys } from './pinned-host-keys.js';
import type { HostKeyDecision, HostKeyQuestion, SshPrompter, SshStateChange } from './types.js';
import { caught } from '../../common/testing/caught.js';

/** A prompter that holds every host-key question until the test answers it, as an admin reading a dialog does. */
class HeldPrompter implements SshPrompter {
  readonly questions: HostKeyQuestion[] = [];
  private readonly answers: ((decision: HostKeyDecision) => void)[] = [];
  confirmHostKey(question: HostKeyQuestion): Promise<HostKeyDecision> {
    this.questions.push(question);
    return new Promise((resolve) => this.answers.push(resolve));
  }
  askAuth(): Promise<string[]> {
    return Promise.reject(new CwError('CANCELLED', 'no login questions in this test'));
  }
  answerAll(decision: HostKeyDecision): void {
    for (const answer of this.answers.splice(0)) answer(decision);
  }
}

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  for (const end = Date.now() + ms; !condition(); await new Promise((r) => setTimeout(r, 10))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
  }
}

const servers: InProcessSshd[] = [];
const engines: TestEngine[] = [];
async function server(options: Parameters<typeof startInProcessSshd>[0]) {
  const started = await startInProcessSshd(options);
  servers.push(started);
  return started;
}
function engine(setup: Parameters<typeof testEngine>[0]) {
  const created = testEngine(setup);
  engines.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.engine.closeAll()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('logins', () => {
  it('logs in with a password from the secret store, which never appears in errors or events', async () => {
    const sshd = await server({ password: 'correct horse battery' });
    const states: SshStateChange[] = [];
    const { engine: ssh, secrets } = engine({ acceptNewHostKeys: true, onStateChanged: (s) => states.push(s) });
    const id = await secrets.put('correct horse battery', { label: 'admin@lab', kind: 'password' });
    const result = await ssh.run(directTarget(sshd.host, sshd.port, 'admin', [{ kind: 'password', secretId: id }]), 'echo hello');
    expect(result.stdout).toBe('hello\n');
    expect(JSON.stringify(states)).not.toContain('correct horse');
  });

  it('asks for the password when none is stored', async () => {
    const sshd = await server({ password: 's3cret' });
    const prompter = new ScriptedPrompter('pin', (q) => (q.kind === 'password' ? ['s3cret'] : null));
    const { engine: ssh } = engine({ prompter });
    await ssh.run(directTarget(sshd.host, sshd.port, 'admin', [{ kind: 'password' }]), 'echo ok');
    expect(prompter.authQuestions.map((q) => q.kind)).toEqual(['password']);
    expect(prompter.authQuestions[0]!.prompts[0]).toMatchObject({ echo: false });
  });

  it('answers a two-round keyboard-interactive (2FA) login through prompts', async () => {
    const sshd = await server({ password: 'pw', oneTimeCode: '123456' });
    const prompter = new ScriptedPrompter('pin', (q) => (q.prompts[0]!.text.startsWith('Password') ? ['pw'] : ['123456']));
    const { engine: ssh } = engine({ prompter });
    const result = await ssh.run(directTarget(sshd.host, sshd.port, 'admin', [{ kind: 'keyboardInteractive' }]), 'echo in');
    expect(result.stdout).toBe('in\n');
    expect(prompter.authQuestions.map((q) => [q.kind, q.prompts[0]!.text, q.prompts[0]!.echo])).toEqual([
      ['keyboardInteractive', 'Password: ', false],
      ['keyboardInteractive', 'Verification code: ', true],
    ]);
    expect(prompter.authQuestions[1]!.instructions).toContain('6 digits');
  });

  it('fails with AUTH_FAILED after a wrong password and does not retry (no lockout)', async () => {
    const sshd = await server({ password: 'right' });
    const { engine: ssh, secrets } = engine({ acceptNewHostKeys: true, reconnect: { attempts: 5, baseDelayMs: 5, maxDelayMs: 5 } });
    const id = await secrets.put('wrong-password-value', { label: 'x', kind: 'password' });
    const error = await caught(ssh.run(directTarget(sshd.host, sshd.port, 'admin', [{ kind: 'password', secretId: id }]), 'echo no'));
    expect(error.code).toBe('AUTH_FAILED');
    expect(error.message).toMatch(/admin@127\.0\.0\.1:\d+ refused the login as "admin" \(tried: password\)/);
    expect(JSON.stringify(error.detail) + error.message).not.toContain('wrong-password-value');
    expect(sshd.connections).toBe(1);
  });

  it('with key-only auth, offers only publickey: no "none" probe, no password', async () => {
    const pair = parsableKeyPair('ed25519');
    const sshd = await server({ authorizedKey: pair.public, password: 'also-allowed' });
    const { engine: ssh, secrets } = engine({ acceptNewHostKeys: true });
    const keyId = await secrets.put(pair.private, { label: 'deploy key', kind: 'privateKey' });
    await ssh.run(directTarget(sshd.host, sshd.port, 'admin', [{ kind: 'privateKey', keySecretId: keyId }]), 'echo k');
    expect(new Set(sshd.authAttempts)).toEqual(new Set(['publickey']));
  });

  it('opens an encrypted private key with a passphrase asked from the admin', async () => {
    const pair = parsableKeyPair('ed25519', { passphrase: 'open sesame' });
    const sshd = await server({ authorizedKey: pair.public });
    let asked = 0;
    const prompter = new ScriptedPrompter('pin', (q) => (q.kind === 'passphrase' ? [asked++ === 0 ? 'wrong' : 'open sesame'] : null));
    const { engine: ssh, secrets } = engine({ prompter });
    const keyId = await secrets.put(pair.private, { label: 'encrypted key', kind: 'privateKey' });
    await ssh.run(directTarget(sshd.host, sshd.port, 'admin', [{ kind: 'privateKey', keySecretId: keyId }]), 'echo k');
    expect(prompter.authQuestions.map((q) => q.prompts[0]!.text)).toEqual(['Passphrase for the stored key:', 'Wrong passphrase, try again:']);
  });

  it('reports the signal that ended a command', async () => {
    const sshd = await server({ password: 'pw' });
    const { engine: ssh, secrets } = engine({ acceptNewHostKeys: true });
    const id = await secrets.put('pw', { label: 'pw', kind: 'password' });
    const target = directTarget(sshd.host, sshd.port, 'admin', [{ kind: 'password', secretId: id }]);
    expect(await ssh.exec(target, 'signal KILL')).toMatchObject({ exitCode: null, exitSignal: 'KILL' });
    expect(await ssh.exec(target, 'exit 42')).toMatchObject({ exitCode: 42, exitSignal: null });
  });
});

describe('host keys', () => {
  it('refuses an unknown key without a prompter (CLI) with HOST_KEY_UNKNOWN and the fingerprint, before any login', async () => {
    const sshd = await server({ password: 'pw' });
    const { engine: ssh } = engine({});
    const error = await caught(ssh.run(directTarget(sshd.host, sshd.port, 'admin', [{ kind: 'password' }]), 'echo x'));
    expect(error.code).toBe('HOST_KEY_UNKNOWN');
    expect(error.detail).toMatchObject({ fingerprint: sshd.fingerprint, keyType: 'ssh-ed25519' });
    expect(error.message).toContain(sshd.fingerprint);
    expect(sshd.authAttempts).toEqual([]);
  });

  it('sends nothing when the admin rejects an unknown key', async () => {
    const sshd = await server({ password: 'pw' });
    const prompter = new ScriptedPrompter('reject');
    const { engine: ssh } = engine({ prompter });
    const error = await caught(ssh.run(directTarget(sshd.host, sshd.port, 'admin', [{ kind: 'password', secretId: 'never-read' }]), 'echo x'));
    expect(error.code).toBe('HOST_KEY_UNKNOWN');
    expect(prompter.hostKeyQuestions[0]).toMatchObject({ fingerprint: sshd.fingerprint, position: 'destination' });
    expect(sshd.authAttempts).toEqual([]);
  });

  it('refuses a changed key of the same type with HOST_KEY_CHANGED (old and new fingerprints), without asking', async () => {
    const sshd = await server({ password: 'pw' });
    const prompter = new ScriptedPrompter('pin');
    const { engine: ssh, pinnedFile } = engine({ prompter });
    const other = utils.parseKey(parsableKeyPair('ed25519').public);
    if (other instanceof Error || Array.isArray(other)) throw new Error('key');
    const pinned = new PinnedHostKeys(pinnedFile).pin('127.0.0.1', sshd.port, other.getPublicSSH());
    const error = await caught(ssh.run(directTarget(sshd.host, sshd.port, 'admin', [{ kind: 'password' }]), 'echo x'));
    expect(error.code).toBe('HOST_KEY_CHANGED');
    expect(error.detail).toMatchObject({ oldFingerprint: pinned.fingerprint, newFingerprint: sshd.fingerprint });
    expect(prompter.hostKeyQuestions).toHaveLength(0);
    expect(sshd.authAttempts).toEqual([]);
  });

  it('treats a new key type for a known host as unknown (asks), not as changed', async () => {
    const sshd = await server({ password: 'pw', hostKeyType: 'ed25519' });
    const prompter = new ScriptedPrompter('pin', () => ['pw']);
    const { engine: ssh, pinnedFile } = engine({ prompter });
    const rsa = utils.parseKey(parsableKeyPair('rsa').public);
    if (rsa instanceof Error || Array.isArray(rsa)) throw new Error('key');
    new PinnedHostKeys(pinnedFile).pin('127.0.0.1', sshd.port, rsa.getPublicSSH());
    await ssh.run(directTarget(sshd.host, sshd.port, 'admin', [{ kind: 'password' }]), 'echo x');
    expect(prompter.hostKeyQuestions).toHaveLength(1);
    expect(prompter.hostKeyQuestions[0]).toMatchObject({ keyType: 'ssh-ed25519', knownKeyTypes: ['ssh-rsa'] });
    const types = new PinnedHostKeys(pinnedFile).lookup('127.0.0.1', sshd.port).map((k) => k.keyType).sort();
    expect(types).toEqual(['ssh-ed25519', 'ssh-rsa']);
  });

  it('with accept-new, refuses a host whose pinned key is of another type and that now offers only a new type, pinning nothing', async () => {
    const sshd = await server({ password: 'pw', hostKeyType: 'ed25519' });
    const { engine: ssh, pinnedFile, secrets } = engine({ acceptNewHostKeys: true });
    const rsa = utils.parseKey(parsableKeyPair('rsa').public);
    if (rsa instanceof Error || Array.isArray(rsa)) throw new Error('key');
    const old = new PinnedHostKeys(pinnedFile).pin('127.0.0.1', sshd.port, rsa.getPublicSSH());
    const id = await secrets.put('pw', { label: 'pw', kind: 'password' });
    const error = await caught(ssh.run(directTarget(sshd.host, sshd.port, 'admin', [{ kind: 'password', secretId: id }]), 'echo x'));
    expect(error.code).toBe('HOST_KEY_CHANGED');
    expect(error.message).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    expect(error.message).toContain(old.fingerprint);
    expect(error.message).toContain(sshd.fingerprint);
    expect(error.message).toContain(`clusterwright hostkeys forget 127.0.0.1:${sshd.port}`);
    expect(error.detail).toMatchObject({ newFingerprint: sshd.fingerprint, knownKeys: [{ keyType: 'ssh-rsa', fingerprint: old.fingerprint }] });
    expect(new PinnedHostKeys(pinnedFile).lookup('127.0.0.1', sshd.port).map((k) => k.keyType)).toEqual(['ssh-rsa']);
    expect(sshd.authAttempts).toEqual([]);
  });

  it('without a prompter (a CLI run without --accept-new), refuses a new key type for a known host as changed too', async () => {
    const sshd = await server({ password: 'pw', hostKeyType: 'ed25519' });
    const { engine: ssh, pinnedFile } = engine({});
    const rsa = utils.parseKey(parsableKeyPair('rsa').public);
    if (rsa instanceof Error || Array.isArray(rsa)) throw new Error('key');
    new PinnedHostKeys(pinnedFile).pin('127.0.0.1', sshd.port, rsa.getPublicSSH());
    const error = await caught(ssh.run(directTarget(sshd.host, sshd.port, 'admin', [{ kind: 'password' }]), 'echo x'));
    expect(error.code).toBe('HOST_KEY_CHANGED');
    expect(sshd.authAttempts).toEqual([]);
  });

  it('with accept-new, still pins a host that has no key at all', async () => {
    const sshd = await server({ password: 'pw' });
    const { engine: ssh, pinnedFile, secrets } = engine({ acceptNewHostKeys: true });
    const id = await secrets.put('pw', { label: 'pw', kind: 'password' });
    await ssh.run(directTarget(sshd.host, sshd.port, 'admin', [{ kind: 'password', secretId: id }]), 'echo x');
    expect(new PinnedHostKeys(pinnedFile).lookup('127.0.0.1', sshd.port).map((k) => k.fingerprint)).toEqual([sshd.fingerprint]);
  });

  it('asks about a new key type only with the keys already pinned for the host (type, fingerprint, where)', async () => {
    const sshd = await server({ password: 'pw', hostKeyType: 'ed25519' });
    const prompter = new ScriptedPrompter('reject');
    const { engine: ssh, pinnedFile } = engine({ prompter });
    const rsa = utils.parseKey(parsableKeyPair('rsa').public);
    if (rsa instanceof Error || Array.isArray(rsa)) throw new Error('key');
    const old = new PinnedHostKeys(pinnedFile).pin('127.0.0.1', sshd.port, rsa.getPublicSSH());
    await caught(ssh.run(directTarget(sshd.host, sshd.port, 'admin', [{ kind: 'password' }]), 'echo x'));
    expect(prompter.hostKeyQuestions).toHaveLength(1);
    expect(prompter.hostKeyQuestions[0]!.knownKeys).toEqual([{ keyType: 'ssh-rsa', fingerprint: old.fingerprint, source: 'pinned by Clusterwright' }]);
  });

  it('accepts a key "once" without pinning it', async () => {
    const sshd = await server({ password: 'pw' });
    const prompter = new ScriptedPrompter('once', () => ['pw']);
    const { engine: ssh, pinnedFile } = engine({ prompter });
    await ssh.run(directTarget(sshd.host, sshd.port, 'admin', [{ kind: 'password' }]), 'echo x');
    expect(new PinnedHostKeys(pinnedFile).list()).toEqual([]);
  });
});

describe('one question per unknown key', () => {
  it('asks once however many connections to the host wait for the answer; after "Trust and remember" all of them proceed', async () => {
    const users = ['admin', 'ops1', 'ops2', 'ops3', 'ops4'];
    const sshd = await server({ password: 'pw', otherUsers: users.slice(1) });
    const prompter = new HeldPrompter();
    const { engine: ssh, pinnedFile, secrets } = engine({ prompter });
    const id = await secrets.put('pw', { label: 'pw', kind: 'password' });
    // Different users: different connections (the pool shares only identical chains).
    const runs = users.map((user) => ssh.run(directTarget(sshd.host, sshd.port, user, [{ kind: 'password', secretId: id }]), 'echo ok'));
    await until(() => sshd.connections === users.length && prompter.questions.length >= 1, 'every connection to reach its host-key check');
    await new Promise((r) => setTimeout(r, 200));
    expect(prompter.questions).toHaveLength(1);
    prompter.answerAll('pin');
    const results = await Promise.all(runs);
    expect(results.map((r) => r.stdout)).toEqual(users.map(() => 'ok\n'));
    expect(prompter.questions).toHaveLength(1);
    expect(new PinnedHostKeys(pinnedFile).lookup('127.0.0.1', sshd.port)).toHaveLength(1);
  });

  it('a refusal fails every waiting connection with the one answer', async () => {
    const sshd = await server({ password: 'pw', otherUsers: ['ops1', 'ops2'] });
    const prompter = new HeldPrompter();
    const { engine: ssh, pinnedFile } = engine({ prompter });
    const runs = ['admin', 'ops1', 'ops2'].map((user) => caught(ssh.run(directTarget(sshd.host, sshd.port, user, [{ kind: 'password', secretId: 'never-read' }]), 'echo x')));
    await until(() => sshd.connections === 3 && prompter.questions.length >= 1, 'every connection to reach its host-key check');
    await new Promise((r) => setTimeout(r, 200));
    prompter.answerAll('reject');
    expect((await Promise.all(runs)).map((e) => e.code)).toEqual(['HOST_KEY_UNKNOWN', 'HOST_KEY_UNKNOWN', 'HOST_KEY_UNKNOWN']);
    expect(prompter.questions).toHaveLength(1);
    expect(new PinnedHostKeys(pinnedFile).list()).toEqual([]);
    expect(sshd.authAttempts).toEqual([]);
  });

  it('keeps the one question when the server drops a connection that waits for it (LoginGraceTime) and the engine reconnects', async () => {
    const sshd = await server({ password: 'pw', loginGraceMs: 300 });
    const prompter = new HeldPrompter();
    const { engine: ssh, secrets } = engine({ prompter, reconnect: { attempts: 4, baseDelayMs: 50, maxDelayMs: 100 } });
    const id = await secrets.put('pw', { label: 'pw', kind: 'password' });
    const run = ssh.run(directTarget(sshd.host, sshd.port, 'admin', [{ kind: 'password', secretId: id }]), 'echo ok');
    // The first connection is dropped while the admin reads the dialog; the engine's retry waits for the same answer.
    await until(() => sshd.connections >= 2, 'the engine to reconnect after the server dropped the first connection');
    await new Promise((r) => setTimeout(r, 100));
    prompter.answerAll('once');
    expect((await run).stdout).toBe('ok\n');
    expect(prompter.questions).toHaveLength(1);
  });
});

describe('reconnect', () => {
  it('retries an unreachable host with growing backoff, reporting each state, then fails with UNREACHABLE', async () => {
    const states: SshStateChange[] = [];
    const sshd = await server({ password: 'pw' });
    const port = sshd.port;
    await sshd.close();
    servers.splice(0);
    const { engine: ssh } = engine({ acceptNewHostKeys: true, reconnect: { attempts: 3, baseDelayMs: 40, maxDelayMs: 1000 }, onStateChanged: (s) => states.push(s) });
    const error = await caught(ssh.run(directTarget('127.0.0.1', port, 'admin', [{ kind: 'password', secretId: 'x' }]), 'echo x'));
    expect(error.code).toBe('UNREACHABLE');
    expect(error.message).toContain(`127.0.0.1:${port} refused the connection`);
    const retries = states.filter((s) => s.state === 'retrying');
    expect(retries.map((s) => s.attempt)).toEqual([1, 2]);
    expect(retries[1]!.retryInMs!).toBeGreaterThan(retries[0]!.retryInMs!);
    expect(states.at(-1)).toMatchObject({ state: 'failed', attempt: 3, error: { code: 'UNREACHABLE' } });
  });
});
