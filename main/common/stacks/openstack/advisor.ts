// What the approach advisor knows of OpenStack: one region per LAN-bound group of sites, one shared Keystone
// that every region's API calls depend on over the WAN, three controllers per region for a highly available
// control plane, and no automatic restart of instances without an add-on.
import { describeSiteLink, groupSites, linkBetween, nodesIn } from '../../advisor/estate.js';
import type { ApproachDraft, Criterion, EstateSummary, StackAdvisor } from '../../advisor/types.js';
import type { StackWorkspace } from '../types.js';
import { kollaMultiRegion } from './sources.js';
import { lossClearlyAbove } from '../../workspace/loss.js';

/** Sites within this round trip share a region (nova live migration and the message queue stay on the LAN). */
const regionRttMs = 5;
/** Past this, every Keystone call from a far region (token issue, catalogue) is slow enough to be felt. */
const keystoneWanMs = 150;
const regionSource = kollaMultiRegion('Multi-site: regions, shared Keystone, per-region services');

export function regionsOf(estate: EstateSummary): { name: string; sites: string[]; nodes: string[] }[] {
  return groupSites(estate, regionRttMs, 2).map((sites) => ({ name: sites[0]!, sites, nodes: nodesIn(estate, sites) }));
}

export function regions(estate: EstateSummary, workload: string, effort: string): ApproachDraft {
  const list = regionsOf(estate);
  const keystone = list[0]!;
  const criteria: Criterion[] = [];
  const changes: string[] = [];
  let worst: ReturnType<typeof linkBetween>;
  for (const r of list.slice(1)) {
    const l = linkBetween(estate, keystone.sites[0]!, r.sites[0]!);
    if (l && (!worst || l.rttMs > worst.rttMs)) worst = l;
  }
  if (!worst) criteria.push({ kind: 'latency', text: 'One region: Keystone and every service on the same LAN', verdict: 'fits', source: regionSource });
  else {
    const ok = worst.rttMs <= keystoneWanMs && !lossClearlyAbove(worst.lossPercent, 2, worst.probes);
    criteria.push({ kind: 'latency', text: `${list.length} regions, Keystone in ${keystone.name}; ${describeSiteLink(worst)}: ${ok ? 'regions run apart, only identity calls cross the WAN' : 'every token and catalogue call crosses a slow WAN'}`, verdict: ok ? 'fits' : 'strained', deciding: true, source: regionSource });
    if (!ok) changes.push(`A faster path to ${keystone.name} or a Keystone per continent (federated).`);
  }
  const small = list.filter((r) => r.nodes.length < 4);
  criteria.push({
    kind: 'scale',
    text: small.length ? `${small.map((r) => `${r.name}: ${r.nodes.length} node(s)`).join(', ')}: three controllers per region leave little for compute` : `${estate.nodeCount} nodes, ${list.length} region(s): scales by adding computes`,
    verdict: small.length ? 'strained' : 'fits',
    source: regionSource,
  });
  if (small.length) changes.push('At least four nodes per region (three controllers + compute), or fold a small site into another region as compute.');
  criteria.push({ kind: 'quorum', text: 'Each region\'s control plane (Galera, RabbitMQ) keeps quorum on its own three controllers', verdict: small.length ? 'strained' : 'fits', source: regionSource });
  criteria.push({ kind: 'ha', text: 'Instances are not restarted on a failed host without an add-on (Masakari); tenants design for failure', verdict: 'strained' });
  criteria.push({ kind: 'storage', text: 'Cinder/Ceph per region; images and volumes are regional', verdict: 'fits' });
  criteria.push({ kind: 'effort', text: 'kolla-ansible per region, certificates, a shared Keystone', verdict: effort === 'high' ? 'fits' : effort === 'medium' ? 'strained' : 'fails' });
  criteria.push({ kind: 'use-case', text: 'Self-service cloud: projects, quotas, APIs for tenants', verdict: workload === 'self-service-cloud' ? 'fits' : 'strained' });
  return { id: 'regions', title: `OpenStack ${list.length === 1 ? 'region' : 'regions'} with a shared Keystone`, summary: list.map((r) => `${r.name} (${r.nodes.length})`).join(', '), criteria, changes };
}

export const openstackAdvisor: StackAdvisor<StackWorkspace> = {
  approaches(estate, answers) {
    return [regions(estate, answers.workload, answers.effort)];
  },
  shape(workspace, approach, estate) {
    if (approach !== 'regions') return workspace;
    const list = regionsOf(estate).map((r, i) => {
      const controllers = r.nodes.slice(0, Math.min(3, Math.max(1, r.nodes.length - 1)));
      const compute = r.nodes.filter((n) => !controllers.includes(n));
      return { name: r.name, keystone: i === 0, controllers, networkNodes: controllers.slice(0, 1), compute: compute.length ? compute : controllers, storage: [], liveMigration: true };
    });
    return { ...workspace, openstack: { regions: list, interconnects: [] } };
  },
};
