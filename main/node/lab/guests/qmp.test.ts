// The QMP client against a scripted monitor on a Unix socket: greeting and negotiation, replies matched by id,
// events, errors, deadlines and a monitor that goes away.
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { QmpClient } from './qmp.js';

interface Received {
  execute: string;
  arguments?: Record<string, unknown>;
  id?: string;
}

/** A fake QEMU monitor: greets, then hands every command to `onCommand`, which answers through `send`. */
class FakeMonitor {
  readonly received: Received[] = [];
  readonly server: net.Server;
  socket?: net.Socket;
  onCommand: (cmd: Received, send: (obj: unknown) => void) => void = (cmd, send) => send({ return: {}, id: cmd.id });

  constructor(
    readonly socketPath: string,
    greeting: string = JSON.stringify({ QMP: { version: { qemu: { micro: 22, minor: 2, major: 7 }, package: 'Debian 1:7.2' }, capabilities: ['oob'] } }),
  ) {
    this.server = net.createServer((socket) => {
      this.socket = socket;
      const send = (obj: unknown) => socket.write(JSON.stringify(obj) + '\r\n');
      socket.write(greeting + '\r\n');
      let buffer = '';
      socket.on('data', (chunk) => {
        buffer += chunk.toString();
        for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
          const cmd = JSON.parse(buffer.slice(0, nl)) as Received;
          buffer = buffer.slice(nl + 1);
          this.received.push(cmd);
          this.onCommand(cmd, send);
        }
      });
      socket.on('error', () => undefined);
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.socketPath, resolve));
  }

  event(name: string, data: Record<string, unknown> = {}): void {
    this.socket?.write(JSON.stringify({ event: name, data, timestamp: { seconds: 1, microseconds: 2 } }) + '\r\n');
  }

  close(): Promise<void> {
    this.socket?.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe('QMP client', () => {
  let dir: string;
  let monitor: FakeMonitor | undefined;
  let client: QmpClient | undefined;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-qmp-'));
  });
  afterEach(async () => {
    client?.close();
    await monitor?.close();
    client = undefined;
    monitor = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const start = async (greeting?: string) => {
    monitor = new FakeMonitor(path.join(dir, 'qmp.sock'), greeting);
    await monitor.listen();
    return monitor;
  };

  it('reads the greeting and leaves negotiation mode with qmp_capabilities before anything else', async () => {
    const m = await start();
    client = await QmpClient.connect(m.socketPath, { label: 'guest vm100' });
    expect(client.greeting.version.qemu).toEqual({ major: 7, minor: 2, micro: 22 });
    expect(m.received).toHaveLength(1);
    expect(m.received[0]).toMatchObject({ execute: 'qmp_capabilities' });
    expect(m.received[0]!.id).toMatch(/^cw-\d+$/);
  });

  it('matches replies to commands by id, also when they come back out of order', async () => {
    const m = await start();
    const held: { cmd: Received; send: (o: unknown) => void }[] = [];
    client = await QmpClient.connect(m.socketPath);
    m.onCommand = (cmd, send) => {
      held.push({ cmd, send });
      if (held.length === 2) {
        // Answer the second first.
        held[1]!.send({ return: { status: 'running' }, id: held[1]!.cmd.id });
        held[0]!.send({ return: [{ capability: 'xbzrle', state: false }], id: held[0]!.cmd.id });
      }
    };
    const first = client.execute<{ capability: string }[]>('query-migrate-capabilities');
    const second = client.execute<{ status: string }>('query-status');
    await expect(second).resolves.toEqual({ status: 'running' });
    await expect(first).resolves.toEqual([{ capability: 'xbzrle', state: false }]);
    expect(held.map((h) => h.cmd.execute)).toEqual(['query-migrate-capabilities', 'query-status']);
    expect(new Set(held.map((h) => h.cmd.id)).size).toBe(2);
  });

  it('passes arguments as given, as JSON values', async () => {
    const m = await start();
    client = await QmpClient.connect(m.socketPath);
    await client.execute('migrate', { uri: 'tcp:198.18.2.11:60000' });
    expect(m.received.at(-1)).toMatchObject({ execute: 'migrate', arguments: { uri: 'tcp:198.18.2.11:60000' } });
  });

  it('turns a QMP error into REMOTE_FAILED with the class and description', async () => {
    const m = await start();
    client = await QmpClient.connect(m.socketPath, { label: 'guest vm100 on lab host a1' });
    m.onCommand = (cmd, send) => send({ error: { class: 'GenericError', desc: 'Failed to bind socket: Address already in use' }, id: cmd.id });
    const error = await client.execute('migrate-incoming', { uri: 'tcp:198.18.2.11:60000' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'REMOTE_FAILED', detail: { command: 'migrate-incoming', class: 'GenericError', desc: 'Failed to bind socket: Address already in use' } });
    expect((error as Error).message).toContain('guest vm100 on lab host a1');
  });

  it('delivers events to listeners and to waits, including an event that arrived before the wait started', async () => {
    const m = await start();
    client = await QmpClient.connect(m.socketPath);
    const seen: string[] = [];
    const off = client.onEvent((e) => seen.push(e.event));
    const mark = client.events.length;
    m.event('STOP');
    m.event('BLOCK_JOB_READY', { device: 'drive-virtio1' });
    m.event('BLOCK_JOB_READY', { device: 'drive-virtio0', len: 1024 });
    await new Promise((r) => setTimeout(r, 50));
    const ready = await client.waitForEvent('BLOCK_JOB_READY', { since: mark, match: (e) => e.data.device === 'drive-virtio0', timeoutMs: 1_000 });
    expect(ready.data).toEqual({ device: 'drive-virtio0', len: 1024 });
    expect(ready.timestamp).toEqual({ seconds: 1, microseconds: 2 });
    const resume = client.waitForEvent('RESUME', { timeoutMs: 1_000 });
    m.event('RESUME');
    await expect(resume).resolves.toMatchObject({ event: 'RESUME' });
    off();
    m.event('SHUTDOWN');
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual(['STOP', 'BLOCK_JOB_READY', 'BLOCK_JOB_READY', 'RESUME']);
  });

  it('times out a command without a reply (TIMEOUT) and ignores the late reply', async () => {
    const m = await start();
    client = await QmpClient.connect(m.socketPath);
    let late: (() => void) | undefined;
    m.onCommand = (cmd, send) => {
      if (cmd.execute === 'query-migrate') late = () => send({ return: { status: 'active' }, id: cmd.id });
      else send({ return: { status: 'running' }, id: cmd.id });
    };
    await expect(client.execute('query-migrate', undefined, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'TIMEOUT' });
    late!();
    await expect(client.execute('query-status')).resolves.toEqual({ status: 'running' });
  });

  it('times out a wait for an event that never comes', async () => {
    const m = await start();
    client = await QmpClient.connect(m.socketPath);
    await expect(client.waitForEvent('BLOCK_JOB_READY', { timeoutMs: 100 })).rejects.toMatchObject({ code: 'TIMEOUT' });
  });

  it('rejects pending commands and waits with UNREACHABLE when QEMU goes away', async () => {
    const m = await start();
    client = await QmpClient.connect(m.socketPath);
    m.onCommand = () => undefined;
    const pending = client.execute('query-migrate');
    const waiting = client.waitForEvent('RESUME');
    m.socket!.destroy();
    await expect(pending).rejects.toMatchObject({ code: 'UNREACHABLE' });
    await expect(waiting).rejects.toMatchObject({ code: 'UNREACHABLE' });
    expect(client.closed).toBe(true);
    await expect(client.execute('query-status')).rejects.toMatchObject({ code: 'UNREACHABLE' });
  });

  it('waits for a socket that does not exist yet, within the deadline', async () => {
    const socketPath = path.join(dir, 'later.sock');
    const connecting = QmpClient.connect(socketPath, { timeoutMs: 3_000 });
    await new Promise((r) => setTimeout(r, 200));
    monitor = new FakeMonitor(socketPath);
    await monitor.listen();
    client = await connecting;
    expect(client.greeting.version.package).toBe('Debian 1:7.2');
  });

  it('gives up on a missing socket after the deadline, naming the socket', async () => {
    const socketPath = path.join(dir, 'never.sock');
    await expect(QmpClient.connect(socketPath, { timeoutMs: 200, label: 'guest vm9' })).rejects.toMatchObject({ code: 'UNREACHABLE', message: expect.stringContaining('never.sock') });
  });

  it('refuses a peer that does not greet as a QMP monitor', async () => {
    const m = await start('SSH-2.0-OpenSSH_9.2');
    await expect(QmpClient.connect(m.socketPath, { timeoutMs: 500 })).rejects.toMatchObject({ code: 'UNREACHABLE', message: expect.stringContaining('did not greet as a QMP monitor') });
  });

  it('closes the connection when the monitor sends something that is not JSON', async () => {
    const m = await start();
    client = await QmpClient.connect(m.socketPath);
    m.onCommand = (_cmd, _send) => m.socket!.write('this is not json\r\n');
    await expect(client.execute('query-status')).rejects.toMatchObject({ code: 'REMOTE_FAILED', message: expect.stringContaining('not JSON') });
    expect(client.closed).toBe(true);
  });
});
