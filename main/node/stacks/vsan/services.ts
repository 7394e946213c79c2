// The vSAN stack's services: vsan.* methods (certificates to pin, the build plan with the measured round trips
// beside vSAN's limits, verify with health), the inventory of VMs per ESXi host (a VM id names its cluster and
// vCenter's moref), and vMotion moves (precheck: the witness is never a target, a cross-site move names the
// site rules it goes against; the plan: one relocate step run by the executor).
import type { MigrationTarget, VmRecord } from '../../../common/contract/inventory.js';
import { CwError, isCwError } from '../../../common/errors.js';
import { planSchema } from '../../../common/plan/schema.js';
import type { VsanClusterPlanView, VsanDay2PlanView } from '../../../common/stacks/vsan/contract.js';
import { healthProblems } from '../../../common/stacks/vsan/health.js';
import type { StorageEvidence } from '../../../common/scorecard/evidence.js';
import { VSAN_DATA_RTT_MS, witnessLimitMs } from '../../../common/stacks/vsan/rules.js';
import type { VsanCluster } from '../../../common/stacks/vsan/schema.js';
import { siteGroupNames } from '../../../common/stacks/vsan/site-settings.js';
import { dataHostsOf, faultDomainsDeleted, witnessOf } from '../../../common/stacks/vsan/stretching.js';
import { normalizeThumbprint } from '../../../common/stacks/vsan/thumbprint.js';
import { FactIndex, round, type Facts } from '../../../common/workspace/facts.js';
import { witnessCandidate } from '../../../common/stacks/vsan/witness-candidate.js';
import { validateWorkspace } from '../../../common/workspace/rules/index.js';
import type { Finding } from '../../../common/workspace/rules/types.js';
import type { Workspace } from '../../../common/workspace/schema.js';
import type { Handlers } from '../../dispatcher.js';
import type { SecretStore } from '../../secrets/store.js';
import { readPeerCertificate } from '../../tls/certificate.js';
import { shellCommand } from '../../ssh/shell-quote.js';
import type { StackInventory, StackMigration, StackWorkspaces } from '../types.js';
import type { VsphereClient } from './client/client.js';
import { readCluster, readHost } from './client/readers.js';
import type { MoRef } from './client/xml.js';
import type { VsanConnections } from './connections.js';
import { day2Plan, witnessNames } from './day2.js';
import { apisFor, buildPlan, relocatePlan, STACK } from './plan.js';
import { verifyStretchedCluster } from './stretched-cluster.js';
import type { StretchedHost } from './stretched-cluster.js';
import { datacenterOf, findVsanCluster, mustBeStretched, mustNotBeStretched, restretchSpecFromWorkspace, stretchedSpecFromWorkspace, vcenterAccess, witnessFromWorkspace } from './workspace-spec.js';

type VsanMethod = 'vsan.probeCertificate' | 'vsan.hostCertificates' | 'vsan.pinCertificates' | 'vsan.planCluster' | 'vsan.verify' | 'vsan.planDay2' | 'vsan.recordDay2';

export interface VsanServiceDeps {
  workspaces: StackWorkspaces;
  secrets: SecretStore;
  connections: VsanConnections;
  /** How long a vMotion may run before the app stops waiting (ms). */
  moveTimeoutMs?: number;
}

/** vCenter's certificate SHA-256 as presented on host:port (nothing is sent). */
async function certificateOf(host: string, port: number, timeoutMs = 5000): Promise<string> {
  const cert = await readPeerCertificate(host, port, {
    timeoutMs,
    timeoutError: () => new CwError('TIMEOUT', `vCenter ${host}:${port} did not answer TLS within ${timeoutMs / 1000} s.`),
    connectError: (err) => new CwError('UNREACHABLE', `Cannot reach vCenter at ${host}:${port}: ${err.message}`),
  });
  return cert.fingerprint;
}

/** The cluster's hosts and, while it is stretched, its witness. */
const membersOf = (cluster: VsanCluster) => new Set([...dataHostsOf(cluster), ...(witnessOf(cluster) ? [witnessOf(cluster)!.host] : [])]);

function findingsForCluster(findings: readonly Finding[], cluster: VsanCluster, index: number): Finding[] {
  const members = membersOf(cluster);
  const prefix = `vsan.clusters[${index}]`;
  return findings.filter(
    (f) =>
      f.paths.some((p) => p === prefix || p.startsWith(`${prefix}.`)) ||
      f.elements.some((e) => (e.kind === 'cluster' && e.stack === STACK && e.name === cluster.name) || (e.kind === 'node' && members.has(e.name)) || (e.kind === 'link' && members.has(e.name) && (e.peer === undefined || members.has(e.peer)))),
  );
}

