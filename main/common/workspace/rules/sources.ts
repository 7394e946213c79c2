// The documents the rules cite, by name (and address, for the inspector's "read more" link).
import type { RuleSource } from './types.js';

export const seedNetworks: RuleSource = {
  document: 'Clusterwright seed: best practice for multi-site clusters',
  section: 'Separate networks for cluster control, VM traffic, storage and management',
};
