// The background process that keeps a CLI-started lab's OpenStack services running after `clusterwright lab
// up` exits (the hidden verb `lab openstack-serve --state DIR`), and the CLI's side of it: start it and wait
// until it is ready, report it, stop it. The admin's password comes on stdin (never argv or the environment).
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { serializeWorkspace } from '../../../../common/workspace/serialize.js';
import type { Lab } from '../../../lab/index.js';
import { labDaemonLogFile, labDaemonRecord, labDaemonRunning, serveLabDaemon, startLabDaemon, stopLabDaemon, type LabDaemonKind } from '../../../lab/daemon.js';
import { readLabState } from '../../../lab/state.js';
import type { RecordedProcess } from '../../../lab/system.js';
import { labWorkspaceModel } from '../../../lab/workspace.js';
import type { SecretStore } from '../../../secrets/store.js';
import { startLabRegions, type LabRegionLayout } from './regions.js';

/** The background process, for the lab's shared helpers: its verb, role, folder (`<state>/openstack/`) and log. */
const daemon: LabDaemonKind = { stack: 'openstack', verb: 'openstack-serve', role: 'openstack services', what: 'OpenStack services', logName: 'services.log' };
export const openstackServeVerb = daemon.verb;

export interface LabOpenstackState {
  process: RecordedProcess;
  passwordSecret: string;
  secretStore: string;
  logFile: string;
  keystoneUrl: string;
  regions: { name: string; computeUrl: string }[];
}

interface DaemonInput {
  adminPassword: string;
  passwordSecret: string;
  layout: LabRegionLayout[];
  liveMigrationSeconds: number;
}

interface DaemonReady {
  keystoneUrl: string;
  regions: { name: string; computeUrl: string }[];
}

export const labOpenstackLogFile = (stateDir: string) => labDaemonLogFile(stateDir, daemon);

export function labOpenstackRecord(stateDir: string): LabOpenstackState | undefined {
  return labDaemonRecord<LabOpenstackState>(readLabState(stateDir), daemon);
}

export function newLabAdminPassword(): string {
  return randomBytes(18).toString('hex');
}

/** The background process: starts the services and the workspace, then serves until a signal or until its lab is gone. */
export function serveOpenstackForLab(stateDir: string, log: (line: string) => void, stdin: NodeJS.ReadableStream = process.stdin): Promise<number> {
  return serveLabDaemon<DaemonInput, DaemonReady>(stateDir, daemon, log, stdin, {
    secret: 'the admin password',
    complete: (input) => !!input.adminPassword && !!input.passwordSecret && !!input.layout?.length,
    start: async (lab, input) => {
      const regions = await startLabRegions(input.layout, { labName: lab.name, passwordSecret: input.passwordSecret, adminPassword: input.adminPassword, glance: true, liveMigrationSeconds: input.liveMigrationSeconds });
      const text = serializeWorkspace(regions.workspace(labWorkspaceModel(lab.describe())), ` Written by \`clusterwright lab up\` for the lab "${lab.name}": OpenStack regions on 127.0.0.1 sharing one Keystone. Run the OpenStack wizard to register the catalog.`);
      fs.mkdirSync(path.dirname(lab.workspacePath), { recursive: true });
      fs.writeFileSync(`${lab.workspacePath}.tmp`, text, { mode: 0o600 });
      fs.renameSync(`${lab.workspacePath}.tmp`, lab.workspacePath);
      const ready: DaemonReady = { keystoneUrl: regions.lab.keystone.url, regions: regions.lab.regions.map((r) => ({ name: r.name, computeUrl: r.nova.computeUrl })) };
      log(`  Keystone ${ready.keystoneUrl}; ${ready.regions.map((r) => `${r.name} nova ${r.computeUrl}`).join('; ')}`);
      return { ready, stop: () => regions.stop() };
    },
  });
}

/** The CLI's side: stores nothing itself (the caller stored the password), starts the process, waits for it (240 s unless told), records it. */
export function startLabOpenstackDaemon(lab: Lab, options: { command: string[]; layout: LabRegionLayout[]; liveMigrationSeconds: number; adminPassword: string; passwordSecret: string; secretStore: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<LabOpenstackState> {
  return startLabDaemon<DaemonInput, DaemonReady, LabOpenstackState>(lab, daemon, {
    command: options.command,
    input: { adminPassword: options.adminPassword, passwordSecret: options.passwordSecret, layout: options.layout, liveMigrationSeconds: options.liveMigrationSeconds },
    ...(options.env ? { env: options.env } : {}),
    timeoutMs: options.timeoutMs ?? 240_000,
    pollMs: 200,
    // SIGTERM: the process listens for it from the start and stops the services it has started before it exits.
    timeoutSignal: 'SIGTERM',
    toRecord: (ready, started) => ({ process: started.process, passwordSecret: options.passwordSecret, secretStore: options.secretStore, logFile: started.logFile, keystoneUrl: ready.keystoneUrl, regions: ready.regions }),
  });
}

export function labOpenstackDaemonStatus(stateDir: string): (LabOpenstackState & { running: boolean }) | undefined {
  const record = labOpenstackRecord(stateDir);
  if (!record) return undefined;
  return { ...record, running: labDaemonRunning(record.process) };
}

/** Stops the background process (SIGTERM, then SIGKILL after 20 s; only if its command line is still the recorded one) and drops its record. */
export function stopLabOpenstackDaemon(stateDir: string, options: { secrets?: Pick<SecretStore, 'delete'> } = {}): Promise<{ stopped: boolean; passwordSecret?: string; secretDeleted: boolean }> {
  return stopLabDaemon<LabOpenstackState>(stateDir, daemon, { graceMs: 20_000, ...options });
}
