// What a lab's hosts run for Proxmox VE: a Proxmox VE API simulator per host (real corosync and sshd underneath),
// the pvesh/pvecm stand-ins and a workspace with cluster "homelab", in the app's process or, started by the CLI,
// in a background process that outlives `lab up`. Its root password goes into the secret store (the workspace
// names it by id).
import { CwError } from '../../../common/errors.js';
import type { Lab } from '../../lab/index.js';
import type { SecretStore } from '../../secrets/store.js';
import type { StackLab, StackLabStatus } from '../types.js';
import { labProxmoxClusterName, newLabRootPassword, removeLabPveWorkDirs, startLabProxmoxCluster } from './simulator/lab-cluster.js';
import { labPveDaemonStatus, labPveLogFile, pveServeVerb, servePveForLab, startLabPveDaemon, stopLabPveDaemon, type LabPveStatus } from './simulator/lab-daemon.js';

const title = 'Proxmox test servers';

async function storePassword(lab: Lab, secrets: SecretStore): Promise<{ rootPassword: string; secretId: string }> {
  const rootPassword = newLabRootPassword();
  const secretId = await secrets.put(rootPassword, { label: `root@pam on the lab "${lab.name}" (Proxmox test servers)`, kind: 'password' });
  return { rootPassword, secretId };
}

function statusLines(pve: LabPveStatus): string[] {
  const lines: string[] = [];
  if (pve.running) {
    lines.push(`Proxmox test servers: running (process ${pve.pid}); root@pam's password is secret ${pve.passwordSecret} in the ${pve.secretStore}.`);
  } else {
    lines.push(`Proxmox test servers: NOT RUNNING — their process ${pve.pid} has exited. Start the lab again with \`clusterwright lab up <file> --replace\`. Log: ${pve.logFile}`);
    if (pve.logTail) for (const line of pve.logTail.split('\n')) lines.push(`  | ${line}`);
  }
  for (const s of pve.servers) lines.push(`  ${s.host.padEnd(12)} https://${s.endpoint.padEnd(22)} fingerprint ${s.fingerprint}${pve.running && !s.answers ? '  NOT ANSWERING' : ''}`);
  return lines;
}

export const proxmoxLab: StackLab = {
  title,

  async start(lab, _section, { secrets }) {
    const { rootPassword, secretId } = await storePassword(lab, secrets);
    try {
      const cluster = await startLabProxmoxCluster(lab, { rootPassword, passwordSecret: secretId });
      return {
        stop: async () => {
          try {
            await cluster.stop();
          } finally {
            await secrets.delete(secretId).catch(() => false);
          }
        },
      };
    } catch (err) {
      await secrets.delete(secretId).catch(() => false);
      throw err;
    }
  },

  async startBackground(lab, _section, { secrets, command, env, log }) {
    let secretId: string | undefined;
    try {
      const stored = await storePassword(lab, secrets);
      secretId = stored.secretId;
      log(`Starting the Proxmox test servers in the background (log: ${labPveLogFile(lab.stateDir)})…`);
      await startLabPveDaemon(lab, { command, rootPassword: stored.rootPassword, passwordSecret: stored.secretId, secretStore: secrets.description, env });
    } catch (error) {
      await stopLabPveDaemon(lab.stateDir, { secrets }).catch(() => undefined);
      if (secretId) await secrets.delete(secretId).catch(() => false);
      throw error instanceof CwError ? error : new CwError('REMOTE_FAILED', `The Proxmox test servers did not start: ${(error as Error).message}`);
    }
  },

  async backgroundStatus(stateDir): Promise<StackLabStatus | undefined> {
    const pve = await labPveDaemonStatus(stateDir);
    if (!pve) return undefined;
    return {
      title,
      running: pve.running,
      lines: statusLines(pve),
      nextStep: `Cluster ${labProxmoxClusterName} in the workspace uses the first server: open the workspace in the app (web mode asks for the secret store's passphrase) and run the Proxmox wizard.`,
      json: pve,
      healthy: pve.running && pve.servers.every((s) => s.answers),
    };
  },

  async stopBackground(stateDir, { secrets }) {
    const pve = await stopLabPveDaemon(stateDir, secrets ? { secrets } : {});
    if (!pve.stopped) return undefined;
    return pve.secretDeleted
      ? 'Stopped the Proxmox test servers and deleted their password from the secret store.'
      : `Stopped the Proxmox test servers. Their password stays in the secret store (it was locked) as ${pve.passwordSecret}: delete it with \`clusterwright secrets delete ${pve.passwordSecret}\`.`;
  },

  cleanUp: (prefix) => removeLabPveWorkDirs(prefix),

  verbs: {
    // The background process `lab up` starts for a `proxmox: true` lab (see simulator/lab-daemon.ts).
    [pveServeVerb]: (stateDir, log) => servePveForLab(stateDir, log),
  },
};
