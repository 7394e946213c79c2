// Decides whether a host key is trusted, changed, revoked or unknown, from the admin's
// known_hosts (read-only), the app's pinned store, and narrowly scoped sources such as the keys
// a running lab generated for its own hosts. A host that already has a key of another type and
// now offers only a new one is not "unknown": it is asked about only with a warning, and refused
// where no one can be asked, as OpenSSH's accept-new does.
import { fingerprintOf, keyTypeOf } from './fingerprint.js';
import type { KnownHostsFiles } from './known-hosts.js';
import type { PinnedHostKeys } from './pinned-host-keys.js';
import type { KnownHostKey } from './types.js';

export type HostKeyVerdict =
  | { status: 'trusted'; keyType: string; fingerprint: string; source: string }
  | { status: 'changed'; keyType: string; fingerprint: string; knownFingerprint: string; source: string }
  | { status: 'revoked'; keyType: string; fingerprint: string; source: string }
  /** No key of any type is known for this host: the only case accept-new may pin. */
  | { status: 'unknown'; keyType: string; fingerprint: string; knownKeyTypes: [] }
  /** The host has trusted keys, but only of other types; it offers none of them. */
  | { status: 'otherTypeKnown'; keyType: string; fingerprint: string; knownKeyTypes: string[]; knownKeys: KnownHostKey[] };

/**
 * Keys that some part of the app knows for certain hosts only (e.g. a lab's generated keys for its own
 * addresses). A source answers for exactly the host:port pairs it owns and nothing else.
 */
export interface ScopedHostKeySource {
  lookup(host: string, port: number): { keyType: string; key: Buffer; source: string }[];
}

export class HostKeyChecker {
  constructor(
    readonly knownHosts: KnownHostsFiles,
    readonly pinned: PinnedHostKeys,
    readonly scoped: readonly ScopedHostKeySource[] = [],
  ) {}

  private scopedKeys(host: string, port: number): { keyType: string; key: Buffer; source: string }[] {
    return this.scoped.flatMap((s) => s.lookup(host, port));
  }

  /** Key types already trusted for this host: offered first during key exchange. */
  knownKeyTypes(host: string, port: number): string[] {
    const fromScoped = this.scopedKeys(host, port).map((k) => k.keyType);
    const fromKnownHosts = this.knownHosts.lookup(host, port).filter((e) => e.marker === null).map((e) => e.keyType);
    const fromPinned = this.pinned.lookup(host, port).map((k) => k.keyType);
    return [...new Set([...fromScoped, ...fromPinned, ...fromKnownHosts])];
  }

  check(host: string, port: number, keyBlob: Buffer): HostKeyVerdict {
    const keyType = keyTypeOf(keyBlob);
    const fingerprint = fingerprintOf(keyBlob);
    const entries = this.knownHosts.lookup(host, port);
    const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(keyBlob));
    if (revoked) return { status: 'revoked', keyType, fingerprint, source: revoked.source };

    // A scoped source vouches only for the exact key it knows, and before the pinned store: a new lab at the
    // same addresses replaces the keys an older one had, whatever was pinned for them.
    const scoped = this.scopedKeys(host, port);
    const vouched = scoped.find((k) => k.key.equals(keyBlob));
    if (vouched) return { status: 'trusted', keyType, fingerprint, source: vouched.source };

    const known = [
      ...scoped,
      ...this.pinned.lookup(host, port).map((k) => ({ keyType: k.keyType, key: Buffer.from(k.key, 'base64'), source: 'pinned by Clusterwright' })),
      ...entries.filter((e) => e.marker === null).map((e) => ({ keyType: e.keyType, key: e.key, source: e.source })),
    ];
    const same = known.find((k) => k.key.equals(keyBlob));
    if (same) return { status: 'trusted', keyType, fingerprint, source: same.source };
    const sameType = known.find((k) => k.keyType === keyType);
    if (sameType) return { status: 'changed', keyType, fingerprint, knownFingerprint: fingerprintOf(sameType.key), source: sameType.source };
    if (known.length === 0) return { status: 'unknown', keyType, fingerprint, knownKeyTypes: [] };
    return {
      status: 'otherTypeKnown',
      keyType,
      fingerprint,
      knownKeyTypes: [...new Set(known.map((k) => k.keyType))],
      knownKeys: known.map((k) => ({ keyType: k.keyType, fingerprint: fingerprintOf(k.key), source: k.source })),
    };
  }
}
