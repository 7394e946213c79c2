// The lab's own host keys as the SSH engine sees them: trusted for exactly the lab's hosts at their addresses on
// port 22 with exactly the recorded keys while the lab is up — and for nothing else, so no other host is checked less.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { utils } from 'ssh2';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostKeyChecker } from '../ssh/host-keys.js';
import { KnownHostsFiles } from '../ssh/known-hosts.js';
import { PinnedHostKeys } from '../ssh/pinned-host-keys.js';
import { planLab } from './plan.js';
import { loadLabSpec } from './spec.js';
import { writeLabState, type LabStateFile } from './state.js';
import { LabHostKeys, inLabRange } from './trusted-host-keys.js';
import { parsableKeyPair } from '../ssh/testing/ssh2-server.js';

function newKey(type: 'ed25519' | 'rsa' = 'ed25519'): Buffer {
  const pair = parsableKeyPair(type);
  const parsed = utils.parseKey(pair.public);
  if (parsed instanceof Error || Array.isArray(parsed)) throw new Error('key');
  return parsed.getPublicSSH();
}

/** A process that has ended: its PID stands for a lab host that no longer runs. */
function deadPid(): number {
  const child = spawnSync('sh', ['-c', 'echo $$'], { encoding: 'utf8' });
  return Number(child.stdout.trim());
}

const spec = loadLabSpec('name: keys-test\nsites:\n  - {name: a, hosts: [a1]}\n  - {name: b, hosts: [b1], link: man}\n');
let dir: string;
let a1Key: Buffer;
let b1Key: Buffer;
let state: LabStateFile;
let checker: HostKeyChecker;
let pinned: PinnedHostKeys;
let a1: string;
let a1Link1: string;
let b1: string;

function write(change: (s: LabStateFile) => void = () => undefined): void {
  change(state);
  writeLabState(state);
}

beforeEach(() => {
  dir = fs.mkdtempSync('/tmp/cwtk-');
  a1Key = newKey();
  b1Key = newKey();
  const plan = planLab(spec, { prefix: 'cwtk', stateDir: dir, slot: 3 });
  [a1, a1Link1] = plan.hosts.find((h) => h.name === 'a1')!.addresses;
  b1 = plan.hosts.find((h) => h.name === 'b1')!.addresses[0];
  const me = { pid: process.pid, cmdline: 'test', role: 'holder' };
  state = {
    version: 1,
    name: 'keys-test',
    prefix: 'cwtk',
    stateDir: dir,
    slot: 3,
    status: 'up',
    startedAt: new Date().toISOString(),
    ownerPid: process.pid,
    spec,
    netns: [],
    rootInterfaces: [],
    processes: [],
    hosts: {
      a1: { holder: me, initPid: process.pid, hostKeys: [{ type: 'ssh-ed25519', key: a1Key.toString('base64') }] },
      b1: { holder: me, initPid: process.pid, hostKeys: [{ type: 'ssh-ed25519', key: b1Key.toString('base64') }] },
    },
    links: [],
    clientKey: path.join(dir, 'id_ed25519'),
  };
  write();
  pinned = new PinnedHostKeys(path.join(dir, 'pinned.json'));
  checker = new HostKeyChecker(new KnownHostsFiles([]), pinned, [new LabHostKeys(dir)]);
});

afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("a running lab's own host keys", () => {
  it('are trusted without a prompt for each host at each of its addresses on port 22', () => {
    expect(a1).toMatch(/^198\.18\./);
    expect(checker.check(a1, 22, a1Key)).toMatchObject({ status: 'trusted', source: 'the lab "keys-test"' });
    expect(checker.check(a1Link1, 22, a1Key)).toMatchObject({ status: 'trusted' });
    expect(checker.check(b1, 22, b1Key)).toMatchObject({ status: 'trusted' });
    expect(pinned.list()).toEqual([]);
  });

  it('vouch for nothing else: another port, another address, another host\'s key, a host outside the lab range', () => {
    expect(checker.check(a1, 2222, a1Key).status).toBe('unknown');
    expect(checker.check(b1, 22, a1Key).status).toBe('changed');
    expect(checker.check('127.0.0.1', 22, a1Key).status).toBe('unknown');
    expect(checker.check('192.0.2.10', 22, a1Key).status).toBe('unknown');
    expect(checker.check(a1.replace(/\.\d+$/, '.99'), 22, a1Key).status).toBe('unknown');
  });

  it('refuse a different key at a lab address as changed, and an only-other-type key is not "unknown"', () => {
    expect(checker.check(a1, 22, newKey())).toMatchObject({ status: 'changed', knownFingerprint: expect.stringMatching(/^SHA256:/), source: 'the lab "keys-test"' });
    expect(checker.check(a1, 22, newKey('rsa'))).toMatchObject({ status: 'otherTypeKnown', knownKeys: [{ keyType: 'ssh-ed25519', source: 'the lab "keys-test"' }] });
  });

  it('replace what an older lab at the same addresses left pinned', () => {
    const stale = newKey();
    pinned.pin(a1, 22, stale);
    expect(checker.check(a1, 22, a1Key)).toMatchObject({ status: 'trusted', source: 'the lab "keys-test"' });
    // The stale key itself is still the admin's pin, untouched.
    expect(checker.check(a1, 22, stale)).toMatchObject({ status: 'trusted', source: 'pinned by Clusterwright' });
  });

  it('follow the lab: a new lab with new keys at the same addresses, a host that stopped, a lab stopping or gone', () => {
    const newA1 = newKey();
    write((s) => (s.hosts.a1!.hostKeys = [{ type: 'ssh-ed25519', key: newA1.toString('base64') }]));
    expect(checker.check(a1, 22, newA1).status).toBe('trusted');
    expect(checker.check(a1, 22, a1Key).status).toBe('changed');

    write((s) => (s.hosts.b1!.initPid = deadPid()));
    expect(checker.check(b1, 22, b1Key).status).toBe('unknown');

    write((s) => (s.status = 'stopping'));
    expect(checker.check(a1, 22, newA1).status).toBe('unknown');

    write((s) => (s.status = 'up'));
    expect(checker.check(a1, 22, newA1).status).toBe('trusted');
    fs.rmSync(path.join(dir, 'lab-state.json'));
    expect(checker.check(a1, 22, newA1).status).toBe('unknown');
  });

  it('only from a state file no one else may change', () => {
    fs.chmodSync(path.join(dir, 'lab-state.json'), 0o666);
    expect(checker.check(a1, 22, a1Key).status).toBe('unknown');
  });

  it('know the lab range exactly', () => {
    expect(['198.18.0.1', '198.19.255.254'].map(inLabRange)).toEqual([true, true]);
    expect(['198.17.1.1', '198.20.0.1', '198.18.1', '198.18.1.1.1', 'x198.18.1.1', '::ffff:198.18.1.1'].map(inLabRange)).toEqual([false, false, false, false, false, false]);
  });
});
