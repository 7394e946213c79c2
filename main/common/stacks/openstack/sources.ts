// The OpenStack documents the rules cite, with the address the findings panel links to.
import type { RuleSource } from '../../workspace/rules/types.js';

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

export const neutronVpnaas = (section: string): RuleSource => ({
  document: 'OpenStack Networking API reference, "VPNaaS 2.0 (VPN, vpnservices, ikepolicies, ipsecpolicies, endpoint-groups, ipsec-site-connections)"',
  section,
  url: 'https://docs.openstack.org/api-ref/network/v2/#vpnaas-2-0-vpn-vpnservices-ikepolicies-ipsecpolicies-endpoint-groups-ipsec-site-connections',
});
