// Benchmark: the SSH engine's exec round trip on loopback against a real OpenSSH server, with and
// without TCP_NODELAY (target ≤ 5 ms with it), a fresh connection (handshake + login + exec), and a
// fan-out to 14 "nodes" (14 loopback addresses of one sshd, so 14 separate connections) fresh and on
// held sessions. vitest prints the table; nothing here asserts a speed.
import { afterAll, beforeAll, bench, describe } from 'vitest';
import { MemorySecretStore } from '../../main/node/secrets/memory-store.js';
import { createSshEngine, type SshEngine, type SshTarget } from '../../main/node/ssh/index.js';
import { startSshd, type SshdFixture } from '../support/sshd.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const FAN_OUT = 14;
const loopbackNodes = Array.from({ length: FAN_OUT }, (_, i) => `127.0.0.${i + 1}`);

let sshd: SshdFixture;
let dir: string;
const engines: SshEngine[] = [];

function engine(noDelay: boolean): SshEngine {
  const created = createSshEngine({
    secrets: new MemorySecretStore(),
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

beforeAll(async () => {
  sshd = await startSshd({ extraConfig: loopbackNodes.slice(1).map((address) => `ListenAddress ${address}`) });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-ssh-bench-'));
  withNoDelay = engine(true);
  withNagle = engine(false);
  held = engine(true);
  await withNoDelay.exec(target(), 'true');
  await withNagle.exec(target(), 'true');
  await Promise.all(loopbackNodes.map((host) => held.exec(target(host), 'true')));
});

afterAll(async () => {
  await Promise.all(engines.map((e) => e.closeAll()));
  await sshd?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('exec round trip on a live connection (loopback)', () => {
  bench('TCP_NODELAY on (the engine default)', async () => {
    await withNoDelay.exec(target(), 'true');
  }, { time: 3_000 });

  bench('TCP_NODELAY off (Nagle)', async () => {
    await withNagle.exec(target(), 'true');
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
