// Compares a host key recorded with a measurement with the keys this machine trusts now for that
// node (known_hosts and the app's pinned keys), so figures taken on another machine at the same
// address are set aside (factsForEstate). Reads only: nothing is connected, prompted or written.
import type { CurrentEstate, Workspace } from '../../common/workspace/index.js';
import { fingerprintOf } from '../ssh/fingerprint.js';
import type { HostKeyChecker } from '../ssh/host-keys.js';
import type { SshTargetSpec } from '../ssh/target.js';
import type { SshTarget } from '../ssh/types.js';
import { targetSpecForNode } from '../ssh/workspace-targets.js';

export type HostKeyComparison = 'trusted' | 'changed' | 'unknown';

/**
 * "trusted": the recorded key is among the keys trusted for host:port; "changed": it is revoked, or
 * another key of its type is trusted there (another machine answers at that address now);
 * "unknown": nothing is known about keys of that type there.
 */
export function compareHostKey(checker: HostKeyChecker, host: string, port: number, key: { type: string; fingerprint: string }): HostKeyComparison {
  const entries = checker.knownHosts.lookup(host, port);
  if (entries.some((e) => e.marker === 'revoked' && fingerprintOf(e.key) === key.fingerprint)) return 'changed';
  const trusted = [
    ...checker.pinned.lookup(host, port).map((k) => ({ type: k.keyType, fingerprint: k.fingerprint })),
    ...entries.filter((e) => e.marker === null).map((e) => ({ type: e.keyType, fingerprint: fingerprintOf(e.key) })),
  ];
  if (trusted.some((k) => k.fingerprint === key.fingerprint)) return 'trusted';
  if (trusted.some((k) => k.type === key.type)) return 'changed';
  return 'unknown';
}

/** The host-key comparison for the nodes of one workspace, each at the SSH endpoint the app would use for it. */
export function workspaceHostKeyCheck(ssh: { engine(): { hostKeys: HostKeyChecker }; resolve(spec: SshTargetSpec): SshTarget }, workspace: Workspace): NonNullable<CurrentEstate['hostKey']> {
  return (node, key) => {
    try {
      const { host, port } = ssh.resolve(targetSpecForNode(workspace, node)).destination;
      return compareHostKey(ssh.engine().hostKeys, host, port, key);
    } catch {
      return 'unknown';
    }
  };
}
