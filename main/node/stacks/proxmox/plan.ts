// Proxmox VE cluster plans for the engine: prechecks, create with all links, WAN totem tuning,
// sequential joins, quorum wait, QDevice and HA — each step with a precheck so a re-run changes nothing.
import { CwError } from '../../../common/errors.js';
import type { PlanInput, StepInput } from '../../../common/plan/schema.js';
import { formatLink } from '../../../common/stacks/proxmox/corosync-conf.js';
import { parseCidr } from '../../../common/workspace/ip.js';
import { checkIpAddress, checkSecretId, checkSshHost, checkUserName, zoneOf } from '../../../common/workspace/names.js';
import { checkPveClusterName, checkPveNodeName, pveClusterNameMax } from '../../../common/stacks/proxmox/names.js';
import { shellCommand, shellQuote } from '../../ssh/shell-quote.js';

export interface PlannedPveNode {
  name: string;
  /** How the engine reaches the node over SSH. */
  ssh: { address: string; port?: number; user?: string };
  /** Corosync link addresses, link0 first. */
  links: string[];
  /** The app cannot reach this node: the admin joins it with the join information, the plan waits for it. */
  manual?: boolean;
}

export interface ProxmoxClusterPlanInput {
  clusterName: string;
  /** The first node creates the cluster; the others join it in this order. */
  nodes: PlannedPveNode[];
  /** knet priority per link number (passive mode); undefined keeps Proxmox's default for that link. */
  linkPriorities?: (number | undefined)[];
  /** SHA-256 fingerprint of the first node's API certificate, as the admin confirmed it. */
  fingerprint: string;
  /** Secret id of the first node's root@pam password (joins log in with it). */
  rootPasswordSecret: string;
  tokenCoefficient?: number;
  /** Totem keys from the WAN tuning (token, consensus, join…); written before any node joins. */
  totem?: Record<string, number>;
  /** A corosync-qnetd host at a third site, for an even node count (the first node needs SSH to it as root). */
  qdevice?: { address: string };
  /** Cluster-wide migration network (datacenter.cfg `migration: type=secure,network=CIDR`). */
  migrationNetwork?: string;
  /** HA: groups on PVE 8, node-affinity rules on PVE 9 (by the release the nodes report). */
  ha?: { release: string; name: string; resources: string[]; nodes: string[] };
}

const sh = (text: string): { sh: string } => ({ sh: text });

/** A regular expression (ERE) that matches `text` literally. */
export function ereLiteral(text: string): string {
  return text.replace(/[\\.[\]()*+?{}|^$]/g, '\\$&');
}

/** Exit 0 when TCP `port` on `address` accepts a connection within 5 s; the address reaches bash as an argument, never as script text. */
export function tcpOpenCheck(address: string, port: number): string {
  return shellCommand('timeout', '5', 'bash', '-c', 'exec 3<>"/dev/tcp/$1/$2"', 'cw-tcp-check', address, String(port));
}

/** Prints a message on stderr and fails; printf, not echo, so that no part of the text is read as an option or escape. */
function failWith(text: string): string {
  return `{ printf '%s\\n' ${shellQuote(text)} >&2; exit 1; }`;
}

/** A step id for a node: node names are host names (case-insensitive), step ids lower-case. */
function stepId(prefix: string, node: string): string {
  return `${prefix}-${node.toLowerCase()}`;
}

/**
 * Refuses what Proxmox (or a shell) would read as something else, before any step exists: the workspace's
 * validation refuses all of it first, so this only fires for input that went around it.
 */
