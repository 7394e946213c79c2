// The VMware documents the vSAN rules cite.
import type { RuleSource } from '../../workspace/rules/types.js';

export const vsanStretched = (section: string): RuleSource => ({
  document: 'VMware vSAN Stretched Cluster Guide',
  section,
  url: 'https://core.vmware.com/resource/vsan-stretched-cluster-guide',
});


export const vsanNetworkRequirements = (section: string): RuleSource => ({
  document: 'VMware vSAN Planning and Deployment: Networking Requirements for vSAN',
  section,
  url: 'https://docs.vmware.com/en/VMware-vSphere/8.0/vsan-planning/GUID-AFF133BC-F4B6-4753-815F-20D3D752D898.html',
});

export const vsanConfigurationMaximums = (section: string): RuleSource => ({
  document: 'VMware Configuration Maximums: vSAN',
  section,
  url: 'https://configmax.broadcom.com/guest?vmwareproduct=vSphere&release=vSphere%208.0&categories=7-0',
});
