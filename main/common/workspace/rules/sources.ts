// The documents the general rules cite: standards that hold whichever stack runs, with the section and
// the address the findings panel links to. A stack's own documents live in its folder.
import type { RuleSource } from './types.js';

/** Why each kind of traffic wants its own network, for every hypervisor alike. */
export const separateNetworks: RuleSource = {
  document: 'NIST SP 800-125B, Secure Virtual Network Configuration for Virtual Machine (VM) Protection',
  section: 'Network segmentation: separate virtual networks for management, VM migration, storage and VM traffic',
  url: 'https://csrc.nist.gov/pubs/sp/800/125/b/final',
};

export const cidrNotation: RuleSource = {
  document: 'RFC 4632: Classless Inter-domain Routing (CIDR)',
  section: '3.1 Basic Concept and Prefix Notation',
  url: 'https://www.rfc-editor.org/rfc/rfc4632#section-3.1',
};
