// A `proxmox: true` lab's Proxmox side, shared by the app (lab.up, in its process) and the CLI (`lab up`, in a
// background process): a test server per host, the pvesh/pvecm stand-ins on the hosts, and cluster "homelab"
// in the lab's workspace with the servers' root@pam password named by secret id.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { CwError } from '../../../../common/errors.js';
import { workspaceSchema, type Workspace } from '../../../../common/workspace/schema.js';
import { serializeWorkspace } from '../../../../common/workspace/serialize.js';
import { labWorkspaceModel, type Lab } from '../../../lab/index.js';
import { appRoot } from '../../../paths.js';
import { PveApiSchema } from '../api-schema.js';
import { startLabPve, type LabPve } from './lab.js';
import { installPveStandIns } from './stand-ins.js';

/** The Proxmox cluster a `proxmox: true` lab offers: every host, link0 on management, link1 on corosync-link1. */
export const labProxmoxClusterName = 'homelab';

/** Where the servers keep their state and the shared /etc/pve stand-in: not under /tmp, which is private to each lab host. */
export const labPveWorkRoot = '/var/tmp';
export const labPveWorkDirPrefix = 'cw-lab-pve-';

/** One server as an admin reaches it: the API endpoint (`host:port`) and its certificate's SHA-256 fingerprint. */
export interface LabPveEndpoint {
  host: string;
  endpoint: string;
  fingerprint: string;
}

export interface LabProxmoxCluster {
  pve: LabPve;
  /** The servers' state and the shared /etc/pve stand-in; removed by stop(). */
  workDir: string;
  endpoints: LabPveEndpoint[];
  stop(): Promise<void>;
}

/** A fresh root@pam password for the lab's test servers (the same on every server, as on a real cluster). */
export function newLabRootPassword(): string {
  return crypto.randomBytes(18).toString('base64url');
}

/** The lab's workspace with the Proxmox cluster whose API is the first host's test server (and its QDevice host, if any). */
export function labProxmoxWorkspace(base: Workspace, hosts: string[], api: { endpoint: string; fingerprint: string; passwordSecret: string }, qdevice?: string): Workspace {
  return workspaceSchema.parse({
    ...base,
    proxmox: {
      clusters: [
        {
          name: labProxmoxClusterName,
          nodes: hosts,
          links: [
            { link: 0, network: 'management', priority: 20 },
            { link: 1, network: 'corosync-link1', priority: 10 },
          ],
          api: { endpoint: api.endpoint, user: 'root@pam', passwordSecret: api.passwordSecret, fingerprint: api.fingerprint },
          ...(qdevice ? { qdevice: { host: qdevice } } : {}),
        },
      ],
    },
  });
}

/** Whether a path is a work directory this module creates (so only those are ever removed by a later cleanup). */
export function isLabPveWorkDir(dir: string): boolean {
  return path.dirname(dir) === labPveWorkRoot && path.basename(dir).startsWith(labPveWorkDirPrefix);
}

/** Removes the work directories of a lab prefix's servers (what a server process that was killed while starting left). */
export function removeLabPveWorkDirs(prefix: string): void {
  for (const name of fs.readdirSync(labPveWorkRoot)) {
    if (name.startsWith(`${labPveWorkDirPrefix}${prefix}-`)) fs.rmSync(path.join(labPveWorkRoot, name), { recursive: true, force: true });
  }
}

/**
 * Starts a Proxmox test server per lab host (in this process), installs pvesh/pvecm into the lab's bin
 * directory and writes the lab's workspace with cluster "homelab" whose `api` is the first host's server and
 * whose password is `passwordSecret` (an id in the secret store the app reads; the caller stored `rootPassword`
 * under it). On failure everything it started is stopped again.
 */
export async function startLabProxmoxCluster(lab: Lab, options: { rootPassword: string; passwordSecret: string }): Promise<LabProxmoxCluster> {
  const schemaFile = path.join(appRoot(), 'test', 'fixtures', 'proxmox', 'pve-apidata.json');
  if (!fs.existsSync(schemaFile)) {
    throw new CwError('MISSING_DEPENDENCY', `The Proxmox test servers validate every request against the official API schema, and ${schemaFile} is missing. Run the lab from a source checkout (the schema ships with the tests).`);
  }
  const section = lab.spec.stacks?.proxmox;
  const qdevice = typeof section === 'object' && section !== null ? (section as { qdevice?: string }).qdevice : undefined;
  const hosts = lab.hosts.map((h) => h.name).filter((h) => h !== qdevice);
  // Every lab host must see the shared /etc/pve stand-in at the same path.
  const workDir = fs.mkdtempSync(path.join(labPveWorkRoot, `${labPveWorkDirPrefix}${lab.prefix}-`));
  let pve: LabPve | undefined;
  try {
    pve = await startLabPve(lab, hosts, { schema: new PveApiSchema(schemaFile), workDir, rootPassword: options.rootPassword });
    await installPveStandIns(lab.binDir, path.join(workDir, 'pmxcfs'));
    if (qdevice) {
      // pvecm qdevice setup logs in to the qnetd host as root over SSH: as on Proxmox nodes after ssh-copy-id, each
      // node gets a key the qnetd host accepts (the lab's client key); the witness runs corosync-qnetd as Debian's package does.
      for (const h of hosts) {
        const key = lab.hostPath(h, '/root/.ssh/id_ed25519');
        fs.mkdirSync(path.dirname(key), { recursive: true, mode: 0o700 });
        fs.copyFileSync(lab.clientKeyPath, key);
        fs.chmodSync(key, 0o600);
      }
      await lab.execOk(qdevice, ['systemctl', 'start', 'corosync-qnetd'], { timeoutMs: 30_000 });
    }
    const endpoints = hosts.map((h) => ({ host: h, endpoint: `${pve!.listen[h]}:${pve!.servers[h]!.port}`, fingerprint: pve!.servers[h]!.certificateFingerprint }));
    const first = endpoints[0]!;
    const workspace = labProxmoxWorkspace(labWorkspaceModel(lab.describe()), hosts, { endpoint: first.endpoint, fingerprint: first.fingerprint, passwordSecret: options.passwordSecret }, qdevice);
    const text = serializeWorkspace(
      workspace,
      ` Written by \`clusterwright lab up\` for the lab "${lab.name}" with Proxmox test servers on ${qdevice ? `${hosts.join(', ')} and corosync-qnetd on ${qdevice}` : 'every host'}. Cluster ${labProxmoxClusterName} is not built yet: run the Proxmox wizard on it.`,
    );
    fs.mkdirSync(path.dirname(lab.workspacePath), { recursive: true });
    fs.writeFileSync(`${lab.workspacePath}.tmp`, text, { mode: 0o600 });
    fs.renameSync(`${lab.workspacePath}.tmp`, lab.workspacePath);
    const started = pve;
    return { pve: started, workDir, endpoints, stop: () => started.stop() };
  } catch (err) {
    if (pve) await pve.stop().catch(() => undefined);
    fs.rmSync(workDir, { recursive: true, force: true });
    throw err;
  }
}
