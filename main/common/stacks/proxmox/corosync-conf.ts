// corosync.conf as Proxmox VE reads and writes it (PVE::Corosync): parse, render with sorted keys,
// create a cluster, add a node with Proxmox's refusals, QDevice sections and totem settings.
import { CwError } from '../../errors.js';

/** A corosync.conf section: values are strings, `node` and `interface` repeat (arrays). */
export interface CorosyncSection {
  [key: string]: string | CorosyncSection | CorosyncSection[];
}

/** Link numbers corosync/knet support (PVE: link0..link7). */
export const maxLinkIndex = 7;
const repeatedSections = new Set(['node', 'interface']);

/** The link property string PVE takes for `linkN` (`[address=]<IP>[,priority=<0-255>]`). */
export interface CorosyncLink {
  address: string;
  priority?: number;
}

export type LinkMap = Partial<Record<number, CorosyncLink>>;

/** Parses corosync.conf the way PVE's "very simple parser" does (comments, braces, `key: value`). */
export function parseCorosyncConf(raw: string): CorosyncSection {
  const text = raw.replace(/#.*$/gm, '').replace(/\r?\n/g, ' ').replace(/\s+/g, ' ').trim();
  const tokens = text === '' ? [] : text.split(' ');
  const main: CorosyncSection = {};
  const stack: CorosyncSection[] = [];
  let section = main;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i]!;
    const next = tokens[i + 1];
    if (next === '{') {
      i++;
      const child: CorosyncSection = {};
      const existing = section[token];
      if (repeatedSections.has(token)) {
        if (existing === undefined) section[token] = [child];
        else (existing as CorosyncSection[]).push(child);
      } else if (existing === undefined) {
        section[token] = child;
      } else {
        throw new CwError('INVALID_INPUT', `corosync.conf: section '${token}' appears twice and is not a repeatable section.`);
      }
      stack.push(section);
      section = child;
      continue;
    }
    if (token === '}') {
      const up = stack.pop();
      if (!up) throw new CwError('INVALID_INPUT', "corosync.conf: unexpected '}'.");
      section = up;
      continue;
    }
    if (!token.endsWith(':')) throw new CwError('INVALID_INPUT', `corosync.conf: missing ':' after key '${token}'.`);
    if (next === undefined) throw new CwError('INVALID_INPUT', `corosync.conf: no value for '${token.slice(0, -1)}'.`);
    section[token.slice(0, -1)] = next;
    i++;
  }
  if (stack.length) throw new CwError('INVALID_INPUT', "corosync.conf: a section is not closed with '}'.");
  return main;
}

/** Renders like PVE's write_conf: keys sorted, two-space indent, a blank line after each top-level section. */
export function renderCorosyncConf(main: CorosyncSection): string {
  const dump = (section: CorosyncSection, prefix: string): string => {
    let out = '';
    for (const key of Object.keys(section).sort()) {
      const v = section[key]!;
      if (Array.isArray(v)) {
        for (const child of v) out += `${prefix}${key} {\n${dump(child, `${prefix}  `)}${prefix}}\n`;
      } else if (typeof v === 'object') {
        out += `${prefix}${key} {\n${dump(v, `${prefix}  `)}${prefix}}\n`;
        if (!prefix) out += '\n';
      } else {
        out += `${prefix}${key}: ${v}\n`;
      }
    }
    return out;
  };
  return dump(sortRepeated(main), '');
}

