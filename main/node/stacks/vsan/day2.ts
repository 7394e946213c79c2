// Day-2 changes to a built vSAN stretched cluster as engine plans (pure builders) and the vCenter calls
// behind their steps: change the preferred site (VSANVcSetPreferredFaultDomain, then the site HA settings
// with the new preferred site first), replace the witness (the new host added to the datacenter and given
// a vSAN VMkernel adapter by the build's own steps, then VsanVcReplaceWitnessHostForClusters), and disable
// stretching (VSANVcRemoveWitnessHost), and stretch a cluster whose stretching was disabled again (the new witness
// added and given its adapter, then the build's own approved stretch step, VSANVcConvertToStretchedCluster, the
// kept fault domains in their roles, or made again from the workspace's two sites when they were deleted). Each step reads vCenter's own state as its precheck and verify, so
// a second run changes nothing. Sources: vSAN Management API, VimClusterVsanVcStretchedClusterSystem;
// VMware vSAN 7.0 planning, "Convert a Stretched Cluster to a Standard vSAN Cluster".
import * as z from 'zod';
import { CwError } from '../../../common/errors.js';
import type { PlanInput } from '../../../common/plan/schema.js';
import { checkVsphereName } from '../../../common/stacks/vsan/names.js';
import type { VsphereClient } from './client/client.js';
import { readHost } from './client/readers.js';
import type { MoRef } from './client/xml.js';
import { pickDiskGroup, type StretchedClusterSpec, type StretchedHost } from './stretched-cluster.js';
import { vcenterAccessSchema, type VcenterAccess } from './workspace-spec.js';

/** What the admin asked for (the contract's form). */
export type Day2Change = { kind: 'preferred-site'; site: string } | { kind: 'witness'; host: string } | { kind: 'unstretch' } | { kind: 'restretch'; host: string };

const siteName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'a fault domain name');
const hostName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,253}$/, 'an ESXi host name');
const vsphereName = z.string().refine((v) => checkVsphereName(v) === undefined, 'a vSphere name');

/** A day-2 step's arguments as a plan file carries them (input: checked again before vCenter is reached). */
export const day2ArgsSchema = z
  .object({
    cluster: vsphereName,
    datacenter: vsphereName,
    access: vcenterAccessSchema,
    change: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('preferred-site'), site: siteName }).strict(),
      z.object({ kind: z.literal('replace-witness'), host: hostName }).strict(),
      z.object({ kind: z.literal('remove-witness'), host: hostName }).strict(),
    ]),
  })
  .strict();
export type Day2Args = z.output<typeof day2ArgsSchema>;

const q = (v: string) => JSON.stringify(v);

/** The SOAP calls a day-2 step makes (its action) or reads (its check), for the plan preview. */
export function describeDay2(a: Day2Args, check: boolean): string {
  const at = `on vCenter ${a.access.host}:${a.access.port} /vsanHealth, vsan-stretched-cluster-system`;
  const c = `cluster ${q(a.cluster)} of datacenter ${q(a.datacenter)}`;
  switch (a.change.kind) {
    case 'preferred-site':
      return check
        ? `vCenter shows done: VSANVcGetPreferredFaultDomain(${c}) answers ${q(a.change.site)} ${at}`
        : `VSANVcSetPreferredFaultDomain(${c}, preferredFd=${q(a.change.site)}) ${at}; the task followed with WaitForUpdatesEx on /sdk`;
    case 'replace-witness':
      return check
        ? `vCenter shows done: VSANVcGetWitnessHosts(${c}) answers only ${q(a.change.host)} ${at}`
        : `VSANVcRetrieveStretchedClusterVcCapability(${c}, verifyAllConnected=true) (every host connected), then VsanVcReplaceWitnessHostForClusters(configSpec: witnessHost=${q(a.change.host)}, clusters=[${q(a.cluster)}], witnessDiskMappings: when ${q(a.change.host)} has no disk group, its smallest eligible flash device as cache and the next as capacity) ${at}; the task followed with WaitForUpdatesEx on /sdk`;
    case 'remove-witness':
      return check
        ? `vCenter shows done: VSANVcGetWitnessHosts(${c}) answers no witness ${at}`
        : `VSANVcRemoveWitnessHost(${c}, witnessHost=${q(a.change.host)}) ${at}; the task followed with WaitForUpdatesEx on /sdk`;
  }
}

