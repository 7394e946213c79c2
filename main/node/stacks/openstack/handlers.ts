// openstack.* methods and the catalog's plan operations: the wizard's region plan (Kolla-Ansible files per
// region, as data, with what the WAN between regions means for the one Keystone), their deploy over SSH as an
// engine plan (common/stacks/openstack/deploy.ts; run by the kolla-ansible operation), the registration of every
// region's endpoints in the shared Keystone as an engine plan (per region, never touching another region's
// endpoints, skipped where already done) and its verify (a fresh token lists every region), the inter-region
// VPN plan (common/stacks/openstack/vpn.ts), the catalog as
// a token carries it, and a region's nova-compute services and hypervisors.
import * as z from 'zod';
import { CwError } from '../../../common/errors.js';
import { planSchema, type PlanInput, type StackCall } from '../../../common/plan/schema.js';
import { kollaAnsibleReleases } from '../../../common/stacks/openstack/kolla-ansible-vars.js';
import { kollaDeployPlan } from '../../../common/stacks/openstack/deploy.js';
import { vpnPlan } from '../../../common/stacks/openstack/vpn.js';
import { generateKolla, kollaPlanFromWorkspace, type KollaChoices } from '../../../common/stacks/openstack/kolla.js';
import type { OpenstackRegion } from '../../../common/stacks/openstack/schema.js';
import { createRuleContext, crossPairs, isMeasured } from '../../../common/workspace/rules/context.js';
import type { Workspace } from '../../../common/workspace/schema.js';
import type { Handlers } from '../../dispatcher.js';
import type { StackExecutor, StackOpContext } from '../../engine/stack-ops.js';
import type { StackWorkspaces } from '../types.js';
import { catalogRegions, type CatalogService } from './client/keystone.js';
import { nodeOfNovaHost, regionOf, type OpenstackClouds } from './cloud.js';
import { regionApis } from './migration.js';

type OpenstackMethod = 'openstack.planRegions' | 'openstack.deployPlan' | 'openstack.registrationPlan' | 'openstack.vpnPlan' | 'openstack.catalog' | 'openstack.regionStatus';

const serviceNames: Record<string, string> = { identity: 'keystone', compute: 'nova', placement: 'placement', image: 'glance', network: 'neutron' };

export interface Registration {
  region: string;
  type: string;
  name: string;
  url: string;
}

/** What the shared catalog should hold for a region: its services' URLs from the workspace; identity is the shared Keystone. */
export function regionRegistrations(workspace: Workspace, region: OpenstackRegion): Registration[] {
  const authUrl = workspace.openstack?.keystone?.authUrl;
  const urls: Record<string, string | undefined> = { identity: region.endpoints?.identity ?? authUrl, compute: region.endpoints?.compute, placement: region.endpoints?.placement, image: region.endpoints?.image, network: region.endpoints?.network };
  return Object.entries(urls).flatMap(([type, url]) => (url ? [{ region: region.name, type, name: serviceNames[type]!, url }] : []));
}

const registrationArgs = z.object({ region: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/), endpoints: z.array(z.object({ type: z.enum(['identity', 'compute', 'placement', 'image', 'network']), name: z.string().min(1).max(64), url: z.string().min(1) }).strict()).min(1) }).strict();
const catalogArgs = z.object({ regions: z.array(z.string().min(1)).min(1) }).strict();
const registrationOps = new Set(['register-region', 'region-registered', 'catalog-lists']);

export function isRegistrationOp(op: string): boolean {
  return registrationOps.has(op);
}

