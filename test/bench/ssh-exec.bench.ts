// Benchmark: the SSH engine against a real OpenSSH server on loopback. Exec round trip on a live
// connection with and without TCP_NODELAY (target ≤ 5 ms); the transport alone (2 bytes through a
// running `cat`, no process start); a fresh connection (TCP + handshake + host key + login + exec);
// and a fan-out to 14 "nodes" (14 loopback addresses of one sshd, so 14 separate connections), fresh
// and on held sessions. vitest prints the table; nothing here asserts a speed. The target stands in
// the bench's name, which is all npm run bench needs for its summary row (see results.ts).
import type { ClientChannel } from 'ssh2';
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { MemorySecretStore } from '../../main/node/secrets/memory-store.js';
import { createSshEngine, type SshEngine, type SshTarget } from '../../main/node/ssh/index.js';
import { startInProcessSshd, type InProcessSshd } from '../support/sshd-in-process.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const FAN_OUT = 14;
const loopbackNodes = Array.from({ length: FAN_OUT }, (_, i) => `127.0.0.${i + 1}`);

let sshd: SshdFixture;
let dir: string;
const engines: SshEngine[] = [];

const secrets = new MemorySecretStore();
let benchPasswordId = '';

function engine(noDelay: boolean): SshEngine {
  const created = createSshEngine({
    secrets,
    knownHostsFiles: [],
    pinnedHostKeysFile: path.join(dir, 'pinned.json'),
    acceptNewHostKeys: true,
    env: {},
    noDelay,
  });
  engines.push(created);
  return created;
}

function target(host = '127.0.0.1'): SshTarget {
  return { destination: { label: host, host, port: sshd.port, user: sshd.user, auth: [{ kind: 'privateKey', identityFile: sshd.clientKeyFile }] }, jumps: [] };
}

let withNoDelay: SshEngine;
let withNagle: SshEngine;
let held: SshEngine;
let inProcess: InProcessSshd;
let inProcessFast: SshEngine;
let inProcessSlow: SshEngine;
let fast: ReturnType<typeof echoLoop>;
let slow: ReturnType<typeof echoLoop>;

beforeAll(async () => {
  benchPasswordId = await secrets.put('bench', { label: 'in-process bench', kind: 'password' });
  // A clean HOME for the sessions: root's own ~/.bashrc here runs a version manager on every command (the machine, not the engine).
  sshd = await startSshd({ cleanHome: true, extraConfig: loopbackNodes.slice(1).map((address) => `ListenAddress ${address}`) });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-ssh-bench-'));
  withNoDelay = engine(true);
  withNagle = engine(false);
  held = engine(true);
  await withNoDelay.exec(target(), 'true');
  await withNagle.exec(target(), 'true');
  await Promise.all(loopbackNodes.map((host) => held.exec(target(host), 'true')));
  fast = echoLoop(withNoDelay);
  slow = echoLoop(withNagle);
  await Promise.all([fast.roundTrip(), slow.roundTrip()]);
  inProcess = await startInProcessSshd({ password: 'bench' });
  inProcessFast = engine(true);
  inProcessSlow = engine(false);
  await inProcessFast.exec(inProcessTarget(), 'exit 0');
  await inProcessSlow.exec(inProcessTarget(), 'exit 0');
});

function inProcessTarget(): SshTarget {
  return { destination: { label: 'in-process', host: '127.0.0.1', port: inProcess.port, user: inProcess.user, auth: [{ kind: 'password', secretId: benchPasswordId }] }, jumps: [] };
}

afterAll(async () => {
  await inProcess?.close();
  fast?.stop();
  slow?.stop();
  await Promise.all(engines.map((e) => e.closeAll()));
  await sshd?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('exec round trip on a live connection (loopback)', () => {
  bench('TCP_NODELAY on (the engine default; target ≤ 5 ms)', async () => {
    await withNoDelay.exec(target(), 'true');
  }, { time: 3_000 });

  bench('TCP_NODELAY off (Nagle)', async () => {
    await withNagle.exec(target(), 'true');
  }, { time: 3_000 });
});

/** A running `cat` (no PTY, so no echo) on the engine's connection: each iteration sends 2 bytes and waits for both back. */
function echoLoop(engine: SshEngine): { roundTrip(): Promise<void>; stop(): void } {
  let received = 0;
  let sent = 0;
  let waiting: (() => void) | null = null;
  const channel = engine.connect(target()).then(
    (connection) =>
      new Promise<ClientChannel>((resolve, reject) =>
        connection.client.exec('exec cat', (error, stream) => {
          if (error) return reject(error);
          stream.on('data', (chunk: Buffer) => {
            received += chunk.byteLength;
            if (received >= sent && waiting) {
              const done = waiting;
              waiting = null;
              done();
            }
          });
          resolve(stream);
        }),
      ),
  );
  return {
    async roundTrip() {
      const stream = await channel;
      await new Promise<void>((resolve) => {
        waiting = resolve;
        sent += 2;
        stream.write('x\n');
      });
    },
    stop: () => void channel.then((stream) => stream.close()),
  };
}

describe('transport round trip: 2 bytes through a running `cat` (no process start per iteration)', () => {
  bench('TCP_NODELAY on', () => fast.roundTrip(), { time: 3_000 });
  bench('TCP_NODELAY off (Nagle)', () => slow.roundTrip(), { time: 3_000 });
});

describe('exec round trip against the in-process ssh2 server (no process start: the engine\'s own cost)', () => {
  bench('TCP_NODELAY on', async () => {
    await inProcessFast.exec(inProcessTarget(), 'exit 0');
  }, { time: 3_000 });
  bench('TCP_NODELAY off (Nagle)', async () => {
    await inProcessSlow.exec(inProcessTarget(), 'exit 0');
  }, { time: 3_000 });
});

describe('fresh connection: TCP + handshake + host key + publickey login + exec', () => {
  bench('one host', async () => {
    const fresh = engine(true);
    await fresh.exec(target(), 'true');
    await fresh.closeAll();
    engines.splice(engines.indexOf(fresh), 1);
  }, { time: 3_000 });
});

describe(`fan-out: one command on ${FAN_OUT} nodes (separate connections to one loopback sshd)`, () => {
  bench('fresh connections', async () => {
    const fresh = engine(true);
    await Promise.all(loopbackNodes.map((host) => fresh.exec(target(host), 'true')));
    await fresh.closeAll();
    engines.splice(engines.indexOf(fresh), 1);
  }, { time: 5_000 });

  bench('sessions already held open', async () => {
    await Promise.all(loopbackNodes.map((host) => held.exec(target(host), 'true')));
  }, { time: 3_000 });
});
