// The Proxmox VE documents the rules cite.
import type { RuleSource } from '../../workspace/rules/types.js';

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

