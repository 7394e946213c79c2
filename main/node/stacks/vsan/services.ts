// The vSAN stack's services: vsan.* methods (certificates to pin, the build plan with the measured round trips
// beside vSAN's limits, verify with health), the inventory of VMs per ESXi host (a VM id names its cluster and
// vCenter's moref), and vMotion moves (precheck: the witness is never a target, a cross-site move names the
// site rules it goes against; the plan: one relocate step run by the executor).
import type { MigrationTarget, VmRecord } from '../../../common/contract/inventory.js';
import { CwError, isCwError } from '../../../common/errors.js';
import { planSchema } from '../../../common/plan/schema.js';
import type { VsanClusterPlanView } from '../../../common/stacks/vsan/contract.js';
import { healthProblems } from '../../../common/stacks/vsan/health.js';
import type { StorageEvidence } from '../../../common/scorecard/evidence.js';
import { VSAN_DATA_RTT_MS, witnessLimitMs } from '../../../common/stacks/vsan/rules.js';
import type { VsanCluster } from '../../../common/stacks/vsan/schema.js';
import { siteGroupNames } from '../../../common/stacks/vsan/site-settings.js';
import { normalizeThumbprint } from '../../../common/stacks/vsan/thumbprint.js';
import { FactIndex, round } from '../../../common/workspace/facts.js';
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
import type { VsanConnections } from './connections.js';
import { buildPlan, relocatePlan, STACK } from './plan.js';
import { verifyStretchedCluster } from './stretched-cluster.js';
import { findVsanCluster, stretchedSpecFromWorkspace, vcenterAccess } from './workspace-spec.js';

type VsanMethod = 'vsan.probeCertificate' | 'vsan.hostCertificates' | 'vsan.pinCertificates' | 'vsan.planCluster' | 'vsan.verify';

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

function findingsForCluster(findings: readonly Finding[], cluster: VsanCluster, index: number): Finding[] {
  const members = new Set([...cluster.preferredSite.hosts, ...cluster.secondarySite.hosts, cluster.witness.host]);
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

export function vsanHandlers(deps: VsanServiceDeps): Pick<Handlers, VsanMethod> {
  const current = () => deps.workspaces.current();
  const connect = async (workspace: Workspace, name: string) => {
    const { cluster, field } = findVsanCluster(workspace, name);
    return { cluster, field, client: await deps.connections.client(vcenterAccess(cluster, field), `${field}.vcenter`) };
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
      for (const { h, role } of hosts) {
        const pinned = h.thumbprint ? normalizeThumbprint(h.thumbprint) : undefined;
        if (await client.findByName('HostSystem', h.name)) {
          out.push({ host: h.name, role, ...(pinned ? { pinned } : {}), state: 'in-vcenter' as const });
          continue;
        }
        // Asking vCenter to add the host with no thumbprint: it answers with the one the host presents, and adds nothing.
        try {
          await client.addHost({ folder: dc.hostFolder }, { hostName: h.name, userName: esxi.user, password: () => deps.secrets.get(esxi.passwordSecret), confirmThumbprint: async () => false });
          out.push({ host: h.name, role, state: 'in-vcenter' as const, message: 'vCenter added the host without asking for its certificate.' });
        } catch (err) {
          const detail = isCwError(err) ? (err.detail as { thumbprint?: string } | undefined) : undefined;
          if (isCwError(err) && err.code === 'HOST_KEY_UNKNOWN' && detail?.thumbprint) {
            const seen = normalizeThumbprint(detail.thumbprint);
            out.push({ host: h.name, role, thumbprint: seen, ...(pinned ? { pinned } : {}), state: !pinned ? ('new' as const) : pinned === seen ? ('pinned' as const) : ('changed' as const) });
          } else {
            out.push({ host: h.name, role, ...(pinned ? { pinned } : {}), state: 'unreachable' as const, message: (err as Error).message });
          }
        }
      }
      return { hosts: out };
    },

    'vsan.pinCertificates': async ({ cluster: name, hosts, vcenter }) => {
      const { workspace } = await current();
      const { index } = findVsanCluster(workspace, name);
      const next = structuredClone(workspace);
      const cluster = next.vsan!.clusters[index]!;
      const members = new Set([...cluster.preferredSite.hosts, ...cluster.secondarySite.hosts, cluster.witness.host]);
      const pinned: string[] = [];
      for (const [host, thumbprint] of Object.entries(hosts)) {
        if (!members.has(host)) throw new CwError('INVALID_INPUT', `${host} is not a host of vSAN cluster ${name}.`);
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
      for (const h of [...cluster.preferredSite.hosts, ...cluster.secondarySite.hosts]) measure('witness', h, cluster.witness.host, witnessNetwork, witnessLimitMs(cluster));
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

    'vsan.verify': async ({ cluster: name }) => {
      const { workspace } = await current();
      const { spec } = stretchedSpecFromWorkspace(workspace, name);
      const { client } = await connect(workspace, name);
      const report = await verifyStretchedCluster(client, spec);
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
        if (node === cluster.witness.host) {
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
