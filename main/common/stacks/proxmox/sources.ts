// The Proxmox VE documents the rules cite: the Administration Guide's chapters, with the section and
// the anchor the published pages carry (the findings panel links to them).
import type { RuleSource } from '../../workspace/rules/types.js';

const pvecmUrl = 'https://pve.proxmox.com/pve-docs/chapter-pvecm.html';

/** Anchors of the pvecm chapter (pve-docs, pvecm.adoc). */
export const pvecmAnchors = {
  requirements: 'pvecm_cluster_requirements',
  createCluster: 'pvecm_create_cluster',
  joinNode: 'pvecm_join_node_to_cluster',
  separatedNetwork: 'pvecm_adding_nodes_with_separated_cluster_network',
  clusterNetwork: 'pvecm_cluster_network',
  networkRequirements: 'pvecm_cluster_network_requirements',
  corosyncAddresses: 'pvecm_corosync_addresses',
  redundancy: 'pvecm_redundancy',
  qdevice: '_corosync_external_vote_support',
} as const;

export const pvecm = (section: string, anchor: keyof typeof pvecmAnchors = 'clusterNetwork'): RuleSource => ({
  document: 'Proxmox VE Administration Guide, chapter "Cluster Manager" (pvecm)',
  section,
  url: `${pvecmUrl}#${pvecmAnchors[anchor]}`,
});

export const qmMigration = (section: string): RuleSource => ({
  document: 'Proxmox VE Administration Guide, chapter "QEMU/KVM Virtual Machines" (qm)',
  section,
  url: 'https://pve.proxmox.com/pve-docs/chapter-qm.html#qm_migration',
});

export const haManager = (section: string): RuleSource => ({
  document: 'Proxmox VE Administration Guide, chapter "High Availability" (ha-manager)',
  section,
  url: 'https://pve.proxmox.com/pve-docs/chapter-ha-manager.html',
});
