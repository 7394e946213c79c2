// ssh2, loaded when the first SSH connection needs it rather than when the SSH code is imported: a CLI
// command's TCP connection is then under way while Node reads and compiles ssh2 and its crypto (tens of
// milliseconds on each start of `clusterwright exec`), and a command that never connects never loads it.
// Only the module's loading moves; what ssh2 does, and when host keys are checked, does not.
import { createRequire } from 'node:module';
import type * as Ssh2 from 'ssh2';

let loaded: typeof Ssh2 | undefined;

/** The ssh2 package, loaded on the first call. */
export function ssh2(): typeof Ssh2 {
  return (loaded ??= createRequire(import.meta.url)('ssh2') as typeof Ssh2);
}

/**
 * Loads ssh2 once the event loop has handed a just-opened socket's connect to the OS (net.connect starts it on
 * the next tick), so the loading overlaps the TCP handshake. A failure here is left to the call that needs it.
 */
export function preloadSsh2(): void {
  if (loaded) return;
  setImmediate(() => {
    try {
      ssh2();
    } catch {
      // reported by the connection that calls ssh2()
    }
  });
}