async function clusterOf(client: VsphereClient, a: Day2Args): Promise<MoRef> {
  const dc = await client.findDatacenter(a.datacenter);
  if (!dc) throw new CwError('NOT_FOUND', `vCenter at ${client.where} has no datacenter named ${a.datacenter}.`);
  const found = await client.findByName('ClusterComputeResource', a.cluster, dc.hostFolder);
  if (!found) throw new CwError('NOT_FOUND', `Cluster ${a.cluster} does not exist in datacenter ${a.datacenter}.`);
  return found.ref;
}

/** The cluster's witnesses as vCenter shows them: each host's name and the preferred fault domain. */
export async function witnessNames(client: VsphereClient, cluster: MoRef): Promise<{ name: string; ref?: MoRef; preferred: string }[]> {
  return Promise.all(
    (await client.witnessHosts(cluster)).map(async (w) => ({ name: w.host ? ((await client.properties(w.host, ['name'])).get('name')?.text() ?? w.host.value) : '', ...(w.host ? { ref: w.host } : {}), preferred: w.preferredFdName })),
  );
}

/** True when vCenter already shows what the step does. */
export async function day2Done(client: VsphereClient, a: Day2Args): Promise<boolean> {
  const cluster = await clusterOf(client, a);
  switch (a.change.kind) {
    case 'preferred-site':
      return (await client.preferredFaultDomain(cluster)) === a.change.site;
    case 'replace-witness': {
      const now = await witnessNames(client, cluster);
      return now.length === 1 && now[0]!.name === a.change.host;
    }
    case 'remove-witness':
      return (await client.witnessHosts(cluster)).length === 0;
  }
}

/** Runs the step's vCenter call; vCenter's own checks (and its messages) decide what it refuses. */
export async function day2Apply(client: VsphereClient, a: Day2Args, say: (line: string) => void): Promise<void> {
  const cluster = await clusterOf(client, a);
  switch (a.change.kind) {
    case 'preferred-site': {
      if ((await client.witnessHosts(cluster)).length === 0) throw new CwError('CONFLICT', `Cluster ${a.cluster} is not a stretched cluster (vCenter reports no witness host): it has no preferred site to change.`);
      say(`Making ${a.change.site} the preferred site of ${a.cluster} (VSANVcSetPreferredFaultDomain)`);
      await client.setPreferredFaultDomain(cluster, a.change.site);
      return;
    }
    case 'replace-witness': {
      const now = await witnessNames(client, cluster);
      if (now.length === 0) throw new CwError('CONFLICT', `Cluster ${a.cluster} is not a stretched cluster (vCenter reports no witness host): there is no witness to replace. Stretch it with the build instead.`);
      const found = await client.findByName('HostSystem', a.change.host);
      if (!found) throw new CwError('NOT_FOUND', `Host ${a.change.host} is not in vCenter ${client.where}: the step that adds it to datacenter ${a.datacenter} has not run.`);
      const host = await readHost(client, found.ref);
      if (host.parent?.type === 'ClusterComputeResource') {
        throw new CwError('CONFLICT', `Witness host within vCenter cluster: ${a.change.host} is a member of a cluster. The witness host must not be part of the vSAN cluster; remove it from the cluster and add it to the datacenter.`);
      }
      const caps = await client.stretchedClusterCapability(cluster);
      const bad = caps.filter((x) => x.connStatus !== 'connected');
      if (bad.length) throw new CwError('CONFLICT', `vSAN cannot replace the witness while a host is not connected: ${bad.map((b) => `${b.hostMoId} (${b.connStatus})`).join(', ')}. Reconnect it in vCenter, then run again.`);
      const witnessDisks = host.diskGroups.length ? undefined : pickDiskGroup(host.disks, 'allFlash', host.name);
      say(`Replacing witness ${now.map((w) => w.name).join(', ')} of ${a.cluster} with ${a.change.host} (VsanVcReplaceWitnessHostForClusters)${witnessDisks ? '; claiming a disk group on it' : ''}`);
      await client.replaceWitnessHost(cluster, found.ref, { witnessDisks });
      say(`${now.map((w) => w.name).join(', ')} stays in datacenter ${a.datacenter}, no longer a witness: removing it from vCenter is your choice.`);
      return;
    }
    case 'remove-witness': {
      const planned = a.change.host;
      const now = await witnessNames(client, cluster);
      if (now.length === 0) return;
      const current = now.find((w) => w.name === planned);
      if (!current?.ref) throw new CwError('CONFLICT', `The witness of ${a.cluster} is now ${now.map((w) => w.name).join(', ')}, not ${planned} as planned: show the plan again.`);
      say(`Removing witness ${planned} from ${a.cluster} (VSANVcRemoveWitnessHost): the cluster is no longer stretched`);
      await client.removeWitnessHost(cluster, current.ref);
      return;
    }
  }
}

