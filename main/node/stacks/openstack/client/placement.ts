// Placement client: resource providers (one per compute node), their inventories and usages — where capacity
// lives since compute API 2.88 dropped it from os-hypervisors. Every call pins its placement microversion.
import * as z from 'zod';
import { ServiceClient } from './service.js';

/** 1.14 adds parent and root provider UUIDs (nested providers); inventories and usages are unchanged since. */
export const placementMicroversion = '1.14';

// ---- the shapes this client relies on in placement's replies ----
const providerSchema = z.object({
  uuid: z.string().min(1).max(64),
  name: z.string().max(200),
  generation: z.number().int(),
  parent_provider_uuid: z.string().max(64).nullish(),
  root_provider_uuid: z.string().max(64).optional(),
});
export type ResourceProvider = z.output<typeof providerSchema>;

const inventorySchema = z.object({
  total: z.number(),
  reserved: z.number(),
  min_unit: z.number(),
  max_unit: z.number(),
  step_size: z.number(),
  allocation_ratio: z.number(),
});
export type Inventory = z.output<typeof inventorySchema>;

/** Resource class names (VCPU, MEMORY_MB, CUSTOM_…) as placement spells them. */
const resourceClass = z.string().regex(/^[A-Z0-9_]{1,255}$/, 'expected a resource class name');

const replies = {
  providers: z.object({ resource_providers: z.array(providerSchema) }).describe('a resource provider list'),
  inventories: z.object({ inventories: z.record(resourceClass, inventorySchema) }).describe('an inventory'),
  usages: z.object({ usages: z.record(resourceClass, z.number()) }).describe('a usage list'),
};

export class PlacementClient extends ServiceClient {
  protected readonly serviceType = 'placement';

  private get headers(): Record<string, string> {
    return { 'OpenStack-API-Version': `placement ${placementMicroversion}` };
  }

  async listResourceProviders(filter: { name?: string } = {}): Promise<ResourceProvider[]> {
    return (await this.call('GET', '/resource_providers', { headers: this.headers, query: { name: filter.name }, reply: replies.providers })).data.resource_providers;
  }

  async inventories(providerUuid: string): Promise<Record<string, Inventory>> {
    return (await this.call('GET', `/resource_providers/${encodeURIComponent(providerUuid)}/inventories`, { headers: this.headers, reply: replies.inventories })).data.inventories;
  }

  async usages(providerUuid: string): Promise<Record<string, number>> {
    return (await this.call('GET', `/resource_providers/${encodeURIComponent(providerUuid)}/usages`, { headers: this.headers, reply: replies.usages })).data.usages;
  }

  /** Free units per resource class: (total − reserved) × allocation ratio − used. */
  async free(providerUuid: string): Promise<Record<string, number>> {
    const [inv, used] = await Promise.all([this.inventories(providerUuid), this.usages(providerUuid)]);
    return Object.fromEntries(Object.entries(inv).map(([rc, i]) => [rc, Math.floor((i.total - i.reserved) * i.allocation_ratio) - (used[rc] ?? 0)]));
  }
}
