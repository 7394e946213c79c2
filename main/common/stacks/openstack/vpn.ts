// The inter-region VPN plan (pure): for each VPN interconnect, in each of its two regions, the IKE and IPsec
// policies, the VPN service on the region's router, the endpoint groups (local subnets; the peer region's subnet
// CIDRs) and the IPsec site connection to the peer router's gateway, then a check that both connections exist.
// Every neutron resource has a deterministic name (cw-<regionA>-<regionB>-…) so a second run finds it and changes
// nothing; the pre-shared key travels only as its secret id. The executor is main/node/stacks/openstack/vpn.ts.
import * as z from 'zod';
import { CwError } from '../../errors.js';
import type { PlanInput } from '../../plan/schema.js';
import type { Workspace } from '../../workspace/schema.js';
import { vpnInterconnectGaps } from './rules.js';
import { neutronRefSchema, vpnIkeSchema, vpnIpsecSchema, type OpenstackInterconnect } from './schema.js';

const regionName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/);

/** The arguments every VPN operation of the plan carries: one region's end, the peer's, and the choices (the key by id only). */
export const vpnSideArgsSchema = z
  .object({
    /** cw-<regionA>-<regionB>: the prefix of every neutron resource of this interconnect. */
    prefix: z.string().regex(/^cw-[A-Za-z0-9._-]{1,140}$/),
    region: regionName,
    router: neutronRefSchema,
    subnets: z.array(neutronRefSchema).min(1),
    peerRegion: regionName,
    peerRouter: neutronRefSchema,
    peerSubnets: z.array(neutronRefSchema).min(1),
    pskSecret: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/),
    ike: vpnIkeSchema,
    ipsec: vpnIpsecSchema,
    mtu: z.number().int().min(68).max(9216).optional(),
  })
  .strict();
export type VpnSideArgs = z.output<typeof vpnSideArgsSchema>;

/** The check after both connections: they exist in both regions (their status is reported, not required to be ACTIVE). */
export const vpnPairArgsSchema = z.object({ sides: z.array(vpnSideArgsSchema).length(2) }).strict();

/** The neutron names of one region's resources for an interconnect. */
export function vpnResourceNames(side: Pick<VpnSideArgs, 'prefix' | 'peerRegion'>): { ike: string; ipsec: string; service: string; local: string; peer: string; connection: string } {
  const p = side.prefix;
  return { ike: `${p}-ike`, ipsec: `${p}-ipsec`, service: `${p}-vpn`, local: `${p}-local`, peer: `${p}-peer`, connection: `${p}-to-${side.peerRegion}` };
}

export interface VpnInterconnectSummary {
  index: number;
  between: [string, string];
  /** Planned: its steps are in the plan. Otherwise why not (routed, or a missing field). */
  planned: boolean;
  reason?: string;
  /** Per region: the connection's neutron name and the router it runs on. */
  connections: { region: string; peerRegion: string; name: string; router: string }[];
}

const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9._-]+/g, '-');

function sidesOf(link: OpenstackInterconnect, index: number): [VpnSideArgs, VpnSideArgs] {
  const vpn = link.vpn!;
  const [a, b] = link.between;
  const prefix = `cw-${a}-${b}`;
  const side = (region: string, peer: string): VpnSideArgs => ({
    prefix,
    region,
    router: vpn.sides[region]!.router,
    subnets: vpn.sides[region]!.subnets,
    peerRegion: peer,
    peerRouter: vpn.sides[peer]!.router,
    peerSubnets: vpn.sides[peer]!.subnets,
    pskSecret: vpn.pskSecret,
    ike: vpn.ike,
    ipsec: vpn.ipsec,
    ...(vpn.mtu !== undefined ? { mtu: vpn.mtu } : {}),
  });
  if (a === b) throw new CwError('INVALID_INPUT', `Interconnect ${index + 1} joins region ${a} to itself: a VPN needs two regions.`, { field: `openstack.interconnects[${index}].between` });
  return [side(a, b), side(b, a)];
}

/**
 * The plan for the workspace's VPN interconnects (all, or the one at `interconnect`). Routed interconnects and
 * VPN ones that lack a field are listed with the reason and left out; asking for one of those by index, or
 * having none to plan, is INVALID_INPUT naming the field.
 */