const idPart = (text: string) => text.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'x';
const call = (op: string, args: Record<string, unknown>) => ({ kind: 'stack' as const, stack: 'vsan', op, args });

export interface Day2PlanInput {
  spec: StretchedClusterSpec;
  access: VcenterAccess;
  esxi: { user: string; passwordSecret: string };
  change: Day2Change;
  /** The new witness with its vSAN address on the witness network (a witness change; stretching again takes it from spec.witness). */
  newWitness?: StretchedHost;
  /** Stretching again: the fault domains were deleted (`faultDomains: false`), so the stretch makes them again. */
  faultDomainsDeleted?: boolean;
  apis: PlanInput['apis'];
}

/** The day-2 change as a plan (pure): vCenter login and the ESXi root password by secret id only. */
export function day2Plan(input: Day2PlanInput): PlanInput {
  const { spec, access, esxi, change } = input;
  const base = { cluster: spec.cluster, datacenter: spec.datacenter, access };
  const day2 = (id: string, title: string, ch: Day2Args['change'], extra: Partial<PlanInput['steps'][number]> = {}) => ({
    id,
    title,
    target: { api: 'vcenter' },
    action: call('day2', { ...base, change: ch }),
    precheck: call('day2-done', { ...base, change: ch }),
    verify: call('day2-done', { ...base, change: ch }),
    idempotent: true,
    timeoutMs: 30 * 60_000,
    ...extra,
  });
  const build = (id: string, title: string, s: StretchedClusterSpec, step: string, dependsOn: string[], extra: Partial<PlanInput['steps'][number]> = {}) => {
    const args = { cluster: s.cluster, step, spec: s, access, esxi };
    return { id, title, target: { api: 'vcenter' }, action: call('build', args), precheck: call('built', args), verify: call('built', args), idempotent: true, timeoutMs: 30 * 60_000, dependsOn, ...extra };
  };
  /** The build's steps that put `w` into the datacenter with its vSAN adapter (skipped when vCenter has them). */
  const witnessSteps = (s: StretchedClusterSpec, w: StretchedHost) => [
    build('witness-host', `Add ${w.name} to datacenter ${s.datacenter} outside any cluster (AddStandaloneHost_Task with its pinned certificate thumbprint; skipped when vCenter has it)`, s, `witness:${w.name}`, []),
    build('witness-vmknic', `vSAN VMkernel adapter ${w.vsan.ipAddress} on ${w.name} (AddPortGroup when missing, AddVirtualNic, SelectVnicForNicType vsan)`, s, `vmknic:${w.name}:vsan`, ['witness-host']),
  ];
  const touches = [{ stack: 'vsan', cluster: spec.cluster }];
  switch (change.kind) {
    case 'preferred-site': {
      const [preferred, secondary] = change.site === spec.preferred.name ? [spec.preferred, spec.secondary] : change.site === spec.secondary.name ? [spec.secondary, spec.preferred] : [undefined, undefined];
      if (!preferred || !secondary) throw new CwError('INVALID_INPUT', `Site ${change.site} is not a data site of vSAN cluster ${spec.cluster} (its fault domains are ${spec.preferred.name} and ${spec.secondary.name}).`);
      const swapped: StretchedClusterSpec = { ...spec, preferred, secondary };
      return {
        id: `vsan-day2-preferred-${idPart(spec.cluster)}-${idPart(change.site)}`,
        title: `Make ${change.site} the preferred site of vSAN stretched cluster ${spec.cluster}`,
        apis: input.apis,
        steps: [
          day2('preferred-site', `Preferred fault domain of ${spec.cluster}: ${change.site} (it keeps running when the data sites lose each other)`, { kind: 'preferred-site', site: change.site }, {
            rollback: `Make ${secondary.name} the preferred site again (the same day-2 action).`,
          }),
          build('site-settings', `HA isolation addresses with the preferred site first (das.isolationaddress0 = ${preferred.isolationAddress} in ${preferred.name}, das.isolationaddress1 = ${secondary.isolationAddress} in ${secondary.name}); site groups and "should run" rules as they are`, swapped, 'site-settings', ['preferred-site']),
        ],
        touches,
      };
    }
    case 'witness': {
      const w = input.newWitness;
      if (!w || w.name !== change.host) throw new CwError('INTERNAL', 'The witness change was planned without the new witness host.');
      const s: StretchedClusterSpec = { ...spec, witness: w };
      return {
        id: `vsan-day2-witness-${idPart(spec.cluster)}-${idPart(w.name)}`,
        title: `Replace the witness of vSAN stretched cluster ${spec.cluster}: ${spec.witness.name} → ${w.name}`,
        apis: input.apis,
        steps: [
          ...witnessSteps(s, w),
          day2('replace-witness', `Replace witness ${spec.witness.name} with ${w.name} (claims a disk group on ${w.name}; vSAN rebuilds the witness components there)`, { kind: 'replace-witness', host: w.name }, {
            destructive: true,
            dependsOn: ['witness-vmknic'],
            rollback: `Replace the witness again with ${spec.witness.name}, which stays in datacenter ${spec.datacenter}; ${w.name}'s claimed disk group stays until you remove it from vSAN.`,
          }),
        ],
        touches,
      };
    }
    case 'unstretch':
      return {
        id: `vsan-day2-unstretch-${idPart(spec.cluster)}`,
        title: `Disable stretching of vSAN cluster ${spec.cluster}: remove witness ${spec.witness.name}`,
        apis: input.apis,
        steps: [
          day2('remove-witness', `Remove witness ${spec.witness.name} from ${spec.cluster}: every vSAN object loses its witness component until vSAN repairs it; the fault domains ${spec.preferred.name} and ${spec.secondary.name} stay`, { kind: 'remove-witness', host: spec.witness.name }, {
            destructive: true,
            rollback: `Stretch the cluster again with a witness (the build's stretch step, or the vSphere Client's Configure Stretched Cluster); vSAN rebuilds the witness components.`,
          }),
        ],
        touches,
      };
    case 'restretch': {
      // The spec names the new witness (restretchSpecFromWorkspace); the kept fault domains keep their roles, deleted ones
      // are made again (VSANVcConvertToStretchedCluster's fault domain configuration puts every host in one of the two).
      const w = spec.witness;
      if (w.name !== change.host) throw new CwError('INTERNAL', 'Stretching again was planned without the new witness host.');
      return {
        id: `vsan-day2-restretch-${idPart(spec.cluster)}-${idPart(w.name)}`,
        title: `Stretch vSAN cluster ${spec.cluster} again: ${spec.preferred.name} (preferred) and ${spec.secondary.name}, witness ${w.name}`,
        apis: input.apis,
        steps: [
          ...witnessSteps(spec, w),
          build('stretch', `Stretch ${spec.cluster} again (VSANVcConvertToStretchedCluster): witness ${w.name}, ${input.faultDomainsDeleted ? 'the deleted fault domains made again' : 'the kept fault domains in their roles'}, ${spec.preferred.name} preferred and ${spec.secondary.name} secondary; claims a disk group on ${w.name} when it has none, and vSAN rebuilds every object's witness component there`, spec, 'stretch', ['witness-vmknic'], {
            destructive: true,
            rollback: `Disable stretching again (the same day-2 action): ${w.name} stays in datacenter ${spec.datacenter}; its claimed disk group stays until you remove it from vSAN.`,
          }),
        ],
        touches,
      };
    }
  }
}
