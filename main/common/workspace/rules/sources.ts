// The documents the rules cite, by name (and address, for the inspector's "read more" link).
import type { RuleSource } from './types.js';

export const pvecm = (section: string): RuleSource => ({
  document: 'Proxmox VE Administration Guide, chapter "Cluster Manager" (pvecm)',
  section,
  url: 'https://pve.proxmox.com/pve-docs/chapter-pvecm.html',
});

export const qmMigration = (section: string): RuleSource => ({
  document: 'Proxmox VE Administration Guide, chapter "QEMU/KVM Virtual Machines" (qm), Migration',
  section,
  url: 'https://pve.proxmox.com/pve-docs/chapter-qm.html#qm_migration',
});

export const vsanStretched = (section: string): RuleSource => ({
  document: 'VMware vSAN Stretched Cluster Guide',
  section,
  url: 'https://core.vmware.com/resource/vsan-stretched-cluster-guide',
});

export const openstackMultiRegion = (section: string): RuleSource => ({
  document: 'OpenStack documentation: Keystone Administrator Guide and Architecture Design Guide (multi-site)',
  section,
  url: 'https://docs.openstack.org/arch-design/',
});

export const novaLiveMigration = (section: string): RuleSource => ({
  document: 'OpenStack Nova Administrator Guide, "Live-migrate instances"',
  section,
  url: 'https://docs.openstack.org/nova/latest/admin/live-migration-usage.html',
});

export const seedNetworks: RuleSource = {
  document: 'Clusterwright seed: best practice for multi-site clusters',
  section: 'Separate networks for cluster control, VM traffic, storage and management',
};