function checkInput(input: ProxmoxClusterPlanInput): void {
  const refuse = (what: string, value: string, expected: string) => {
    throw new CwError('INVALID_INPUT', `A Proxmox cluster plan needs ${what} to be ${expected}; found ${JSON.stringify(value.slice(0, 80))}.`, { field: what });
  };
  const nameProblem = checkPveClusterName(input.clusterName);
  if (nameProblem) refuse('the cluster name', input.clusterName, nameProblem);
  if (input.clusterName.length > pveClusterNameMax) refuse('the cluster name', input.clusterName, `at most ${pveClusterNameMax} characters (pvecm)`);
  if (!/^([0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2}$/.test(input.fingerprint)) refuse('the certificate fingerprint', input.fingerprint, 'a SHA-256 fingerprint (AA:BB:…)');
  const secretProblem = checkSecretId(input.rootPasswordSecret);
  if (secretProblem) refuse('the root password secret id', input.rootPasswordSecret, secretProblem);
  const seen = new Set<string>();
  for (const n of input.nodes) {
    const problem = checkPveNodeName(n.name);
    if (problem) refuse('every node name', n.name, problem);
    if (seen.has(n.name.toLowerCase())) refuse('node names that differ in more than case', n.name, 'unique');
    seen.add(n.name.toLowerCase());
    const hostProblem = checkSshHost(n.ssh.address);
    if (hostProblem) refuse(`the SSH address of ${n.name}`, n.ssh.address, hostProblem);
    if (n.ssh.user !== undefined && checkUserName(n.ssh.user)) refuse(`the SSH user of ${n.name}`, n.ssh.user, checkUserName(n.ssh.user)!);
    for (const address of n.links) {
      const linkProblem = checkIpAddress(address) ?? (zoneOf(address) !== undefined ? 'an address without an IPv6 zone id (Proxmox refuses one)' : undefined);
      if (linkProblem) refuse(`every corosync link address of ${n.name}`, address, linkProblem);
    }
  }
  if (input.qdevice) {
    // pvecm qdevice setup takes an IP address (its `ip` format), without a zone id.
    const problem = checkIpAddress(input.qdevice.address) ?? (zoneOf(input.qdevice.address) !== undefined ? 'an address without an IPv6 zone id' : undefined);
    if (problem) refuse('the QDevice address', input.qdevice.address, problem);
  }
  if (input.migrationNetwork !== undefined && !parseCidr(input.migrationNetwork)) refuse('the migration network', input.migrationNetwork, 'a CIDR prefix such as 10.0.0.0/24');
  if (input.ha) {
    if (!/^[a-z][a-z0-9_-]+$/i.test(input.ha.name)) refuse('the HA rule name', input.ha.name, 'a Proxmox config id (a letter, then letters, digits, "_" or "-")');
    for (const node of input.ha.nodes) if (checkPveNodeName(node)) refuse('every HA node', node, checkPveNodeName(node)!);
    for (const resource of input.ha.resources) if (!/^(vm|ct):[1-9][0-9]{2,8}$/.test(resource)) refuse('every HA resource', resource, 'vm:VMID or ct:VMID');
  }
  for (const [key, value] of Object.entries(input.totem ?? {})) {
    if (!/^[a-z_]+$/.test(key) || !Number.isInteger(value) || value < 0) refuse('the totem settings', `${key}: ${value}`, 'known keys with whole numbers');
  }
}

/** Exit 0 when this node's running corosync belongs to the named cluster. */
export function inClusterCheck(clusterName: string): string {
  return `timeout 3 corosync-cmapctl -g totem.cluster_name 2>/dev/null | grep -qxF -- ${shellQuote(`totem.cluster_name (str) = ${clusterName}`)}`;
}

/** Exit 0 when corosync is quorate with at least `votes` votes. */
export function quorateCheck(votes: number): string {
  return `out=$(timeout 3 corosync-quorumtool -s) && printf '%s\\n' "$out" | awk '/^Total votes:/ { exit !($3 >= ${votes}) }'`;
}

/**
 * Exit 0 when totem is not re-forming: `stats.srp.commit_token_lost` does not move over `seconds`.
 * corosync-quorumtool can keep saying "Quorate: Yes" while totem is stuck re-forming (seen at RTT ≥ token).
 */
/** Exit 0 when the running cluster's nodelist names this node (it has joined). */
export function inNodelistCheck(node: string): string {
  return `timeout 3 corosync-cmapctl nodelist.node 2>/dev/null | grep -qE -- ${shellQuote(`^nodelist\\.node\\.[0-9]+\\.name \\(str\\) = ${ereLiteral(node)}$`)}`;
}

export function stableMembershipCheck(seconds: number): string {
  const read = `timeout 3 corosync-cmapctl -m stats -g stats.srp.commit_token_lost | awk '{ print $NF }'`;
  return `a=$(${read}) && [ -n "$a" ] && sleep ${seconds} && b=$(${read}) && [ "$a" = "$b" ]`;
}

/** An awk edit of corosync.conf's totem section: set keys, bump config_version (as PVE asks admins to). */
function totemEdit(file: string, totem: Record<string, number>): string {
  const sets = Object.entries(totem)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const script = [
    'BEGIN { n = split(sets, kv, " "); for (i = 1; i <= n; i++) { split(kv[i], p, "="); want[p[1]] = p[2] } }',
    '/^totem \\{/ { intotem = 1; depth = 0 }',
    'intotem && /\\{/ { depth++ }',
    'intotem && /\\}/ { depth--; if (depth == 0) { for (k in want) if (!(k in done)) print "  " k ": " want[k]; intotem = 0 } }',
    'intotem && depth == 1 && $1 == "config_version:" { print "  config_version: " ($2 + 1); next }',
    'intotem && depth == 1 { key = $1; sub(/:$/, "", key); if (key in want) { print "  " key ": " want[key]; done[key] = 1; next } }',
    '{ print }',
  ].join('\n');
  return `set -e; f=${shellQuote(file)}; awk -v ${shellQuote(`sets=${sets}`)} ${shellQuote(script)} "$f" > "$f.new"; mv -- "$f.new" "$f"`;
}

function totemMatches(file: string, totem: Record<string, number>): string {
  return Object.entries(totem)
    .map(([k, v]) => `grep -qE -- ${shellQuote(`^ {2}${k}: ${v}$`)} ${shellQuote(file)}`)
    .join(' && ');
}

/** The plan that builds (or, run again, confirms) a Proxmox VE cluster. */
export function proxmoxClusterPlan(input: ProxmoxClusterPlanInput): PlanInput {
  const [first, ...joiners] = input.nodes;
  if (!first) throw new CwError('INVALID_INPUT', 'A Proxmox cluster plan needs at least one node.');
  const linkCount = first.links.length;
  if (linkCount < 1 || linkCount > 8) throw new CwError('INVALID_INPUT', `Node ${first.name} has ${linkCount} corosync links; Proxmox supports 1 to 8 (link0…link7).`);
  for (const n of input.nodes) {
    if (n.links.length !== linkCount) throw new CwError('INVALID_INPUT', `Node ${n.name} has ${n.links.length} corosync links but ${first.name} has ${linkCount}; Proxmox refuses a join whose links differ from the cluster's. Give every node the same links.`);
  }
  if (first.manual) throw new CwError('INVALID_INPUT', `${first.name} creates the cluster, so the app must reach it over SSH; only joining nodes can be joined by hand with the join information.`);
  checkInput(input);
  const inCluster = inClusterCheck(input.clusterName);
  const steps: StepInput[] = [];
  const reached = input.nodes.filter((n) => !n.manual);

  // 1. Prechecks on every node: the API answers, each link address is local, a joiner holds no guests and no corosync config.
  for (const [i, n] of input.nodes.entries()) {
    if (n.manual) continue;
    const fail = failWith;
    const checks = [
      `pvesh get /version --output-format json >/dev/null || ${fail(`The Proxmox VE API on ${n.name} does not answer (pvesh get /version). Is pveproxy running?`)}`,
      // Proxmox names a node after its hostname, which cannot change once it is in a cluster.
      // Proxmox uses the short name (a fully qualified hostname is fine).
      `h=$(hostname); [ "\${h%%.*}" = ${shellQuote(n.name)} ] || { printf '%s%s%s\\n' ${shellQuote(`${n.name}'s hostname is `)} "$h" ${shellQuote(`, but the workspace calls it ${n.name}: set the final hostname before it joins a cluster (it cannot change afterwards).`)} >&2; exit 1; }`,
      // The node name must resolve to one of its own, non-loopback addresses (pve-cluster refuses otherwise).
      `addr=$(getent hosts -- ${shellQuote(n.name)} | awk '{ print $1; exit }'); case "$addr" in '' | 127.* | ::1) printf '%s%s%s\\n' ${shellQuote(`${n.name} does not resolve to one of its own non-loopback addresses (got '`)} "$addr" ${shellQuote(`'): add it to /etc/hosts with its management address.`)} >&2; exit 1 ;; esac; ip -o addr show | grep -qwF -- "$addr" || { printf '%s%s%s\\n' ${shellQuote(`${n.name} resolves to `)} "$addr" ${shellQuote(', which is not on this node: fix /etc/hosts.')} >&2; exit 1; }`,
      ...n.links.map((a, l) => `ip -o addr show | grep -qwF -- ${shellQuote(a)} || ${fail(`link${l} address ${a} is not on ${n.name}`)}`),
      // Clocks: corosync and the cluster filesystem need them synchronised; a node without a time service gets a warning.
      `if command -v timedatectl >/dev/null 2>&1; then [ "$(timedatectl show -p NTPSynchronized --value 2>/dev/null)" = yes ] || printf '%s\\n' ${shellQuote(`warning: ${n.name}'s clock is not synchronised (timedatectl): enable chrony or systemd-timesyncd before joining.`)} >&2; elif command -v chronyc >/dev/null 2>&1; then chronyc -n tracking >/dev/null 2>&1 || printf '%s\\n' ${shellQuote(`warning: chrony on ${n.name} does not answer: check time synchronisation.`)} >&2; else printf '%s\\n' ${shellQuote(`warning: no time synchronisation service found on ${n.name} (chrony, systemd-timesyncd); corosync and pmxcfs need synchronised clocks.`)} >&2; fi`,
    ];
    if (i > 0) {
      // The joiner reaches the creator on link0 (SSH here; the API's port 8006 is checked by the join itself).
      checks.push(`${tcpOpenCheck(first.links[0]!, 22)} 2>/dev/null || ${fail(`${n.name} cannot open TCP port 22 on ${first.name}'s link0 address ${first.links[0]}: check routing and firewalls between the sites (corosync also needs UDP 5405-5412).`)}`);
    }
    if (input.qdevice && input.nodes.length % 2 === 0) {
      // Every node's corosync-qdevice connects to corosync-qnetd on TCP 5403; pvecm qdevice setup logs in there as root over SSH.
      const q = input.qdevice.address;
      checks.push(`${tcpOpenCheck(q, 5403)} 2>/dev/null || ${fail(`${n.name} cannot reach corosync-qnetd on ${q} (TCP 5403): install corosync-qnetd on the QDevice host and open TCP 5403 from every node.`)}`);
      if (i === 0) checks.push(`${tcpOpenCheck(q, 22)} 2>/dev/null || ${fail(`${n.name} cannot open SSH (TCP 22) on the QDevice host ${q}: pvecm qdevice setup logs in there as root (ssh-copy-id root@${q} first).`)}`);
    }
    checks.push(`test ! -e /etc/corosync/corosync.conf || ${fail(`${n.name} already has a corosync configuration: it is (or was) in another cluster. Remove it from that cluster first (pvecm delnode) and clean /etc/corosync.`)}`);
    if (i > 0) {
      checks.push(
        `guests=$(pvesh get ${shellQuote(`/nodes/${n.name}/qemu`)} --output-format=json) && [ "$guests" = "[]" ] || ${fail(`${n.name} holds guests; Proxmox refuses to join a node with guests. Back them up and remove them (or migrate them away) first.`)}`,
      );
    }
    steps.push({ id: stepId('check', n.name), title: `Check ${n.name} can ${i ? 'join' : 'create'} the cluster`, target: { node: n.name }, action: { kind: 'exec', command: sh(checks.join('\n')) }, precheck: inCluster, timeoutMs: 30_000 });
  }

  // 2. Create on the first node with every link.
  // Options as --name=value: a value can never be read as an option of its own.
  const createArgs = ['pvesh', 'create', '/cluster/config', `--clustername=${input.clusterName}`];
  first.links.forEach((address, l) => createArgs.push(`--link${l}=${formatLink({ address, ...(input.linkPriorities?.[l] !== undefined ? { priority: input.linkPriorities[l]! } : {}) })}`));
  if (input.tokenCoefficient !== undefined) createArgs.push(`--token-coefficient=${input.tokenCoefficient}`);
  steps.push({
    id: 'create',
    title: `Create cluster ${input.clusterName} on ${first.name}`,
    target: { node: first.name },
    action: { kind: 'exec', command: { argv: createArgs } },
    precheck: inCluster,
    verify: quorateCheck(1),
    idempotent: false,
    rollback: `On ${first.name}: systemctl stop corosync pve-cluster; pmxcfs -l; rm /etc/pve/corosync.conf /etc/corosync/*; killall pmxcfs; systemctl start pve-cluster`,
    dependsOn: reached.map((n) => stepId('check', n.name)),
    timeoutMs: 120_000,
  });
  let previous = 'create';

  // 3. WAN tuning before anyone joins, so every joiner receives the tuned configuration.
  if (input.totem && Object.keys(input.totem).length) {
    const file = '/etc/pve/corosync.conf';
    steps.push({
      id: 'wan-tuning',
      title: `Write totem ${Object.entries(input.totem).map(([k, v]) => `${k}: ${v}`).join(', ')}`,
      target: { node: first.name },
      action: { kind: 'exec', command: sh(totemEdit(file, input.totem)) },
      precheck: totemMatches(file, input.totem),
      verify: totemMatches(file, input.totem),
      rollback: `Remove the added keys from the totem section of ${file} and bump config_version.`,
      dependsOn: [previous],
    });
    // pmxcfs copies the new file to /etc/corosync and corosync reloads it: wait for that before anyone joins.
    steps.push({
      id: 'wan-tuning-active',
      title: 'Wait until corosync runs with the new totem timing',
      target: { node: first.name },
      action: { kind: 'wait', until: { kind: 'exec', command: sh(totemMatches('/etc/corosync/corosync.conf', input.totem)) }, intervalMs: 300, deadlineMs: 60_000 },
      dependsOn: ['wan-tuning'],
    });
    previous = 'wan-tuning-active';
  }

  // 4. Joins, one at a time (Proxmox holds a cluster-wide lock while adding a node).
  for (const n of joiners.filter((j) => !j.manual)) {
    const argv = ['pvesh', 'create', '/cluster/config/join', `--hostname=${first.links[0]!}`, `--fingerprint=${input.fingerprint}`];
    n.links.forEach((address, l) => argv.push(`--link${l}=${address}`));
    steps.push({
      id: stepId('join', n.name),
      title: `Join ${n.name} to ${input.clusterName}`,
      target: { node: n.name },
      action: { kind: 'exec', command: { sh: `${shellCommand(...argv)} --password="$PVE_ROOT_PASSWORD"`, env: { PVE_ROOT_PASSWORD: { secretRef: input.rootPasswordSecret } } } },
      precheck: inCluster,
      verify: inCluster,
      idempotent: false,
      rollback: `On ${first.name}: pvecm delnode ${n.name}; then on ${n.name}: systemctl stop corosync; rm -r /etc/corosync/*`,
      dependsOn: [previous],
      timeoutMs: 180_000,
    });
    previous = stepId('join', n.name);
  }

  // Nodes the app cannot reach: the admin joins them (join information or pvecm add); the plan waits for each.
  for (const n of joiners.filter((j) => j.manual)) {
    steps.push({
      id: stepId('await-join', n.name),
      title: `Wait for ${n.name} to be joined by hand (with the join information, or pvecm add on ${n.name})`,
      target: { node: first.name },
      action: { kind: 'wait', until: { kind: 'exec', command: sh(inNodelistCheck(n.name)) }, intervalMs: 2_000, deadlineMs: 60 * 60_000 },
      precheck: inNodelistCheck(n.name),
      dependsOn: [previous],
    });
    previous = stepId('await-join', n.name);
  }

  // 5. Quorate with every node's vote.
  steps.push({
    id: 'quorate',
    title: `Wait until ${input.clusterName} is quorate with ${input.nodes.length} votes`,
    target: { node: first.name },
    action: { kind: 'wait', until: { kind: 'exec', command: sh(quorateCheck(input.nodes.length)) }, intervalMs: 500, deadlineMs: 120_000 },
    dependsOn: [previous],
  });
  steps.push({
    id: 'membership-stable',
    title: 'Check that the membership is not re-forming (commit_token_lost steady)',
    target: { node: first.name },
    action: { kind: 'wait', until: { kind: 'exec', command: sh(stableMembershipCheck(2)) }, intervalMs: 500, deadlineMs: 60_000 },
    dependsOn: ['quorate'],
  });
  previous = 'membership-stable';

  // 6. QDevice for an even node count.
  if (input.qdevice && input.nodes.length % 2 === 0) {
    steps.push({
      id: 'qdevice',
      title: `Set up the QDevice on ${input.qdevice.address}`,
      target: { node: first.name },
      // A positional argument: checkInput proved it an IP address, which never begins with "-".
      action: { kind: 'exec', command: { argv: ['pvecm', 'qdevice', 'setup', input.qdevice.address] } },
      precheck: `grep -qE -- ${shellQuote(`^ +host: ${ereLiteral(input.qdevice.address)}$`)} /etc/corosync/corosync.conf`,
      idempotent: false,
      rollback: `On ${first.name}: pvecm qdevice remove`,
      dependsOn: [previous],
      timeoutMs: 180_000,
    });
    steps.push({
      id: 'qdevice-vote',
      title: 'Wait for the QDevice vote',
      target: { node: first.name },
      action: { kind: 'wait', until: { kind: 'exec', command: sh(quorateCheck(input.nodes.length + 1)) }, intervalMs: 500, deadlineMs: 60_000 },
      dependsOn: ['qdevice'],
    });
    previous = 'qdevice-vote';
  }

  // Migration traffic on its own network, for the whole cluster.
  if (input.migrationNetwork) {
    steps.push({
      id: 'migration-network',
      title: `Send migration traffic over ${input.migrationNetwork}`,
      target: { node: first.name },
      action: { kind: 'exec', command: { argv: ['pvesh', 'set', '/cluster/options', `--migration=type=secure,network=${input.migrationNetwork}`] } },
      precheck: `pvesh get /cluster/options --output-format=json | grep -qF -- ${shellQuote(`"network":"${input.migrationNetwork}"`)}`,
      rollback: `On ${first.name}: pvesh set /cluster/options --delete migration`,
      dependsOn: [previous],
    });
    previous = 'migration-network';
  }

  // 7. HA placement: rules on PVE 9, groups on PVE 8.
  if (input.ha) {
    const pve9 = Number(input.ha.release.split('.')[0]) >= 9;
    const argv = pve9
      ? ['pvesh', 'create', '/cluster/ha/rules', `--rule=${input.ha.name}`, '--type=node-affinity', `--nodes=${input.ha.nodes.join(',')}`, `--resources=${input.ha.resources.join(',')}`]
      : ['pvesh', 'create', '/cluster/ha/groups', `--group=${input.ha.name}`, `--nodes=${input.ha.nodes.join(',')}`];
    const list = pve9 ? '/cluster/ha/rules' : '/cluster/ha/groups';
    steps.push({
      id: 'ha',
      title: pve9 ? `HA node-affinity rule ${input.ha.name}` : `HA group ${input.ha.name}`,
      target: { node: first.name },
      action: { kind: 'exec', command: { argv } },
      precheck: `pvesh get ${list} --output-format=json | grep -qF -- ${shellQuote(`"${pve9 ? 'rule' : 'group'}":"${input.ha.name}"`)}`,
      dependsOn: [previous],
    });
  }

  return {
    id: `pve-${input.clusterName.toLowerCase()}`,
    title: `Proxmox VE cluster ${input.clusterName} (${input.nodes.length} nodes, ${linkCount} link${linkCount > 1 ? 's' : ''})`,
    nodes: Object.fromEntries(reached.map((n) => [n.name, { address: n.ssh.address, port: n.ssh.port ?? 22, user: n.ssh.user ?? 'root' }])),
    limits: { global: 8, perTarget: 2 },
    steps,
  };
}