function parseArgs<S extends z.ZodType>(schema: S, c: StackCall): z.output<S> {
  const parsed = schema.safeParse(c.args);
  if (!parsed.success) throw new CwError('INVALID_INPUT', `The ${c.op} operation of an OpenStack plan step has bad arguments: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`).join('; ')}.`);
  return parsed.data;
}

/** The registration plan (pure): one step per region, then the verify that a fresh token's catalog lists them all. */
export function registrationPlan(workspace: Workspace): { plan: PlanInput; registrations: Registration[]; notes: string[] } {
  const regions = workspace.openstack?.regions ?? [];
  if (!regions.length) throw new CwError('INVALID_INPUT', 'The workspace has no OpenStack region to register.', { field: 'openstack.regions' });
  const notes: string[] = [];
  const registrations: Registration[] = [];
  const keystone = regions.find((r) => r.keystone);
  const ordered = keystone ? [keystone, ...regions.filter((r) => r !== keystone)] : regions;
  const steps: PlanInput['steps'] = [];
  for (const region of ordered) {
    const mine = regionRegistrations(workspace, region);
    registrations.push(...mine);
    if (!mine.some((r) => r.type === 'compute')) notes.push(`Region ${region.name} has no compute URL (openstack.regions[].endpoints.compute): its servers cannot be listed until it has one.`);
    const endpoints = mine.map(({ type, name, url }) => ({ type, name, url }));
    steps.push({
      id: `register-${region.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-')}`,
      title: `Register region ${region.name} and its ${mine.length} endpoints (public and internal) in the shared Keystone`,
      target: { api: `openstack:${region.name}` },
      action: { kind: 'stack', stack: 'openstack', op: 'register-region', args: { region: region.name, endpoints } },
      // Already registered with these URLs: the step is skipped, so a second run changes nothing.
      precheck: { kind: 'stack', stack: 'openstack', op: 'region-registered', args: { region: region.name, endpoints } },
      verify: { kind: 'stack', stack: 'openstack', op: 'region-registered', args: { region: region.name, endpoints } },
      rollback: `Delete region ${region.name}'s endpoints in Keystone (openstack endpoint list --region ${region.name}); other regions' endpoints were not touched.`,
      idempotent: true,
      ...(keystone && region !== keystone ? { dependsOn: [`register-${keystone.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-')}`] } : {}),
    });
  }
  const names = ordered.map((r) => r.name);
  steps.push({
    id: 'verify-catalog',
    title: `A fresh token's catalog lists ${names.join(', ')}`,
    target: { api: `openstack:${ordered[0]!.name}` },
    action: { kind: 'wait', until: { kind: 'stack', stack: 'openstack', op: 'catalog-lists', args: { regions: names } }, deadlineMs: 30_000, intervalMs: 1_000 },
    precheck: { kind: 'stack', stack: 'openstack', op: 'catalog-lists', args: { regions: names } },
    dependsOn: steps.map((s) => s.id),
  });
  if (keystone && regions.length > 1) notes.push(`Every service of ${regions.filter((r) => r !== keystone).map((r) => r.name).join(', ')} validates its tokens against Keystone in ${keystone.name}: each API call there waits one WAN round trip the first time a token is seen (keystonemiddleware caches it afterwards).`);
  return { plan: { id: 'openstack-register-catalog', title: `Register ${names.length} OpenStack regions in the shared Keystone`, nodes: {}, apis: regionApis(workspace, names), steps }, registrations, notes };
}

export function createRegistrationExecutor(clouds: OpenstackClouds, workspaces: StackWorkspaces): StackExecutor {
  const cloudNow = async () => clouds.of((await workspaces.current()).workspace);
  const registered = async (a: z.output<typeof registrationArgs>): Promise<boolean> => {
    const keystone = (await cloudNow()).keystone;
    if (!(await keystone.listRegions()).some((r) => r.id === a.region)) return false;
    const services = await keystone.listServices();
    const endpoints = await keystone.listEndpoints({ region: a.region });
    return a.endpoints.every((e) => {
      const service = services.find((s) => s.type === e.type && s.name === e.name);
      return service !== undefined && (['public', 'internal'] as const).every((iface) => endpoints.some((x) => x.service_id === service.id && x.interface === iface && x.url === e.url));
    });
  };
  return {
    describe(c) {
      if (c.op === 'register-region') {
        const a = parseArgs(registrationArgs, c);
        return `Keystone: region ${a.region}; endpoints ${a.endpoints.map((e) => `${e.type} ${e.url}`).join(', ')} (public, internal)`;
      }
      if (c.op === 'region-registered') return `region ${parseArgs(registrationArgs, c).region} and its endpoints are in Keystone`;
      return `a fresh token's catalog lists ${parseArgs(catalogArgs, c).regions.join(', ')}`;
    },
    async act(c, ctx: StackOpContext) {
      const a = parseArgs(registrationArgs, c);
      const keystone = (await cloudNow()).keystone;
      const report = await keystone.registerEndpoints(a.endpoints.map((e) => ({ type: e.type, name: e.name, region: a.region, urls: { public: e.url, internal: e.url } })));
      // The session's token carries the catalog from before: the next call gets one that lists this region.
      keystone.invalidate();
      ctx.log(`region ${a.region}: ${report.regions[a.region] ?? 'unchanged'}`, 'stdout');
      for (const [key, change] of Object.entries(report.endpoints)) ctx.log(`endpoint ${key}: ${change}`, 'stdout');
    },
    async check(c) {
      if (c.op === 'catalog-lists') {
        const a = parseArgs(catalogArgs, c);
        const { workspace } = await workspaces.current();
        const fresh = clouds.fresh(workspace);
        try {
          const listed = new Set(catalogRegions((await fresh.keystone.getToken()).catalog));
          return a.regions.every((r) => listed.has(r));
        } finally {
          await fresh.close();
        }
      }
      return registered(parseArgs(registrationArgs, c));
    },
  };
}

