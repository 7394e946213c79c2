// The app's core over two OpenStack regions started for a test file (real Keystone, nova per region with
// fake-driver computes named like the workspace's nodes, glance): the workspace file points at them, the
// admin's password is in the core's secret store by id, every event is kept.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { WORKSPACE_VERSION, workspaceSchema, type Workspace } from '../../../main/common/workspace/schema.js';
import { serializeWorkspace } from '../../../main/common/workspace/serialize.js';
import { createCore, type Core } from '../../../main/node/core.js';
import { MemorySecretStore } from '../../../main/node/secrets/index.js';
import { startLabRegions, type LabRegionLayout, type LabRegions } from '../../../main/node/stacks/openstack/lab/regions.js';

export const twoRegions: LabRegionLayout[] = [
  { name: 'RegionOne', keystone: true, hosts: ['r1a', 'r1b'], servers: { web: 'r1a', db: 'r1a' } },
  { name: 'RegionTwo', keystone: false, hosts: ['r2a', 'r2b'], servers: { cache: 'r2a' } },
];

/** Sites and nodes for the layout (one site per region), without any stack section. */
export function regionsBaseWorkspace(layout: LabRegionLayout[]): Workspace {
  return workspaceSchema.parse({
    version: WORKSPACE_VERSION,
    name: 'openstack-regions',
    sites: layout.map((r) => ({ name: `site-${r.name.toLowerCase()}`, kind: 'lan' })),
    networks: [{ name: 'mgmt', roles: ['management'], cidr: '10.10.0.0/16' }],
    nodes: layout.flatMap((r, i) => r.hosts.map((h, j) => ({ name: h, site: `site-${r.name.toLowerCase()}`, addresses: { mgmt: `10.10.${i + 1}.${11 + j}` } }))),
  });
}

export interface RegionsCore {
  readonly core: Core;
  readonly regions: LabRegions;
  readonly secrets: MemorySecretStore;
  readonly events: { name: string; payload: unknown }[];
  readonly workspaceFile: string;
}

export function useRegionsCore(prefix: string, layout: LabRegionLayout[] = twoRegions, options: { liveMigrationSeconds?: number; glance?: boolean; neutron?: boolean } = {}): RegionsCore {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), `cw-${prefix}-`));
  const secrets = new MemorySecretStore();
  const events: { name: string; payload: unknown }[] = [];
  let core: Core | undefined;
  let regions: LabRegions | undefined;
  const workspaceFile = path.join(tmp, 'workspace', 'clusterwright.yaml');
  beforeAll(async () => {
    const t0 = Date.now();
    regions = await startLabRegions(layout, { secrets, labName: prefix, glance: options.glance ?? true, neutron: options.neutron ?? false, liveMigrationSeconds: options.liveMigrationSeconds ?? 3 });
    console.log(`OpenStack regions up in ${Date.now() - t0} ms; per service (ms): ${JSON.stringify(regions.lab.timings)}`);
    core = createCore({ hostKind: 'test', workspaceDir: path.join(tmp, 'workspace'), stackOptions: { openstack: { pollMs: 200 } }, ssh: { secrets, sshConfigFile: null, interactive: false } });
    core.events.subscribe((name, payload) => events.push({ name, payload }));
    fs.mkdirSync(path.dirname(workspaceFile), { recursive: true });
    fs.writeFileSync(workspaceFile, serializeWorkspace(regions.workspace(regionsBaseWorkspace(layout))));
  }, 300_000);
  afterAll(async () => {
    await core?.close();
    await regions?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  }, 60_000);
  return {
    get core(): Core {
      if (!core) throw new Error('The core is not up (its beforeAll failed).');
      return core;
    },
    get regions(): LabRegions {
      if (!regions) throw new Error('The regions are not up (their beforeAll failed).');
      return regions;
    },
    secrets,
    events,
    workspaceFile,
  };
}
