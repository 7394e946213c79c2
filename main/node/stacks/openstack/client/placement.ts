// Placement client: resource providers (one per compute node), their inventories and usages — where capacity
// lives since compute API 2.88 dropped it from os-hypervisors. Every call pins its placement microversion.
import { ServiceClient } from './service.js';

/** 1.14 adds parent and root provider UUIDs (nested providers); inventories and usages are unchanged since. */
export const placementMicroversion = '1.14';

export interface ResourceProvider {
  uuid: string;
  name: string;
  generation: number;
  parent_provider_uuid?: string | null;
  root_provider_uuid?: string;
}

export interface Inventory {
  total: number;
  reserved: number;
  min_unit: number;
  max_unit: number;
  step_size: number;
  allocation_ratio: number;
}

export class PlacementClient extends ServiceClient {
  protected readonly serviceType = 'placement';

  private get headers(): Record<string, string> {
    return { 'OpenStack-API-Version': `placement ${placementMicroversion}` };
  }

  async listResourceProviders(filter: { name?: string } = {}): Promise<ResourceProvider[]> {
    return (await this.call<{ resource_providers: ResourceProvider[] }>('GET', '/resource_providers', { headers: this.headers, query: { name: filter.name } })).data.resource_providers;
  }

  async inventories(providerUuid: string): Promise<Record<string, Inventory>> {
    return (await this.call<{ inventories: Record<string, Inventory> }>('GET', `/resource_providers/${encodeURIComponent(providerUuid)}/inventories`, { headers: this.headers })).data.inventories;
  }

  async usages(providerUuid: string): Promise<Record<string, number>> {
    return (await this.call<{ usages: Record<string, number> }>('GET', `/resource_providers/${encodeURIComponent(providerUuid)}/usages`, { headers: this.headers })).data.usages;
  }

  /** Free units per resource class: (total − reserved) × allocation ratio − used. */
  async free(providerUuid: string): Promise<Record<string, number>> {
    const [inv, used] = await Promise.all([this.inventories(providerUuid), this.usages(providerUuid)]);
    return Object.fromEntries(Object.entries(inv).map(([rc, i]) => [rc, Math.floor((i.total - i.reserved) * i.allocation_ratio) - (used[rc] ?? 0)]));
  }
}
