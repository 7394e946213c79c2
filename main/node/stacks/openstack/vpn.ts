// The VPN plan's operations on each region's neutron (common/stacks/openstack/vpn.ts builds the plan): find each
// resource by its deterministic name, create it when absent, update it where neutron allows and say so where it
// does not; the pre-shared key is read from the secret store at the moment a connection is created or compared,
// added to the transport's redaction list, and never logged, described or returned. Every neutron reply is
// checked for shape before use.
import { isIPv4 } from 'node:net';
import * as z from 'zod';
import { CwError } from '../../../common/errors.js';
import type { StackCall } from '../../../common/plan/schema.js';
import { vpnPairArgsSchema, vpnResourceNames, vpnSideArgsSchema, type VpnSideArgs } from '../../../common/stacks/openstack/vpn.js';
import { isCidr } from '../../../common/workspace/ip.js';
import type { StackExecutor, StackOpContext } from '../../engine/stack-ops.js';
import type { SecretStore } from '../../secrets/store.js';
import type { StackWorkspaces } from '../types.js';
import type { OpenstackClouds } from './cloud.js';
import type { Cloud } from './client/index.js';
import type { NeutronClient } from './client/neutron.js';

const vpnOps = new Set(['vpn-policies', 'vpn-service', 'vpn-endpoint-groups', 'vpn-connection', 'vpn-connections-exist']);
export function isVpnOp(op: string): boolean {
  return vpnOps.has(op);
}

// ---- the shapes this code relies on in neutron's replies (other keys are dropped, among them a connection's psk) ----
const id = z.string().regex(/^[A-Za-z0-9-]{1,64}$/);
const name = z.string().max(255);
const lifetime = z.object({ units: z.string().max(32), value: z.number() });
const ikeShape = z.object({ id, name, ike_version: z.string().max(8), encryption_algorithm: z.string().max(64), auth_algorithm: z.string().max(64), pfs: z.string().max(32), phase1_negotiation_mode: z.string().max(32), lifetime });
const ipsecShape = z.object({ id, name, encryption_algorithm: z.string().max(64), auth_algorithm: z.string().max(64), pfs: z.string().max(32), transform_protocol: z.string().max(16), encapsulation_mode: z.string().max(16), lifetime });
const serviceShape = z.object({ id, name, router_id: id, status: z.string().max(32) });
const groupShape = z.object({ id, name, type: z.string().max(16), endpoints: z.array(z.string().max(64)) });
const connectionShape = z.object({
  id,
  name,
  vpnservice_id: id,
  ikepolicy_id: id,
  ipsecpolicy_id: id,
  peer_address: z.string().max(255),
  peer_id: z.string().max(255),
  local_ep_group_id: id.nullable(),
  peer_ep_group_id: id.nullable(),
  mtu: z.number().int(),
  initiator: z.string().max(32),
  status: z.string().max(32),
});
const routerShape = z.object({
  id,
  name,
  external_gateway_info: z.object({ network_id: id, external_fixed_ips: z.array(z.object({ subnet_id: id, ip_address: z.string().max(64) })).optional() }).nullable().optional(),
});
const subnetShape = z.object({ id, name, cidr: z.string().refine(isCidr, 'a CIDR'), ip_version: z.union([z.literal(4), z.literal(6)]) });

type Router = z.output<typeof routerShape>;
type Subnet = z.output<typeof subnetShape>;

function shaped<S extends z.ZodType>(shape: S, key: string, data: unknown, where: string): z.output<S>[] {
  const parsed = z.object({ [key]: z.array(shape) }).safeParse(data);
  if (!parsed.success) throw new CwError('INVALID_OUTPUT', `${where} answered with a ${key} list of an unexpected shape (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''}).`);
  return (parsed.data as Record<string, z.output<S>[]>)[key]!;
}

