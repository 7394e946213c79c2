// The documents the rules cite: the vendors' own guides (and standards), with the section and the
// address the findings panel links to. Anchors are the ids the published pages carry.
import type { RuleSource } from './types.js';

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

export const vsanStretched = (section: string): RuleSource => ({
  document: 'VMware vSAN Stretched Cluster Guide',
  section,
  url: 'https://core.vmware.com/resource/vsan-stretched-cluster-guide',
});

export const openstackInstallGuide = (section: string): RuleSource => ({
  document: 'OpenStack Installation Guide',
  section,
  url: 'https://docs.openstack.org/install-guide/overview.html',
});

export const kollaMultiRegion = (section: string): RuleSource => ({
  document: 'Kolla Ansible documentation, "Multiple Regions Deployment with Kolla"',
  section,
  url: 'https://docs.openstack.org/kolla-ansible/latest/user/multi-regions.html',
});

export const openstackArchDesign = (section: string): RuleSource => ({
  document: 'OpenStack Architecture Design Guide',
  section,
  url: 'https://docs.openstack.org/arch-design/',
});

export const novaLiveMigration = (section: string): RuleSource => ({
  document: 'OpenStack Nova Administrator Guide, "Live-migrate instances"',
  section,
  url: 'https://docs.openstack.org/nova/latest/admin/live-migration-usage.html',
});

/** Why each kind of traffic wants its own network: corosync is the one the vendors spell out. */
export const separateNetworks: RuleSource = pvecm(
  'Cluster Network: Network Requirements (ideally corosync runs on its own physically separated network; do not share it with storage)',
  'networkRequirements',
);

export const cidrNotation: RuleSource = {
  document: 'RFC 4632: Classless Inter-domain Routing (CIDR)',
  section: '3.1 Basic Concept and Prefix Notation',
  url: 'https://www.rfc-editor.org/rfc/rfc4632#section-3.1',
};
