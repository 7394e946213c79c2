// Comparing a host key recorded with a measurement with what this machine trusts now: the same key
// is trusted, another key of the same type (or a revoked one) means another machine, and a host
// nobody has a key for is unknown (its figures are kept on the strength of its addresses).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprintOf } from '../ssh/fingerprint.js';
import { HostKeyChecker } from '../ssh/host-keys.js';
import { KnownHostsFiles } from '../ssh/known-hosts.js';
import { PinnedHostKeys } from '../ssh/pinned-host-keys.js';
import { compareHostKey } from './host-key-check.js';
import { parsableKeyPair } from '../ssh/testing/ssh2-server.js';

function newKey(): { line: string; blob: Buffer; recorded: { type: string; fingerprint: string } } {
  const line = parsableKeyPair('ed25519').public.trim();
  const blob = Buffer.from(line.split(/\s+/)[1]!, 'base64');
  return { line, blob, recorded: { type: 'ssh-ed25519', fingerprint: fingerprintOf(blob) } };
}

let tmp: string;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-hkc-'));
});
afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('compareHostKey', () => {
  it('trusted, changed, revoked or unknown against known_hosts and the pinned keys', () => {
    const then = newKey();
    const now = newKey();
    const pinnedElsewhere = newKey();
    const knownHosts = path.join(tmp, 'known_hosts');
    fs.writeFileSync(knownHosts, `198.18.1.11 ${then.line}\n198.18.1.12 ${now.line}\n@revoked 198.18.1.13 ${then.line}\n`);
    const pinned = new PinnedHostKeys(path.join(tmp, 'pins.json'));
    pinned.pin('198.18.1.14', 22, pinnedElsewhere.blob);
    const checker = new HostKeyChecker(new KnownHostsFiles([knownHosts]), pinned);
    expect(compareHostKey(checker, '198.18.1.11', 22, then.recorded)).toBe('trusted');
    expect(compareHostKey(checker, '198.18.1.12', 22, then.recorded)).toBe('changed');
    expect(compareHostKey(checker, '198.18.1.13', 22, then.recorded)).toBe('changed');
    expect(compareHostKey(checker, '198.18.1.14', 22, then.recorded)).toBe('changed');
    expect(compareHostKey(checker, '198.18.1.14', 22, pinnedElsewhere.recorded)).toBe('trusted');
    expect(compareHostKey(checker, '198.18.1.15', 22, then.recorded)).toBe('unknown');
    expect(compareHostKey(checker, '198.18.1.11', 2222, then.recorded)).toBe('unknown');
  });
});
