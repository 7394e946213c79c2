// Rules for every stack: separate networks per kind of traffic, and addresses inside their network.
import { cidrContains, cidrsOverlap, parseCidr, parseIp } from '../ip.js';
import { trafficKindsOf, type StackList } from '../../stacks/compose.js';
import type { Network } from '../schema.js';
import { nodeRef } from './context.js';
import { cidrNotation, separateNetworks as separateNetworksSource } from './sources.js';
import type { FindingDraft, Rule } from './types.js';

/** Traffic kinds the seed wants on separate networks, per network role (each stack says what its roles carry). */
export const trafficKinds: Readonly<Record<string, string>> = trafficKindsOf();

/** The rule for the roles of a list of stacks (a test's own stack adds its roles). */
export function separateNetworksFor(list?: StackList): Rule {
  const kindOfRole = list ? trafficKindsOf(list) : trafficKinds;
  const kindsOf = (network: Network): Set<string> => new Set(network.roles.map((r) => kindOfRole[r] ?? r));
  return {
    id: 'general.separate-networks',
    stack: 'general',
    title: 'Separate networks for cluster control, VM traffic, storage and management',
    source: separateNetworksSource,
    check(ctx) {
      const findings: FindingDraft[] = [];
      const networks = ctx.workspace.networks;
      networks.forEach((network, i) => {
        const kinds = kindsOf(network);
        if (kinds.size > 1) {
          findings.push({
            severity: 'warning',
            message: `Network ${network.name} carries ${[...kinds].join(', ')} (roles ${network.roles.join(', ')}): one kind of traffic can starve the others.`,
            elements: [{ kind: 'network', name: network.name }],
            paths: [`networks[${i}].roles`],
            remedy: 'Give each kind of traffic its own network (a NIC or at least a VLAN), or accept the sharing knowingly in a small lab.',
            action: { id: 'open-networks' },
            figures: { kinds: kinds.size },
          });
        }
      });
      for (let i = 0; i < networks.length; i++) {
        for (let j = i + 1; j < networks.length; j++) {
          const a = networks[i]!;
          const b = networks[j]!;
          const kindsA = kindsOf(a);
          const differ = [...kindsOf(b)].some((k) => !kindsA.has(k));
          if (!differ) continue;
          const ca = a.cidr ? parseCidr(a.cidr) : undefined;
          const cb = b.cidr ? parseCidr(b.cidr) : undefined;
          const overlap = ca && cb && cidrsOverlap(ca, cb);
          const sameAddress = ctx.workspace.nodes.filter((n) => n.addresses[a.name] !== undefined && n.addresses[a.name] === n.addresses[b.name]).map((n) => n.name);
          if (!overlap && sameAddress.length === 0) continue;
          findings.push({
            severity: 'warning',
            message: `Networks ${a.name} (${[...kindsA].join(', ')}) and ${b.name} (${[...kindsOf(b)].join(', ')}) are the same network in practice: ${overlap ? `their prefixes ${a.cidr} and ${b.cidr} overlap` : `${sameAddress.join(', ')} use${sameAddress.length === 1 ? 's' : ''} one address on both`}.`,
            elements: [{ kind: 'network', name: a.name }, { kind: 'network', name: b.name }, ...sameAddress.map(nodeRef)],
            paths: [`networks[${i}]`, `networks[${j}]`],
            remedy: 'Put each kind of traffic on its own subnet and interface, or merge the two networks into one that carries both.',
            action: { id: 'open-networks' },
            ...(sameAddress.length ? { figures: { nodesSharing: sameAddress.length } } : {}),
          });
        }
      }
      return findings;
    },
  };
}

export const separateNetworks: Rule = separateNetworksFor();

export const addressInNetwork: Rule = {
  id: 'general.address-in-network',
  stack: 'general',
  title: 'Each address lies inside its network\'s prefix',
  source: cidrNotation,
  check(ctx) {
    const findings: FindingDraft[] = [];
    ctx.workspace.nodes.forEach((node, i) => {
      for (const [name, address] of Object.entries(node.addresses)) {
        const network = ctx.network(name);
        const prefix = network?.cidr ? parseCidr(network.cidr) : undefined;
        const ip = parseIp(address);
        if (!prefix || !ip || cidrContains(prefix, ip)) continue;
        findings.push({
          severity: 'warning',
          message: `Node ${node.name} has address ${address} on network ${name}, which is outside its prefix ${network!.cidr}.`,
          elements: [nodeRef(node.name), { kind: 'network', name }],
          paths: [`nodes[${i}].addresses.${name}`],
          remedy: `Correct ${node.name}'s address on ${name}, or the prefix of network ${name} if that is the one that is wrong.`,
        });
      }
    });
    return findings;
  },
};

export const generalRules: Rule[] = [separateNetworks, addressInNetwork];

export function generalRulesFor(list?: StackList): Rule[] {
  return list ? [separateNetworksFor(list), addressInNetwork] : generalRules;
}
