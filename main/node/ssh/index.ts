// The SSH engine's public face: build an engine with the default host-key sources, and the types
// and helpers the services, the CLI and the tests use.
import os from 'node:os';
import path from 'node:path';
import type { SecretStore } from '../secrets/store.js';
import { SshEngine, type SshEngineOptions } from './engine.js';
import { HostKeyChecker, type ScopedHostKeySource } from './host-keys.js';
import { KnownHostsFiles } from './known-hosts.js';
import { defaultPinnedHostKeysFile, PinnedHostKeys } from './pinned-host-keys.js';

export * from './types.js';
export { SshEngine, chainKey } from './engine.js';
export type { ExecOptions, ExecResult, CollectedExecResult, ShellOptions, SshShell, ConnectionTestReport, HopReport, SshEngineOptions } from './engine.js';
export type { UploadOptions, UploadResult } from './sftp-upload.js';
export { HostKeyChecker, type HostKeyVerdict, type ScopedHostKeySource } from './host-keys.js';
export { KnownHostsFiles } from './known-hosts.js';
export { PinnedHostKeys, defaultPinnedHostKeysFile } from './pinned-host-keys.js';
export { SshConfigFile } from './ssh-config.js';
export { resolveTarget, type SshTargetSpec, type SshEndpointSpec } from './target.js';
export { shellQuote, shellCommand } from './shell-quote.js';
export { fingerprintOf, keyTypeOf } from './fingerprint.js';

/** The admin's known_hosts files, read-only, in OpenSSH's order. */
export function defaultKnownHostsFiles(home = os.homedir()): string[] {
  return [path.join(home, '.ssh', 'known_hosts'), path.join(home, '.ssh', 'known_hosts2'), '/etc/ssh/ssh_known_hosts', '/etc/ssh/ssh_known_hosts2'];
}

export interface EngineSetup extends Omit<SshEngineOptions, 'hostKeys' | 'secrets'> {
  secrets: SecretStore;
  knownHostsFiles?: string[];
  pinnedHostKeysFile?: string;
  /** Keys vouched for by parts of the app for the hosts they own (a running lab's own hosts). */
  scopedHostKeys?: ScopedHostKeySource[];
}

export function createSshEngine(setup: EngineSetup): SshEngine {
  const { knownHostsFiles, pinnedHostKeysFile, scopedHostKeys, ...options } = setup;
  const hostKeys = new HostKeyChecker(
    new KnownHostsFiles(knownHostsFiles ?? defaultKnownHostsFiles(setup.env?.HOME ?? os.homedir())),
    new PinnedHostKeys(pinnedHostKeysFile ?? defaultPinnedHostKeysFile(setup.env)),
    scopedHostKeys ?? [],
  );
  return new SshEngine({ ...options, hostKeys });
}