async function clusterRef(client: VsphereClient, datacenter: string | undefined, name: string) {
  const dc = datacenter ? await client.findDatacenter(datacenter) : undefined;
  if (datacenter && !dc) return undefined;
  return (await client.findByName('ClusterComputeResource', name, dc?.hostFolder))?.ref;
}

type CertificateState = { host: string; thumbprint?: string; pinned?: string; state: 'pinned' | 'new' | 'changed' | 'in-vcenter' | 'unreachable'; message?: string };

/** A host's certificate as vCenter reports it beside what the workspace pins; vCenter adds nothing (the thumbprint is refused). */
async function certificateState(client: VsphereClient, hostFolder: MoRef, h: StretchedHost, esxi: { user: string; passwordSecret: string }, secrets: SecretStore): Promise<CertificateState> {
  const pinned = h.thumbprint ? normalizeThumbprint(h.thumbprint) : undefined;
  if (await client.findByName('HostSystem', h.name)) return { host: h.name, ...(pinned ? { pinned } : {}), state: 'in-vcenter' };
  // Asking vCenter to add the host with no thumbprint: it answers with the one the host presents, and adds nothing.
  try {
    await client.addHost({ folder: hostFolder }, { hostName: h.name, userName: esxi.user, password: () => secrets.get(esxi.passwordSecret), confirmThumbprint: async () => false });
    return { host: h.name, state: 'in-vcenter', message: 'vCenter added the host without asking for its certificate.' };
  } catch (err) {
    const detail = isCwError(err) ? (err.detail as { thumbprint?: string } | undefined) : undefined;
    if (isCwError(err) && err.code === 'HOST_KEY_UNKNOWN' && detail?.thumbprint) {
      const seen = normalizeThumbprint(detail.thumbprint);
      return { host: h.name, thumbprint: seen, ...(pinned ? { pinned } : {}), state: !pinned ? 'new' : pinned === seen ? 'pinned' : 'changed' };
    }
    return { host: h.name, ...(pinned ? { pinned } : {}), state: 'unreachable', message: (err as Error).message };
  }
}

