// Two Proxmox clusters on a lab for cross-cluster moves: "east" on a1 (holding the guests) and "west" on b1,
// each created through the API on its own test server, west with an API token the source uses for remote_migrate.
//
// Use (the lab from useLab(remoteMigrateLabSpec, 'cwxx')):
//
//   const rm = await startRemoteMigrateLab(handle.lab, { schema });
//   const east = await core.call('secrets.put', { label: 'root@pam on east', kind: 'password', value: rm.rootPassword });
//   const token = await core.call('secrets.put', { label: 'west token', kind: 'token', value: rm.tokenSecret });
//   rm.workspaceText({ eastPassword: east.id, westToken: token.id })  → clusterwright.yaml
//   …
//   await rm.stop();   // in afterAll, before the lab stops
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Workspace } from '../../../main/common/workspace/schema.js';
import { workspaceSchema } from '../../../main/common/workspace/schema.js';
import { serializeWorkspace } from '../../../main/common/workspace/serialize.js';
import type { Lab } from '../../../main/node/lab/index.js';
import { labWorkspaceModel } from '../../../main/node/lab/workspace.js';
import { PveApiSchema } from '../../../main/node/stacks/proxmox/api-schema.js';
import { PveClient } from '../../../main/node/stacks/proxmox/client.js';
import { labRunner, type LabPve } from '../../../main/node/stacks/proxmox/simulator/lab.js';
import type { GuestWithNics } from '../../../main/node/stacks/proxmox/simulator/remote-migrate.js';
import { setNodeBridges } from '../../../main/node/stacks/proxmox/simulator/remote-migrate.js';
import { PveTestServer } from '../../../main/node/stacks/proxmox/simulator/server.js';
import { buildLabPveCluster } from './cluster.js';

/** a1 at site a, b1 at site b over a metro link: one single-node cluster each. */
export const remoteMigrateLabSpec = `
name: pve-remote-migrate
sites:
  - name: a
    hosts: [a1]
  - name: b
    hosts: [b1]
    link: man
`;

/**
 * On east (a1): `db` runs with its disk on shared Ceph and a NIC on vmbr1, `cache` is stopped with a disk on
 * local-lvm on vmbr0, `web` runs (made HA-managed by the test). West (b1) has no Ceph and bridges vmbr0, vmbr7.
 */
export const eastGuests: GuestWithNics[] = [
  { vmid: 101, name: 'db', memoryMiB: 1024, cores: 2, running: true, disks: [{ key: 'scsi0', storage: 'ceph-vm', sizeGiB: 8 }], nets: [{ key: 'net0', bridge: 'vmbr1' }] },
  { vmid: 102, name: 'cache', memoryMiB: 256, cores: 1, running: false, disks: [{ key: 'scsi0', storage: 'local-lvm', sizeGiB: 2 }], nets: [{ key: 'net0', bridge: 'vmbr0' }] },
  { vmid: 103, name: 'web', memoryMiB: 512, cores: 1, running: true, disks: [{ key: 'scsi0', storage: 'local-lvm', sizeGiB: 2 }], nets: [{ key: 'net0', bridge: 'vmbr0' }] },
];

export const westTokenId = 'migrate@pve!east';

export interface RemoteMigrateLab {
  pve: LabPve;
  east: PveTestServer;
  west: PveTestServer;
  rootPassword: string;
  /** The secret of west's API token (what the admin stores with secrets.put). */
  tokenSecret: string;
  /** host, port and fingerprint of each cluster's API. */
  endpoint(which: 'east' | 'west'): { host: string; port: number; fingerprint: string };
  /** The workspace: east with root@pam's password, west with the token (or, with `westPassword`, root@pam's password only). */
  workspace(ids: { eastPassword: string; westToken?: string; westPassword?: string }): Workspace;
  workspaceText(ids: { eastPassword: string; westToken?: string; westPassword?: string }): string;
  stop(): Promise<void>;
}