export function vpnPlan(workspace: Workspace, input: { interconnect?: number } = {}): { plan: PlanInput; interconnects: VpnInterconnectSummary[]; notes: string[] } {
  const all = workspace.openstack?.interconnects ?? [];
  const regions = new Set((workspace.openstack?.regions ?? []).map((r) => r.name));
  if (input.interconnect !== undefined && !all[input.interconnect]) {
    throw new CwError('INVALID_INPUT', `The workspace has no interconnect ${input.interconnect + 1} (it declares ${all.length}).`, { field: 'openstack.interconnects' });
  }
  const chosen = input.interconnect !== undefined ? [input.interconnect] : all.map((_, i) => i);
  const summaries: VpnInterconnectSummary[] = [];
  const steps: PlanInput['steps'] = [];
  const touched = new Set<string>();
  for (const index of chosen) {
    const link = all[index]!;
    const between: [string, string] = [link.between[0], link.between[1]];
    const field = `openstack.interconnects[${index}]`;
    let reason: string | undefined;
    let missing = field;
    if (link.kind !== 'vpn') [reason, missing] = ['routed: no VPN to create', `${field}.kind`];
    else {
      const gaps = vpnInterconnectGaps(link);
      const unknown = between.find((r) => !regions.has(r));
      if (gaps.length) [reason, missing] = [`${field}.${gaps[0]} is missing`, `${field}.${gaps[0]}`];
      else if (unknown) [reason, missing] = [`region ${unknown} is not in openstack.regions`, `${field}.between`];
    }
    if (reason) {
      if (input.interconnect !== undefined) throw new CwError('INVALID_INPUT', `Interconnect ${index + 1} (${between.join('–')}) cannot be planned: ${reason}.`, { field: missing });
      summaries.push({ index, between, planned: false, reason, connections: [] });
      continue;
    }
    const sides = sidesOf(link, index);
    const id = `vpn-${index + 1}`;
    const connectionSteps: string[] = [];
    for (const side of sides) {
      const names = vpnResourceNames(side);
      const at = `${id}-${slug(side.region)}`;
      const target = { api: `openstack:${side.region}` };
      const step = (suffix: string, op: string, title: string, rollback: string, dependsOn: string[] = []): PlanInput['steps'][number] => ({
        id: `${at}-${suffix}`,
        title,
        target,
        action: { kind: 'stack', stack: 'openstack', op, args: side },
        // Already there as wanted: skipped, so a second run changes nothing.
        precheck: { kind: 'stack', stack: 'openstack', op, args: side },
        verify: { kind: 'stack', stack: 'openstack', op, args: side },
        rollback,
        idempotent: true,
        timeoutMs: 60_000,
        retry: { attempts: 3, backoffMs: 1000 },
        dependsOn,
      });
      // One region's steps run one after the other: neutron's own database (SQLite in small setups) takes one writer at a time.
      steps.push(
        step('policies', 'vpn-policies', `${side.region}: IKE policy ${names.ike} (IKE${side.ike.version}, ${side.ike.encryption}, ${side.ike.auth}, ${side.ike.pfs}) and IPsec policy ${names.ipsec} (${side.ipsec.encryption}, ${side.ipsec.auth}, ${side.ipsec.pfs})`, `In ${side.region}: openstack vpn ike policy delete ${names.ike}; openstack vpn ipsec policy delete ${names.ipsec} (after the connection that uses them).`),
        step('service', 'vpn-service', `${side.region}: VPN service ${names.service} on router ${side.router}`, `In ${side.region}: openstack vpn service delete ${names.service} (after its connections).`, [`${at}-policies`]),
        step('endpoints', 'vpn-endpoint-groups', `${side.region}: endpoint groups ${names.local} (subnets ${side.subnets.join(', ')}) and ${names.peer} (the CIDRs of ${side.peerRegion}'s subnets ${side.peerSubnets.join(', ')})`, `In ${side.region}: openstack vpn endpoint group delete ${names.local} ${names.peer} (after the connection).`, [`${at}-service`]),
      );
      const connection = step(
        'connection',
        'vpn-connection',
        `${side.region}: IPsec site connection ${names.connection} to ${side.peerRegion}'s router ${side.peerRouter} (its gateway address), pre-shared key from the secret store`,
        `In ${side.region}: openstack vpn ipsec site connection delete ${names.connection}.`,
        [`${at}-endpoints`],
      );
      steps.push(connection);
      connectionSteps.push(connection.id);
      touched.add(side.region);
    }
    steps.push({
      id: `${id}-verify`,
      title: `Both IPsec site connections of ${between.join('–')} exist; their status is reported (no VPN agent: PENDING_CREATE)`,
      target: { api: `openstack:${between[0]}` },
      action: { kind: 'wait', until: { kind: 'stack', stack: 'openstack', op: 'vpn-connections-exist', args: { sides } }, deadlineMs: 20_000, intervalMs: 1_000 },
      precheck: { kind: 'stack', stack: 'openstack', op: 'vpn-connections-exist', args: { sides } },
      dependsOn: connectionSteps,
    });
    summaries.push({
      index,
      between,
      planned: true,
      connections: sides.map((s) => ({ region: s.region, peerRegion: s.peerRegion, name: vpnResourceNames(s).connection, router: s.router })),
    });
  }
  if (!steps.length) {
    const why = summaries.map((s) => `interconnect ${s.index + 1} (${s.between.join('–')}): ${s.reason}`).join('; ');
    throw new CwError('INVALID_INPUT', `The workspace has no VPN interconnect the app can build${why ? ` (${why})` : ''}. Declare kind "vpn" with its vpn block (routers, subnets, pskSecret).`, { field: 'openstack.interconnects' });
  }
  const notes = [
    'The pre-shared key is read from the secret store when a connection is created or checked; the plan names only its id.',
    'neutron refuses to change an IKE or IPsec policy a connection uses, the endpoints of an endpoint group, and a connection still PENDING_*: the plan says so, and the remedy is to delete that resource and run the plan again.',
    'The connections come up only where a VPN agent (neutron-l3-agent with the VPNaaS extension and StrongSwan or Libreswan) runs on the routers\' network nodes; until then neutron shows PENDING_CREATE.',
  ];
  const regionList = [...touched];
  const authUrl = workspace.openstack?.keystone?.authUrl;
  if (!authUrl) throw new CwError('INVALID_INPUT', 'The workspace has no openstack.keystone block: the app cannot reach the regions without it.', { field: 'openstack.keystone' });
  return {
    plan: {
      id: input.interconnect !== undefined ? `openstack-vpn-${input.interconnect + 1}` : 'openstack-vpn',
      title: `IPsec site connections both ways for ${summaries.filter((s) => s.planned).map((s) => s.between.join('–')).join(', ')}`,
      nodes: {},
      apis: Object.fromEntries(regionList.map((r) => [`openstack:${r}`, { baseUrl: authUrl }])),
      steps,
    },
    interconnects: summaries,
    notes,
  };
}