export function vsanHandlers(deps: VsanServiceDeps): Pick<Handlers, VsanMethod> {
  const current = () => deps.workspaces.current();
  const connect = async (workspace: Workspace, name: string) => {
    const { cluster, field } = findVsanCluster(workspace, name);
    return { cluster, field, client: await deps.connections.client(vcenterAccess(cluster, field), `${field}.vcenter`) };
  };
  /** vCenter's view of a witness to be: never inside a cluster, its certificate as vCenter reports it (pinned first); what stops the change goes into `problems`. */
  const witnessInVcenter = async (workspace: Workspace, name: string, datacenter: string, esxi: { user: string; passwordSecret: string }, w: StretchedHost, problems: string[]) => {
    const { client } = await connect(workspace, name);
    const dc = await client.findDatacenter(datacenter);
    if (!dc) throw new CwError('NOT_FOUND', `vCenter at ${client.where} has no datacenter named ${datacenter}.`);
    const inVcenter = await client.findByName('HostSystem', w.name);
    if (inVcenter?.parent?.type === 'ClusterComputeResource') {
      problems.push(`Witness host within vCenter cluster: ${w.name} is a member of a cluster in vCenter. The witness host must not be part of the vSAN cluster; remove it from the cluster and add it to the datacenter.`);
    }
    const certificate = await certificateState(client, dc.hostFolder, w, esxi, deps.secrets);
    if (certificate.state === 'new') problems.push(`vCenter reports that ${w.name} presents certificate ${certificate.thumbprint}; compare it with the host's console and pin it before the plan runs.`);
    if (certificate.state === 'changed') problems.push(`${w.name} presents certificate ${certificate.thumbprint}, not the pinned ${certificate.pinned}: if it was not renewed on purpose, treat it as an attack.`);
    if (certificate.state === 'unreachable') problems.push(`vCenter cannot reach ${w.name}: ${certificate.message ?? 'no answer'}.`);
    return certificate;
  };
  /** Stretching a cluster whose stretching was disabled again, with the workspace node `host` as its witness. */
  const planRestretch = async (workspace: Workspace, facts: Facts, name: string, host: string): Promise<VsanDay2PlanView> => {
    const { cluster, field } = findVsanCluster(workspace, name);
    mustNotBeStretched(cluster, field, host);
    const candidate = witnessCandidate(workspace, facts, cluster, field, host);
    const { spec, access, esxi } = restretchSpecFromWorkspace(workspace, name, host);
    const problems = [...candidate.problems];
    const certificate = await witnessInVcenter(workspace, name, spec.datacenter, esxi, spec.witness, problems);
    const [p, s] = [spec.preferred.name, spec.secondary.name];
    const site = workspace.nodes.find((n) => n.name === host)!.site;
    const deleted = faultDomainsDeleted(cluster);
    return {
      plan: planSchema.parse(day2Plan({ spec, access, esxi, change: { kind: 'restretch', host }, ...(deleted ? { faultDomainsDeleted: true } : {}), apis: apisFor(access) })),
      problems,
      blocking: problems.length > 0,
      meaning: [
        `Destructive: vSAN stretches ${name} again with the witness ${host} (site ${site}): it claims a disk group on ${host} when it has none and builds every object's witness component there; until that resync ends, losing a data site still makes objects inaccessible.`,
        deleted
          ? `The fault domains were deleted (${field}.faultDomains: false): the stretch makes them again, ${p} (preferred: it keeps running when the data sites lose each other) with the hosts of ${field}.preferredSite and ${s} (secondary) with those of ${field}.secondarySite. To prefer ${s}, change the preferred site afterwards.`
          : `The kept fault domains keep their roles: ${p} is the preferred site again (it keeps running when the data sites lose each other) and ${s} the secondary, as ${field} names them. To prefer ${s}, change the preferred site afterwards.`,
      ],
      roundTrips: candidate.roundTrips,
      certificate,
      notes: [
        `${host} joins datacenter ${spec.datacenter} outside any cluster, with a vSAN VMkernel adapter on ${candidate.network} (both skipped when vCenter has them); then the build's own stretch step runs, once you approve it.`,
        `HA's isolation addresses, the site groups and their "should run" rules stay as they are: disabling stretching left them.`,
        `After the run, Verify reads vCenter again and records ${field} as stretched (stretched${deleted ? ' and faultDomains' : ''} removed) with the witness ${host} in site ${site}, only once vCenter shows ${host} as the witness.`,
      ],
    };
  };
  return {
    'vsan.probeCertificate': async ({ cluster: name }) => {
      const { workspace } = await current();
      const { cluster, field } = findVsanCluster(workspace, name);
      const access = vcenterAccess(cluster, field);
      return { endpoint: `${access.host}:${access.port}`, thumbprint: await certificateOf(access.host, access.port), ...(access.thumbprint ? { pinned: access.thumbprint } : {}) };
    },

    'vsan.hostCertificates': async ({ cluster: name }) => {
      const { workspace } = await current();
      const { spec, esxi } = stretchedSpecFromWorkspace(workspace, name);
      const { client } = await connect(workspace, name);
      const dc = await client.findDatacenter(spec.datacenter);
      if (!dc) throw new CwError('NOT_FOUND', `vCenter at ${client.where} has no datacenter named ${spec.datacenter}.`);
      const hosts = [...spec.preferred.hosts.map((h) => ({ h, role: 'data' as const })), ...spec.secondary.hosts.map((h) => ({ h, role: 'data' as const })), { h: spec.witness, role: 'witness' as const }];
      const out = [];
      for (const { h, role } of hosts) out.push({ role, ...(await certificateState(client, dc.hostFolder, h, esxi, deps.secrets)) });
      return { hosts: out };
    },

    'vsan.pinCertificates': async ({ cluster: name, hosts, vcenter }) => {
      const { workspace } = await current();
      const { index } = findVsanCluster(workspace, name);
      const next = structuredClone(workspace);
      const cluster = next.vsan!.clusters[index]!;
      const members = membersOf(cluster);
      const pinned: string[] = [];
      for (const [host, thumbprint] of Object.entries(hosts)) {
        // A workspace node outside the cluster may be pinned too: the witness a day-2 change puts in place.
        if (!members.has(host) && !workspace.nodes.some((n) => n.name === host)) throw new CwError('INVALID_INPUT', `${host} is neither a host of vSAN cluster ${name} nor a node of the workspace.`);
        cluster.hostThumbprints = { ...(cluster.hostThumbprints ?? {}), [host]: normalizeThumbprint(thumbprint) };
        pinned.push(host);
      }
      if (vcenter) {
        cluster.vcenter.thumbprint = normalizeThumbprint(vcenter, 32);
        pinned.push('vcenter');
      }
      await deps.workspaces.save(next);
      return { pinned };
    },

    'vsan.planCluster': async ({ cluster: name }): Promise<VsanClusterPlanView> => {
      const { workspace, facts } = await current();
      const { spec, access, esxi, index } = stretchedSpecFromWorkspace(workspace, name);
      const { cluster } = findVsanCluster(workspace, name);
      const findings = findingsForCluster(validateWorkspace(workspace, facts), cluster, index);
      const index2 = new FactIndex(facts);
      const dataNetwork = cluster.dataNetwork ?? workspace.networks.find((n) => n.roles.includes('vsan'))?.name ?? '';
      const witnessNetwork = cluster.witnessNetwork ?? dataNetwork;
      const roundTrips: VsanClusterPlanView['roundTrips'] = [];
      const measure = (kind: 'data' | 'witness', a: string, b: string, network: string, limitMs: number) => {
        const p = index2.between(network, a, b);
        const rtt = p && typeof p.rttMs === 'number' && Number.isFinite(p.rttMs) ? round(p.rttMs) : undefined;
        roundTrips.push({ kind, a, b, network, limitMs, ...(rtt !== undefined ? { rttMs: rtt, ok: rtt <= limitMs } : {}) });
      };
      for (const a of cluster.preferredSite.hosts) for (const b of cluster.secondarySite.hosts) measure('data', a, b, dataNetwork, VSAN_DATA_RTT_MS);
      for (const h of [...cluster.preferredSite.hosts, ...cluster.secondarySite.hosts]) measure('witness', h, spec.witness.name, witnessNetwork, witnessLimitMs(cluster));
      const manual: VsanClusterPlanView['manual'] = [];
      if (witnessNetwork !== dataNetwork) {
        // Witness Traffic Separation: vSAN has no TCP/IP stack of its own; the data hosts reach the witness over the witness network's adapter.
        for (const h of [...spec.preferred.hosts, ...spec.secondary.hosts]) {
          manual.push({ host: h.name, why: `Witness traffic over ${witnessNetwork} (Witness Traffic Separation): tag the adapter that has ${h.vmotion?.ipAddress ?? 'an address'} on it`, command: shellCommand('esxcli', 'vsan', 'network', 'ip', 'add', '-i', 'vmk0', '-T=witness') });
        }
      }
      return {
        plan: planSchema.parse(buildPlan(spec, access, esxi)),
        findings,
        blocking: findings.some((f) => f.severity === 'error' && !f.accepted),
        roundTrips,
        manual,
        notes: [
          `vCenter ${access.host}:${access.port}, datacenter ${spec.datacenter}; data hosts are added into the cluster, the witness ${spec.witness.name} at datacenter level (never inside the cluster).`,
          `Disks are claimed by hand (${spec.diskType === 'allFlash' ? 'all-flash' : 'hybrid'}): the smallest eligible flash device caches, the rest hold data — those steps erase the devices and need your approval.`,
          `Site HA/DRS: HA with 50 % CPU and memory admission control, das.isolationaddress0 = ${spec.preferred.isolationAddress} (${spec.preferred.name}), das.isolationaddress1 = ${spec.secondary.isolationAddress} (${spec.secondary.name}), no heartbeat datastores; DRS on; a host and VM group per site with a "should run" rule.`,
        ],
      };
    },

    'vsan.planDay2': async ({ cluster: name, change }): Promise<VsanDay2PlanView> => {
      const { workspace, facts } = await current();
      if (change.kind === 'restretch') return planRestretch(workspace, facts, name, change.host);
      {
        const { cluster, field } = findVsanCluster(workspace, name);
        const doing = { 'preferred-site': `It has no preferred site to change to ${change.kind === 'preferred-site' ? change.site : ''}.`, witness: 'It has no witness to replace.', unstretch: 'Stretching is disabled already: there is nothing to disable.' }[change.kind];
        mustBeStretched(cluster, field, doing);
      }
      const { spec, access, esxi, field } = stretchedSpecFromWorkspace(workspace, name);
      const { cluster } = findVsanCluster(workspace, name);
      const problems: string[] = [];
      const meaning: string[] = [];
      const notes: string[] = [];
      let roundTrips: VsanDay2PlanView['roundTrips'] = [];
      let newWitness: StretchedHost | undefined;
      let certificate: VsanDay2PlanView['certificate'];
      const sites = [spec.preferred, spec.secondary];
      switch (change.kind) {
        case 'preferred-site': {
          const chosen = sites.find((x) => x.name === change.site);
          const other = sites.find((x) => x.name !== change.site);
          if (!chosen || !other) throw new CwError('INVALID_INPUT', `Site ${change.site} is not a data site of vSAN cluster ${name} (its fault domains are ${spec.preferred.name} and ${spec.secondary.name}).`, { field: `${field}.preferredSite.site` });
          meaning.push(
            `When ${chosen.name} and ${other.name} lose each other but both still reach the witness ${spec.witness.name}, vSAN keeps the objects active in ${chosen.name}: its VMs keep running, ${other.name}'s copies are marked absent, and vSphere HA restarts ${other.name}'s VMs in ${chosen.name}. When the link returns, ${other.name} resyncs.`,
            `Nothing moves now: the change only decides which site survives a split.`,
          );
          if (chosen === spec.preferred) notes.push(`The workspace already names ${chosen.name} the preferred site: the plan makes vCenter agree, and changes nothing when it does.`);
          notes.push(
            `The site rules name their own site ("${siteGroupNames(chosen.name).rule}", "${siteGroupNames(other.name).rule}"), not which site is preferred: their texts stay. HA's isolation addresses are listed preferred site first (das.isolationaddress0 = ${chosen.isolationAddress}).`,
            `After the run, Verify reads vCenter again and records ${chosen.name} as the preferredSite of ${field} in the workspace.`,
          );
          break;
        }
        case 'witness': {
          const h = change.host;
          if (h === spec.witness.name) throw new CwError('INVALID_INPUT', `${h} is already the witness host of vSAN cluster ${name}.`, { field: `${field}.witness.host` });
          const candidate = witnessCandidate(workspace, facts, cluster, field, h);
          roundTrips = candidate.roundTrips;
          problems.push(...candidate.problems);
          newWitness = witnessFromWorkspace(workspace, name, h);
          certificate = await witnessInVcenter(workspace, name, spec.datacenter, esxi, newWitness, problems);
          meaning.push(
            `vSAN moves the witness role from ${spec.witness.name} to ${h}: it claims a disk group on ${h} and rebuilds every object's witness component there; until that resync ends, the objects tolerate no further failure.`,
            `${spec.witness.name} stays in datacenter ${spec.datacenter} as a plain host, no longer a witness: removing it from vCenter (and its disk group) is your choice.`,
          );
          notes.push(`${h} joins datacenter ${spec.datacenter} outside any cluster (never inside: vSAN refuses a witness within the cluster).`, `After the run, Verify reads vCenter again and records ${h} as the witness of ${field} in the workspace.`);
          break;
        }
        case 'unstretch':
          meaning.push(
            `Destructive: vSAN removes the witness ${spec.witness.name}, and every vSAN object loses its witness component. Until vSAN repairs the objects (Monitor → vSAN → Skyline Health → vSAN object health → Repair objects), losing either data site or the link between them makes the objects inaccessible.`,
            `The cluster is no longer stretched and has no preferred site. Move the VMs' objects to one site first (storage policy data locality) if the two sites will part.`,
            `The fault domains ${spec.preferred.name} and ${spec.secondary.name} stay: vSAN's API and the vSphere Client's "Disable" leave them; VMware's procedure deletes them afterwards by hand (Configure → vSAN → Fault Domains). ${spec.witness.name} stays in datacenter ${spec.datacenter}.`,
          );
          notes.push(`After the run, Verify reads vCenter again and records ${field} as not stretched (stretched: false, no witness; the fault domains ${spec.preferred.name} and ${spec.secondary.name} stay): the build plan then refuses to stretch it again unless you put a witness back.`);
          break;
      }
      const plan = planSchema.parse(day2Plan({ spec, access, esxi, change, ...(newWitness ? { newWitness } : {}), apis: apisFor(access) }));
      return { plan, problems, blocking: problems.length > 0, meaning, roundTrips, ...(certificate ? { certificate } : {}), notes };
    },

    'vsan.recordDay2': async ({ cluster: name, change }) => {
      const { workspace } = await current();
      {
        // What the workspace already says decides before vCenter is asked.
        const { cluster, field } = findVsanCluster(workspace, name);
        if (!witnessOf(cluster) && change.kind === 'unstretch') return { recorded: false, message: `The workspace already records ${name} as not stretched.` };
        if (change.kind === 'restretch') {
          if (witnessOf(cluster)?.host === change.host) return { recorded: false, message: `The workspace already records ${name} as stretched with the witness ${change.host}.` };
          mustNotBeStretched(cluster, field, change.host);
        } else mustBeStretched(cluster, field, 'The workspace is unchanged.');
      }
      const { cluster, index, field, client } = await connect(workspace, name).then(async (c) => ({ ...c, index: findVsanCluster(workspace, name).index }));
      const ref = await clusterRef(client, cluster.datacenter, cluster.name);
      if (!ref) throw new CwError('NOT_FOUND', `vCenter ${client.where} has no cluster ${cluster.name}.`);
      const next = structuredClone(workspace);
      const target = next.vsan!.clusters[index]!;
      const witnessNow = async (wanted: string) => {
        const now = await witnessNames(client, ref);
        if (now.length !== 1 || now[0]!.name !== wanted) throw new CwError('CONFLICT', `vCenter shows ${now.length ? now.map((w) => w.name).join(', ') : 'no witness'} as the witness of ${name}, not ${wanted}: run the plan first. The workspace is unchanged.`);
        return now[0]!;
      };
      const nodeOf = (host: string) => {
        const node = workspace.nodes.find((n) => n.name === host);
        if (!node) throw new CwError('INVALID_INPUT', `${host} is not a node of the workspace.`);
        return node;
      };
      if (change.kind === 'restretch') {
        const now = await witnessNow(change.host);
        const node = nodeOf(change.host);
        // The preferred site as vCenter shows it: the kept fault domains keep their roles unless vCenter says otherwise.
        const sides = [cluster.preferredSite.site, cluster.secondarySite.site];
        if (!sides.includes(now.preferred)) throw new CwError('CONFLICT', `vCenter shows ${now.preferred || 'no fault domain'} as the preferred site of ${name}, which is neither ${sides.join(' nor ')} as ${field} names them. The workspace is unchanged.`);
        if (now.preferred !== cluster.preferredSite.site) [target.preferredSite, target.secondarySite] = [target.secondarySite, target.preferredSite];
        const remade = target.faultDomains === false;
        delete target.stretched;
        // Stretched, the two sites are its fault domains again (the stretch made them when they had been deleted).
        delete target.faultDomains;
        target.witness = { host: change.host, site: node.site };
        await deps.workspaces.save(next);
        return { recorded: true, message: `${field}: stretched again (stretched${remade ? ' and faultDomains' : ''} removed), witness ${change.host} in site ${node.site}; ${target.preferredSite.site} is the preferred site, ${target.secondarySite.site} the secondary.` };
      }
      const witness = mustBeStretched(cluster, field, 'The workspace is unchanged.');
      switch (change.kind) {
        case 'preferred-site': {
          const now = await client.preferredFaultDomain(ref);
          if (now !== change.site) throw new CwError('CONFLICT', `vCenter shows ${now ? `${now} as the preferred site` : 'no preferred site'} of ${name}, not ${change.site}: run the plan first. The workspace is unchanged.`);
          if (cluster.preferredSite.site === change.site) return { recorded: false, message: `The workspace already names ${change.site} the preferred site of ${name}.` };
          if (cluster.secondarySite.site !== change.site) throw new CwError('CONFLICT', `${change.site} is not a data site of ${field} in the workspace.`);
          [target.preferredSite, target.secondarySite] = [target.secondarySite, target.preferredSite];
          await deps.workspaces.save(next);
          return { recorded: true, message: `${field}: ${change.site} is now the preferredSite, ${cluster.preferredSite.site} the secondarySite.` };
        }
        case 'witness': {
          await witnessNow(change.host);
          if (witness.host === change.host) return { recorded: false, message: `The workspace already names ${change.host} the witness of ${name}.` };
          const node = nodeOf(change.host);
          target.witness = { host: change.host, site: node.site };
          await deps.workspaces.save(next);
          return { recorded: true, message: `${field}.witness: ${change.host} in site ${node.site} (was ${witness.host}, which stays in the datacenter).` };
        }
        case 'unstretch': {
          const now = await client.witnessHosts(ref);
          if (now.length) throw new CwError('CONFLICT', `vCenter still shows a witness for ${name}: run the plan first. The workspace is unchanged.`);
          target.stretched = false;
          delete target.witness;
          await deps.workspaces.save(next);
          return { recorded: true, message: `${field}: not stretched (stretched: false); ${witness.host} is no longer its witness and stays in ${cluster.datacenter ? `datacenter ${cluster.datacenter}` : 'its datacenter'}; the fault domains ${cluster.preferredSite.site} and ${cluster.secondarySite.site} stay, as vSAN leaves them.` };
        }
      }
    },

    'vsan.verify': async ({ cluster: name }) => {
      const { workspace } = await current();
      // What vCenter shows, stretched or not: only where the cluster is.
      const { cluster, field } = findVsanCluster(workspace, name);
      const datacenter = datacenterOf(cluster, field);
      const { client } = await connect(workspace, name);
      const report = await verifyStretchedCluster(client, { cluster: cluster.name, datacenter });
      return { cluster: name, ...report, problems: healthProblems(report.health) };
    },
  };
}

