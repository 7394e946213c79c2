// The lab's state file (<state>/lab-state.json): what a running lab created, so another process can drive or remove it.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomicSync } from '../workspace/atomic-write.js';
import type { LinkParams, PresetName } from './presets.js';
import type { LabSpec } from './spec.js';
import type { RecordedProcess } from './system.js';

export interface HostKey {
  /** e.g. "ssh-ed25519" */
  type: string;
  /** base64 blob as in known_hosts. */
  key: string;
}

export interface LinkNetworkState {
  params: LinkParams;
  preset?: PresetName;
  cut: boolean;
}

/** A site pair's link; one entry per network (index 0 = management / corosync link0, 1 = corosync link1). */
export interface LinkState {
  a: string;
  b: string;
  networks: [LinkNetworkState, LinkNetworkState];
}

export interface HostState {
  /** The `unshare` process holding the host's namespaces (its child is the host's PID 1). */
  holder: RecordedProcess;
  /** PID (in the root PID namespace) of the host's PID 1, the target for nsenter. */
  initPid: number;
  hostKeys: HostKey[];
}

export interface LabStateFile {
  version: 1;
  name: string;
  prefix: string;
  stateDir: string;
  /** Part of 198.18.0.0/15 this lab uses (see planLab). */
  slot: number;
  status: 'starting' | 'up' | 'stopping';
  startedAt: string;
  upMs?: number;
  ownerPid: number;
  spec: LabSpec;
  netns: string[];
  rootInterfaces: string[];
  processes: RecordedProcess[];
  hosts: Record<string, HostState>;
  links: LinkState[];
  clientKey: string;
  /** What each stack's lab part runs in the background for this lab (its API simulators' process…), by the stack's lab key. */
  stacks?: Record<string, unknown>;
}

export const stateFileName = 'lab-state.json';

export function stateFilePath(stateDir: string): string {
  return path.join(stateDir, stateFileName);
}

export function readLabState(stateDir: string): LabStateFile | undefined {
  let text: string;
  try {
    text = fs.readFileSync(stateFilePath(stateDir), 'utf8');
  } catch {
    return undefined;
  }
  const parsed = JSON.parse(text) as LabStateFile;
  return parsed.version === 1 ? parsed : undefined;
}

/** Written atomically (temp file, fsync, rename, folder fsync) so a crash never leaves half a state file. */
export function writeLabState(state: LabStateFile): void {
  writeFileAtomicSync(stateFilePath(state.stateDir), JSON.stringify(state, null, 2) + '\n', { mode: 0o600 });
}