const uuidLike = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function parseSide(c: StackCall): VpnSideArgs {
  const parsed = vpnSideArgsSchema.safeParse(c.args);
  if (!parsed.success) throw new CwError('INVALID_INPUT', `The ${c.op} operation of a VPN plan step has bad arguments: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`).join('; ')}.`);
  return parsed.data;
}

function parsePair(c: StackCall): [VpnSideArgs, VpnSideArgs] {
  const parsed = vpnPairArgsSchema.safeParse(c.args);
  if (!parsed.success) throw new CwError('INVALID_INPUT', `The ${c.op} operation of a VPN plan step has bad arguments: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(args)'}: ${i.message}`).join('; ')}.`);
  return [parsed.data.sides[0]!, parsed.data.sides[1]!];
}

/** A router or subnet by the admin's reference: its id, else its name (exactly one). */
async function resolve<T extends { id: string; name: string }>(n: NeutronClient, kind: 'router' | 'subnet', ref: string, where: string): Promise<T> {
  const collection = kind === 'router' ? 'routers' : 'subnets';
  const shape = (kind === 'router' ? routerShape : subnetShape) as unknown as z.ZodType<T>;
  const byId = uuidLike.test(ref) ? shaped(shape, collection, await n.read(`/v2.0/${collection}`, { id: ref }), n.label) : [];
  if (byId.length === 1) return byId[0]!;
  const byName = shaped(shape, collection, await n.read(`/v2.0/${collection}`, { name: ref }), n.label).filter((x) => x.name === ref);
  if (byName.length === 1) return byName[0]!;
  if (byName.length > 1) throw new CwError('INVALID_INPUT', `Region ${n.region} has ${byName.length} ${collection} named "${ref}" (${where}): name it by id instead (${byName.map((x) => x.id).join(', ')}).`);
  throw new CwError('NOT_FOUND', `The ${kind} "${ref}" does not exist in region ${n.region} (${where}), neither as a name nor as an id. Create it first, or correct the workspace.`);
}

/** The router's external IPv4 address: where the peer's connection points. */
function gatewayOf(router: Router, region: string): string {
  const ip = router.external_gateway_info?.external_fixed_ips?.map((f) => f.ip_address).find((a) => isIPv4(a));
  if (!ip) throw new CwError('NOT_FOUND', `Router ${router.name || router.id} in region ${region} has no external IPv4 address: set its gateway on the external network first (the peer region's connection points at it).`);
  return ip;
}

/** The one resource of a VPN collection with this name, or undefined; two of them is an error that says which. */
async function byName<S extends z.ZodType<{ id: string; name: string }>>(n: NeutronClient, collection: 'ikepolicies' | 'ipsecpolicies' | 'vpnservices' | 'endpoint-groups' | 'ipsec-site-connections', shape: S, wanted: string): Promise<z.output<S> | undefined> {
  const key = collection.replace(/-/g, '_');
  const all = shaped(shape, key, await n.read(`/v2.0/vpn/${collection}`, { name: wanted }), n.label).filter((x) => x.name === wanted);
  if (all.length > 1) throw new CwError('CONFLICT', `Region ${n.region} has ${all.length} ${collection} named ${wanted} (${all.map((x) => x.id).join(', ')}); the app manages exactly one: delete the extra ones.`);
  return all[0];
}

function wantedIke(side: VpnSideArgs) {
  return { name: vpnResourceNames(side).ike, ike_version: side.ike.version, encryption_algorithm: side.ike.encryption, auth_algorithm: side.ike.auth, pfs: side.ike.pfs, phase1_negotiation_mode: 'main', lifetime: { units: 'seconds', value: side.ike.lifetimeSeconds } };
}
function wantedIpsec(side: VpnSideArgs) {
  return { name: vpnResourceNames(side).ipsec, encryption_algorithm: side.ipsec.encryption, auth_algorithm: side.ipsec.auth, pfs: side.ipsec.pfs, transform_protocol: 'esp', encapsulation_mode: 'tunnel', lifetime: { units: 'seconds', value: side.ipsec.lifetimeSeconds } };
}