// ------------------------------------------------------------------------------------------
// Inventory and moves

const vmIdOf = (cluster: string, moref: string) => `${STACK}:${cluster}:${moref}`;

function parseVmId(id: string): { cluster: string; moref: string } | undefined {
  const m = /^vsan:(.+):(vm-[A-Za-z0-9-]+)$/.exec(id);
  return m ? { cluster: m[1]!, moref: m[2]! } : undefined;
}

const statusOf = (power: string | undefined): VmRecord['status'] => (power === 'poweredOn' ? 'running' : power === 'poweredOff' ? 'stopped' : power === 'suspended' ? 'paused' : 'unknown');

/** vSAN's health summary of one cluster, computed now, for the scorecard; unknown with the reason when unreadable. */
export function createVsanStorageHealth(deps: VsanServiceDeps): (workspace: Workspace, name: string) => Promise<StorageEvidence> {
  return async (workspace, name) => {
    const base = { stack: STACK, cluster: name };
    try {
      const { cluster, field } = findVsanCluster(workspace, name);
      const client = await deps.connections.client(vcenterAccess(cluster, field), `${field}.vcenter`);
      const ref = await clusterRef(client, cluster.datacenter, cluster.name);
      if (!ref) return { ...base, status: 'unknown', evidence: `Not read: vCenter has no cluster ${cluster.name}${cluster.datacenter ? ` in datacenter ${cluster.datacenter}` : ''} yet.` };
      const summary = await client.healthSummary(ref);
      const problems = healthProblems(summary);
      const status = summary.overallHealth === 'green' ? 'pass' : summary.overallHealth === 'yellow' ? 'warn' : summary.overallHealth === 'red' ? 'fail' : 'unknown';
      const shown = problems.slice(0, 3).join('; ') + (problems.length > 3 ? `; ${problems.length - 3} more` : '');
      return { ...base, status, evidence: `vSAN health ${summary.overallHealth}${problems.length ? `: ${shown}` : `, ${summary.groups.length} test groups without a yellow or red test`}.` };
    } catch (error) {
      return { ...base, status: 'unknown', evidence: `Not read: ${error instanceof Error ? error.message : String(error)}` };
    }
  };
}

