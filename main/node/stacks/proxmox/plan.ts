// Proxmox VE cluster plans for the engine: prechecks, create with all links, WAN totem tuning,
// sequential joins, quorum wait, QDevice and HA — each step with a precheck so a re-run changes nothing.
import { CwError } from '../../../common/errors.js';
import type { PlanInput, StepInput } from '../../../common/plan/schema.js';
import { formatLink } from '../../../common/stacks/proxmox/corosync-conf.js';
import { shellCommand } from '../../ssh/shell-quote.js';

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

/** Exit 0 when this node's running corosync belongs to the named cluster. */
export function inClusterCheck(clusterName: string): string {
  return `timeout 3 corosync-cmapctl -g totem.cluster_name 2>/dev/null | grep -qxF ${shellCommand(`totem.cluster_name (str) = ${clusterName}`)}`;
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
  return `timeout 3 corosync-cmapctl nodelist.node 2>/dev/null | grep -qE ${shellCommand(`^nodelist\\.node\\.[0-9]+\\.name \\(str\\) = ${node.replace(/[.]/g, '\\.')}$`)}`;
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
  return `set -e; f=${shellCommand(file)}; awk -v ${shellCommand(`sets=${sets}`)} ${shellCommand(script)} "$f" > "$f.new"; mv "$f.new" "$f"`;
}

