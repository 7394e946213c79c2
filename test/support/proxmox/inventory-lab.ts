// A Proxmox cluster with VMs for inventory and drag-to-migrate tests: test servers on a running lab, the
// cluster built through the API, two guests on the first host, and the workspace that points the app at it.
//
// Use (in a lab or browser test; the lab from useLab(pveInventoryLabSpec, 'cwxx')):
//
//   const pveLab = await startPveInventoryLab(handle.lab, { migrationTimeScale: 0.05 });
//   const { id } = await core.call('secrets.put', { label: 'root@pam', kind: 'password', value: pveLab.passwordSecretValue });
//   fs.writeFileSync(path.join(workspaceDir, 'clusterwright.yaml'), pveLab.workspaceText(id));
//   await core.call('workspace.open', { path: workspaceDir, remember: false });
//   … inventory.list shows `db` (vmid 101, shared storage) and `cache` (vmid 102, local disk) on a1 …
//   await pveLab.stop();   // in afterAll, before the lab stops
//
// The workspace has the lab's sites, networks and nodes (with their SSH targets) and proxmox.clusters[0]
// with the api block: endpoint = the first host's test server (host:port), its certificate fingerprint,
// user root@pam and the secret id you pass. The password is the test servers' root password.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Workspace } from '../../../main/common/workspace/schema.js';
import { workspaceSchema } from '../../../main/common/workspace/schema.js';
import { serializeWorkspace } from '../../../main/common/workspace/serialize.js';
import { labWorkspaceModel } from '../../../main/node/lab/workspace.js';
import type { Lab } from '../../../main/node/lab/index.js';
import { PveApiSchema } from '../../../main/node/stacks/proxmox/api-schema.js';
import type { GuestRecord } from '../../../main/node/stacks/proxmox/simulator/pmxcfs.js';
import { startLabPve, type LabPve } from '../../../main/node/stacks/proxmox/simulator/lab.js';
import { buildLabPveCluster } from './cluster.js';

/** The lab these helpers expect by default: a1, a2 at site a, b1 at site b over a metro link. */
export const pveInventoryLabSpec = `
name: pve-inventory
sites:
  - name: a
    hosts: [a1, a2]
  - name: b
    hosts: [b1]
    link: man
`;

/** `db` lives on shared Ceph storage (moves live anywhere); `cache` has a disk on local-lvm (needs a target storage). */
export const defaultInventoryGuests: GuestRecord[] = [
  { vmid: 101, name: 'db', memoryMiB: 1024, cores: 2, running: true, disks: [{ key: 'scsi0', storage: 'ceph-vm', sizeGiB: 32 }] },
  { vmid: 102, name: 'cache', memoryMiB: 256, cores: 1, running: true, disks: [{ key: 'scsi0', storage: 'local-lvm', sizeGiB: 4 }] },
];

export interface PveInventoryLabOptions {
  /** Cluster members, the first one creates the cluster and holds the guests (default a1, a2, b1). */
  hosts?: string[];
  /** Lab hosts that get a test server but stay standalone Proxmox nodes (workspace nodes outside the cluster). */
  standalone?: string[];
  clusterName?: string;
  /** Guests on the first host (default defaultInventoryGuests). */
  guests?: GuestRecord[];
  /** Shortens simulated transfers (default 0.05: a 1 GiB VM moves in about half a second on the LAN). */
  migrationTimeScale?: number;
  schema?: PveApiSchema;
}

export interface PveInventoryLab {
  pve: LabPve;
  clusterName: string;
  /** host:port of the first host's test server, and its certificate fingerprint (AA:BB:…). */
  endpoint: string;
  fingerprint: string;
  /** root@pam's password: put it into the secret store (secrets.put) and pass the id to workspace(). */
  passwordSecretValue: string;
  /** The workspace model with the cluster's api block naming `passwordSecretId`. */
  workspace(passwordSecretId: string): Workspace;
  /** The same as workspace file text (clusterwright.yaml). */
  workspaceText(passwordSecretId: string): string;
  /** Stops the test servers (and corosync on the hosts) and removes their files. */
  stop(): Promise<void>;
}

export async function startPveInventoryLab(lab: Lab, options: PveInventoryLabOptions = {}): Promise<PveInventoryLab> {
  const hosts = options.hosts ?? ['a1', 'a2', 'b1'];
  const clusterName = options.clusterName ?? 'homelab';
  const first = hosts[0]!;
  const pve = await startLabPve(lab, [...hosts, ...(options.standalone ?? [])], {
    schema: options.schema ?? new PveApiSchema(),
    workDir: fs.mkdtempSync(path.join(os.tmpdir(), 'cw-pve-inventory-')),
    guests: { [first]: options.guests ?? defaultInventoryGuests },
    migrationTimeScale: options.migrationTimeScale ?? 0.05,
  });
  try {
    await buildLabPveCluster(lab, pve, hosts, clusterName);
  } catch (err) {
    await pve.stop();
    throw err;
  }
  const server = pve.servers[first]!;
  const endpoint = `${pve.listen[first]}:${server.port}`;
  const fingerprint = server.certificateFingerprint;
  const workspace = (passwordSecretId: string): Workspace => {
    const base = labWorkspaceModel(lab.describe());
    const [link0, link1] = base.networks;
    return workspaceSchema.parse({
      ...base,
      proxmox: {
        clusters: [
          {
            name: clusterName,
            nodes: hosts,
            links: [
              { link: 0, network: link0!.name, priority: 20 },
              ...(link1 ? [{ link: 1, network: link1.name, priority: 10 }] : []),
            ],
            api: { endpoint, user: 'root@pam', passwordSecret: passwordSecretId, fingerprint },
          },
        ],
      },
    });
  };
  return {
    pve,
    clusterName,
    endpoint,
    fingerprint,
    passwordSecretValue: pve.rootPassword,
    workspace,
    workspaceText: (id) => serializeWorkspace(workspace(id), ` Proxmox inventory lab "${lab.name}": cluster ${clusterName} on ${hosts.join(', ')}.`),
    stop: () => pve.stop(),
  };
}
