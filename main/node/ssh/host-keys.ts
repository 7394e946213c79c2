// Decides whether a host key is trusted, changed, revoked or unknown, from the admin's
// known_hosts (read-only) and the app's pinned store. A new key type for a known host is unknown.
import { fingerprintOf, keyTypeOf } from './fingerprint.js';
import type { KnownHostsFiles } from './known-hosts.js';
import type { PinnedHostKeys } from './pinned-host-keys.js';

export type HostKeyVerdict =
  | { status: 'trusted'; keyType: string; fingerprint: string; source: string }
  | { status: 'changed'; keyType: string; fingerprint: string; knownFingerprint: string; source: string }
  | { status: 'revoked'; keyType: string; fingerprint: string; source: string }
  | { status: 'unknown'; keyType: string; fingerprint: string; knownKeyTypes: string[] };

export class HostKeyChecker {
  constructor(
    readonly knownHosts: KnownHostsFiles,
    readonly pinned: PinnedHostKeys,
  ) {}

  /** Key types already trusted for this host: offered first during key exchange. */
  knownKeyTypes(host: string, port: number): string[] {
    const fromKnownHosts = this.knownHosts.lookup(host, port).filter((e) => e.marker === null).map((e) => e.keyType);
    const fromPinned = this.pinned.lookup(host, port).map((k) => k.keyType);
    return [...new Set([...fromPinned, ...fromKnownHosts])];
  }

  check(host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
    const keyType = keyTypeOf(keyBlob);
    const fingerprint = fingerprintOf(keyBlob);
    const entries = this.knownHosts.lookup(host, port);
    const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(keyBlob));
    if (revoked) return { status: 'revoked', keyType, fingerprint, source: revoked.source };

    const known = [
      ...this.pinned.lookup(host, port).map((k) => ({ keyType: k.keyType, key: Buffer.from(k.key, 'base64'), source: 'pinned by Clusterwright' })),
      ...entries.filter((e) => e.marker === null).map((e) => ({ keyType: e.keyType, key: e.key, source: e.source })),
    ];
    const same = known.find((k) => k.key.equals(keyBlob));
    if (same) return { status: 'trusted', keyType, fingerprint, source: same.source };
    const sameType = known.find((k) => k.keyType === keyType);
    if (sameType) return { status: 'changed', keyType, fingerprint, knownFingerprint: fingerprintOf(sameType.key), source: sameType.source };
    return { status: 'unknown', keyType, fingerprint, knownKeyTypes: [...new Set(known.map((k) => k.keyType))] };
  }
}
