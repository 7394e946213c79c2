// The official API schema handed to a test's core (CoreOptions.proxmoxSchema): every request the app's own
// Proxmox clients send is checked before it leaves, and the suite prints how many were checked.
import { expect } from 'vitest';
import { PveApiSchema } from '../../../main/node/stacks/proxmox/api-schema.js';

/** A schema instance per suite, so its counters are the suite's own. */
export function coreSchema(): PveApiSchema {
  return new PveApiSchema();
}

/** Prints the count and fails the suite if the core sent (or received) anything the schema rejects. */
export function reportCoreSchema(suite: string, schema: PveApiSchema): void {
  const s = schema.stats;
  console.log(`${suite}: the app's Proxmox clients sent ${s.requests} requests, each validated against the official schema before sending (${s.rejectedRequests} rejected); ${s.responses} replies validated (${s.rejectedResponses} rejected)`);
  expect(s.rejectedRequests).toBe(0);
  expect(s.rejectedResponses).toBe(0);
}