export async function startRemoteMigrateLab(lab: Lab, options: { schema?: PveApiSchema; migrationTimeScale?: number } = {}): Promise<RemoteMigrateLab> {
  const schema = options.schema ?? new PveApiSchema();
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cw-pve-remote-migrate-'));
  const rootPassword = crypto.randomBytes(12).toString('base64url');
  const tokenSecret = crypto.randomUUID();
  const appAddress = lab.plan.app.rootAddress;
  const ports = { a1: 8006, b1: 8007 } as const;
  const servers: Record<string, PveTestServer> = {};
  const clients: PveClient[] = [];
  const make = (host: 'a1' | 'b1', guests: GuestWithNics[], tokens?: PveTestServer['options']['tokens']) =>
    new PveTestServer({
      nodeName: host,
      listenHost: appAddress,
      port: ports[host],
      nodeAddress: lab.host(host).addressList[0],
      runner: labRunner(lab, host),
      serviceManager: 'systemctl',
      stateDir: path.join(workDir, 'servers', host),
      pmxcfsRoot: path.join(workDir, 'pmxcfs'),
      rootPassword,
      release: '9.1',
      guests,
      ...(tokens ? { tokens } : {}),
      schema,
      syncIntervalMs: 300,
      migrationTimeScale: options.migrationTimeScale ?? 0.01,
      linkMbit: 1000,
    });
  const pve: LabPve = {
    servers,
    listen: { a1: appAddress, b1: appAddress },
    rootPassword,
    clients,
    client(host) {
      const c = new PveClient({ endpoint: { host: appAddress, port: ports[host as 'a1' | 'b1'], fingerprint: servers[host]!.certificateFingerprint }, credentials: { kind: 'password', username: 'root@pam', password: rootPassword }, schema, validateResponses: true });
      clients.push(c);
      return c;
    },
    async stop() {
      for (const s of Object.values(servers)) await s.close();
      fs.rmSync(workDir, { recursive: true, force: true });
    },
  };
  try {
    servers.a1 = make('a1', eastGuests);
    await servers.a1.start();
    servers.b1 = make('b1', [], { [westTokenId]: { secret: tokenSecret, privs: { '/': ['Sys.Audit', 'Sys.Incoming', 'VM.Audit', 'VM.Allocate', 'Datastore.Audit', 'Datastore.AllocateSpace'] } } });
    await servers.b1.start();
    await buildLabPveCluster(lab, pve, ['a1'], 'east');
    await buildLabPveCluster(lab, pve, ['b1'], 'west');
    // West has no Ceph and two bridges; east's a1 has vmbr0 and vmbr1.
    servers.b1.pmxcfs.writeJson('storage.json', { local: { type: 'dir', shared: false }, 'local-lvm': { type: 'lvmthin', shared: false } });
    setNodeBridges(servers.b1.pmxcfs, 'b1', ['vmbr0', 'vmbr7']);
    setNodeBridges(servers.a1.pmxcfs, 'a1', ['vmbr0', 'vmbr1']);
  } catch (err) {
    await pve.stop();
    throw err;
  }
  const east = servers.a1;
  const west = servers.b1;
  const endpoint = (which: 'east' | 'west') => {
    const s = which === 'east' ? east : west;
    return { host: appAddress, port: s.port, fingerprint: s.certificateFingerprint };
  };
  const workspace = (ids: { eastPassword: string; westToken?: string; westPassword?: string }): Workspace => {
    const base = labWorkspaceModel(lab.describe());
    const link0 = base.networks[0]!;
    const apiOf = (which: 'east' | 'west') => {
      const e = endpoint(which);
      return { endpoint: `${e.host}:${e.port}`, fingerprint: e.fingerprint };
    };
    return workspaceSchema.parse({
      ...base,
      proxmox: {
        clusters: [
          { name: 'east', nodes: ['a1'], links: [{ link: 0, network: link0.name, priority: 20 }], api: { ...apiOf('east'), user: 'root@pam', passwordSecret: ids.eastPassword } },
          {
            name: 'west',
            nodes: ['b1'],
            links: [{ link: 0, network: link0.name, priority: 20 }],
            api: { ...apiOf('west'), ...(ids.westToken ? { tokenId: westTokenId, tokenSecret: ids.westToken } : { user: 'root@pam', passwordSecret: ids.westPassword ?? ids.eastPassword }) },
          },
        ],
      },
    });
  };
  return {
    pve,
    east,
    west,
    rootPassword,
    tokenSecret,
    endpoint,
    workspace,
    workspaceText: (ids) => serializeWorkspace(workspace(ids), ` Proxmox remote-migrate lab "${lab.name}": cluster east on a1, west on b1.`),
    stop: () => pve.stop(),
  };
}