export function createVsanInventory(deps: VsanServiceDeps): StackInventory {
  const vmPaths = ['name', 'runtime.host', 'runtime.powerState', 'config.hardware.memoryMB', 'config.hardware.numCPU'];
  const record = (cluster: string, obj: { value: string }, props: Map<string, { text(): string | undefined }>, hostNames: Map<string, string>): VmRecord | undefined => {
    const host = hostNames.get(props.get('runtime.host')?.text() ?? '');
    if (!host) return undefined;
    const memory = Number(props.get('config.hardware.memoryMB')?.text());
    const cpus = Number(props.get('config.hardware.numCPU')?.text());
    return {
      id: vmIdOf(cluster, obj.value),
      stack: STACK,
      cluster,
      node: host,
      name: props.get('name')?.text() ?? obj.value,
      status: statusOf(props.get('runtime.powerState')?.text()),
      ...(Number.isFinite(memory) && memory > 0 ? { memoryMiB: memory } : {}),
      ...(Number.isFinite(cpus) && cpus > 0 ? { cpus } : {}),
    };
  };
  /** The cluster's hosts in vCenter by moref, named as the workspace's nodes (vCenter's host name is the node name). */
  const hostsOf = async (client: VsphereClient, workspace: Workspace, name: string) => {
    const { cluster } = findVsanCluster(workspace, name);
    const ref = await clusterRef(client, cluster.datacenter, name);
    if (!ref) return undefined;
    const state = await readCluster(client, ref);
    const nodes = new Set(workspace.nodes.map((n) => n.name));
    return new Map(state.hosts.filter((h) => nodes.has(h.name)).map((h) => [h.ref.value, h.name]));
  };
  const clientFor = (workspace: Workspace, name: string) => {
    const { cluster, field } = findVsanCluster(workspace, name);
    return deps.connections.client(vcenterAccess(cluster, field), `${field}.vcenter`);
  };
  return {
    clusters: (workspace) => (workspace.vsan?.clusters ?? []).map((c) => c.name),
    async list(workspace, cluster) {
      const client = await clientFor(workspace, cluster);
      const hosts = await hostsOf(client, workspace, cluster);
      if (!hosts) return [];
      const vms = await client.list('VirtualMachine', vmPaths);
      return vms.flatMap((o) => record(cluster, o.obj, o.props, hosts) ?? []);
    },
    async find(workspace, vmId) {
      const id = parseVmId(vmId);
      if (!id || !(workspace.vsan?.clusters ?? []).some((c) => c.name === id.cluster)) return undefined;
      const client = await clientFor(workspace, id.cluster);
      const hosts = await hostsOf(client, workspace, id.cluster);
      if (!hosts) return undefined;
      const found = await client.retrieve([{ propSet: [{ type: 'VirtualMachine', pathSet: vmPaths }], objectSet: [{ obj: { type: 'VirtualMachine', value: id.moref }, skip: false }] }]).catch((err: unknown) => {
        if (isCwError(err) && err.code === 'NOT_FOUND') return [];
        throw err;
      });
      return found[0] ? record(id.cluster, found[0].obj, found[0].props, hosts) : undefined;
    },
  };
}