/** PVE keeps nodes keyed by name and interfaces by link number, and dumps them sorted (as strings). */
function sortRepeated(main: CorosyncSection): CorosyncSection {
  const copy = cloneSection(main);
  const nodelist = copy.nodelist as CorosyncSection | undefined;
  if (nodelist && Array.isArray(nodelist.node)) nodelist.node.sort((a, b) => cmp(String(a.name ?? a.ring0_addr), String(b.name ?? b.ring0_addr)));
  const totem = copy.totem as CorosyncSection | undefined;
  if (totem && Array.isArray(totem.interface)) totem.interface.sort((a, b) => cmp(String(a.linknumber ?? a.ringnumber), String(b.linknumber ?? b.ringnumber)));
  return copy;
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Deep copy of a section tree (main/common has no structuredClone in its lib). */
export function cloneSection(section: CorosyncSection): CorosyncSection {
  const out: CorosyncSection = {};
  for (const [k, v] of Object.entries(section)) out[k] = Array.isArray(v) ? v.map(cloneSection) : typeof v === 'object' ? cloneSection(v) : v;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Typed views

export interface CorosyncNodeEntry {
  name: string;
  nodeid: number;
  quorumVotes: number;
  /** Link number → address (`ringN_addr`). */
  links: Record<number, string>;
}

export function sectionOf(main: CorosyncSection, key: string): CorosyncSection {
  const v = main[key];
  if (v === undefined) {
    const created: CorosyncSection = {};
    main[key] = created;
    return created;
  }
  if (typeof v !== 'object' || Array.isArray(v)) throw new CwError('INVALID_INPUT', `corosync.conf: '${key}' is not a section.`);
  return v;
}

function nodeSections(main: CorosyncSection): CorosyncSection[] {
  const nodelist = main.nodelist;
  if (!nodelist || typeof nodelist !== 'object' || Array.isArray(nodelist)) return [];
  const nodes = nodelist.node;
  return Array.isArray(nodes) ? nodes : [];
}

export function corosyncNodes(main: CorosyncSection): CorosyncNodeEntry[] {
  return nodeSections(main).map((n) => {
    const links: Record<number, string> = {};
    for (const [k, v] of Object.entries(n)) {
      const m = /^(?:ring|link)(\d+)_addr$/.exec(k);
      if (m && typeof v === 'string') links[Number(m[1])] = v;
    }
    return { name: String(n.name ?? n.ring0_addr), nodeid: Number(n.nodeid), quorumVotes: Number(n.quorum_votes ?? 1), links };
  });
}

export function clusterName(main: CorosyncSection): string | undefined {
  const totem = main.totem as CorosyncSection | undefined;
  return typeof totem?.cluster_name === 'string' ? totem.cluster_name : undefined;
}

export function configVersion(main: CorosyncSection): number {
  const totem = main.totem as CorosyncSection | undefined;
  return Number(totem?.config_version ?? NaN);
}

/** Link numbers the totem section declares an `interface` for. */
export function interfaceLinks(main: CorosyncSection): number[] {
  const totem = main.totem as CorosyncSection | undefined;
  const ifaces = totem?.interface;
  if (!Array.isArray(ifaces)) return [];
  return ifaces.map((i) => Number(i.linknumber ?? i.ringnumber)).sort((a, b) => a - b);
}

/** PVE bumps `config_version` on every write (atomic_write_conf); corosync refuses a reload that does not. */
export function bumpConfigVersion(main: CorosyncSection): CorosyncSection {
  const totem = sectionOf(main, 'totem');
  const version = Number(totem.config_version);
  if (!Number.isInteger(version)) throw new CwError('INVALID_INPUT', 'invalid corosync config: unable to read config version');
  totem.config_version = String(version + 1);
  return main;
}

export interface CreateClusterInput {
  clusterName: string;
  nodeName: string;
  nodeid?: number;
  votes?: number;
  /** link number → link; when empty, PVE falls back to the node's own IP as link0. */
  links: LinkMap;
  fallbackAddress?: string;
  tokenCoefficient?: number;
}

/** PVE::Corosync::create_conf, at config_version 0 (the first write bumps it to 1). */
export function createClusterConf(input: CreateClusterInput): CorosyncSection {
  const links: LinkMap = { ...input.links };
  if (Object.keys(links).length === 0) {
    if (!input.fallbackAddress) throw new CwError('INVALID_INPUT', 'No corosync link given and no local address to fall back to: pass link0.');
    links[0] = { address: input.fallbackAddress };
  }
  const node: CorosyncSection = { name: input.nodeName, nodeid: String(input.nodeid ?? 1), quorum_votes: String(input.votes ?? 1) };
  const interfaces: CorosyncSection[] = [];
  for (const [n, link] of Object.entries(links)) {
    if (!link) continue;
    const iface: CorosyncSection = { linknumber: n };
    if (link.priority) iface.knet_link_priority = String(link.priority);
    interfaces.push(iface);
    node[`ring${n}_addr`] = link.address;
  }
  const totem: CorosyncSection = {
    version: '2',
    secauth: 'on',
    cluster_name: input.clusterName,
    config_version: '0',
    ip_version: 'ipv4-6',
    link_mode: 'passive',
    interface: interfaces,
  };
  if (input.tokenCoefficient !== undefined) totem.token_coefficient = String(input.tokenCoefficient);
  return {
    totem,
    nodelist: { node: [node] },
    quorum: { provider: 'corosync_votequorum' },
    logging: { to_syslog: 'yes', debug: 'off' },
  };
}

/** PVE::Corosync::verify_conf errors: every node has an address for every interface and vice versa. */
export function verifyCorosyncConf(main: CorosyncSection): string[] {
  const errors: string[] = [];
  const nodes = corosyncNodes(main);
  if (nodes.length === 0) return ['no nodes found'];
  if (!main.totem) return ['no totem found'];
  const ifaces = new Set(interfaceLinks(main));
  for (let link = 0; link <= maxLinkIndex; link++) {
    for (const node of [...nodes].sort((a, b) => cmp(a.name, b.name))) {
      const has = node.links[link] !== undefined;
      if (ifaces.size > 0) {
        if (has && !ifaces.has(link)) errors.push(`node '${node.name}' has 'ring${link}_addr', but there is no interface number ${link} configured`);
        if (!has && ifaces.has(link)) errors.push(`node '${node.name}' is missing address for interface number ${link}`);
      } else if (!has && nodes.some((n) => n.links[link] !== undefined)) {
        errors.push(`node '${node.name}' is missing link ${link}, which is configured on other nodes`);
      }
    }
  }
  return errors;
}

export interface AddNodeInput {
  name: string;
  nodeid?: number;
  votes?: number;
  links: LinkMap;
  /** Used only when no link is given and the cluster has exactly one link (PVE's new_node_ip). */
  newNodeIp?: string;
  force?: boolean;
}

/**
 * PVE's addnode: refuses what Proxmox refuses (a reused address, a link count that does not match
 * the cluster's, an existing node name) and returns the new configuration, version not yet bumped.
 */
export function addNodeToConf(current: CorosyncSection, input: AddNodeInput): { conf: CorosyncSection; nodeid: number } {
  const errors = verifyCorosyncConf(current);
  if (errors.length) throw new CwError('CONFLICT', `invalid corosync.conf: ${errors.join('; ')}`, { errors });
  const conf = cloneSection(current);
  const nodes = corosyncNodes(conf);
  const links: LinkMap = { ...input.links };
  for (const link of Object.values(links)) {
    if (!link) continue;
    for (const other of nodes) {
      if (other.name === input.name) continue;
      for (const [n, addr] of Object.entries(other.links)) {
        if (addr === link.address) throw new CwError('CONFLICT', `corosync: address '${link.address}' already used on link ring${n}_addr by node '${other.name}'`);
      }
    }
  }
  const clusterLinks = Object.keys(nodes[0]!.links).map(Number);
  if (Object.keys(links).length > 0) {
    for (let n = 0; n <= maxLinkIndex; n++) {
      const inCluster = clusterLinks.includes(n);
      const given = links[n] !== undefined;
      if (inCluster && !given) throw new CwError('CONFLICT', `corosync: link ${n} exists in cluster config but wasn't specified for new node`);
      if (!inCluster && given) throw new CwError('CONFLICT', `corosync: link ${n} specified for new node doesn't exist in cluster config`);
    }
  } else {
    if (!input.newNodeIp) throw new CwError('INVALID_INPUT', 'no links and no fallback ip (new_node_ip) given, cannot join cluster');
    if (clusterLinks.length !== 1) throw new CwError('CONFLICT', 'no links given but multiple links found on other nodes, fallback only supported on single-link clusters');
    links[clusterLinks[0]!] = { address: input.newNodeIp };
  }
  let nodeid = input.nodeid;
  let votes = input.votes;
  const existing = nodes.find((n) => n.name === input.name);
  if (existing) {
    nodeid ??= existing.nodeid;
    votes ??= existing.quorumVotes;
    if (!(existing.quorumVotes === votes && existing.nodeid === nodeid && input.force)) throw new CwError('CONFLICT', `can't add existing node '${input.name}'`);
  } else if (!nodeid) {
    nodeid = 1;
    while (nodes.some((n) => n.nodeid === nodeid)) nodeid++;
  }
  votes ??= 1;
  const entry: CorosyncSection = { nodeid: String(nodeid), name: input.name };
  if (votes) entry.quorum_votes = String(votes);
  for (const [n, link] of Object.entries(links)) if (link) entry[`ring${n}_addr`] = link.address;
  const nodelist = sectionOf(conf, 'nodelist');
  const list = nodeSections(conf).filter((n) => String(n.name) !== input.name);
  list.push(entry);
  nodelist.node = list;
  return { conf, nodeid: nodeid! };
}

/** Removes a node by name or ring0/ring1 address (PVE's delnode); throws when it is not a member. */
export function removeNodeFromConf(current: CorosyncSection, nameOrAddress: string): { conf: CorosyncSection; removed: CorosyncNodeEntry } {
  const conf = cloneSection(current);
  const nodes = corosyncNodes(conf);
  const removed = nodes.find((n) => n.name === nameOrAddress || n.links[0] === nameOrAddress || n.links[1] === nameOrAddress);
  if (!removed) throw new CwError('NOT_FOUND', `Node/IP: ${nameOrAddress} is not a known host of the cluster.`);
  sectionOf(conf, 'nodelist').node = nodeSections(conf).filter((n) => String(n.name) !== removed.name);
  return { conf, removed };
}

export interface QdeviceSettings {
  host: string;
  /** ffsplit for an even node count (votes 1); lms only when forced on an odd count. */
  algorithm: 'ffsplit' | 'lms';
}

/** The `quorum.device` section `pvecm qdevice setup` writes. */
export function withQdevice(current: CorosyncSection, q: QdeviceSettings): CorosyncSection {
  const conf = cloneSection(current);
  const quorum = sectionOf(conf, 'quorum');
  if (quorum.device !== undefined) throw new CwError('CONFLICT', 'Qdevice already configured, must be removed before setting up new one!');
  const device: CorosyncSection = { model: 'net', net: { tls: 'on', host: q.host, algorithm: q.algorithm } };
  if (q.algorithm === 'ffsplit') device.votes = '1';
  quorum.device = device;
  return conf;
}

export function withoutQdevice(current: CorosyncSection): CorosyncSection {
  const conf = cloneSection(current);
  const quorum = sectionOf(conf, 'quorum');
  if (quorum.device === undefined) throw new CwError('CONFLICT', 'No QDevice configured!');
  delete quorum.device;
  return conf;
}

export function qdeviceHost(main: CorosyncSection): string | undefined {
  const device = (main.quorum as CorosyncSection | undefined)?.device as CorosyncSection | undefined;
  const netSection = device?.net as CorosyncSection | undefined;
  return typeof netSection?.host === 'string' ? netSection.host : undefined;
}

/** Sets (or, with undefined, removes) totem keys such as token, token_coefficient, consensus, join. */
export function withTotem(current: CorosyncSection, values: Record<string, number | string | undefined>): CorosyncSection {
  const conf = cloneSection(current);
  const totem = sectionOf(conf, 'totem');
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) delete totem[k];
    else totem[k] = String(v);
  }
  return conf;
}

/** `address=1.2.3.4,priority=10` → link; the inverse of PVE's print_corosync_link. */
export function formatLink(link: CorosyncLink): string {
  return link.priority === undefined ? `address=${link.address}` : `address=${link.address},priority=${link.priority}`;
}

export function parseLink(text: string): CorosyncLink {
  const link: Partial<CorosyncLink> = {};
  for (const part of text.split(',')) {
    if (part.trim() === '') continue;
    const kv = /^([^=]+)=(.+)$/.exec(part);
    if (!kv) link.address = part;
    else if (kv[1] === 'address') link.address = kv[2];
    else if (kv[1] === 'priority') link.priority = Number(kv[2]);
    else throw new CwError('INVALID_INPUT', `invalid key in corosync link '${text}': ${kv[1]}`);
  }
  if (!link.address) throw new CwError('INVALID_INPUT', `corosync link '${text}' has no address`);
  return link as CorosyncLink;
}
