// The SSH methods end to end through a WireSession (the same frames the renderer sends): prompts as
// events answered by methods, terminals as credit-controlled binary streams, secrets only as ids.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { utils } from 'ssh2';
import { decodeStreamData, type ServerFrame } from '../../common/wire.js';
import { PinnedHostKeys } from '../ssh/pinned-host-keys.js';
import { createCore, type Core } from '../core.js';
import { startSshd, sshdAvailable, type SshdFixture } from '../ssh/testing/openssh-server.js';
import { startInProcessSshd, type InProcessSshd } from '../ssh/testing/ssh2-server.js';
import { WireSession } from '../wire-session.js';
import { parsableKeyPair } from '../ssh/testing/ssh2-server.js';

class ClientSide {
  readonly frames: ServerFrame[] = [];
  readonly bytes = new Map<number, Buffer[]>();
  private nextId = 1;
  readonly session: WireSession;
  constructor(core: Core) {
    this.session = new WireSession(core, {
      sendJson: (frame) => this.frames.push(frame),
      sendBinary: (frame) => {
        const decoded = decodeStreamData(frame)!;
        const list = this.bytes.get(decoded.stream) ?? [];
        list.push(Buffer.from(decoded.payload));
        this.bytes.set(decoded.stream, list);
      },
    });
  }
  async until<T>(find: () => T | undefined, what: string, ms = 10_000): Promise<T> {
    for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 20))) {
      const found = find();
      if (found !== undefined) return found;
    }
    throw new Error(`timed out waiting for ${what}`);
  }
  event(name: string): { name: string; payload: Record<string, unknown> } | undefined {
    const frame = this.frames.find((f) => f.t === 'event' && f.name === name) as { name: string; payload: Record<string, unknown> } | undefined;
    return frame;
  }
  call(method: string, input: unknown): Promise<ServerFrame & { t: 'result' }> {
    const id = this.nextId++;
    void this.session.receiveText(JSON.stringify({ t: 'call', id, method, input }));
    return this.until(() => this.frames.find((f): f is ServerFrame & { t: 'result' } => f.t === 'result' && f.id === id), `result of ${method}`, 20_000);
  }
  text(stream: number): string {
    return Buffer.concat(this.bytes.get(stream) ?? []).toString();
  }
}

function testCore(): { core: Core; dir: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-ssh-svc-'));
  const core = createCore({
    hostKind: 'test',
    workspaceDir: path.join(dir, 'workspace'),
    ssh: { sshConfigFile: null, engine: { knownHostsFiles: [path.join(dir, 'known_hosts')], pinnedHostKeysFile: path.join(dir, 'pinned.json'), env: {} }, promptTimeoutMs: 10_000 },
  });
  return { core, dir };
}

describe('SSH methods over the wire', () => {
  let sshd: InProcessSshd;
  beforeAll(async () => {
    sshd = await startInProcessSshd({ password: 'wire-password-value' });
  });
  afterAll(async () => {
    await sshd.close();
  });

  it('ssh.test: an unknown key raises hostKey.unknown, hostKey.answer pins it, a password prompt is answered by auth.answer', async () => {
    const { core } = testCore();
    const client = new ClientSide(core);
    const result = client.call('ssh.test', { target: { host: '127.0.0.1', port: sshd.port, user: 'admin', auth: [{ kind: 'password' }] } });
    const unknown = await client.until(() => client.event('hostKey.unknown'), 'hostKey.unknown');
    expect(unknown.payload).toMatchObject({ host: '127.0.0.1', port: sshd.port, keyType: 'ssh-ed25519', fingerprint: sshd.fingerprint, knownKeyTypes: [] });
    expect((await client.call('hostKey.answer', { promptId: unknown.payload.promptId, decision: 'pin' })).ok).toBe(true);
    const prompt = await client.until(() => client.event('auth.prompt'), 'auth.prompt');
    expect(prompt.payload).toMatchObject({ kind: 'password', user: 'admin', prompts: [{ echo: false }] });
    await client.call('auth.answer', { promptId: prompt.payload.promptId, answers: ['wire-password-value'] });
    const done = await result;
    expect(done).toMatchObject({ ok: true, value: { destination: { fingerprint: sshd.fingerprint, trust: 'pinned now' } } });
    const closed = client.frames.filter((f) => f.t === 'event' && f.name === 'ssh.promptClosed');
    expect(closed).toHaveLength(2);
    expect(JSON.stringify(client.frames)).not.toContain('wire-password-value');
    const listed = await client.call('hostKey.list', {});
    expect(listed).toMatchObject({ ok: true, value: { keys: [{ host: '127.0.0.1', port: sshd.port, fingerprint: sshd.fingerprint }] } });
    const stale = await client.call('hostKey.answer', { promptId: unknown.payload.promptId, decision: 'pin' });
    expect(stale).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    client.session.close();
    await core.close();
  });

  it('secrets: put returns an id, list shows ids and labels only, and a stored password logs in', async () => {
    const { core } = testCore();
    const client = new ClientSide(core);
    const put = await client.call('secrets.put', { label: 'admin@lab', kind: 'password', value: 'wire-password-value' });
    const id = (put as { value: { id: string } }).value.id;
    const list = await client.call('secrets.list', {});
    expect(list).toMatchObject({ ok: true, value: { secrets: [{ id, label: 'admin@lab', kind: 'password' }] } });
    const tested = client.call('ssh.test', { target: { host: '127.0.0.1', port: sshd.port, user: 'admin', auth: [{ kind: 'password', secretId: id }] } });
    const unknown = await client.until(() => client.event('hostKey.unknown'), 'hostKey.unknown');
    await client.call('hostKey.answer', { promptId: unknown.payload.promptId, decision: 'once' });
    expect((await tested).ok).toBe(true);
    expect(await client.call('secrets.delete', { id })).toMatchObject({ ok: true, value: { deleted: true } });
    expect(JSON.stringify(client.frames)).not.toContain('wire-password-value');
    client.session.close();
    await core.close();
  });

  it('a rejected host key fails ssh.test with HOST_KEY_UNKNOWN', async () => {
    const { core } = testCore();
    const client = new ClientSide(core);
    const result = client.call('ssh.test', { target: { host: '127.0.0.1', port: sshd.port, user: 'admin', auth: [{ kind: 'password' }] } });
    const unknown = await client.until(() => client.event('hostKey.unknown'), 'hostKey.unknown');
    await client.call('hostKey.answer', { promptId: unknown.payload.promptId, decision: 'reject' });
    expect(await result).toMatchObject({ ok: false, error: { code: 'HOST_KEY_UNKNOWN' } });
    client.session.close();
    await core.close();
  });
});

