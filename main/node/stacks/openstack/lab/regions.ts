// OpenStack regions for a workspace: real Keystone and, per region, nova with fake-driver computes named
// like the workspace's compute nodes (and glance and neutron-server when asked), on 127.0.0.1; a server booted per region so the
// canvas has something to move; the workspace's openstack section pointing at them, the admin's password
// stored in the secret store and named by id. The shared catalog is NOT registered here: the wizard does it.
import { CwError } from '../../../../common/errors.js';
import type { OpenstackSection } from '../../../../common/stacks/openstack/schema.js';
import { workspaceSchema, type Workspace } from '../../../../common/workspace/schema.js';
import type { SecretStore } from '../../../secrets/store.js';
import { KeystoneClient } from '../client/keystone.js';
import { OpenstackHttp } from '../client/http.js';
import { GlanceClient } from '../client/glance.js';
import { NovaClient } from '../client/nova.js';
import { startOpenstackLab, type OpenstackLab } from './index.js';

export interface LabRegionLayout {
  name: string;
  keystone: boolean;
  /** Compute nodes (workspace node names = nova's compute host names); the first is also controller and network node. */
  hosts: string[];
  /** Servers to boot: name → host. */
  servers?: Record<string, string>;
}

export interface LabRegions {
  lab: OpenstackLab;
  /** Secret id of the bootstrap admin's password. */
  passwordSecret: string;
  /** The workspace with its openstack section. */
  workspace(base: Workspace): Workspace;
  stop(): Promise<void>;
}

/** The nova functional fixtures' own image, used when a region has no glance. */
const fixtureImage = '155d900f-4e14-4e4c-a73d-069cbf4541e6';

export interface LabRegionsOptions {
  /** Where the admin's password goes; or, with `passwordSecret`, where it already is (the CLI stored it before). */
  secrets?: SecretStore;
  passwordSecret?: string;
  adminPassword?: string;
  labName: string;
  glance?: boolean;
  /** neutron-server with VPNaaS per region (no agents), registered as the region's network endpoint. */
  neutron?: boolean;
  liveMigrationSeconds?: number;
  timeoutMs?: number;
  baseDir?: string;
}

export async function startLabRegions(layout: LabRegionLayout[], options: LabRegionsOptions): Promise<LabRegions> {
  if (!options.secrets && !(options.passwordSecret && options.adminPassword)) throw new CwError('INVALID_INPUT', 'The lab regions need a secret store, or the admin password with its secret id.');
  if (layout.filter((r) => r.keystone).length !== 1) throw new CwError('INVALID_INPUT', 'Exactly one lab region holds Keystone.');
  const keystoneRegion = layout.find((r) => r.keystone)!.name;
  const lab = await startOpenstackLab({
    regions: layout.map((r) => ({ name: r.name, computeHosts: r.hosts, glance: options.glance ?? false, neutron: options.neutron ?? false, liveMigrationSeconds: options.liveMigrationSeconds ?? 3 })),
    keystoneRegion,
    maxSeconds: 24 * 3600,
    ...(options.adminPassword ? { adminPassword: options.adminPassword } : {}),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    ...(options.baseDir ? { baseDir: options.baseDir } : {}),
  });
  let passwordSecret: string | undefined = options.passwordSecret;
  const owned = passwordSecret === undefined;
  try {
    passwordSecret ??= await options.secrets!.put(lab.admin.password, { label: `admin of the lab "${options.labName}" (OpenStack Keystone)`, kind: 'password' });
    // Servers are booted through each region's nova directly: the catalog is the wizard's to register.
    const http = new OpenstackHttp({ timeoutMs: 60_000 });
    try {
      const keystone = new KeystoneClient({ authUrl: lab.keystone.url, http, credentials: { kind: 'password', user: { name: 'admin', domain: { id: 'default' } }, password: lab.admin.password, scope: { project: { name: 'admin', domain: { id: 'default' } } } } });
      for (const r of layout) {
        const region = lab.regions.find((x) => x.name === r.name)!;
        const nova = new NovaClient({ keystone, region: r.name, endpointOverride: region.nova.computeUrl });
        let image = fixtureImage;
        if (region.glance) {
          const glance = new GlanceClient({ keystone, region: r.name, endpointOverride: region.glance.url });
          const created = await glance.createImage({ name: 'lab-boot', disk_format: 'raw', container_format: 'bare' });
          await glance.upload(created.id, new Uint8Array(4096).fill(7));
          await glance.waitForImage(created.id, { timeoutMs: 30_000 });
          image = created.id;
        }
        const flavors = await nova.listFlavors();
        const flavor = flavors.find((f) => f.name === 'm1.tiny') ?? flavors[0];
        if (!flavor) throw new CwError('REMOTE_FAILED', `nova of lab region ${r.name} has no flavor.`);
        const ids = [];
        for (const [name, host] of Object.entries(r.servers ?? {})) ids.push(await nova.createServer({ name, flavorRef: flavor.id, imageRef: image, networks: 'none', host }));
        for (const id of ids) await nova.waitForServer(id, 'ACTIVE', { timeoutMs: 60_000, pollMs: 250 });
      }
    } finally {
      await http.close();
    }
  } catch (error) {
    await lab.stop();
    if (passwordSecret && owned) await options.secrets?.delete(passwordSecret).catch(() => false);
    throw error;
  }
  const secretId = passwordSecret;
  return {
    lab,
    passwordSecret: secretId,
    workspace(base) {
      const management = base.networks.find((n) => n.roles.includes('management'))?.name;
      const section: OpenstackSection = {
        keystone: { authUrl: lab.keystone.url, username: 'admin', userDomain: 'default', project: 'admin', projectDomain: 'default', passwordSecret: secretId, interface: 'public' },
        regions: layout.map((r) => {
          const region = lab.regions.find((x) => x.name === r.name)!;
          return {
            name: r.name,
            keystone: r.keystone,
            controllers: [r.hosts[0]!],
            networkNodes: [r.hosts[0]!],
            compute: r.hosts,
            storage: [],
            liveMigration: true,
            ...(management ? { managementNetwork: management } : {}),
            endpoints: { compute: region.nova.computeUrl, placement: region.nova.placementUrl, ...(region.glance ? { image: region.glance.url } : {}), ...(region.neutron ? { network: region.neutron.url } : {}) },
          };
        }),
        interconnects: layout.slice(1).map((r) => ({ between: [keystoneRegion, r.name] as [string, string], kind: 'routed' as const, notes: 'The lab\'s regions reach each other on 127.0.0.1.' })),
      };
      return workspaceSchema.parse({ ...base, openstack: section });
    },
    stop: async () => {
      try {
        await lab.stop();
      } finally {
        if (owned) await options.secrets?.delete(secretId).catch(() => false);
      }
    },
  };
}
