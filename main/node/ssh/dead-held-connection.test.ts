// A held connection whose host went away silently (a lab taken down and brought up again at the same address,
// before keepalive told): the next command finds it dead before it could start. The command never ran, so the
// engine runs it once on a fresh connection instead of failing; a command that had started is never re-run.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { directTarget, testEngine, type TestEngine } from './testing/engine-helpers.js';
import { startInProcessSshd, type InProcessSshd } from './testing/ssh2-server.js';

interface Relay {
  port: number;
  /** Stops forwarding on every connection open now (both ways), leaving them open: a host gone silent. */
  freeze(): void;
  close(): Promise<void>;
}

/** A TCP relay to the server; connections made after freeze() are forwarded as usual. */
async function startRelay(target: number): Promise<Relay> {
  const open: { client: net.Socket; upstream: net.Socket }[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect(target, '127.0.0.1');
    client.pipe(upstream);
    upstream.pipe(client);
    client.on('error', () => {});
    upstream.on('error', () => {});
    open.push({ client, upstream });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    freeze() {
      for (const { client, upstream } of open.splice(0)) {
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
        setTimeout(() => (client.destroy(), upstream.destroy()), 5_000).unref();
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const servers: InProcessSshd[] = [];
const relays: Relay[] = [];
const engines: TestEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.engine.closeAll()));
  await Promise.all(relays.splice(0).map((r) => r.close()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('a held connection found dead before the command starts', () => {
  it('runs the command once on a fresh connection', async () => {
    const sshd = await startInProcessSshd({ password: 'pw' });
    servers.push(sshd);
    const relay = await startRelay(sshd.port);
    relays.push(relay);
    const created = testEngine({ acceptNewHostKeys: true, keepaliveIntervalMs: 200, keepaliveCountMax: 2 });
    engines.push(created);
    const id = await created.secrets.put('pw', { label: 'admin@relay', kind: 'password' });
    const target = directTarget('127.0.0.1', relay.port, 'admin', [{ kind: 'password', secretId: id }]);
    expect((await created.engine.run(target, 'echo first')).stdout).toBe('first\n');
    expect(sshd.connections).toBe(1);

    relay.freeze();
    const result = await created.engine.run(target, 'echo second');
    expect(result.stdout).toBe('second\n');
    expect(sshd.connections).toBe(2);
  }, 20_000);
});