function totemMatches(file: string, totem: Record<string, number>): string {
  return Object.entries(totem)
    .map(([k, v]) => `grep -qE ${shellCommand(`^ {2}${k}: ${v}$`)} ${shellCommand(file)}`)
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
  const inCluster = inClusterCheck(input.clusterName);
  const steps: StepInput[] = [];
  const reached = input.nodes.filter((n) => !n.manual);

  // 1. Prechecks on every node: the API answers, each link address is local, a joiner holds no guests and no corosync config.
  for (const [i, n] of input.nodes.entries()) {
    if (n.manual) continue;
    const fail = (text: string) => `{ echo ${shellCommand(text)} >&2; exit 1; }`;
    const checks = [
      `pvesh get /version --output-format json >/dev/null || ${fail(`The Proxmox VE API on ${n.name} does not answer (pvesh get /version). Is pveproxy running?`)}`,
      // Proxmox names a node after its hostname, which cannot change once it is in a cluster.
      // Proxmox uses the short name (a fully qualified hostname is fine).
      `h=$(hostname); [ "\${h%%.*}" = ${shellCommand(n.name)} ] || { echo ${shellCommand(`${n.name}'s hostname is `)}"$h"${shellCommand(`, but the workspace calls it ${n.name}: set the final hostname before it joins a cluster (it cannot change afterwards).`)} >&2; exit 1; }`,
      // The node name must resolve to one of its own, non-loopback addresses (pve-cluster refuses otherwise).
      `addr=$(getent hosts ${shellCommand(n.name)} | awk '{ print $1; exit }'); case "$addr" in '' | 127.* | ::1) echo ${shellCommand(`${n.name} does not resolve to one of its own non-loopback addresses (got '`)}"$addr"${shellCommand(`'): add it to /etc/hosts with its management address.`)} >&2; exit 1 ;; esac; ip -o addr show | grep -qwF -- "$addr" || { echo ${shellCommand(`${n.name} resolves to `)}"$addr"${shellCommand(', which is not on this node: fix /etc/hosts.')} >&2; exit 1; }`,
      ...n.links.map((a, l) => `ip -o addr show | grep -qwF -- ${shellCommand(a)} || ${fail(`link${l} address ${a} is not on ${n.name}`)}`),
      // Clocks: corosync and the cluster filesystem need them synchronised; a node without a time service gets a warning.
      `if command -v timedatectl >/dev/null 2>&1; then [ "$(timedatectl show -p NTPSynchronized --value 2>/dev/null)" = yes ] || echo ${shellCommand(`warning: ${n.name}'s clock is not synchronised (timedatectl): enable chrony or systemd-timesyncd before joining.`)} >&2; elif command -v chronyc >/dev/null 2>&1; then chronyc -n tracking >/dev/null 2>&1 || echo ${shellCommand(`warning: chrony on ${n.name} does not answer: check time synchronisation.`)} >&2; else echo ${shellCommand(`warning: no time synchronisation service found on ${n.name} (chrony, systemd-timesyncd); corosync and pmxcfs need synchronised clocks.`)} >&2; fi`,
    ];
    if (i > 0) {
      // The joiner reaches the creator on link0 (SSH here; the API's port 8006 is checked by the join itself).
      checks.push(`timeout 5 bash -c ${shellCommand(`exec 3<>/dev/tcp/${first.links[0]}/22`)} 2>/dev/null || ${fail(`${n.name} cannot open TCP port 22 on ${first.name}'s link0 address ${first.links[0]}: check routing and firewalls between the sites (corosync also needs UDP 5405-5412).`)}`);
    }
    if (input.qdevice && input.nodes.length % 2 === 0) {
      // Every node's corosync-qdevice connects to corosync-qnetd on TCP 5403; pvecm qdevice setup logs in there as root over SSH.
      const q = input.qdevice.address;
      checks.push(`timeout 5 bash -c ${shellCommand(`exec 3<>/dev/tcp/${q}/5403`)} 2>/dev/null || ${fail(`${n.name} cannot reach corosync-qnetd on ${q} (TCP 5403): install corosync-qnetd on the QDevice host and open TCP 5403 from every node.`)}`);
      if (i === 0) checks.push(`timeout 5 bash -c ${shellCommand(`exec 3<>/dev/tcp/${q}/22`)} 2>/dev/null || ${fail(`${n.name} cannot open SSH (TCP 22) on the QDevice host ${q}: pvecm qdevice setup logs in there as root (ssh-copy-id root@${q} first).`)}`);
    }
    checks.push(`test ! -e /etc/corosync/corosync.conf || { echo ${shellCommand(`${n.name} already has a corosync configuration: it is (or was) in another cluster. Remove it from that cluster first (pvecm delnode) and clean /etc/corosync.`)} >&2; exit 1; }`);
    if (i > 0) {
      checks.push(
        `guests=$(pvesh get ${shellCommand(`/nodes/${n.name}/qemu`)} --output-format json) && [ "$guests" = "[]" ] || { echo ${shellCommand(`${n.name} holds guests; Proxmox refuses to join a node with guests. Back them up and remove them (or migrate them away) first.`)} >&2; exit 1; }`,
      );
    }
    steps.push({ id: `check-${n.name}`, title: `Check ${n.name} can ${i ? 'join' : 'create'} the cluster`, target: { node: n.name }, action: { kind: 'exec', command: sh(checks.join('\n')) }, precheck: inCluster, timeoutMs: 30_000 });
  }

  // 2. Create on the first node with every link.
  const createArgs = ['pvesh', 'create', '/cluster/config', '--clustername', input.clusterName];
  first.links.forEach((address, l) => createArgs.push(`--link${l}`, formatLink({ address, ...(input.linkPriorities?.[l] !== undefined ? { priority: input.linkPriorities[l]! } : {}) })));
  if (input.tokenCoefficient !== undefined) createArgs.push('--token-coefficient', String(input.tokenCoefficient));
  steps.push({
    id: 'create',
    title: `Create cluster ${input.clusterName} on ${first.name}`,
    target: { node: first.name },
    action: { kind: 'exec', command: { argv: createArgs } },
    precheck: inCluster,
    verify: quorateCheck(1),
    idempotent: false,
    rollback: `On ${first.name}: systemctl stop corosync pve-cluster; pmxcfs -l; rm /etc/pve/corosync.conf /etc/corosync/*; killall pmxcfs; systemctl start pve-cluster`,
    dependsOn: reached.map((n) => `check-${n.name}`),
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
    const argv = ['pvesh', 'create', '/cluster/config/join', '--hostname', first.links[0]!, '--fingerprint', input.fingerprint];
    n.links.forEach((address, l) => argv.push(`--link${l}`, address));
    steps.push({
      id: `join-${n.name}`,
      title: `Join ${n.name} to ${input.clusterName}`,
      target: { node: n.name },
      action: { kind: 'exec', command: { sh: `${shellCommand(...argv)} --password "$PVE_ROOT_PASSWORD"`, env: { PVE_ROOT_PASSWORD: { secretRef: input.rootPasswordSecret } } } },
      precheck: inCluster,
      verify: inCluster,
      idempotent: false,
      rollback: `On ${first.name}: pvecm delnode ${n.name}; then on ${n.name}: systemctl stop corosync; rm -r /etc/corosync/*`,
      dependsOn: [previous],
      timeoutMs: 180_000,
    });
    previous = `join-${n.name}`;
  }

  // Nodes the app cannot reach: the admin joins them (join information or pvecm add); the plan waits for each.
  for (const n of joiners.filter((j) => j.manual)) {
    steps.push({
      id: `await-join-${n.name}`,
      title: `Wait for ${n.name} to be joined by hand (with the join information, or pvecm add on ${n.name})`,
      target: { node: first.name },
      action: { kind: 'wait', until: { kind: 'exec', command: sh(inNodelistCheck(n.name)) }, intervalMs: 2_000, deadlineMs: 60 * 60_000 },
      precheck: inNodelistCheck(n.name),
      dependsOn: [previous],
    });
    previous = `await-join-${n.name}`;
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
      action: { kind: 'exec', command: { argv: ['pvecm', 'qdevice', 'setup', input.qdevice.address] } },
      precheck: `grep -qE ${shellCommand(`^ +host: ${input.qdevice.address}$`)} /etc/corosync/corosync.conf`,
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
      action: { kind: 'exec', command: { argv: ['pvesh', 'set', '/cluster/options', '--migration', `type=secure,network=${input.migrationNetwork}`] } },
      precheck: `pvesh get /cluster/options --output-format json | grep -qF ${shellCommand(`"network":"${input.migrationNetwork}"`)}`,
      rollback: `On ${first.name}: pvesh set /cluster/options --delete migration`,
      dependsOn: [previous],
    });
    previous = 'migration-network';
  }

  // 7. HA placement: rules on PVE 9, groups on PVE 8.
  if (input.ha) {
    const pve9 = Number(input.ha.release.split('.')[0]) >= 9;
    const argv = pve9
      ? ['pvesh', 'create', '/cluster/ha/rules', '--rule', input.ha.name, '--type', 'node-affinity', '--nodes', input.ha.nodes.join(','), '--resources', input.ha.resources.join(',')]
      : ['pvesh', 'create', '/cluster/ha/groups', '--group', input.ha.name, '--nodes', input.ha.nodes.join(',')];
    const list = pve9 ? '/cluster/ha/rules' : '/cluster/ha/groups';
    steps.push({
      id: 'ha',
      title: pve9 ? `HA node-affinity rule ${input.ha.name}` : `HA group ${input.ha.name}`,
      target: { node: first.name },
      action: { kind: 'exec', command: { argv } },
      precheck: `pvesh get ${list} --output-format json | grep -qF ${shellCommand(`"${pve9 ? 'rule' : 'group'}":"${input.ha.name}"`)}`,
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
