// The OpenStack documents the rules cite.
import type { RuleSource } from '../../workspace/rules/types.js';

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