export function createVsanMigration(deps: VsanServiceDeps): StackMigration {
  return {
    async precheck(workspace, vm, targets, signal, { quick }): Promise<MigrationTarget[]> {
      const { cluster, field } = findVsanCluster(workspace, vm.cluster);
      const siteOf = new Map<string, string>([...cluster.preferredSite.hosts.map((h) => [h, cluster.preferredSite.site] as const), ...cluster.secondarySite.hosts.map((h) => [h, cluster.secondarySite.site] as const)]);
      const kind = vm.status === 'running' ? ('live' as const) : ('offline' as const);
      const sourceSite = siteOf.get(vm.node);
      let client: VsphereClient | undefined;
      let vmGroups: { name: string; vms: string[] }[] | undefined;
      if (!quick) {
        client = await deps.connections.client(vcenterAccess(cluster, field), `${field}.vcenter`);
        const ref = await clusterRef(client, cluster.datacenter, cluster.name);
        vmGroups = ref ? (await readCluster(client, ref)).settings.vmGroups : [];
      }
      const out: MigrationTarget[] = [];
      for (const node of targets) {
        if (signal.aborted) throw new CwError('CANCELLED', `The vMotion precheck for ${vm.name} was cancelled.`);
        const targetSite = siteOf.get(node);
        const details = { stack: STACK, ...(sourceSite ? { sourceSite } : {}), ...(targetSite ? { targetSite } : {}), crossSite: !!targetSite && !!sourceSite && targetSite !== sourceSite, brokenRules: [] as string[] };
        const no = (reason: string) => out.push({ node, allowed: false, kind, reasons: [reason], details });
        if (node === witnessOf(cluster)?.host) {
          no(`${node} is the vSAN witness host of cluster ${cluster.name}: it stores witness components only and never runs VMs.`);
          continue;
        }
        if (!targetSite) {
          no(`${node} is not a data host of vSAN cluster ${cluster.name}: vMotion moves a VM between hosts of its cluster.`);
          continue;
        }
        if (node === vm.node) {
          no(`${vm.name} already runs on ${node}.`);
          continue;
        }
        const reasons: string[] = [];
        if (client) {
          const host = await client.findByName('HostSystem', node);
          if (!host) {
            no(`Host ${node} is not in vCenter ${client.where} yet: run the vSAN wizard first.`);
            continue;
          }
          const state = await readHost(client, host.ref);
          if (state.connectionState !== 'connected') {
            no(`Host ${node} is ${state.connectionState} in vCenter.`);
            continue;
          }
          if (vm.status === 'running' && !state.adapters.some((a) => a.services.includes('vmotion'))) {
            no(`Host ${node} has no VMkernel adapter tagged for vMotion.`);
            continue;
          }
        }
        if (details.crossSite) {
          const group = siteGroupNames(sourceSite!);
          const inGroup = vmGroups?.find((g) => g.name === group.vms)?.vms.includes(vm.name);
          if (inGroup) details.brokenRules.push(group.rule);
          reasons.push(
            inGroup
              ? `A move across sites: ${vm.name} belongs to "${group.vms}" and the rule "${group.rule}" says it should run in ${sourceSite}; DRS will move it back unless you change its VM group.`
              : `A move across sites: ${vm.name} leaves ${sourceSite} for ${targetSite}; its reads and writes cross the inter-site link${vmGroups ? '' : ' (the site rules are read when you drop it)'}.`,
          );
        }
        out.push({ node, allowed: true, kind, reasons, details });
      }
      return out;
    },

    plan(workspace, vm, request) {
      const { cluster, field } = findVsanCluster(workspace, vm.cluster);
      const id = parseVmId(vm.id);
      if (!id) throw new CwError('INVALID_INPUT', `${vm.id} is not a vSAN VM id.`);
      const plan = relocatePlan({ cluster: cluster.name, access: vcenterAccess(cluster, field), vm: id.moref, name: vm.name, source: vm.node, target: request.target, timeoutMs: deps.moveTimeoutMs ?? 30 * 60_000 });
      return {
        plan,
        summary: (result) => {
          if (result.status === 'succeeded') return result.nothingChanged ? `${vm.name} already runs on ${request.target}: nothing to move.` : `vMotioned ${vm.name} from ${vm.node} to ${request.target} in ${(result.durationMs / 1000).toFixed(1)} s.`;
          if (result.status === 'cancelled') return `Stopped following the vMotion of ${vm.name}: vCenter finishes it; resume with \`clusterwright resume ${result.runId}\` to follow it.`;
          return result.failure?.message ?? result.message;
        },
      };
    },
  };
}
