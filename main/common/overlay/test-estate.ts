// A small estate for the overlay's tests: three sites, a Proxmox cluster whose corosync link1 and
// migration network ride on a WireGuard overlay, and real-looking public keys.
import type { Workspace } from '../workspace/schema.js';
import { overlaySchema, type OverlayInput } from './schema.js';

export const keys: Record<string, string> = {
  pve1: 'DgVuMC1xL0O1FlmHCfaWa3n56XNN2wh8YxCvKgqrAQU=',
  pve2: '/uqM6UXBvUT62bOET0nB4PK5/c7O/GAJXcwn7SJ6h2A=',
  pve3: 'CO5ateHL7Whoq0tPqG3AoVogBX9+xZz6UNU5wf5/Sy4=',
  pve4: 'faWyL6cEZvx7G/aVOdvFA50Wp4oGTzjeVTCxrkn1MRU=',
};

/** Three sites, a Proxmox cluster whose link1 and migration network ride on an overlay. */
export function estate(overlay: Partial<OverlayInput> = {}, extra: Partial<Workspace> = {}): Workspace {
  const ws: Workspace = {
    version: 1,
    name: 'overlay',
    sites: [
      { name: 'home', kind: 'lan' },
      { name: 'office', kind: 'wan' },
      { name: 'cloud', kind: 'internet' },
    ],
    networks: [
      { name: 'wan', roles: ['management', 'corosync'], cidr: '192.0.2.0/24' },
      { name: 'ring1', roles: ['corosync'] },
      { name: 'mig', roles: ['migration'], cidr: '10.98.0.0/24' },
    ],
    nodes: [
      { name: 'pve1', site: 'home', addresses: { wan: '192.0.2.11' } },
      { name: 'pve2', site: 'office', addresses: { wan: '192.0.2.12', ring1: '10.99.0.20' } },
      { name: 'pve3', site: 'cloud', addresses: { wan: '192.0.2.13' } },
    ],
    proxmox: {
      clusters: [
        {
          name: 'homelab',
          nodes: ['pve1', 'pve2', 'pve3'],
          links: [
            { link: 0, network: 'wan' },
            { link: 1, network: 'ring1' },
          ],
          migrationNetwork: 'mig',
        },
      ],
    },
    ...extra,
  };
  const section = overlaySchema.parse({ name: 'sites', sites: ['home', 'office', 'cloud'], addressRange: '10.99.0.0/24', networks: ['ring1', 'mig'], keepalive: 25, ...overlay });
  return { ...ws, overlays: [section] } as Workspace;
}