export function openstackHandlers(deps: { workspaces: StackWorkspaces; clouds: OpenstackClouds }): Pick<Handlers, OpenstackMethod> {
  const current = () => deps.workspaces.current();
  return {
    'openstack.planRegions': async (input) => {
      const { workspace, facts } = await current();
      const regions = workspace.openstack?.regions ?? [];
      const release = kollaAnsibleReleases[input.release];
      const { plan, issues } = kollaPlanFromWorkspace(workspace, input as KollaChoices);
      const keystone = regions.find((r) => r.keystone);
      // Round trips between regions' controllers measured on their management networks.
      const ctx = createRuleContext(workspace, facts);
      const wan: { a: string; b: string; rttMs?: number; meaning: string }[] = [];
      for (let i = 0; i < regions.length; i++) {
        for (let j = i + 1; j < regions.length; j++) {
          const [ra, rb] = [regions[i]!, regions[j]!];
          const network = ra.managementNetwork ?? rb.managementNetwork;
          const rtts = network ? crossPairs(ra.controllers, rb.controllers).map(([a, b]) => ctx.facts.between(network, a, b)).filter(isMeasured).map((p) => p.rttMs) : [];
          const rttMs = rtts.length ? Math.max(...rtts) : undefined;
          const involvesKeystone = keystone && (ra === keystone || rb === keystone);
          const meaning = involvesKeystone
            ? `Every token validation of ${ra === keystone ? rb.name : ra.name} crosses this WAN to Keystone in ${keystone.name}${rttMs !== undefined ? `: about ${rttMs} ms added to each API call with a new token` : ' (not measured yet: measure latency to see the cost)'}; if the path is down, that region's APIs refuse every new token.`
            : `No Keystone traffic on this pair; only inter-region tenant traffic (VPN or routed) and cold copies of images cross it.`;
          wan.push({ a: ra.name, b: rb.name, ...(rttMs !== undefined ? { rttMs } : {}), meaning });
        }
      }
      const notes = [
        'Kolla-Ansible deploys each region separately: the Keystone region first (its multiple_regions_names lists every region), then the others with enable_keystone "no".',
        'Region names are final once deployed: Keystone endpoints and every service\'s configuration reference them.',
        'The regions share keystone_admin_password and the *_keystone_password values of passwords.yml (one Keystone, one set of service users).',
      ];
      return {
        release: { series: input.release, tag: release.tag, commit: release.commit },
        ...(keystone ? { keystoneRegion: keystone.name } : {}),
        files: plan ? generateKolla(plan) : [],
        issues,
        wan,
        notes,
      };
    },
    'openstack.deployPlan': async (input) => {
      const answer = kollaDeployPlan((await current()).workspace, input as KollaChoices);
      return { ...answer, plan: planSchema.parse(answer.plan) };
    },
    'openstack.registrationPlan': async () => {
      const answer = registrationPlan((await current()).workspace);
      return { ...answer, plan: planSchema.parse(answer.plan) };
    },
    'openstack.vpnPlan': async (input) => {
      const answer = vpnPlan((await current()).workspace, input.interconnect !== undefined ? { interconnect: input.interconnect } : {});
      return { ...answer, plan: planSchema.parse(answer.plan) };
    },
    'openstack.catalog': async () => {
      const { workspace } = await current();
      const fresh = deps.clouds.fresh(workspace);
      try {
        const catalog: CatalogService[] = (await fresh.keystone.getToken()).catalog;
        const regions = catalogRegions(catalog);
        const workspaceRegions = (workspace.openstack?.regions ?? []).map((r) => r.name);
        return {
          regions,
          workspaceRegions,
          missing: workspaceRegions.filter((r) => !regions.includes(r)),
          endpoints: catalog.flatMap((s) => s.endpoints.map((e) => ({ type: s.type, region: e.region_id ?? e.region ?? '', interface: e.interface, url: e.url }))),
        };
      } finally {
        await fresh.close();
      }
    },
    'openstack.regionStatus': async (input) => {
      const { workspace } = await current();
      const { region } = regionOf(workspace, input.region);
      const nova = deps.clouds.of(workspace).nova(region.name);
      const microversion = await nova.checkMicroversions();
      const services = await nova.listServices({ binary: 'nova-compute' });
      const hypervisors = await nova.listHypervisors();
      const computeServices = services.map((s) => {
        const node = nodeOfNovaHost(region, s.host);
        return { host: s.host, ...(node ? { node } : {}), state: s.state, status: s.status, forcedDown: s.forced_down };
      });
      const allUp = region.compute.every((n) => computeServices.some((s) => s.node === n && s.state === 'up' && s.status === 'enabled'));
      return { region: region.name, microversion, computeServices, hypervisors: hypervisors.map((h) => ({ hostname: h.hypervisor_hostname, state: h.state, status: h.status })), allUp };
    },
  };
}
