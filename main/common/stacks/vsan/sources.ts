// The VMware documents the vSAN rules cite.
import type { RuleSource } from '../../workspace/rules/types.js';

export const vsanStretched = (section: string): RuleSource => ({
  document: 'VMware vSAN Stretched Cluster Guide',
  section,
  url: 'https://core.vmware.com/resource/vsan-stretched-cluster-guide',
});

