// SshEngine.preconnect: a first hop's TCP connection opened ahead of connect() (the CLI's exec opens it while it
// loads the workspace model). connect() takes it instead of opening another; the SSH handshake, the host-key
// check and the login happen only then, exactly as without it; closeAll() closes one nobody took.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { caught } from '../../common/testing/caught.js';
import { openEarlyTcp } from './early-tcp.js';
import { directTarget, testEngine, type TestEngine } from './testing/engine-helpers.js';
import { startInProcessSshd, type InProcessSshd } from './testing/ssh2-server.js';

const servers: InProcessSshd[] = [];
const engines: TestEngine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.engine.closeAll()));
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

describe('SshEngine.preconnect', () => {
  it('hands its connection to the first connect() there: one TCP connection in all, and the command runs', async () => {
    const sshd = await startInProcessSshd({ password: 'pw' });
    servers.push(sshd);
    const created = testEngine({ acceptNewHostKeys: true });
    engines.push(created);
    const id = await created.secrets.put('pw', { label: 'admin@lab', kind: 'password' });
    await created.engine.preconnect({ host: sshd.host, port: sshd.port });
    const result = await created.engine.run(directTarget(sshd.host, sshd.port, 'admin', [{ kind: 'password', secretId: id }]), 'echo early');
    expect(result.stdout).toBe('early\n');
    expect(sshd.connections).toBe(1);
  });

  it('still refuses an unknown host key before any login (no prompter, no --accept-new)', async () => {
    const sshd = await startInProcessSshd({ password: 'pw' });
    servers.push(sshd);
    const created = testEngine({});
    engines.push(created);
    await created.engine.preconnect({ host: sshd.host, port: sshd.port });
    const error = await caught(created.engine.run(directTarget(sshd.host, sshd.port, 'admin', [{ kind: 'password' }]), 'echo x'));
    expect(error.code).toBe('HOST_KEY_UNKNOWN');
    expect(error.message).toContain(sshd.fingerprint);
    expect(sshd.authAttempts).toEqual([]);
    expect(sshd.connections).toBe(1);
  });

  it('reports a refused early connection as connect() would, and closeAll() closes one nobody took, sending nothing', async () => {
    // A port nothing listens on: the early connection fails; connect() reports it (UNREACHABLE), not a second try's.
    const closedPort = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const created = testEngine({});
    engines.push(created);
    await created.engine.preconnect({ host: '127.0.0.1', port: closedPort });
    const refused = await caught(created.engine.run(directTarget('127.0.0.1', closedPort, 'admin', [{ kind: 'password' }]), 'echo x'));
    expect(refused.code).toBe('UNREACHABLE');

    const listener = net.createServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const closed = new Promise<number>((resolve) =>
      listener.once('connection', (socket) => {
        let bytes = 0;
        socket.on('data', (chunk: Buffer) => (bytes += chunk.byteLength));
        socket.on('error', () => {});
        socket.once('close', () => resolve(bytes));
      }),
    );
    const other = testEngine({});
    await other.engine.preconnect({ host: '127.0.0.1', port: (listener.address() as net.AddressInfo).port });
    await other.engine.closeAll();
    expect(await closed).toBe(0);
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  });

  it('adopts a connection opened before it existed (the CLI\'s entry opens exec\'s first ones): one TCP connection, host key still checked before any login', async () => {
    const sshd = await startInProcessSshd({ password: 'pw' });
    servers.push(sshd);
    const early = openEarlyTcp({ host: sshd.host, port: sshd.port });
    await early.ready; // connected well before the engine exists, as when the command's code loads meanwhile
    const created = testEngine({});
    engines.push(created);
    created.engine.adoptPreconnected(early);
    const error = await caught(created.engine.run(directTarget(sshd.host, sshd.port, 'admin', [{ kind: 'password' }]), 'echo x'));
    expect(error.code).toBe('HOST_KEY_UNKNOWN');
    expect(sshd.authAttempts).toEqual([]);
    expect(sshd.connections).toBe(1);

    const trusting = testEngine({ acceptNewHostKeys: true });
    engines.push(trusting);
    const id = await trusting.secrets.put('pw', { label: 'admin@lab', kind: 'password' });
    trusting.engine.adoptPreconnected(openEarlyTcp({ host: sshd.host, port: sshd.port }));
    const result = await trusting.engine.run(directTarget(sshd.host, sshd.port, 'admin', [{ kind: 'password', secretId: id }]), 'echo adopted');
    expect(result.stdout).toBe('adopted\n');
    expect(sshd.connections).toBe(2);
  });

  it('reports an adopted connection that was refused as connect() would, and closes one adopted after closeAll()', async () => {
    const closedPort = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, '127.0.0.1', () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const refused = openEarlyTcp({ host: '127.0.0.1', port: closedPort });
    await refused.ready.catch(() => {}); // refused before the engine exists: nothing crashes meanwhile
    const created = testEngine({});
    engines.push(created);
    created.engine.adoptPreconnected(refused);
    const error = await caught(created.engine.run(directTarget('127.0.0.1', closedPort, 'admin', [{ kind: 'password' }]), 'echo x'));
    expect(error.code).toBe('UNREACHABLE');
    expect(error.message).toMatch(/refused the connection/);

    const listener = net.createServer();
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    const closed = new Promise<void>((resolve) => listener.once('connection', (socket) => socket.once('close', () => resolve())));
    const late = openEarlyTcp({ host: '127.0.0.1', port: (listener.address() as net.AddressInfo).port });
    await late.ready;
    await created.engine.closeAll();
    created.engine.adoptPreconnected(late);
    await closed;
    expect(late.socket.destroyed).toBe(true);
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  });
});