describe('pinned host keys: list and forget', () => {
  function key(type: 'ed25519' | 'rsa'): Buffer {
    const parsed = utils.parseKey(parsableKeyPair(type === 'rsa' ? 'rsa' : 'ed25519').public);
    if (parsed instanceof Error || Array.isArray(parsed)) throw new Error('key');
    return parsed.getPublicSSH();
  }

  it("lists a host's pinned keys (or a node's, where its SSH settings lead), forgets one type or all, and records each forget in the audit log", async () => {
    const { core, dir } = testCore();
    const pins = new PinnedHostKeys(path.join(dir, 'pinned.json'));
    const ed = pins.pin('198.51.100.7', 2222, key('ed25519'));
    const rsa = pins.pin('198.51.100.7', 2222, key('rsa'));
    const elsewhere = pins.pin('198.51.100.8', 22, key('ed25519'));
    fs.mkdirSync(core.options.workspaceDir, { recursive: true });
    fs.writeFileSync(
      path.join(core.options.workspaceDir, 'clusterwright.yaml'),
      ['version: 1', 'name: Keys', 'sites:', '  - { name: office, kind: lan }', 'nodes:', '  - { name: pve7, site: office, ssh: { host: 198.51.100.7, port: 2222, user: root } }', ''].join('\n'),
    );

    const all = await core.call('hostKey.list', {});
    expect(all.keys.map((k) => [k.host, k.port, k.keyType, k.source])).toEqual([
      ['198.51.100.7', 2222, 'ssh-ed25519', 'pinned'],
      ['198.51.100.7', 2222, 'ssh-rsa', 'pinned'],
      ['198.51.100.8', 22, 'ssh-ed25519', 'pinned'],
    ]);
    const node = await core.call('hostKey.list', { node: 'pve7' });
    expect(node).toMatchObject({ host: '198.51.100.7', port: 2222 });
    expect(node.keys.map((k) => k.fingerprint)).toEqual([ed.fingerprint, rsa.fingerprint]);

    const one = await core.call('hostKey.forget', { host: '198.51.100.7', port: 2222, keyType: 'ssh-rsa' });
    expect(one).toMatchObject({ removed: 1, keys: [{ keyType: 'ssh-rsa', fingerprint: rsa.fingerprint }] });
    const rest = await core.call('hostKey.forget', { host: '198.51.100.7', port: 2222 });
    expect(rest).toMatchObject({ removed: 1, keys: [{ fingerprint: ed.fingerprint }] });
    expect(pins.list().map((k) => k.fingerprint)).toEqual([elsewhere.fingerprint]);
    await expect(core.call('hostKey.forget', { host: '198.51.100.7', port: 2222 })).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const audit = fs.readFileSync(path.join(core.options.workspaceDir, 'audit.log'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(audit).toEqual([
      expect.objectContaining({ operation: 'forget-host-key', purpose: 'admin', target: 'host 198.51.100.7:2222', what: `ssh-rsa ${rsa.fingerprint}`, outcome: 'forgotten', by: 'test' }),
      expect.objectContaining({ operation: 'forget-host-key', target: 'host 198.51.100.7:2222', what: `ssh-ed25519 ${ed.fingerprint}` }),
    ]);
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe.skipIf(sshdAvailable() !== null)('terminals over the wire (real sshd)', () => {
  let sshd: SshdFixture;
  beforeAll(async () => {
    sshd = await startSshd();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  it('terminal.open streams the shell, write frames type into it, terminal.resize changes stty size, terminal.close ends the stream', async () => {
    const { core, dir } = testCore();
    const client = new ClientSide(core);
    const target = { kind: 'adHoc', host: sshd.host, port: sshd.port, user: sshd.user, auth: [{ kind: 'privateKey', identityFile: sshd.clientKeyFile }] };
    const opening = client.call('terminal.open', { target, rows: 24, cols: 80 });
    const unknown = await client.until(() => client.event('hostKey.unknown'), 'hostKey.unknown');
    await client.call('hostKey.answer', { promptId: unknown.payload.promptId, decision: 'pin' });
    const opened = await opening;
    expect(opened.ok).toBe(true);
    const { terminalId, streamId, title } = (opened as { value: { terminalId: string; streamId: number; title: string } }).value;
    expect(title).toBe(`${sshd.user}@127.0.0.1`);
    const type = (data: string) => client.session.receiveText(JSON.stringify({ t: 'write', stream: streamId, data }));
    await type('stty size\n');
    await client.until(() => (/^24 80\r?$/m.test(client.text(streamId)) ? true : undefined), '24 80');
    expect(await client.call('terminal.resize', { terminalId, rows: 50, cols: 160 })).toMatchObject({ ok: true });
    await type('stty size\n');
    await client.until(() => (/^50 160\r?$/m.test(client.text(streamId)) ? true : undefined), '50 160');

    // Flow control: a flood pauses at the window until the client acknowledges.
    await type('head -c 3000000 /dev/zero | tr "\\0" x; echo\n');
    const stream = client.session.stream(streamId)!;
    await client.until(() => (stream.isPaused ? true : undefined), 'the stream to pause at its window');
    expect(stream.pending).toBeLessThanOrEqual(stream.window);
    const pendingWhilePaused = stream.pending;
    await new Promise((r) => setTimeout(r, 200));
    expect(stream.pending).toBe(pendingWhilePaused);
    await client.session.receiveText(JSON.stringify({ t: 'ack', stream: streamId, bytes: 10_000_000 }));
    expect(stream.isPaused).toBe(false);

    expect(await client.call('terminal.close', { terminalId })).toMatchObject({ ok: true, value: { closed: true } });
    await client.until(() => client.frames.find((f) => f.t === 'stream-end' && f.stream === streamId), 'stream-end');
    await client.until(() => client.event('terminal.closed'), 'terminal.closed');
    client.session.close();
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('terminal.open reaches a workspace node by name, using its ssh settings', async () => {
    const { core, dir } = testCore();
    const workspaceFile = path.join(dir, 'site.yaml');
    fs.writeFileSync(
      workspaceFile,
      ['version: 1', 'name: Terminal test', 'sites:', '  - { name: office, kind: lan }', 'nodes:', `  - { name: pve1, site: office, ssh: { host: 127.0.0.1, port: ${sshd.port}, user: ${sshd.user}, identityFile: ${sshd.clientKeyFile} } }`, ''].join('\n'),
    );
    const client = new ClientSide(core);
    const opening = client.call('terminal.open', { target: { kind: 'node', node: 'pve1', workspace: workspaceFile }, rows: 24, cols: 80 });
    const unknown = await client.until(() => client.event('hostKey.unknown'), 'hostKey.unknown');
    await client.call('hostKey.answer', { promptId: unknown.payload.promptId, decision: 'once' });
    const opened = await opening;
    expect(opened).toMatchObject({ ok: true, value: { title: `${sshd.user}@pve1` } });
    const { streamId, terminalId } = (opened as { value: { streamId: number; terminalId: string } }).value;
    await client.session.receiveText(JSON.stringify({ t: 'write', stream: streamId, data: 'echo "node-$((6*7))"\n' }));
    await client.until(() => (client.text(streamId).includes('node-42') ? true : undefined), 'node-42');
    await client.call('terminal.close', { terminalId });
    const missing = await client.call('terminal.open', { target: { kind: 'node', node: 'pve9', workspace: workspaceFile }, rows: 24, cols: 80 });
    expect(missing).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    client.session.close();
    await core.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
