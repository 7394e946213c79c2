// Whether a workspace's vSAN cluster is stretched (pure): its witness while it is, and, once stretching was
// disabled, what the cluster is then and what stretching it again takes, in the admin's words.
import type { VsanCluster } from './schema.js';

/** The cluster's witness while it is stretched; undefined once stretching was disabled (`stretched: false`). */
export function witnessOf(cluster: VsanCluster): { host: string; site: string } | undefined {
  return cluster.stretched === false ? undefined : cluster.witness;
}

/** Whether the fault domains of a cluster that is not stretched were deleted (`faultDomains: false`): each host is then its own. */
export const faultDomainsDeleted = (cluster: VsanCluster): boolean => cluster.stretched === false && cluster.faultDomains === false;

/** The cluster's data hosts (both sites, or both fault domains once it is not stretched). */
export const dataHostsOf = (cluster: VsanCluster): string[] => [...cluster.preferredSite.hosts, ...cluster.secondarySite.hosts];

/** What an unstretched cluster is, and what stretching it again would take; `field` is its place in the file. */
export function unstretchedText(cluster: VsanCluster, field: string): { what: string; restretch: string } {
  const fds = [cluster.preferredSite.site, cluster.secondarySite.site];
  const deleted = faultDomainsDeleted(cluster);
  const domains = deleted
    ? `its fault domains were deleted (${field}.faultDomains: false), so each host is a fault domain of its own`
    : `its hosts keep the fault domains ${fds.join(' and ')}`;
  const remove = deleted ? `remove ${field}.stretched (or set it to true) and ${field}.faultDomains` : `remove ${field}.stretched (or set it to true)`;
  const sites = deleted
    ? `the stretch makes the fault domains ${cluster.preferredSite.site} (preferred) and ${cluster.secondarySite.site} (secondary) again from the hosts preferredSite and secondarySite list`
    : `${cluster.preferredSite.site} is the preferred site again and ${cluster.secondarySite.site} the secondary`;
  return {
    what: `vSAN cluster ${cluster.name} is not stretched (${field}.stretched: false, recorded after stretching was disabled): it has no witness and no preferred site, and ${domains}.`,
    restretch: `To stretch it again: put a witness host at a third site back with the day-2 action "Stretch again" (a workspace node outside the cluster, its certificate pinned, its round trip from every data host measured within vSAN's witness limit); or put it into the workspace (${field}.witness: host and site), ${remove}, and run the build plan. Either way the witness is added to the datacenter, and the build's stretch step (VSANVcConvertToStretchedCluster) is destructive and runs only once you approve it; ${sites}, and vSAN then rebuilds every object's witness component.`,
  };
}