/** The fields of `wanted` whose value differs in `have` (lifetime compared by units and value). */
function differing(wanted: Record<string, unknown>, have: Record<string, unknown>): string[] {
  return Object.entries(wanted)
    .filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(k === 'lifetime' ? { units: (have.lifetime as { units: string }).units, value: (have.lifetime as { value: number }).value } : have[k]))
    .map(([k]) => k);
}

const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

/** Whether a connection state means neutron still waits for an agent (it refuses updates then). */
const pending = (status: string) => status.startsWith('PENDING_');

export function createVpnExecutor(clouds: OpenstackClouds, workspaces: StackWorkspaces, secrets: SecretStore): StackExecutor {
  const cloudNow = async (): Promise<Cloud> => clouds.of((await workspaces.current()).workspace);

  const psk = async (cloud: Cloud, side: VpnSideArgs): Promise<string> => {
    let value: string;
    try {
      value = await secrets.get(side.pskSecret);
    } catch (error) {
      throw new CwError('NOT_FOUND', `The pre-shared key of ${side.prefix} (secret ${side.pskSecret}) is not in the secret store: store it, then run the plan again.`, { cause: (error as Error).message });
    }
    // Shorter keys are guessable offline, and too short for the transport's redaction to recognise.
    if (value.length < 8) throw new CwError('INVALID_INPUT', `The pre-shared key of ${side.prefix} (secret ${side.pskSecret}) has ${value.length} characters: store one of at least 8 (a long random one), then run the plan again.`);
    cloud.http.addSecret(value);
    return value;
  };

  /** What each operation finds against what it wants: `ok` when nothing is to do, else the reasons. */
  const policies = async (n: NeutronClient, side: VpnSideArgs) => {
    const ike = await byName(n, 'ikepolicies', ikeShape, vpnResourceNames(side).ike);
    const ipsec = await byName(n, 'ipsecpolicies', ipsecShape, vpnResourceNames(side).ipsec);
    return { ike, ipsec, ikeDiff: ike ? differing(wantedIke(side), ike) : undefined, ipsecDiff: ipsec ? differing(wantedIpsec(side), ipsec) : undefined };
  };

  const endpointGroups = async (cloud: Cloud, side: VpnSideArgs) => {
    const n = cloud.neutron(side.region);
    const names = vpnResourceNames(side);
    const localSubnets: Subnet[] = [];
    for (const ref of side.subnets) localSubnets.push(await resolve<Subnet>(n, 'subnet', ref, `a local subnet of ${side.prefix}`));
    const peerN = cloud.neutron(side.peerRegion);
    const peerCidrs: string[] = [];
    for (const ref of side.peerSubnets) peerCidrs.push((await resolve<Subnet>(peerN, 'subnet', ref, `a subnet of ${side.prefix} in the peer region`)).cidr);
    const local = await byName(n, 'endpoint-groups', groupShape, names.local);
    const peer = await byName(n, 'endpoint-groups', groupShape, names.peer);
    return { localIds: localSubnets.map((s) => s.id), peerCidrs, local, peer };
  };

  const connectionWanted = async (cloud: Cloud, side: VpnSideArgs) => {
    const n = cloud.neutron(side.region);
    const names = vpnResourceNames(side);
    const need = async <S extends z.ZodType<{ id: string; name: string }>>(collection: Parameters<typeof byName>[1], shape: S, wanted: string) => {
      const found = await byName(n, collection, shape, wanted);
      if (!found) throw new CwError('NOT_FOUND', `${wanted} does not exist in region ${side.region}: the plan's earlier steps create it; run the whole plan.`);
      return found;
    };
    const peerRouter = await resolve<Router>(cloud.neutron(side.peerRegion), 'router', side.peerRouter, `the peer router of ${side.prefix}`);
    const gateway = gatewayOf(peerRouter, side.peerRegion);
    return {
      names,
      wanted: {
        name: names.connection,
        vpnservice_id: (await need('vpnservices', serviceShape, names.service)).id,
        ikepolicy_id: (await need('ikepolicies', ikeShape, names.ike)).id,
        ipsecpolicy_id: (await need('ipsecpolicies', ipsecShape, names.ipsec)).id,
        local_ep_group_id: (await need('endpoint-groups', groupShape, names.local)).id,
        peer_ep_group_id: (await need('endpoint-groups', groupShape, names.peer)).id,
        peer_address: gateway,
        peer_id: gateway,
        initiator: 'bi-directional',
        // neutron's own default when the workspace names none, so removing the choice sets it back.
        mtu: side.mtu ?? 1500,
      },
    };
  };

  /** The connection as neutron holds it, with whether its key equals the stored one (the key itself stays here). */
  const connectionNow = async (cloud: Cloud, side: VpnSideArgs) => {
    const n = cloud.neutron(side.region);
    const found = await byName(n, 'ipsec-site-connections', connectionShape, vpnResourceNames(side).connection);
    if (!found) return undefined;
    const raw = await n.read(`/v2.0/vpn/ipsec-site-connections/${encodeURIComponent(found.id)}`);
    const key = z.object({ ipsec_site_connection: z.object({ psk: z.string().optional() }) }).safeParse(raw);
    const stored = await psk(cloud, side);
    // A neutron whose policy hides the key from this user cannot be compared: the key is then left as it is.
    const held = key.success ? key.data.ipsec_site_connection.psk : undefined;
    return { connection: found, pskMatches: held === undefined || held === stored };
  };

  const check = async (c: StackCall, ctx: StackOpContext): Promise<boolean> => {
    const cloud = await cloudNow();
    if (c.op === 'vpn-connections-exist') {
      let all = true;
      for (const side of parsePair(c)) {
        const n = cloud.neutron(side.region);
        const found = await byName(n, 'ipsec-site-connections', connectionShape, vpnResourceNames(side).connection);
        if (!found) {
          ctx.log(`${side.region}: connection ${vpnResourceNames(side).connection} not found`, 'stderr');
          all = false;
          continue;
        }
        const gateway = gatewayOf(await resolve<Router>(cloud.neutron(side.peerRegion), 'router', side.peerRouter, `the peer router of ${side.prefix}`), side.peerRegion);
        if (found.peer_address !== gateway) {
          ctx.log(`${side.region}: connection ${found.name} points at ${found.peer_address}, not ${side.peerRegion}'s gateway ${gateway}`, 'stderr');
          all = false;
          continue;
        }
        if (found.status === 'ERROR') throw new CwError('REMOTE_FAILED', `The IPsec site connection ${found.name} in ${side.region} is in ERROR: neutron's VPN agent could not configure it (see the l3 agent's log on the router's network node).`);
        if (found.status === 'ACTIVE') ctx.log(`${side.region} → ${side.peerRegion}: connection ${found.name} to ${gateway} is ACTIVE (up)`, 'stdout');
        else if (pending(found.status)) ctx.log(`warning: ${side.region} → ${side.peerRegion}: connection ${found.name} to ${gateway} is ${found.status}: created; no VPN agent has brought it up yet`, 'stderr');
        else ctx.log(`warning: ${side.region} → ${side.peerRegion}: connection ${found.name} to ${gateway} is ${found.status}: the tunnel is not up (check the peer's reachability, the pre-shared key and the policies)`, 'stderr');
      }
      return all;
    }
    const side = parseSide(c);
    const n = cloud.neutron(side.region);
    switch (c.op) {
      case 'vpn-policies': {
        const p = await policies(n, side);
        return p.ikeDiff?.length === 0 && p.ipsecDiff?.length === 0;
      }
      case 'vpn-service': {
        const router = await resolve<Router>(n, 'router', side.router, `the router of ${side.prefix}`);
        const service = await byName(n, 'vpnservices', serviceShape, vpnResourceNames(side).service);
        return service?.router_id === router.id;
      }
      case 'vpn-endpoint-groups': {
        const g = await endpointGroups(cloud, side);
        return g.local?.type === 'subnet' && sameSet(g.local.endpoints, g.localIds) && g.peer?.type === 'cidr' && sameSet(g.peer.endpoints, g.peerCidrs);
      }
      case 'vpn-connection': {
        const now = await connectionNow(cloud, side);
        if (!now) return false;
        const { wanted } = await connectionWanted(cloud, side);
        return differing(wanted, now.connection).length === 0 && now.pskMatches;
      }
    }
    throw new CwError('INVALID_INPUT', `The OpenStack VPN executor has no operation ${c.op}.`);
  };

  return {
    describe(c) {
      if (c.op === 'vpn-connections-exist') {
        const [a, b] = parsePair(c);
        return `neutron in ${a.region} and ${b.region}: IPsec site connections ${vpnResourceNames(a).connection} and ${vpnResourceNames(b).connection} exist (status reported)`;
      }
      const side = parseSide(c);
      const names = vpnResourceNames(side);
      const where = `neutron in ${side.region}`;
      switch (c.op) {
        case 'vpn-policies':
          return `${where}: ensure IKE policy ${names.ike} (${side.ike.version}, ${side.ike.encryption}, ${side.ike.auth}, ${side.ike.pfs}, ${side.ike.lifetimeSeconds} s) and IPsec policy ${names.ipsec} (esp, tunnel, ${side.ipsec.encryption}, ${side.ipsec.auth}, ${side.ipsec.pfs}, ${side.ipsec.lifetimeSeconds} s)`;
        case 'vpn-service':
          return `${where}: ensure VPN service ${names.service} on router ${side.router}`;
        case 'vpn-endpoint-groups':
          return `${where}: ensure endpoint groups ${names.local} (subnets ${side.subnets.join(', ')}) and ${names.peer} (CIDRs of ${side.peerRegion}'s ${side.peerSubnets.join(', ')})`;
        default:
          return `${where}: ensure IPsec site connection ${names.connection} to the gateway of ${side.peerRegion}'s router ${side.peerRouter} (initiator bi-directional${side.mtu !== undefined ? `, MTU ${side.mtu}` : ''}; pre-shared key: secret ${side.pskSecret})`;
      }
    },
    check,
    async act(c, ctx) {
      const cloud = await cloudNow();
      const side = parseSide(c);
      const n = cloud.neutron(side.region);
      const names = vpnResourceNames(side);
      const say = (line: string) => ctx.log(`${side.region}: ${line}`, 'stdout');
      switch (c.op) {
        case 'vpn-policies': {
          const p = await policies(n, side);
          const ensure = async (kind: 'ikepolicies' | 'ipsecpolicies', label: string, have: { id: string; name: string } | undefined, diff: string[] | undefined, wanted: Record<string, unknown>) => {
            if (!have) {
              const made = await n.create(kind, wanted as never);
              say(`${label} ${wanted.name as string} created (${made.id})`);
              return;
            }
            if (!diff?.length) return say(`${label} ${have.name} unchanged`);
            const used = shaped(connectionShape, 'ipsec_site_connections', await n.read('/v2.0/vpn/ipsec-site-connections', { [kind === 'ikepolicies' ? 'ikepolicy_id' : 'ipsecpolicy_id']: have.id }), n.label);
            if (used.length) {
              throw new CwError('CONFLICT', `${label} ${have.name} in ${side.region} differs from the workspace (${diff.join(', ')}), but neutron cannot change a policy that a connection uses (${used.map((u) => u.name).join(', ')}). Delete ${used.map((u) => u.name).join(', ')} in ${side.region}, then run the plan again: it updates the policy and recreates the connection.`);
            }
            await n.update(kind, have.id, Object.fromEntries(diff.map((k) => [k, wanted[k]])) as never);
            say(`${label} ${have.name} updated (${diff.join(', ')})`);
          };
          await ensure('ikepolicies', 'IKE policy', p.ike, p.ikeDiff, wantedIke(side));
          await ensure('ipsecpolicies', 'IPsec policy', p.ipsec, p.ipsecDiff, wantedIpsec(side));
          return;
        }
        case 'vpn-service': {
          const router = await resolve<Router>(n, 'router', side.router, `the router of ${side.prefix}`);
          const service = await byName(n, 'vpnservices', serviceShape, names.service);
          if (!service) {
            const made = await n.create('vpnservices', { name: names.service, router_id: router.id });
            return say(`VPN service ${names.service} created on router ${router.name || router.id} (${made.id})`);
          }
          if (service.router_id !== router.id) {
            throw new CwError('CONFLICT', `VPN service ${names.service} in ${side.region} runs on router ${service.router_id}, not on ${side.router} (${router.id}); neutron cannot move a VPN service to another router. Delete its connection ${names.connection} and the service, then run the plan again.`);
          }
          return say(`VPN service ${names.service} unchanged`);
        }
        case 'vpn-endpoint-groups': {
          const g = await endpointGroups(cloud, side);
          const ensure = async (label: string, groupName: string, type: 'subnet' | 'cidr', have: z.output<typeof groupShape> | undefined, endpoints: string[]) => {
            if (!have) {
              const made = await n.create('endpoint-groups', { name: groupName, type, endpoints });
              return say(`endpoint group ${groupName} created (${label}: ${endpoints.join(', ')}; ${made.id})`);
            }
            if (have.type === type && sameSet(have.endpoints, endpoints)) return say(`endpoint group ${groupName} unchanged`);
            throw new CwError('CONFLICT', `Endpoint group ${groupName} in ${side.region} holds ${have.type} ${have.endpoints.join(', ') || '(none)'}, but the workspace now wants ${type} ${endpoints.join(', ')}; neutron cannot change an endpoint group's endpoints. Delete the connection ${names.connection} and the group ${groupName} in ${side.region}, then run the plan again.`);
          };
          await ensure('local subnets', names.local, 'subnet', g.local, g.localIds);
          await ensure(`${side.peerRegion}'s CIDRs`, names.peer, 'cidr', g.peer, g.peerCidrs);
          return;
        }
        case 'vpn-connection': {
          const { wanted } = await connectionWanted(cloud, side);
          const now = await connectionNow(cloud, side);
          if (!now) {
            const made = await n.create('ipsec-site-connections', { ...wanted, psk: await psk(cloud, side) } as never);
            return say(`IPsec site connection ${names.connection} created to ${wanted.peer_address} (${made.id}; status ${made.status.slice(0, 32)})`);
          }
          const diff = differing(wanted, now.connection);
          if (!diff.length && now.pskMatches) return say(`IPsec site connection ${names.connection} unchanged`);
          const what = [...diff, ...(now.pskMatches ? [] : ['pre-shared key'])];
          const fixed = diff.filter((k) => k === 'vpnservice_id' || k === 'ikepolicy_id' || k === 'ipsecpolicy_id');
          if (fixed.length) throw new CwError('CONFLICT', `IPsec site connection ${names.connection} in ${side.region} uses another ${fixed.map((k) => k.replace(/_id$/, '')).join(', ')} than the plan's; neutron cannot change that on a connection. Delete ${names.connection} in ${side.region}, then run the plan again.`);
          if (pending(now.connection.status)) {
            throw new CwError('CONFLICT', `IPsec site connection ${names.connection} in ${side.region} differs from the workspace (${what.join(', ')}), but it is ${now.connection.status}: neutron refuses to change a connection no VPN agent has taken up yet. Delete it in ${side.region}, then run the plan again.`);
          }
          const body: Record<string, unknown> = Object.fromEntries(diff.map((k) => [k, (wanted as Record<string, unknown>)[k]]));
          if (!now.pskMatches) body.psk = await psk(cloud, side);
          await n.update('ipsec-site-connections', now.connection.id, body as never);
          return say(`IPsec site connection ${names.connection} updated (${what.join(', ')})`);
        }
      }
      throw new CwError('INVALID_INPUT', `The OpenStack VPN executor has no operation ${c.op}.`);
    },
  };
}
