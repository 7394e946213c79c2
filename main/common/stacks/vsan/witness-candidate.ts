// A workspace node as the witness to be of a vSAN cluster (pure), for replacing the witness and for stretching
// the cluster again: what refuses it outright (a data host of a vSAN cluster, not a workspace node), what stops
// the change until it is fixed (a data site, a round trip not measured or above vSAN's witness limit), and its
// measured round trip from every data host beside that limit.
import { CwError } from '../../errors.js';
import { FactIndex, round, type Facts } from '../../workspace/facts.js';
import type { Workspace } from '../../workspace/schema.js';
import type { VsanRoundTrip } from './contract.js';
import { witnessLimitMs } from './rules.js';
import type { VsanCluster } from './schema.js';
import { dataHostsOf } from './stretching.js';

export interface WitnessCandidate {
  /** The witness network the round trips were read on. */
  network: string;
  limitMs: number;
  roundTrips: VsanRoundTrip[];
  /** What stops the change (each says what to do); empty when nothing does. */
  problems: string[];
}

/** `host` as the witness of `cluster` (the `field` entry of the workspace); throws for a host that can never be one. */
export function witnessCandidate(workspace: Workspace, facts: Facts, cluster: VsanCluster, field: string, host: string): WitnessCandidate {
  const data = dataHostsOf(cluster);
  if (data.includes(host)) {
    throw new CwError('INVALID_INPUT', `Witness host within vCenter cluster: ${host} is a data host of cluster ${cluster.name}. The witness host must not be part of the vSAN cluster; choose a host outside it.`, { field: `${field}.witness.host` });
  }
  const other = (workspace.vsan?.clusters ?? []).find((c) => c.name !== cluster.name && dataHostsOf(c).includes(host));
  if (other) throw new CwError('INVALID_INPUT', `${host} is a data host of vSAN cluster ${other.name}; a witness cannot be a member of a vSAN cluster. Choose a host outside every vSAN cluster.`, { field: `${field}.witness.host` });
  const node = workspace.nodes.find((n) => n.name === host);
  const network = cluster.witnessNetwork ?? cluster.dataNetwork ?? workspace.networks.find((n) => n.roles.includes('vsan'))?.name ?? '';
  if (!node) throw new CwError('INVALID_INPUT', `${host} is not a node of the workspace: add it to nodes, with its address on the witness network ${network || '(none set)'}, then choose it as the witness.`, { field: 'nodes' });
  const limitMs = witnessLimitMs(cluster);
  const index = new FactIndex(facts);
  const roundTrips = data.map((a): VsanRoundTrip => {
    const p = index.between(network, a, host);
    const rtt = p && typeof p.rttMs === 'number' && Number.isFinite(p.rttMs) ? round(p.rttMs) : undefined;
    return { kind: 'witness', a, b: host, network, limitMs, ...(rtt !== undefined ? { rttMs: rtt, ok: rtt <= limitMs } : {}) };
  });
  const problems: string[] = [];
  const sites = [cluster.preferredSite.site, cluster.secondarySite.site];
  if (sites.includes(node.site)) problems.push(`${host} stands in data site ${node.site}: the witness must be at a third site, so that losing one data site leaves a majority. Choose a node outside ${sites.join(' and ')}.`);
  const unmeasured = roundTrips.filter((r) => r.rttMs === undefined).map((r) => r.a);
  if (unmeasured.length) problems.push(`The round trip from ${unmeasured.join(', ')} to ${host} on network ${network} is not measured: measure latency first (the witness must answer within ${limitMs} ms).`);
  for (const r of roundTrips.filter((x) => x.ok === false)) problems.push(`${r.a} ↔ ${host} on ${network}: ${r.rttMs} ms, above vSAN's ${limitMs} ms to the witness. Choose a witness site closer to both data sites.`);
  return { network, limitMs, roundTrips, problems };
}
